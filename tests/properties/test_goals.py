"""Laws of accountability goals, over random programmes of goals, progress and reviews,
driven through the real facade (`Network("memory://")`) and checked against the events it
recorded, recomputed plainly.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import attrs
from hypothesis import given, settings, strategies as st

from peernet import (
    Charter,
    MemberFlagged,
    MembershipStatus,
    Network,
    PeerNetError,
    Recorded,
)
from peernet.domain.access import Reader
from peernet.domain.goals import (
    Direction,
    GoalMet,
    GoalMissed,
    GoalStatus,
    GoalWithdrawn,
    ReportProgress,
    ReviewGoals,
    SetGoal,
    Target,
    WithdrawGoal,
)
from peernet.domain.motions import CastBallot, MotionCause, MotionKind, RaiseMotion
from peernet.testing import founding, memberships_of, some_id, some_ids


def event_of(recorded: tuple[Recorded, ...], index: int = 0) -> Any:
    """The event a command recorded at `index` (its ids are read by name)."""
    return recorded[index].event


LAWS = settings(max_examples=150, deadline=None)
START = datetime(2008, 1, 10, 9, 0, tzinfo=UTC)
AUDITOR = Reader.auditor("audit")


def group_of(members: int, charter: Charter) -> tuple[Network, UUID, list[UUID]]:
    """A network holding one group of `members` active members."""
    net = Network("memory://")
    group_id, companies = some_id("circle"), some_ids("company", members)
    for command in founding(group_id, *companies, charter=charter, at=START):
        net.execute(command)
    return net, group_id, memberships_of(group_id, companies)


def target(value: int, due: date, direction: Direction) -> Target:
    return Target(
        statement="a measurable promise",
        category="sales",
        value=Decimal(value),
        unit="k$",
        due=due,
        direction=direction,
    )


# --- programmes ------------------------------------------------------------------------


@attrs.frozen
class Set:
    member: int
    due_in: int
    value: int
    direction: Direction


@attrs.frozen
class Progress:
    goal: int
    value: int


@attrs.frozen
class Withdraw:
    goal: int


@attrs.frozen
class Review:
    due_in: int


Step = Set | Progress | Withdraw | Review

steps = st.one_of(
    st.builds(
        Set,
        member=st.integers(min_value=0, max_value=3),
        due_in=st.integers(min_value=0, max_value=40),
        value=st.integers(min_value=0, max_value=10),
        direction=st.sampled_from(Direction),
    ),
    st.builds(Progress, goal=st.integers(min_value=0, max_value=20), value=st.integers(0, 10)),
    st.builds(Withdraw, goal=st.integers(min_value=0, max_value=20)),
    st.builds(Review, due_in=st.integers(min_value=-5, max_value=40)),
)


@st.composite
def programmes(draw: st.DrawFn) -> tuple[int, int, list[tuple[int, Step]]]:
    """Members (1..4), the charter's goal_misses_in_a_row, and steps each taken some days
    (often none: several steps share one instant) after the previous one."""
    members = draw(st.integers(min_value=1, max_value=4))
    limit = draw(st.integers(min_value=1, max_value=3))
    program = draw(st.lists(st.tuples(st.sampled_from([0, 0, 1, 3, 10, 30]), steps), max_size=30))
    return members, limit, program


def command_for(
    step: Step, at: datetime, members: list[UUID], goals: list[UUID], group_id: UUID
) -> SetGoal | ReportProgress | WithdrawGoal | ReviewGoals | None:
    match step:
        case Set():
            due = at.date() + timedelta(days=step.due_in)
            return SetGoal(
                membership_id=members[step.member % len(members)],
                target=target(step.value, due, step.direction),
                actor="member",
                at=at,
            )
        case Progress() if goals:
            goal_id = goals[step.goal % len(goals)]
            return ReportProgress(goal_id=goal_id, value=Decimal(step.value), actor="m", at=at)
        case Withdraw() if goals:
            goal_id = goals[step.goal % len(goals)]
            return WithdrawGoal(goal_id=goal_id, reason="changed plans", actor="m", at=at)
        case Review():
            due_by = at.date() + timedelta(days=step.due_in)
            return ReviewGoals(group_id=group_id, due_by=due_by, actor="facilitator", at=at)
    return None


def run(
    net: Network, group_id: UUID, members: list[UUID], program: list[tuple[int, Step]]
) -> list[tuple[Recorded, ...]]:
    """Execute the programme; refused steps record nothing and are skipped. Returns what
    each review that decided something recorded."""
    goals: list[UUID] = []
    reviews = []
    at = START
    for days, step in program:
        at += timedelta(days=days)
        command = command_for(step, at, members, goals, group_id)
        if command is None:
            continue
        try:
            recorded = net.execute(command)
        except PeerNetError:
            continue
        if isinstance(command, SetGoal):
            goals.append(command.goal_id)
        if isinstance(command, ReviewGoals) and recorded:
            reviews.append(recorded)
    return reviews


def decisions(records: Iterable[Recorded]) -> dict[UUID, list[bool]]:
    """Each member's decided goals in the order they were decided: True for missed."""
    decided: dict[UUID, list[bool]] = defaultdict(list)
    for r in records:
        if isinstance(r.event, GoalMet | GoalMissed):
            decided[r.event.membership_id].append(isinstance(r.event, GoalMissed))
    return decided


def trailing_misses(missed: list[bool]) -> int:
    count = 0
    for was_missed in reversed(missed):
        if not was_missed:
            break
        count += 1
    return count


# --- laws ------------------------------------------------------------------------------


@LAWS
@given(programmes())
def test_the_completion_rate_is_met_over_met_and_missed(
    case: tuple[int, int, list[tuple[int, Step]]],
) -> None:
    """goal_record's completion rate equals met / (met + missed) counted from the events;
    withdrawn and open goals are not due (None while nothing was decided)."""
    members, limit, program = case
    net, group_id, joined = group_of(members, Charter(goal_misses_in_a_row=limit))
    run(net, group_id, joined, program)
    decided = decisions(net.recorded())

    expected = {
        m: Fraction(decided[m].count(False), len(decided[m])) if decided[m] else None
        for m in joined
    }
    actual = {m: net.goal_record(m, reader=AUDITOR).completion_rate for m in joined}

    assert expected == actual


@LAWS
@given(programmes())
def test_a_review_flags_exactly_the_members_whose_decided_goals_end_in_enough_misses(
    case: tuple[int, int, list[tuple[int, Step]]],
) -> None:
    """A review flags a member exactly when it decided one of the member's goals missed
    and the member's goals, in the order they were decided, now end with at least
    goal_misses_in_a_row misses."""
    members, limit, program = case
    net, group_id, joined = group_of(members, Charter(goal_misses_in_a_row=limit))
    reviews = run(net, group_id, joined, program)
    history = list(net.recorded())

    wrong = []
    for review in reviews:
        last = review[-1].position
        assert last is not None
        decided = decisions(r for r in history if r.position is not None and r.position <= last)
        missed_now = {r.event.membership_id for r in review if isinstance(r.event, GoalMissed)}
        expected = {m for m in missed_now if trailing_misses(decided[m]) >= limit}
        flagged = {r.event.membership_id for r in review if isinstance(r.event, MemberFlagged)}
        if expected != flagged:
            wrong.append((last, sorted(map(str, expected)), sorted(map(str, flagged))))

    assert [] == wrong


@LAWS
@given(programmes(), st.integers(min_value=1, max_value=4))
def test_a_member_voted_off_has_no_open_goals(
    case: tuple[int, int, list[tuple[int, Step]]], others: int
) -> None:
    """After a carried removal every goal of the departed member is decided or withdrawn:
    those open before are withdrawn ("voted off"); other members' goals are untouched."""
    _, limit, program = case
    net, group_id, joined = group_of(others + 1, Charter(goal_misses_in_a_row=limit))
    run(net, group_id, joined, program)
    subject = joined[0]
    before = {g.goal_id: g.status for g in net.group_goals(group_id, reader=AUDITOR)}
    at = START + timedelta(days=10 * 365)
    motion_id = event_of(
        net.execute(
            RaiseMotion(
                group_id=group_id,
                raised_by=joined[1],
                kind=MotionKind.REMOVAL,
                subject_id=subject,
                cause=MotionCause.MISSED_GOALS,
                deadline=at + timedelta(days=14),
                actor="member",
                at=at,
            )
        )
    ).motion_id
    for voter in joined[1:]:
        net.execute(
            CastBallot(motion_id=motion_id, voter_id=voter, in_favour=True, actor="m", at=at)
        )

    after = {g.goal_id: g for g in net.group_goals(group_id, reader=AUDITOR)}
    withdrawn = {r.event.goal_id for r in net.recorded() if isinstance(r.event, GoalWithdrawn)}
    assert MembershipStatus.VOTED_OFF == net.membership(subject).status
    assert [] == [
        g for g, v in after.items() if v.membership_id == subject and v.status is GoalStatus.OPEN
    ]
    assert {
        g: (
            GoalStatus.WITHDRAWN
            if after[g].membership_id == subject and s is GoalStatus.OPEN
            else s
        )
        for g, s in before.items()
    } == {g: v.status for g, v in after.items()}
    assert {
        g for g, s in before.items() if after[g].membership_id == subject and s is GoalStatus.OPEN
    } <= withdrawn
