"""Projections: pure folds of the network's log into views, and the figures read from them.

`GroupHistories` and `GoalBooks` fold facts (`Fact`, an event as stored) into one view
per group; `peernet.projections.figures` computes turnover, retention, fill rate and the
wait-list, growth and goal completion from those views for any period, each figure
keeping the events it is made of. Persisted copies, kept with their tracked position, are
in `peernet.adapters.readmodels`.
"""

from peernet.projections.core import Fact, Projection, fold
from peernet.projections.figures import (
    NETWORK,
    Departure,
    Fill,
    GoalCompletion,
    Growth,
    MemberDays,
    Period,
    Retention,
    Target,
    Turnover,
    fill,
    goal_completion,
    growth,
    retention,
    turnover,
)
from peernet.projections.goals import GoalBook, GoalBooks, GoalEntry
from peernet.projections.memberships import GroupHistories, GroupHistory, Stay

#: every projection peernet keeps, by name
PROJECTIONS: dict[str, "Projection[object]"] = {
    p.name: p  # type: ignore[misc]
    for p in (GroupHistories(), GoalBooks())
}

__all__ = [
    "NETWORK",
    "PROJECTIONS",
    "Departure",
    "Fact",
    "Fill",
    "GoalBook",
    "GoalBooks",
    "GoalCompletion",
    "GoalEntry",
    "GroupHistories",
    "GroupHistory",
    "Growth",
    "MemberDays",
    "Period",
    "Projection",
    "Retention",
    "Stay",
    "Target",
    "Turnover",
    "fill",
    "fold",
    "goal_completion",
    "growth",
    "retention",
    "turnover",
]
