"""Holding members to account: goals set before the group, revised while not yet due,
reported on, and decided when due (met if the target was reached, else missed), with a
flag for a member who missed the charter's number in a row."""

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

from peernet.domain import goals
from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.decisions import Decider
from peernet.domain.errors import (
    DueDatePassed,
    GoalAlreadySet,
    InvalidValue,
    OwnGoal,
    UnknownMembership,
)
from peernet.domain.groups import Group
from peernet.domain.memberships import MemberFlagged, Membership, MembershipStatus, require_active
from peernet.domain.situation import Ref, Situation, group_goals, membership_group


def member_of(group: Group, membership_id: UUID) -> Membership:
    """The group's membership `membership_id`, or UnknownMembership."""
    member = group.memberships.get(membership_id)
    if member is None:
        raise UnknownMembership(membership_id=membership_id)
    return member


def active_member(group: Group, membership_id: UUID) -> Membership:
    return require_active(member_of(group, membership_id))


def _set_needs(command: goals.SetGoal, situation: Situation) -> Iterator[Ref]:
    yield from membership_group(situation, command.membership_id)
    yield Ref.goal(command.goal_id)


def _set(situation: Situation, command: goals.SetGoal) -> list[Event]:
    group, member = situation.membership(command.membership_id)
    require_active(member)
    if situation.goal(command.goal_id) is not None:
        raise GoalAlreadySet(goal_id=command.goal_id)
    categories = group.charter_at(command.at).charter.goal_categories
    goals.check_target(command.target, command.at, group.id, categories)
    return [carry(goals.GoalSet, command, **member.ids)]


def _goal_needs(command: goals.GoalStep, situation: Situation) -> Iterator[Ref]:
    yield Ref.goal(command.goal_id)
    if (goal := situation.goals.get(command.goal_id)) is not None:
        yield Ref.group(goal.group_id)


def _open_goal(situation: Situation, goal_id: UUID, at: datetime) -> tuple[Group, goals.Goal]:
    goal = goals.require_open(situation.goal(goal_id), goal_id, at)
    return situation.group(goal.group_id), goal


def _challenge(situation: Situation, command: goals.ChallengeGoal) -> list[Event]:
    group, goal = _open_goal(situation, command.goal_id, command.at)
    if command.challenger_id == goal.membership_id:
        raise OwnGoal(goal_id=goal.id, membership_id=goal.membership_id)
    active_member(group, command.challenger_id)
    return [carry(goals.GoalChallenged, command, **goal.owned)]


def _revise(situation: Situation, command: goals.ReviseGoal) -> list[Event]:
    group, goal = _open_goal(situation, command.goal_id, command.at)
    active_member(group, goal.membership_id)
    if command.at.date() > goal.target.due:
        raise DueDatePassed(goal_id=goal.id, due=goal.target.due)
    categories = group.charter_at(command.at).charter.goal_categories
    goals.check_target(command.target, command.at, group.id, categories)
    revision = len(goal.versions)
    return [carry(goals.GoalRevised, command, revision=revision, **goal.owned)]


def _report(situation: Situation, command: goals.ReportProgress) -> list[Event]:
    group, goal = _open_goal(situation, command.goal_id, command.at)
    active_member(group, goal.membership_id)
    return [carry(goals.ProgressReported, command, **goal.owned)]


def _withdraw(situation: Situation, command: goals.WithdrawGoal) -> list[Event]:
    _, goal = _open_goal(situation, command.goal_id, command.at)
    return [carry(goals.GoalWithdrawn, command, **goal.owned)]


def _review_needs(command: goals.ReviewGoals, situation: Situation) -> Iterator[Ref]:
    yield Ref.group(command.group_id)
    yield from group_goals(situation, command.group_id)


def _review(situation: Situation, command: goals.ReviewGoals) -> list[Event]:
    group = situation.group(command.group_id)
    check_forward(group, command.at)
    if command.due_by > command.at.date():
        raise InvalidValue(
            f"a review on {command.at.date().isoformat()} cannot decide goals due by "
            f"{command.due_by.isoformat()}: a goal is decided once it is due"
        )
    return decide_due_goals(situation, group, command.due_by, command.at)


def decide_due_goals(situation: Situation, group: Group, due_by: date, at: datetime) -> list[Event]:
    """Every open goal of the group due by `due_by`, met or missed, and a flag for each
    member whose misses in a row reach the charter's limit (a review, or a meeting's
    close)."""
    members = {m: situation.goals_of(m) for m in group.memberships}
    due = sorted(
        (
            g
            for held in members.values()
            for g in held
            if g.status is goals.GoalStatus.OPEN and g.target.due <= due_by
        ),
        key=lambda g: (g.target.due, g.set_at, str(g.id)),
    )
    decided = [goals.decision(g, at) for g in due]
    limit = group.charter_at(at).charter.goal_misses_in_a_row
    flags: list[Event] = []
    missed_now = {e.membership_id for e in decided if isinstance(e, goals.GoalMissed)}
    for membership_id in sorted(missed_now, key=str):
        member = group.memberships[membership_id]
        after = [_after(g, decided) for g in members[membership_id]]
        streak = goals.missed_in_a_row(after)
        if member.status is MembershipStatus.ACTIVE and streak >= limit:
            flags.append(
                MemberFlagged(
                    reason=f"missed {streak} goals in a row (charter: {limit})",
                    at=at,
                    **member.ids,
                )
            )
    return [*decided, *flags]


def _after(goal: goals.Goal, decided: list[goals.GoalMet | goals.GoalMissed]) -> goals.Goal:
    """The goal once this decision's outcome for it is folded in."""
    for event in decided:
        if event.goal_id == goal.id:
            return goals.evolve(goal, event)
    return goal


DECIDERS: dict[type[Command], Decider[Any]] = {
    goals.SetGoal: Decider(_set_needs, _set),
    goals.ChallengeGoal: Decider(_goal_needs, _challenge),
    goals.ReviseGoal: Decider(_goal_needs, _revise),
    goals.ReportProgress: Decider(_goal_needs, _report),
    goals.WithdrawGoal: Decider(_goal_needs, _withdraw),
    goals.ReviewGoals: Decider(_review_needs, _review),
}
