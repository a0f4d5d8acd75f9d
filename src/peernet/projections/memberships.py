"""`GroupHistories`: every membership's stay in each group, with the events behind it.

One view per group: its name, format and kind, when it was formed and closed, its
capacity over time, and every membership it ever answered: when the company applied,
was wait-listed, offered a seat, joined and left, and why it left. Turnover, retention,
fill rate, the wait-list, days to a seat and growth are all read from these views for any
period (`peernet.projections.figures`); the positions kept beside each time name the
events a figure is made of.
"""

from datetime import datetime
from fractions import Fraction
from typing import Any, ClassVar

import attrs

from peernet.domain.common import Event
from peernet.domain.groups import CharterAmended, GroupClosed, GroupFormed
from peernet.domain.memberships import (
    DEPARTURES,
    ApplicantWaitlisted,
    MemberJoined,
    MemberRemoved,
    MembershipStatus,
    SeatOffered,
)
from peernet.projections.core import Fact, KeyedBy, changed

#: why a stay ended: the status its departure left it in (`MembershipStatus` values), or
#: "acquired" for a removal because the company was bought
ACQUIRED = "acquired"
#: departures that count towards turnover (DOMAIN: not transfers or graduations)
_TURNOVER = (MembershipStatus.RESIGNED, MembershipStatus.VOTED_OFF, MembershipStatus.REMOVED)
TURNOVER_DEPARTURES = frozenset({status.value for status in _TURNOVER} | {ACQUIRED})
_LEAVING: dict[type[Event], str] = {kind: status.value for kind, status in DEPARTURES.items()}
_GROUP_EVENTS: frozenset[type[Event]] = frozenset({GroupFormed, CharterAmended, GroupClosed})
_ANSWERS: frozenset[type[Event]] = frozenset({ApplicantWaitlisted, SeatOffered, MemberJoined})


@attrs.frozen(kw_only=True)
class Stay:
    """One membership in one group: from application (or transfer in) to departure.

    Ids are kept as the text the store holds; `*_position` fields name the event that set
    the time beside them."""

    membership_id: str
    company_id: str
    applied_at: datetime
    applied_position: int
    waitlisted_at: datetime | None = None
    offered_at: datetime | None = None
    joined_at: datetime | None = None
    joined_position: int | None = None
    #: joined by transfer from another group of the network
    transferred_in: bool = False
    #: the membership it continues, when it joined by transfer (version 2)
    transferred_from: str | None = None
    left_at: datetime | None = None
    left_position: int | None = None
    departure: str | None = None
    #: why a member was removed (`RemovalCause` values: non-payment, other...; version 2)
    cause: str | None = None

    def active_before(self, instant: datetime) -> bool:
        """An active member just before `instant` (joined before it, not yet left)."""
        return (
            self.joined_at is not None
            and self.joined_at < instant
            and (self.left_at is None or self.left_at >= instant)
        )

    def waiting_before(self, instant: datetime) -> bool:
        """On the wait-list just before `instant`."""
        return (
            self.waitlisted_at is not None
            and self.waitlisted_at < instant
            and (self.offered_at is None or self.offered_at >= instant)
            and (self.left_at is None or self.left_at >= instant)
        )


#: how much of a miss arriving late or leaving early counts, where a charter does not say
DEFAULT_PARTIAL_MISS = Fraction(1, 2)


@attrs.frozen(kw_only=True)
class Capacity:
    """The charter's terms a figure reads, from `since` on: its capacity and how much of a
    miss arriving late or leaving early counts (`partial_miss`, version 2)."""

    since: datetime
    seats: int
    partial_miss: Fraction = DEFAULT_PARTIAL_MISS


@attrs.frozen(kw_only=True)
class GroupHistory:
    group_id: str
    name: str
    format: str
    kind: str
    formed_at: datetime
    closed_at: datetime | None = None
    capacities: tuple[Capacity, ...] = ()
    #: every membership the group answered, by id, in order of application
    stays: dict[str, Stay] = attrs.Factory(dict)

    def open_before(self, instant: datetime) -> bool:
        return self.formed_at < instant and (self.closed_at is None or self.closed_at >= instant)

    def capacity_before(self, instant: datetime) -> int:
        return self._terms_before(instant).seats

    def partial_miss_before(self, instant: datetime) -> Fraction:
        """The charter's `partial_miss` in force just before `instant`."""
        return self._terms_before(instant).partial_miss

    def _terms_before(self, instant: datetime) -> Capacity:
        terms = self.capacities[0]
        for capacity in self.capacities:
            if capacity.since < instant:
                terms = capacity
        return terms


def _terms(at: datetime, charter: dict[str, Any]) -> Capacity:
    partial = charter.get("partial_miss")
    return Capacity(
        since=at,
        seats=charter["capacity"],
        partial_miss=DEFAULT_PARTIAL_MISS if partial is None else Fraction(partial),
    )


def _at(fact: Fact) -> datetime:
    return datetime.fromisoformat(fact.data["at"])


def _with_stay(view: GroupHistory, stay: Stay) -> GroupHistory:
    return changed(view, stays={**view.stays, stay.membership_id: stay})


def _answered(view: GroupHistory, fact: Fact, at: datetime) -> GroupHistory:
    data = fact.data
    stay = view.stays.get(data["membership_id"])
    if stay is None:
        stay = Stay(
            **fact.as_stored("membership_id", "company_id"),
            applied_at=at,
            applied_position=fact.position,
        )
    if fact.kind is ApplicantWaitlisted:
        stay = changed(stay, waitlisted_at=stay.waitlisted_at or at)
    elif fact.kind is SeatOffered:
        stay = changed(stay, offered_at=at)
    else:  # MemberJoined
        stay = changed(
            stay,
            joined_at=at,
            joined_position=fact.position,
            transferred_in=data.get("transferred_from") is not None,
            transferred_from=data.get("transferred_from"),
        )
    return _with_stay(view, stay)


class GroupHistories(KeyedBy):
    """The `GroupHistory` of every group, keyed by group id."""

    name: ClassVar[str] = "group_histories"
    key_field: ClassVar[str] = "group_id"
    version: ClassVar[int] = 2
    events: ClassVar[frozenset[type[Event]]] = _GROUP_EVENTS | _ANSWERS | frozenset(_LEAVING)
    view_type: ClassVar[type[GroupHistory]] = GroupHistory

    def project(self, view: GroupHistory | None, fact: Fact) -> GroupHistory | None:
        at = _at(fact)
        data = fact.data
        if fact.kind is GroupFormed:
            return GroupHistory(
                **fact.as_stored("group_id", "name", "format", "kind"),
                formed_at=at,
                capacities=(_terms(at, data["charter"]),),
            )
        if view is None:
            return None  # a stream that does not begin with GroupFormed is none of ours
        if fact.kind in _ANSWERS:
            return _answered(view, fact, at)
        if (departure := _LEAVING.get(fact.kind)) is not None:
            stay = view.stays.get(data["membership_id"])
            if stay is None:
                return view
            if fact.kind is MemberRemoved and data.get("cause") == "acquisition":
                departure = ACQUIRED
            cause = data.get("cause") if fact.kind is MemberRemoved else None
            left = changed(
                stay,
                left_at=at,
                left_position=fact.position,
                departure=departure,
                cause=cause if isinstance(cause, str) else None,
            )
            return _with_stay(view, left)
        if fact.kind is CharterAmended:
            return changed(view, capacities=(*view.capacities, _terms(at, data["charter"])))
        return changed(view, closed_at=at)  # GroupClosed
