"""Projections: pure folds of the network's log into views, and the figures read from them.

`GroupHistories` (one view per group), `GoalEntries` (per goal) and `MeetingRolls` (per
meeting) fold facts (`Fact`, an event as stored); `peernet.projections.figures` computes
turnover, retention, fill rate and the wait-list, growth, goal completion and attendance
from those views for any period, each figure keeping the events it is made of. Persisted
copies, kept with their tracked position, are in `peernet.adapters.readmodels`.
"""

from peernet.projections.attendance import MeetingRoll, MeetingRolls
from peernet.projections.core import Fact, Projection, fold
from peernet.projections.figures import (
    NETWORK,
    AttendanceRate,
    Departure,
    Fill,
    GoalCompletion,
    Growth,
    MemberDays,
    Period,
    Presence,
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
from peernet.projections.financials import (
    Benchmarks,
    Figures,
    FinancialBook,
    FinancialBooks,
    FinancialReview,
    MetricBenchmark,
    NetworkFigure,
    ReviewQuarter,
    benchmarks,
    review,
)
from peernet.projections.goals import GoalEntries, GoalEntry
from peernet.projections.memberships import GroupHistories, GroupHistory, Stay
from peernet.projections.partners import (
    DealEntries,
    DealEntry,
    MemberMarks,
    ReferralEntries,
    ReferralEntry,
)
from peernet.projections.summary import GroupFigures, NetworkReport, network_report

#: every projection peernet keeps in the store, by name. `FinancialBooks` is left out on
#: purpose: a read model is stored in clear, and a company's figures are confidential (they
#: are sealed in their events when a key is set), so benchmarks fold the events instead.
PROJECTIONS: dict[str, "Projection[object]"] = {
    p.name: p  # type: ignore[misc]
    for p in (GroupHistories(), GoalEntries(), MeetingRolls())
}
# the partner economy: deals, referrals, and what a scorecard reads of each membership
PROJECTIONS.update({p.name: p for p in (DealEntries(), ReferralEntries(), MemberMarks())})  # type: ignore[misc]

__all__ = [
    "NETWORK",
    "PROJECTIONS",
    "AttendanceRate",
    "Benchmarks",
    "DealEntries",
    "DealEntry",
    "Departure",
    "Fact",
    "Figures",
    "Fill",
    "FinancialBook",
    "FinancialBooks",
    "FinancialReview",
    "GoalCompletion",
    "GoalEntries",
    "GoalEntry",
    "GroupFigures",
    "GroupHistories",
    "GroupHistory",
    "Growth",
    "MeetingRoll",
    "MeetingRolls",
    "MemberDays",
    "MemberMarks",
    "MetricBenchmark",
    "NetworkFigure",
    "NetworkReport",
    "Period",
    "Presence",
    "Projection",
    "ReferralEntries",
    "ReferralEntry",
    "Retention",
    "ReviewQuarter",
    "Stay",
    "Target",
    "Turnover",
    "attendance",
    "benchmarks",
    "fill",
    "fold",
    "goal_completion",
    "growth",
    "network_report",
    "retention",
    "review",
    "turnover",
]
