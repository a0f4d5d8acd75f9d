"""Goal: an accountability goal a member sets before its group.

Each goal is a stream of its own. A goal is open until it is decided: met or missed when
the group reviews the goals due (`ReviewGoals`, at a meeting), or withdrawn. The history
keeps every version a revision made.
"""

import enum
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID, uuid4

import attrs

from peernet.domain.common import CONFIDENTIAL, Command, Event, check_forward, non_empty
from peernet.domain.errors import (
    GoalClosed,
    InvalidValue,
    UnknownGoal,
    UnknownGoalCategory,
)


class GoalStatus(enum.Enum):
    OPEN = "open"
    MET = "met"
    MISSED = "missed"
    WITHDRAWN = "withdrawn"


class Direction(enum.Enum):
    """Whether a goal is reached at or above its target (sales) or at or below (DSO days)."""

    AT_LEAST = "at least"
    AT_MOST = "at most"

    def reached(self, value: Decimal | None, target: Decimal) -> bool:
        if value is None:
            return False
        return value >= target if self is Direction.AT_LEAST else value <= target


def _amount(instance: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidValue(f"{attribute.name} must be a finite Decimal, got {value!r}")


@attrs.frozen(kw_only=True)
class Target:
    """What a goal promises: a measurable value, its unit, the direction, the due date."""

    #: what the member promises, in its own words: confidential (sealed with its key)
    statement: str = attrs.field(validator=non_empty, metadata={CONFIDENTIAL: True})
    category: str = attrs.field(validator=non_empty)
    value: Decimal = attrs.field(validator=_amount)
    unit: str = attrs.field(validator=non_empty)
    due: date
    direction: Direction = Direction.AT_LEAST


# --- commands -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SetGoal(Command):
    membership_id: UUID
    target: Target
    goal_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class GoalStep(Command):
    """A command about one goal that was set."""

    goal_id: UUID


@attrs.frozen(kw_only=True)
class ChallengeGoal(GoalStep):
    """A peer questions a goal (too soft, not measurable...); the challenge is recorded."""

    challenger_id: UUID
    reason: str = attrs.field(validator=non_empty, metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class ReviseGoal(GoalStep):
    target: Target


@attrs.frozen(kw_only=True)
class ReportProgress(GoalStep):
    value: Decimal = attrs.field(validator=_amount)
    note: str = attrs.field(default="", metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class WithdrawGoal(GoalStep):
    reason: str = attrs.field(validator=non_empty, metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class ReviewGoals(Command):
    """Decide every open goal of the group due on or before `due_by`: met if its target
    was reached, else missed; flag members who missed too many in a row."""

    group_id: UUID
    due_by: date


# --- events (each in the goal's own stream) -------------------------------------------


@attrs.frozen(kw_only=True)
class GoalEvent(Event):
    home = "goal_id"
    goal_id: UUID
    membership_id: UUID
    group_id: UUID


@attrs.frozen(kw_only=True)
class GoalSet(GoalEvent):
    company_id: UUID
    target: Target


@attrs.frozen(kw_only=True)
class GoalChallenged(GoalEvent):
    """Schema 2: `reason` is sealed under the key of `company_id`, the goal's company
    (None in events stored before, whose reason is in the clear)."""

    schema: ClassVar[int] = 2
    challenger_id: UUID
    reason: str = attrs.field(metadata={CONFIDENTIAL: True})
    company_id: UUID | None = None


@attrs.frozen(kw_only=True)
class GoalRevised(GoalEvent):
    """Schema 2: the target's statement is sealed under the key of `company_id`."""

    schema: ClassVar[int] = 2
    revision: int
    target: Target
    company_id: UUID | None = None


@attrs.frozen(kw_only=True)
class ProgressReported(GoalEvent):
    """Schema 2: `note` is sealed under the key of `company_id`."""

    schema: ClassVar[int] = 2
    value: Decimal
    note: str = attrs.field(default="", metadata={CONFIDENTIAL: True})
    company_id: UUID | None = None


@attrs.frozen(kw_only=True)
class GoalMet(GoalEvent):
    value: Decimal


@attrs.frozen(kw_only=True)
class GoalMissed(GoalEvent):
    value: Decimal | None


@attrs.frozen(kw_only=True)
class GoalWithdrawn(GoalEvent):
    """Schema 2: `reason` is sealed under the key of `company_id`."""

    schema: ClassVar[int] = 2
    reason: str = attrs.field(metadata={CONFIDENTIAL: True})
    company_id: UUID | None = None


# --- errors ---------------------------------------------------------------------------


# --- state ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Challenge:
    challenger_id: UUID
    reason: str
    at: datetime


@attrs.frozen(kw_only=True)
class Goal:
    id: UUID
    membership_id: UUID
    group_id: UUID
    company_id: UUID
    set_at: datetime
    last_at: datetime
    #: every version of the target, the first as set, the last in force
    versions: tuple[Target, ...]
    status: GoalStatus = GoalStatus.OPEN
    progress: Decimal | None = None
    challenges: tuple[Challenge, ...] = ()
    decided_at: datetime | None = None

    @property
    def target(self) -> Target:
        return self.versions[-1]

    @property
    def ids(self) -> dict[str, UUID]:
        """The ids every event of this goal carries."""
        return {"goal_id": self.id, "membership_id": self.membership_id, "group_id": self.group_id}

    @property
    def owned(self) -> dict[str, UUID]:
        """The ids an event holding the member's words carries: its company's too, whose
        key seals them."""
        return {**self.ids, "company_id": self.company_id}

    @property
    def reached(self) -> bool:
        return self.target.direction.reached(self.progress, self.target.value)


def require_open(state: Goal | None, goal_id: UUID, at: datetime) -> Goal:
    if state is None:
        raise UnknownGoal(goal_id=goal_id)
    if state.status is not GoalStatus.OPEN:
        raise GoalClosed(goal_id=state.id, status=state.status)
    check_forward(state, at)
    return state


def check_target(target: Target, at: datetime, group_id: UUID, categories: tuple[str, ...]) -> None:
    if target.category not in categories:
        raise UnknownGoalCategory(category=target.category, group_id=group_id, allowed=categories)
    if target.due < at.date():
        raise InvalidValue(
            f"a goal set on {at.date().isoformat()} cannot be due on {target.due.isoformat()}"
        )


def decision(goal: Goal, at: datetime) -> GoalMet | GoalMissed:
    """Met if the last progress reached the target, else missed; refused when dated
    before the goal's last event."""
    check_forward(goal, at)
    if goal.reached:
        assert goal.progress is not None
        return GoalMet(value=goal.progress, at=at, **goal.ids)
    return GoalMissed(value=goal.progress, at=at, **goal.ids)


def missed_in_a_row(goals: Iterable[Goal]) -> int:
    """How many of a member's latest goals (`goals`: all of them) were missed, in the
    order they fell due, counting back until one was met (withdrawn goals were never due)."""
    decided = sorted(
        (g for g in goals if g.status in (GoalStatus.MET, GoalStatus.MISSED)),
        key=lambda g: (g.target.due, g.set_at, str(g.id)),
    )
    streak = 0
    for goal in reversed(decided):
        if goal.status is GoalStatus.MET:
            break
        streak += 1
    return streak


def withdraw_open(goals: Iterable[Goal], at: datetime, reason: str) -> list["GoalWithdrawn"]:
    """A departing member's open goals (`goals`: all of its goals), withdrawn: a member
    who left has no goal due. A departure dated before the last event of one of them is
    refused."""
    withdrawn = []
    for g in sorted(goals, key=lambda g: (g.set_at, str(g.id))):
        if g.status is GoalStatus.OPEN:
            check_forward(g, at)
            withdrawn.append(GoalWithdrawn(reason=reason, at=at, **g.owned))
    return withdrawn


def evolve(state: Goal | None, event: GoalEvent) -> Goal:
    if isinstance(event, GoalSet):
        return Goal(
            id=event.goal_id,
            membership_id=event.membership_id,
            group_id=event.group_id,
            company_id=event.company_id,
            set_at=event.at,
            last_at=event.at,
            versions=(event.target,),
        )
    assert state is not None, f"{type(event).__name__} before GoalSet"
    state = attrs.evolve(state, last_at=event.at)
    match event:
        case GoalChallenged():
            challenge = Challenge(
                challenger_id=event.challenger_id, reason=event.reason, at=event.at
            )
            return attrs.evolve(state, challenges=(*state.challenges, challenge))
        case GoalRevised():
            return attrs.evolve(state, versions=(*state.versions, event.target))
        case ProgressReported():
            return attrs.evolve(state, progress=event.value)
        case GoalMet():
            return attrs.evolve(state, status=GoalStatus.MET, decided_at=event.at)
        case GoalMissed():
            return attrs.evolve(state, status=GoalStatus.MISSED, decided_at=event.at)
        case GoalWithdrawn():
            return attrs.evolve(state, status=GoalStatus.WITHDRAWN, decided_at=event.at)
    raise AssertionError(f"not a goal event: {event!r}")
