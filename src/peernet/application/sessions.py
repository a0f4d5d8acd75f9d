"""Queries on meetings, gatherings and money: agendas, prep, attendance, cost sheets and
each company's account. Prep work is confidential to the group."""

from uuid import UUID

from peernet.application.reading import Reading, uuid_of
from peernet.domain.access import Reader, sees_inside
from peernet.domain.errors import UnknownGathering, UnknownMeeting
from peernet.domain.meetings import Gathering, Meeting
from peernet.views import AccountView, GatheringView, MeetingView


class Sessions(Reading):
    def meeting(self, meeting_id: UUID, *, reader: Reader | None = None) -> MeetingView:
        """A meeting: agenda, prep status, attendance and cost sheet. The prep work itself
        is shown only to the group's active members, its facilitator and auditors."""
        with self._current():
            meeting = self._get(Meeting, uuid_of("meeting_id", meeting_id))
            if meeting is None:
                raise UnknownMeeting(meeting_id=meeting_id)
            return self._meeting_view(meeting, reader)

    def _meeting_view(self, meeting: Meeting, reader: Reader | None) -> MeetingView:
        group = self._known_group(meeting.group_id)
        return MeetingView.of(meeting, group.charter.currency, reveal=sees_inside(reader, group))

    def group_meetings(
        self, group_id: UUID, *, reader: Reader | None = None
    ) -> tuple[MeetingView, ...]:
        """The group's meetings, by their first day."""
        with self._current():
            self._known_group(group_id)
            found = [self._get(Meeting, m) for m in self._replica.directory.meetings_of(group_id)]
            held = sorted((m for m in found if m), key=lambda m: (m.starts, str(m.id)))
            return tuple(self._meeting_view(m, reader) for m in held)

    def gathering(self, gathering_id: UUID, *, reader: Reader | None = None) -> GatheringView:
        """A gathering: where, when, its meetings and costs (the same for every reader)."""
        with self._current():
            gathering = self._get(Gathering, uuid_of("gathering_id", gathering_id))
            if gathering is None:
                raise UnknownGathering(gathering_id=gathering_id)
            return GatheringView.of(gathering)

    def gatherings(self, *, reader: Reader | None = None) -> tuple[GatheringView, ...]:
        """Every gathering, in the order scheduled (the same for every reader)."""
        with self._current():
            found = (self._get(Gathering, g) for g in self._replica.directory.gatherings)
            return tuple(GatheringView.of(g) for g in found if g is not None)

    def account(self, company_id: UUID, *, reader: Reader | None = None) -> AccountView:
        """A company's account: dues charged, its shares of meeting and gathering costs,
        payments received, and the balance it owes, in date order (the same for every
        reader: the network bills its members in the open)."""
        with self._current():
            company = self._known_company(company_id)
            shared: list[Meeting | Gathering] = []
            for kind, stream_id in self._replica.directory.company_costs.get(company.id, ()):
                held = (
                    self._get(Meeting, stream_id)
                    if kind == "meeting_id"
                    else self._get(Gathering, stream_id)
                )
                assert held is not None
                shared.append(held)
            return AccountView.of(company, shared)
