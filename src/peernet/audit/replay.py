"""Views as they were: at a business date (`as_of`) and as the records stood at a
recording time (`known_at`).

An as-of view folds the events of the streams it needs, read from the store a page at a
time and only up to the bound, with the same pure `evolve` the facade folds with; there
is no table of past states to go stale. Within a stream business time and recording time
only move forward (a command dated before a stream's last event is refused), so the
events inside a bound are a prefix of the stream and reading stops at the first event
past it.
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any, Protocol
from uuid import UUID

import attrs

from peernet.domain import companies, groups, meetings
from peernet.domain.common import aware
from peernet.domain.companies import Company, CompanyRegistered
from peernet.domain.errors import InvalidValue, UnknownCompany, UnknownGroup
from peernet.domain.groups import Group, GroupFormed
from peernet.domain.meetings import Meeting, MeetingScheduled
from peernet.records import Recorded
from peernet.views import CompanyHistory, Roster, Tenure, acquirer_of

_PAGE = 1000

#: a business date or time, or a recording time: a date means the whole of that day (UTC)
Moment = date | datetime


def moment(name: str, value: Moment | None, *, first: bool = False) -> datetime | None:
    """The instant `value` names: an aware datetime itself; a date, its last microsecond
    in UTC (its first with `first`). A naive datetime or another type is `InvalidValue`."""
    if value is None or isinstance(value, datetime):
        return None if value is None else aware(value)
    if isinstance(value, date):
        return datetime.combine(value, time.min if first else time.max, UTC)
    raise InvalidValue(f"{name} must be a date or an aware datetime, not {value!r}")


@attrs.frozen(kw_only=True)
class Bound:
    """Which events a view may see: those that happened by `as_of` (business time) and
    were recorded by `known_at` (recording time); None leaves that side open."""

    as_of: datetime | None = None
    known_at: datetime | None = None

    @classmethod
    def of(cls, as_of: Moment | None = None, known_at: Moment | None = None) -> "Bound":
        return cls(as_of=moment("as_of", as_of), known_at=moment("known_at", known_at))

    @property
    def open(self) -> bool:
        return self.as_of is None and self.known_at is None

    def admits(self, record: Recorded) -> bool:
        return (self.as_of is None or record.event.at <= self.as_of) and (
            self.known_at is None or record.recorded_at <= self.known_at
        )

    def __str__(self) -> str:
        sides = [f"as of {self.as_of.isoformat()}" if self.as_of else ""]
        sides.append(f"as known at {self.known_at.isoformat()}" if self.known_at else "")
        return ", ".join(s for s in sides if s)


class Source(Protocol):
    """What an as-of view reads: a store's recorder and the codec that decodes it (a
    `Network` has both)."""

    @property
    def recorder(self) -> Any: ...

    @property
    def codec(self) -> Any: ...


def bounded(source: Source, stream_id: UUID, bound: Bound) -> Iterator[Recorded]:
    """A stream's records inside `bound`, in order, read a page at a time."""
    after = 0
    while True:
        batch = source.recorder.select_events(stream_id, gt=after, limit=_PAGE)
        for stored in batch:
            record: Recorded = source.codec.decode(stored)
            if not bound.admits(record):
                return
            yield record
        if len(batch) < _PAGE:
            return
        after = batch[-1].originator_version


def _fold(
    source: Source,
    stream_id: UUID,
    bound: Bound,
    *,
    kind: str,
    first: type,
    evolve: Callable[[Any, Any], Any],
) -> Any:
    state = None
    for record in bounded(source, stream_id, bound):
        if state is None and not isinstance(record.event, first):
            raise InvalidValue(f"{stream_id} is not a {kind} id", stream_id=stream_id)
        state = evolve(state, record.event)
    return state


def group_as(source: Source, group_id: UUID, bound: Bound) -> Group | None:
    found: Group | None = _fold(
        source, group_id, bound, kind="group", first=GroupFormed, evolve=groups.evolve
    )
    return found


def company_as(source: Source, company_id: UUID, bound: Bound) -> Company | None:
    found: Company | None = _fold(
        source, company_id, bound, kind="company", first=CompanyRegistered, evolve=companies.evolve
    )
    return found


def meeting_as(source: Source, meeting_id: UUID, bound: Bound) -> Meeting | None:
    found: Meeting | None = _fold(
        source, meeting_id, bound, kind="meeting", first=MeetingScheduled, evolve=meetings.evolve
    )
    return found


def roster(
    source: Source, group_id: UUID, bound: Bound, meeting_ids: Iterable[UUID] = ()
) -> Roster:
    """The roster a group had inside `bound`, its next meeting read from the meetings
    `meeting_ids` (those of the group's meetings that may have been still to hold then)
    as they stood then; UnknownGroup if it was not formed yet."""
    group = group_as(source, group_id, bound)
    if group is None:
        raise UnknownGroup(group_id=group_id)
    names = {}
    for company_id in {m.company_id for m in group.memberships.values()}:
        company = company_as(source, company_id, bound)
        if company is not None:
            names[company_id] = company.profile.name
    return Roster.of(group, names, (meeting_as(source, m, bound) for m in meeting_ids))


def history(source: Source, company_id: UUID, bound: Bound) -> CompanyHistory:
    """Every membership a company applied for inside `bound`, in order of application,
    each as its group had it then (UnknownCompany when it was not registered yet)."""
    company = company_as(source, company_id, bound)
    if company is None:
        raise UnknownCompany(company_id=company_id)
    seen: dict[UUID, Group | None] = {}

    def group_of(group_id: UUID) -> Group | None:
        if group_id not in seen:
            seen[group_id] = group_as(source, group_id, bound)
        return seen[group_id]

    return history_of(company, group_of)


def history_of(company: Company, group_of: Callable[[UUID], Group | None]) -> CompanyHistory:
    """A company's history, each membership as `group_of` its group has it (the law
    `history(as of the last event) == history()` ties a bounded history to the current)."""
    tenures = []
    for application in company.applications:
        group = group_of(application.group_id)
        if group is None or application.membership_id not in group.memberships:
            continue  # the group's answer lies outside the bound
        tenures.append(Tenure.of(group.memberships[application.membership_id], group.name))
    return CompanyHistory(
        company_id=company.id,
        name=company.profile.name,
        registered_at=company.registered_at,
        acquired_by=acquirer_of(company, {}),
        memberships=tuple(tenures),
    )
