"""The figures of a period, read once for every reader: `network_report` gives the
network's figures and each group's, as `peernet report`, the demo's year table, the
command line and the API show them. Whoever prints a figure reads it from here, so two
places never compute one figure two ways (docs/projections.md states each reading).
"""

from collections import Counter
from collections.abc import Iterable, Mapping

import attrs

from peernet.projections.attendance import MeetingRoll
from peernet.projections.figures import (
    NETWORK,
    AttendanceRate,
    Fill,
    GoalCompletion,
    Growth,
    Period,
    Retention,
    Target,
    Turnover,
    attendance,
    fill,
    goal_completion,
    growth,
    retention,
    turnover,
)
from peernet.projections.goals import GoalEntry
from peernet.projections.memberships import GroupHistory


@attrs.frozen(kw_only=True)
class GroupFigures:
    """One group's figures over the period. Its goals and attendance are the group's
    own: `Network.figures` leaves them out (None) for a reader who does not see inside
    the group; `network_report` always gives them."""

    history: GroupHistory
    turnover: Turnover
    retention: Retention
    fill: Fill
    goals: GoalCompletion | None
    attendance: AttendanceRate | None


@attrs.frozen(kw_only=True)
class NetworkReport:
    """The network's figures over a period, and each group's: the groups open at some
    moment of the period, in order of formation (a group formed after the period, or
    closed before it, has no line)."""

    period: Period
    turnover: Turnover
    retention: Retention
    fill: Fill
    goals: GoalCompletion
    growth: Growth
    attendance: AttendanceRate
    #: groups open at the end of the period, by format (`GroupFormat` values)
    formats: Mapping[str, int]
    groups: tuple[GroupFigures, ...]

    @property
    def groups_open(self) -> int:
        """Groups open at the end of the period (every format and kind)."""
        return sum(self.formats.values())


def in_period(history: GroupHistory, period: Period) -> bool:
    """Whether the group was open at some moment of the period."""
    formed = history.formed_at < period.ends
    return formed and (history.closed_at is None or history.closed_at >= period.begins)


def network_report(
    histories: Mapping[str, GroupHistory],
    goals: Iterable[GoalEntry],
    rolls: Iterable[MeetingRoll],
    period: Period,
    target: Target | None = None,
) -> NetworkReport:
    """Every figure of the period, from the views of `GroupHistories` (by group id),
    `GoalEntries` and `MeetingRolls`."""
    goals, rolls = list(goals), list(rolls)
    goals_of: dict[str, list[GoalEntry]] = {}
    for goal in goals:
        goals_of.setdefault(goal.group_id, []).append(goal)
    rolls_of: dict[str, list[MeetingRoll]] = {}
    for roll in rolls:
        rolls_of.setdefault(roll.group_id, []).append(roll)
    every = list(histories.values())
    groups = tuple(
        GroupFigures(
            history=h,
            turnover=turnover([h], period, h.group_id),
            retention=retention([h], period, h.group_id),
            fill=fill([h], period, h.group_id),
            goals=goal_completion(goals_of.get(h.group_id, []), period, h.group_id),
            attendance=attendance(
                rolls_of.get(h.group_id, []), period, h.group_id, histories=histories
            ),
        )
        for h in sorted(every, key=lambda h: (h.formed_at, h.group_id))
        if in_period(h, period)
    )
    formats = Counter(h.format for h in every if h.open_before(period.ends))
    return NetworkReport(
        period=period,
        turnover=turnover(every, period, NETWORK),
        retention=retention(every, period, NETWORK),
        fill=fill(every, period, NETWORK),
        goals=goal_completion(goals, period, NETWORK),
        growth=growth(every, period, target or Target()),
        attendance=attendance(rolls, period, NETWORK, histories=histories),
        formats=dict(sorted(formats.items())),
        groups=groups,
    )
