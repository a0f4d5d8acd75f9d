"""Queries that can return a lot, a page at a time, filtered (`peernet.paging`): the
companies, the meetings, the audit trail. Each sorts by a key that never changes once
recorded, so a cursor resumes exactly after the last item given."""

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from peernet.application.audit import Audit
from peernet.application.reading import uuid_of
from peernet.application.rosters import Rosters
from peernet.application.sessions import Sessions
from peernet.audit import replay
from peernet.audit.trail import AuditEntry, trail
from peernet.domain.access import Reader
from peernet.domain.common import Event
from peernet.domain.companies import Company, CompanyKind
from peernet.domain.errors import InvalidValue
from peernet.domain.meetings import Meeting, MeetingStatus
from peernet.paging import LIMIT, Page, after, paginate
from peernet.views import CompanyView, MeetingView


class Pages(Rosters, Sessions, Audit):
    def companies_page(
        self,
        *,
        limit: int = LIMIT,
        cursor: str | None = None,
        kind: CompanyKind | None = None,
        country: str | None = None,
        name: str | None = None,
        group_id: UUID | None = None,
        reader: Reader | None = None,
    ) -> Page[CompanyView]:
        """Companies in the order they were registered, `limit` at a time; `kind`,
        `country` (of the territory), `name` (a part of it, any case) and `group_id` (it
        holds or sought a membership there) narrow them; flags as `company` shows them."""
        if kind is not None and not isinstance(kind, CompanyKind):
            raise InvalidValue(f"kind must be a CompanyKind, got {kind!r}", field="kind")
        wanted_country = country.strip().upper() if country else None
        wanted_name = name.casefold() if name else None
        with self._current():
            if group_id is not None:
                self._known_group(uuid_of("group_id", group_id))
            order = {c: i for i, c in enumerate(self._replica.directory.companies)}

            def fits(company: Company) -> bool:
                profile = company.profile
                return (
                    (kind is None or profile.kind is kind)
                    and (wanted_country is None or profile.territory.country == wanted_country)
                    and (wanted_name is None or wanted_name in str(profile.name).casefold())
                    and (
                        group_id is None
                        or any(a.group_id == group_id for a in company.applications)
                    )
                )

            found = (self._get(Company, c) for c in order)
            chosen = [c for c in found if c is not None and fits(c)]
            page = paginate(
                chosen,
                key=lambda c: (order[c.id],),
                kind="companies",
                limit=limit,
                cursor=cursor,
                ordered=True,
            )
            return Page(tuple(self._company_view(c, reader) for c in page.items), page.next)

    def meetings_page(
        self,
        *,
        group_id: UUID | None = None,
        limit: int = LIMIT,
        cursor: str | None = None,
        since: date | None = None,
        until: date | None = None,
        status: MeetingStatus | None = None,
        reader: Reader | None = None,
    ) -> Page[MeetingView]:
        """Meetings by their first day (then id), of one group or of every group,
        `limit` at a time; `since` and `until` (first days, inclusive) and `status`
        narrow them. Prep work shows as in `meeting()`."""
        for field, day in (("since", since), ("until", until)):
            if day is not None and not isinstance(day, date):
                raise InvalidValue(f"{field} must be a date, got {day!r}", field=field)
        if status is not None and not isinstance(status, MeetingStatus):
            raise InvalidValue(f"status must be a MeetingStatus, got {status!r}", field="status")
        with self._current():
            directory = self._replica.directory
            if group_id is not None:
                self._known_group(uuid_of("group_id", group_id))
                groups: Iterable[UUID] = (group_id,)
            else:
                groups = directory.groups
            found = (self._get(Meeting, m) for g in groups for m in directory.meetings_of(g))
            chosen = [
                m
                for m in found
                if m is not None
                and (since is None or m.starts >= since)
                and (until is None or m.starts <= until)
                and (status is None or m.status is status)
            ]
            page = paginate(
                chosen,
                key=lambda m: (m.starts.isoformat(), str(m.id)),
                kind="meetings",
                limit=limit,
                cursor=cursor,
            )
            return Page(tuple(self._meeting_view(m, reader) for m in page.items), page.next)

    def trail_page(
        self,
        *subjects: UUID,
        limit: int = LIMIT,
        cursor: str | None = None,
        actor: str | None = None,
        start: replay.Moment | None = None,
        end: replay.Moment | None = None,
        known_at: replay.Moment | None = None,
        events: Iterable[type[Event]] = (),
        reader: Reader | None = None,
    ) -> Page[AuditEntry]:
        """The audit trail (see `trail`) a page at a time, in the order recorded; `events`
        keeps only entries of those event classes (and classes derived from them); what
        is confidential to a group redacted for a `reader` outside it, as in `trail`."""
        kinds = tuple(events)
        for cls in kinds:
            if not (isinstance(cls, type) and issubclass(cls, Event)):
                raise InvalidValue(f"events are event classes, not {cls!r}", field="events")
        for subject in subjects:
            uuid_of("subject", subject)
        resume = after("trail", cursor)
        log = self.recorded(after=int(resume[0]) if resume else 0)
        entries = trail(
            log,
            subjects=subjects,
            actor=actor,
            start=start,
            end=end,
            known_at=known_at,
            sees=self._groups_seen_by(reader),
        )
        wanted = (e for e in entries if not kinds or isinstance(e.event, kinds))
        return paginate(
            wanted,
            key=lambda e: (e.position,),
            kind="trail",
            limit=limit,
            cursor=cursor,
            ordered=True,
        )
