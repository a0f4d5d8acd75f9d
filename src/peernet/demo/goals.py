"""Goals, from 2008: at each quarterly meeting every active member sets goals for the
next, in turns through the charter's categories; peers challenge a few; between meetings
owners revise or withdraw some and report progress; the month before the meeting they
report where each stands. Most members reach most of their goals; the laggard none."""

import math
from datetime import date
from decimal import Decimal
from uuid import UUID

import attrs

from peernet import (
    ChallengeGoal,
    Direction,
    GoalMissed,
    Recorded,
    ReportProgress,
    ReviseGoal,
    SetGoal,
    Target,
    WithdrawGoal,
)
from peernet.demo.replica import Goal
from peernet.demo.scene import Scene
from peernet.demo.world import ACCOUNTABILITY_FROM, World

#: goals each active member sets at a meeting, in turns through the charter's categories:
#: a group of three or more covers every category each quarter, and each member covers
#: them all within three quarters (each goal is a command or two more: the demo stays fast)
GOALS_PER_MEETING = 2


@attrs.frozen
class _Aim:
    """How a member words a goal of one category: `{value}` is the target."""

    statement: str
    unit: str
    low: int
    high: int
    direction: Direction = Direction.AT_LEAST


_AIMS = {
    "cash flow": _Aim("bring DSO down to {value} days", "days", 28, 45, Direction.AT_MOST),
    "sales": _Aim("book {value}k of new monthly recurring revenue", "k$ MRR", 3, 25),
    "marketing": _Aim("generate {value} qualified leads", "leads", 10, 60),
    "leadership": _Aim("hold {value} one-on-ones with direct reports", "one-on-ones", 6, 30),
    "strategic relationships": _Aim(
        "sign {value} new vendor or referral partners", "partners", 1, 4
    ),
    "other": _Aim("document {value} core service processes", "processes", 2, 8),
}
#: for a category a charter adds that the demo has no wording for
_ANY_AIM = _Aim("reach {value} milestones of the plan", "milestones", 2, 6)
_CHALLENGES = (
    "too soft for a company your size",
    "not measurable as written",
    "the same goal as last quarter",
    "does not move the business forward",
)
_WITHDRAWALS = (
    "the vendor discontinued the programme",
    "the key hire fell through",
    "the deal moved to next year",
)
_CHALLENGE_RATE = 0.04
_REVISE_AFTER_CHALLENGE = 0.7
_REVISE_RATE = 0.012
_WITHDRAW_RATE = 0.012
_MID_QUARTER_REPORT = 0.1
#: a member reports a goal it reached, and one it fell short of, with these odds
_REACHED_REPORT = 0.96
_SHORT_REPORT = 0.6


class GoalScenes(Scene):
    """The scenes of goals: set, challenged, revised, withdrawn, reported on."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.rng = world.goal_rng
        #: how likely each member is to reach a goal, drawn when it first reports
        self.skill: dict[UUID, float] = {}
        #: the years in which a member reported on a goal just decided (once a year)
        self.late_reports: set[int] = set()

    def _quarter(self) -> int:
        """Quarters since accountability began: 0 is the first quarter of 2008."""
        start = self.world.month_start
        return (start.year - ACCOUNTABILITY_FROM) * 4 + (start.month - 1) // 3

    def set_goals(self, group_id: UUID, due: date) -> None:
        """Every active member sets its goals for the next meeting; a few are challenged."""
        group = self.replica.groups[group_id]
        categories = group.charter.goal_categories
        members = sorted(group.active, key=lambda m: (m.joined_at or m.applied_at, str(m.id)))
        quarter = self._quarter()
        rng = self.rng
        for i, m in enumerate(members):
            member = self.replica.by(m.company_id)
            for j in range(GOALS_PER_MEETING):
                turn = (i + quarter) * GOALS_PER_MEETING + j
                target = self._target(categories[turn % len(categories)], due)
                goal_id = self.world.new_id("goal")
                recorded = self.world.do(
                    SetGoal, membership_id=m.id, target=target, goal_id=goal_id, **member
                )
                if recorded and len(members) > 1 and rng.random() < _CHALLENGE_RATE:
                    peer = rng.choice([p for p in members if p.id != m.id])
                    self.world.do(
                        ChallengeGoal,
                        goal_id=goal_id,
                        challenger_id=peer.id,
                        reason=rng.choice(_CHALLENGES),
                        **self.replica.by(peer.company_id),
                    )

    def _target(self, category: str, due: date, value: int | None = None) -> Target:
        aim = _AIMS.get(category, _ANY_AIM)
        if value is None:
            value = self.rng.randint(aim.low, aim.high)
        return Target(
            statement=aim.statement.format(value=value),
            category=category,
            value=Decimal(value),
            unit=aim.unit,
            due=due,
            direction=aim.direction,
        )

    def check_in(self, group_id: UUID) -> None:
        """Mid-quarter: challenged goals are mostly raised, a few goals are revised or
        withdrawn, and some members report how far they are."""
        group = self.replica.groups[group_id]
        rng = self.rng
        for goal in self.replica.open_goals(group_id):
            if not self.replica.active(group, goal.membership_id):
                continue
            owner = self.replica.by_member(group, goal.membership_id)
            target = goal.target
            challenged = bool(goal.challenges) and len(goal.versions) == 1
            if (challenged and rng.random() < _REVISE_AFTER_CHALLENGE) or (
                rng.random() < _REVISE_RATE
            ):
                value = int(target.value)
                value = (
                    value + max(1, value // 4)
                    if target.direction is Direction.AT_LEAST
                    else value - max(2, value // 10)
                )
                revised = self._target(target.category, target.due, value)
                self.world.do(ReviseGoal, goal_id=goal.id, target=revised, **owner)
            elif rng.random() < _WITHDRAW_RATE and goal.membership_id != self.world.laggard:
                self.world.do(
                    WithdrawGoal, goal_id=goal.id, reason=rng.choice(_WITHDRAWALS), **owner
                )
            elif rng.random() < _MID_QUARTER_REPORT:
                self.world.do(ReportProgress, goal_id=goal.id, value=_progress(goal, 0.5), **owner)

    def report(self, group_id: UUID) -> None:
        """The month before the meeting: members report where their goals stand. Most
        reach most of them; the laggard reaches none (and reports now and then)."""
        group = self.replica.groups[group_id]
        rng = self.rng
        for goal in self.replica.open_goals(group_id):
            if not self.replica.active(group, goal.membership_id):
                continue
            member = goal.membership_id
            if member not in self.skill:
                self.skill[member] = 0.65 + 0.3 * rng.random()
            if member == self.world.laggard:
                reports, share = rng.random() < 0.6, 0.3 + 0.5 * rng.random()
            else:
                reached = rng.random() < self.skill[member]
                reports = rng.random() < (_REACHED_REPORT if reached else _SHORT_REPORT)
                share = 1.0 + 0.3 * rng.random() if reached else 0.4 + 0.55 * rng.random()
            if reports:
                self.world.do(
                    ReportProgress,
                    goal_id=goal.id,
                    value=_progress(goal, share),
                    **self.replica.by_member(group, member),
                )

    def late_report(self, reviewed: tuple[Recorded, ...]) -> None:
        """Once a year a member reports progress on a goal the meeting just decided: the
        rule refuses it (open goals only)."""
        year = self.world.month_start.year
        if year in self.late_reports:
            return
        for record in reviewed:
            event = record.event
            if isinstance(event, GoalMissed):
                group = self.replica.groups[event.group_id]
                if self.replica.active(group, event.membership_id):
                    self.late_reports.add(year)
                    goal = self.replica.goals[event.goal_id]
                    self.world.do(
                        ReportProgress,
                        goal_id=goal.id,
                        value=goal.target.value,
                        note="closed the deal the day after",
                        **self.replica.by_member(group, goal.membership_id),
                    )
                    return


def _progress(goal: Goal, share: float) -> Decimal:
    """The value a member reports, `share` of the way to its target (1.0: reached;
    for an at-most goal, the way down from a third above the target)."""
    target = goal.target.value
    if goal.target.direction is Direction.AT_LEAST:
        value = int(target * Decimal(share))
        return Decimal(value if share < 1 else max(value, int(target)))
    start = target * Decimal("1.35")
    value = math.ceil(start - (start - target) * Decimal(share))
    return Decimal(value if share < 1 else min(value, int(target)))
