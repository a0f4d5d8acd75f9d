"""The figures people read from a network, as pure functions of the projected views.

Every figure is computed for a `Period` (first and last day, both included) from the
views of one group or of every group, and keeps what it was made of: turnover lists the
departures and the member-days behind its rate, goal completion the goals due, and so
on, each with the log position of the event behind it. Rates are exact `Fraction`s
(None when their denominator is zero), so two ways of computing one agree to the last
digit. Definitions: docs/projections.md and the domain's "Figures people read".
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from statistics import median
from typing import TypedDict

import attrs

from peernet.domain.errors import InvalidValue
from peernet.domain.meetings import Attendance
from peernet.projections.attendance import CLOSED, MeetingRoll
from peernet.projections.goals import MET, WITHDRAWN, GoalEntry
from peernet.projections.memberships import (
    DEFAULT_PARTIAL_MISS,
    TURNOVER_DEPARTURES,
    GroupHistory,
    Stay,
)

NETWORK = "network"
#: the mark of a member the close found unmarked
ABSENT = Attendance.ABSENT.value
_DAY = 86_400


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


#: the last day a period may end on: figures look a quarter and a day past a period's end
LAST_DAY = date(date.max.year - 1, 12, 31)


@attrs.frozen
class Period:
    """From the first moment of `start` to the last of `end` (UTC), both days included."""

    start: date
    end: date

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidValue(f"a period ends on or after it starts ({self.start} > {self.end})")
        if self.end > LAST_DAY:
            raise InvalidValue(f"a period ends by {LAST_DAY}, not on {self.end}")

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def begins(self) -> datetime:
        return _instant(self.start)

    @property
    def ends(self) -> datetime:
        """The first moment after the period."""
        return _instant(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def holds(self, instant: datetime | None) -> bool:
        return instant is not None and self.begins <= instant < self.ends


class _Whose(TypedDict):
    group_id: str
    membership_id: str
    company_id: str


def _whose(history: GroupHistory, stay: Stay) -> _Whose:
    """Whom a line of a figure is about: the group, the membership and its company."""
    return {
        "group_id": history.group_id,
        "membership_id": stay.membership_id,
        "company_id": stay.company_id,
    }


@attrs.frozen(kw_only=True)
class Figure:
    """What every figure is: of a scope (a group's id, or NETWORK) over a period."""

    scope: str
    period: Period


def _ratio(numerator: int | Fraction, denominator: int | Fraction) -> Fraction | None:
    return Fraction(numerator) / Fraction(denominator) if denominator else None


# --- turnover -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Departure:
    """A member that left in the period, for a reason that counts towards turnover."""

    group_id: str
    membership_id: str
    company_id: str
    reason: str
    at: datetime
    position: int
    #: why a member was removed (non-payment, other...), for a removal
    cause: str | None = None

    @property
    def why(self) -> str:
        """The reason, a removal named by its cause: "resigned", "voted off",
        "acquired", "non-payment", "other"."""
        return self.cause if self.reason == "removed" and self.cause else self.reason


@attrs.frozen(kw_only=True)
class MemberDays:
    """The days one membership was active inside the period (exact, to the second)."""

    group_id: str
    membership_id: str
    company_id: str
    days: Fraction
    joined_position: int
    left_position: int | None


@attrs.frozen(kw_only=True)
class Turnover(Figure):
    """Departures ÷ the time-weighted average of active members over the period."""

    departures: tuple[Departure, ...]
    member_days: tuple[MemberDays, ...]

    @property
    def average_members(self) -> Fraction:
        return sum((m.days for m in self.member_days), Fraction(0)) / self.period.days

    @property
    def rate(self) -> Fraction | None:
        """Turnover over the period (for a year, the annual turnover)."""
        return _ratio(len(self.departures), self.average_members)

    @property
    def annualised(self) -> Fraction | None:
        """The rate scaled to a year of 365 days, to compare periods of other lengths."""
        rate = self.rate
        return None if rate is None else rate * 365 / self.period.days

    @property
    def positions(self) -> tuple[int, ...]:
        """The log positions of every event the figure is made of."""
        found = {d.position for d in self.departures}
        for m in self.member_days:
            found.add(m.joined_position)
            if m.left_position is not None:
                found.add(m.left_position)
        return tuple(sorted(found))


def _overlap_days(stay: Stay, period: Period) -> Fraction:
    assert stay.joined_at is not None
    start = max(stay.joined_at, period.begins)
    end = period.ends if stay.left_at is None else min(stay.left_at, period.ends)
    if end <= start:
        return Fraction(0)
    delta = end - start
    return Fraction(delta.days * _DAY + delta.seconds, _DAY)


def turnover(histories: Iterable[GroupHistory], period: Period, scope: str = NETWORK) -> Turnover:
    """Turnover of the groups `histories` holds (one group, or all for the network)."""
    departures: list[Departure] = []
    days: list[MemberDays] = []
    for history in histories:
        for stay in history.stays.values():
            if stay.joined_at is None:
                continue
            if stay.departure in TURNOVER_DEPARTURES and period.holds(stay.left_at):
                assert stay.left_at is not None
                assert stay.left_position is not None
                departures.append(
                    Departure(
                        **_whose(history, stay),
                        reason=stay.departure,
                        cause=stay.cause,
                        at=stay.left_at,
                        position=stay.left_position,
                    )
                )
            if overlap := _overlap_days(stay, period):
                assert stay.joined_position is not None
                days.append(
                    MemberDays(
                        **_whose(history, stay),
                        days=overlap,
                        joined_position=stay.joined_position,
                        left_position=stay.left_position if period.holds(stay.left_at) else None,
                    )
                )
    departures.sort(key=lambda d: d.position)
    days.sort(key=lambda m: m.joined_position)
    return Turnover(
        scope=scope, period=period, departures=tuple(departures), member_days=tuple(days)
    )


# --- retention ------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Retention(Figure):
    """Members at the start of the period still active at its end ÷ members at the start.

    Members are memberships. A joiner who leaves within the period does not lower it (it
    was not a member at the start). For the whole network a member who transferred
    between its groups is still active (its stay goes on in the other group); for one
    group it left."""

    at_start: tuple[str, ...]
    at_end: tuple[str, ...]
    joined: tuple[str, ...]
    #: the members at the start still active at the end (by the membership at the start)
    retained: tuple[str, ...] = ()

    @property
    def rate(self) -> Fraction | None:
        return _ratio(len(self.retained), len(self.at_start))


def retention(histories: Iterable[GroupHistory], period: Period, scope: str = NETWORK) -> Retention:
    at_start: list[str] = []
    at_end: list[str] = []
    joined: list[str] = []
    stays = [stay for history in histories for stay in history.stays.values()]
    #: each stay that continues another by transfer, by the stay it continues
    successor = {s.transferred_from: s for s in stays if s.transferred_from is not None}
    retained: list[str] = []
    for stay in stays:
        if stay.active_before(period.ends):
            at_end.append(stay.membership_id)
        if period.holds(stay.joined_at) and not (scope == NETWORK and stay.transferred_in):
            joined.append(stay.membership_id)
        if stay.active_before(period.begins):
            at_start.append(stay.membership_id)
            last, seen = stay, {stay.membership_id}
            while (following := successor.get(last.membership_id)) is not None:
                if following.membership_id in seen:
                    break
                last = following
                seen.add(last.membership_id)
            if last.active_before(period.ends):
                retained.append(stay.membership_id)
    return Retention(
        scope=scope,
        period=period,
        at_start=tuple(at_start),
        at_end=tuple(at_end),
        joined=tuple(joined),
        retained=tuple(retained),
    )


# --- fill rate, wait-list, days to a seat ----------------------------------------------


@attrs.frozen(kw_only=True)
class Waiting:
    group_id: str
    membership_id: str
    company_id: str
    since: datetime
    days: int


@attrs.frozen(kw_only=True)
class Seating:
    """Members who joined in the period (not by transfer) and the days each waited
    from application to seat."""

    group_id: str
    membership_id: str
    company_id: str
    days: int
    joined_position: int


@attrs.frozen(kw_only=True)
class Fill(Figure):
    """Seats at the end of the period: active ÷ capacity of the open groups, the
    wait-list and its age, and the days from application to seat of those seated in it."""

    active: int
    capacity: int
    waiting: tuple[Waiting, ...]
    seated: tuple[Seating, ...]
    #: applicants wait-listed during the period (by membership), seated since or not
    listed: tuple[str, ...] = ()

    @property
    def rate(self) -> Fraction | None:
        return _ratio(self.active, self.capacity)

    @property
    def oldest_wait(self) -> int | None:
        return max((w.days for w in self.waiting), default=None)

    @property
    def median_wait(self) -> float | None:
        return median(w.days for w in self.waiting) if self.waiting else None

    @property
    def median_days_to_seat(self) -> float | None:
        return median(s.days for s in self.seated) if self.seated else None


def fill(histories: Iterable[GroupHistory], period: Period, scope: str = NETWORK) -> Fill:
    end = period.ends
    active = capacity = 0
    waiting: list[Waiting] = []
    seated: list[Seating] = []
    listed: list[str] = []
    for history in histories:
        if history.open_before(end):
            capacity += history.capacity_before(end)
        for stay in history.stays.values():
            if stay.active_before(end):
                active += 1
            if period.holds(stay.waitlisted_at):
                listed.append(stay.membership_id)
            if stay.waiting_before(end):
                assert stay.waitlisted_at is not None
                waiting.append(
                    Waiting(
                        **_whose(history, stay),
                        since=stay.waitlisted_at,
                        days=(end - stay.waitlisted_at).days,
                    )
                )
            if period.holds(stay.joined_at) and not stay.transferred_in:
                assert stay.joined_at is not None
                assert stay.joined_position is not None
                seated.append(
                    Seating(
                        **_whose(history, stay),
                        days=(stay.joined_at - stay.applied_at).days,
                        joined_position=stay.joined_position,
                    )
                )
    waiting.sort(key=lambda w: (w.since, w.membership_id))
    seated.sort(key=lambda s: s.joined_position)
    return Fill(
        scope=scope,
        period=period,
        active=active,
        capacity=capacity,
        waiting=tuple(waiting),
        seated=tuple(seated),
        listed=tuple(listed),
    )


# --- growth ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Target:
    """What the network means to grow to. HTG's was 20 groups and 240 partners."""

    groups: int = 20
    companies: int = 240


@attrs.frozen(kw_only=True)
class Quarter:
    """Groups open and distinct companies active at the end of one quarter."""

    label: str
    ends: date
    groups: int
    companies: int


@attrs.frozen(kw_only=True)
class Growth(Figure):
    target: Target
    quarters: tuple[Quarter, ...]

    @property
    def groups_of_target(self) -> Fraction | None:
        return _ratio(self.quarters[-1].groups, self.target.groups) if self.quarters else None

    @property
    def companies_of_target(self) -> Fraction | None:
        last = self.quarters[-1].companies if self.quarters else 0
        return _ratio(last, self.target.companies) if self.quarters else None


def quarter_ends(period: Period) -> list[date]:
    """The last day of every quarter that ends inside the period, then the period's end
    if a quarter is still running."""
    ends: list[date] = []
    year, quarter = period.start.year, (period.start.month - 1) // 3
    while True:
        month = 3 * quarter + 3
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        if last > period.end:
            break
        ends.append(last)
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
    if not ends or ends[-1] != period.end:
        ends.append(period.end)
    return ends


def growth(histories: Iterable[GroupHistory], period: Period, target: Target = Target()) -> Growth:
    """Groups and active companies at the end of each quarter of the period."""
    views = list(histories)
    quarters = []
    for last in quarter_ends(period):
        instant = _instant(last + timedelta(days=1))
        groups = sum(1 for h in views if h.open_before(instant))
        companies = {
            s.company_id for h in views for s in h.stays.values() if s.active_before(instant)
        }
        label = f"{last.year}Q{(last.month - 1) // 3 + 1}"
        quarters.append(Quarter(label=label, ends=last, groups=groups, companies=len(companies)))
    return Growth(scope=NETWORK, period=period, target=target, quarters=tuple(quarters))


# --- goals ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class GoalDue:
    group_id: str
    goal_id: str
    membership_id: str
    due: date
    status: str
    set_position: int
    decided_position: int | None
    #: the goal's category (`GoalEntry.category`)
    category: str = ""


@attrs.frozen(kw_only=True)
class GoalCompletion(Figure):
    """Goals met ÷ goals due in the period. A goal withdrawn is no longer due; one
    still open after its due date is due and not met."""

    due: tuple[GoalDue, ...]

    @property
    def met(self) -> int:
        return sum(1 for g in self.due if g.status == MET)

    @property
    def rate(self) -> Fraction | None:
        return _ratio(self.met, len(self.due))


def goal_completion(
    goals: Iterable[GoalEntry], period: Period, scope: str = NETWORK
) -> GoalCompletion:
    due = [
        GoalDue(
            group_id=goal.group_id,
            goal_id=goal.goal_id,
            membership_id=goal.membership_id,
            due=goal.due,
            status=goal.status,
            set_position=goal.set_position,
            decided_position=goal.decided_position,
            category=goal.category,
        )
        for goal in goals
        if period.start <= goal.due <= period.end and goal.status != WITHDRAWN
    ]
    due.sort(key=lambda g: (g.due, g.set_position))
    return GoalCompletion(scope=scope, period=period, due=tuple(due))


# --- attendance -------------------------------------------------------------------------


def attended(mark: str, partial_miss: Fraction) -> Fraction:
    """How much of a meeting a mark attends: 1 less the miss it counts as, arriving late
    or leaving early counting as `partial_miss` of a miss (the group's charter's)."""
    return 1 - Attendance(mark).miss(partial_miss)


def partial_miss_on(histories: Mapping[str, GroupHistory], group_id: str, day: date) -> Fraction:
    """The `partial_miss` of the group's charter in force on `day` (the default
    charter's for a group the histories do not hold)."""
    history = histories.get(group_id)
    if history is None:
        return DEFAULT_PARTIAL_MISS
    return history.partial_miss_before(_instant(day + timedelta(days=1)))


@attrs.frozen(kw_only=True)
class Presence:
    """One member counted at one meeting, and how much of it the member attended."""

    group_id: str
    meeting_id: str
    starts: date
    membership_id: str
    mark: str
    attended: Fraction


@attrs.frozen(kw_only=True)
class AttendanceRate(Figure):
    """Meetings attended ÷ meetings the members were expected at, over the closed
    meetings of the period (late or left early count 1 - the charter's `partial_miss`).

    A member is expected at a meeting when it was active in the group on the meeting's
    day (the members its `MeetingClosed` counted). `held` are the closed meetings of the
    period, those that expected nobody (every member had left) included."""

    expected: tuple[Presence, ...]
    #: the positions of the events behind the figure
    positions: tuple[int, ...]
    #: the meetings held (closed) in the period, by id
    held: tuple[str, ...] = ()

    @property
    def attended(self) -> Fraction:
        return sum((p.attended for p in self.expected), Fraction(0))

    @property
    def rate(self) -> Fraction | None:
        return _ratio(self.attended, len(self.expected))

    @property
    def meetings(self) -> int:
        """Meetings held in the period (closed), whether or not they expected anyone."""
        return len(self.held)

    def marked(self, *marks: str) -> int:
        """How many of the expected attendances bear one of `marks`."""
        return sum(1 for p in self.expected if p.mark in marks)


def attendance(
    rolls: Iterable[MeetingRoll],
    period: Period,
    scope: str = NETWORK,
    *,
    histories: Mapping[str, GroupHistory],
) -> AttendanceRate:
    """The attendance rate over the meetings of `rolls` closed in the period; each
    group's charter, in `histories` (by group id), says what late or left early earns."""
    expected: list[Presence] = []
    positions: list[int] = []
    held: list[tuple[date, str]] = []
    for roll in rolls:
        if roll.status != CLOSED or not period.start <= roll.starts <= period.end:
            continue
        positions += roll.positions
        held.append((roll.starts, roll.meeting_id))
        partial = partial_miss_on(histories, roll.group_id, roll.starts)
        for member in roll.counted:
            mark = roll.marks.get(member, ABSENT)
            expected.append(
                Presence(
                    group_id=roll.group_id,
                    meeting_id=roll.meeting_id,
                    starts=roll.starts,
                    membership_id=member,
                    mark=mark,
                    attended=attended(mark, partial),
                )
            )
    expected.sort(key=lambda p: (p.starts, p.meeting_id, p.membership_id))
    return AttendanceRate(
        scope=scope,
        period=period,
        expected=tuple(expected),
        positions=tuple(sorted(positions)),
        held=tuple(m for _, m in sorted(held)),
    )
