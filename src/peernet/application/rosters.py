"""Queries on who is where: groups, rosters (now or as they were), companies and their
histories, memberships. Who is where is known across the network: every reader reads
these alike, except a membership's flags (the group's accountability), shown only to a
reader who sees inside its group."""

from uuid import UUID

from peernet.application.reading import Reading, uuid_of
from peernet.audit import replay
from peernet.domain.access import Reader, sees_inside
from peernet.domain.companies import Company, CompanyProfileChanged, CompanyRegistered
from peernet.domain.errors import UnknownMembership
from peernet.domain.groups import Group, GroupFormed
from peernet.domain.meetings import Meeting
from peernet.records import topic_of
from peernet.views import CompanyHistory, CompanyView, GroupSummary, MembershipView, Roster

#: the events that say what a group or a company is called
_NAMING_TOPICS = tuple(topic_of(c) for c in (GroupFormed, CompanyRegistered, CompanyProfileChanged))


class Rosters(Reading):
    def groups(self, *, reader: Reader | None = None) -> tuple[GroupSummary, ...]:
        """Every group ever formed, in order of formation (the same for every reader)."""
        with self._current():
            found = (self._get(Group, g) for g in self._replica.directory.groups)
            return tuple(GroupSummary.of(g) for g in found if g is not None)

    def names(self) -> dict[UUID, str]:
        """Every group's and every company's name as it reads now (a forgotten company's
        reads "forgotten"), by id, in order of formation and registration (the same for
        every reader).

        Read from the events that name them alone, not from every group's and company's
        stream as `groups` and `companies` are: what a listing of the log shows in place
        of ids, at a fraction of their cost on a store this process has not read yet."""
        found: dict[UUID, str] = {}
        for n in self._store.log(topics=_NAMING_TOPICS):
            event = self._store.codec.decode(n).event
            if isinstance(event, GroupFormed):
                found[event.group_id] = event.name
            elif isinstance(event, CompanyRegistered | CompanyProfileChanged):
                found[event.company_id] = event.profile.name
        return found

    def roster(
        self,
        group_id: UUID,
        *,
        as_of: replay.Moment | None = None,
        known_at: replay.Moment | None = None,
        reader: Reader | None = None,
    ) -> Roster:
        """Who is in the group now: members, open offers, the wait-list in order, and its
        next meeting (the same for every reader).

        With `as_of` (a business date or aware datetime), who was in it then; with
        `known_at` (a recording time), as the records stood then, without events
        recorded later (see docs/replay.md)."""
        with self._current():
            bound = replay.Bound.of(as_of, known_at)
            ids = self._replica.directory.meetings_of(uuid_of("group_id", group_id))
            meetings = [m for m in (self._get(Meeting, i) for i in ids) if m is not None]
            if not bound.open:
                pending = [m.id for m in meetings if _may_be_pending(m, bound)]
                return replay.roster(self._store, group_id, bound, pending)
            group = self._known_group(group_id)
            names = self._names(m.company_id for m in group.memberships.values())
            return Roster.of(group, names, meetings)

    def history(
        self,
        company_id: UUID,
        *,
        as_of: replay.Moment | None = None,
        known_at: replay.Moment | None = None,
        reader: Reader | None = None,
    ) -> CompanyHistory:
        """Every membership a company held or sought, in order, with the dates it joined
        and left and why; `as_of` and `known_at` as for `roster` (the same for every
        reader)."""
        with self._current():
            bound = replay.Bound.of(as_of, known_at)
            if not bound.open:
                return replay.history(self._store, uuid_of("company_id", company_id), bound)
            return replay.history_of(
                self._known_company(company_id), lambda group_id: self._get(Group, group_id)
            )

    def company(self, company_id: UUID, *, reader: Reader | None = None) -> CompanyView:
        """A company's profile and every membership it applied for; each membership's
        flags only for a `reader` who sees inside its group."""
        with self._current():
            return self._company_view(self._known_company(company_id), reader)

    def companies(self, *, reader: Reader | None = None) -> tuple[CompanyView, ...]:
        """Every company ever registered, in order of registration; flags as `company`."""
        with self._current():
            found = (self._get(Company, c) for c in self._replica.directory.companies)
            return tuple(self._company_view(c, reader) for c in found if c is not None)

    def membership(self, membership_id: UUID, *, reader: Reader | None = None) -> MembershipView:
        """One membership; its flags only for a `reader` who sees inside its group."""
        with self._current():
            group_id = self._replica.directory.group_of(uuid_of("membership_id", membership_id))
            group = self._get(Group, group_id) if group_id else None
            if group is None or membership_id not in group.memberships:
                raise UnknownMembership(membership_id=membership_id)
            reveal = sees_inside(reader, group)
            return MembershipView.of(group.memberships[membership_id], reveal=reveal)

    def _company_view(self, company: Company, reader: Reader | None) -> CompanyView:
        views = []
        for application in company.applications:
            group = self._get(Group, application.group_id)
            if group is not None and application.membership_id in group.memberships:
                m = group.memberships[application.membership_id]
                views.append(MembershipView.of(m, reveal=sees_inside(reader, group)))
        names = self._names([company.acquirer_id] if company.acquirer_id else [])
        return CompanyView.of(company, tuple(views), names)


def _may_be_pending(meeting: Meeting, bound: replay.Bound) -> bool:
    """Whether `meeting` (as it is now) may have been still to hold inside `bound`: an
    as-of roster folds only those meetings' streams. With a recording bound every one
    may (its close may have been recorded later), so every one is folded."""
    if bound.known_at is not None or bound.as_of is None:
        return True
    held = meeting.closed is not None and meeting.closed.at <= bound.as_of
    return meeting.scheduled.at <= bound.as_of and not held
