"""Goals and motions give the same events on memory, SQLite and PostgreSQL."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from peernet import (
    ApplyForMembership,
    CastBallot,
    Charter,
    FormGroup,
    MotionCause,
    MotionKind,
    Network,
    RaiseMotion,
    RegisterCompany,
    ReportProgress,
    ReviewGoals,
    SetGoal,
    SignAgreement,
    TakeSeat,
    Target,
)
from peernet.testing import profile, some_id

AT = datetime(2008, 1, 10, tzinfo=UTC)
RECORDED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def _story(network: Network) -> list[tuple[str, Any, int, Any]]:
    """Five companies, four seated; goals reviewed twice; a removal carried by vote."""
    group = some_id("group")
    run = network.execute
    run(FormGroup(name="HTG 4", charter=Charter(capacity=4), group_id=group, actor="a", at=AT))
    members = []
    for i in range(5):
        company = some_id(f"company {i}")
        member = some_id(f"membership {i}")
        run(
            RegisterCompany(
                profile=profile(f"Co {i}", region=f"r{i}"), company_id=company, actor="a", at=AT
            )
        )
        run(
            ApplyForMembership(
                company_id=company, group_id=group, membership_id=member, actor="a", at=AT
            )
        )
        run(SignAgreement(membership_id=member, actor="a", at=AT))
        if i < 4:
            run(TakeSeat(membership_id=member, actor="a", at=AT))
        members.append(member)

    def goal(label: str, member: int, due: date) -> None:
        target = Target(statement="grow", category="sales", value=Decimal(10), unit="k$", due=due)
        run(
            SetGoal(
                membership_id=members[member],
                target=target,
                goal_id=some_id(label),
                actor="m",
                at=AT,
            )
        )

    goal("q1 a", 0, date(2008, 4, 1))
    goal("q1 b", 1, date(2008, 4, 1))
    run(
        ReportProgress(
            goal_id=some_id("q1 b"), value=Decimal(12), actor="m", at=AT + timedelta(days=30)
        )
    )
    run(
        ReviewGoals(
            group_id=group, due_by=date(2008, 4, 1), actor="f", at=datetime(2008, 4, 2, tzinfo=UTC)
        )
    )
    goal("q2 a", 0, date(2008, 7, 1))
    run(
        ReviewGoals(
            group_id=group, due_by=date(2008, 7, 1), actor="f", at=datetime(2008, 7, 2, tzinfo=UTC)
        )
    )
    raised = datetime(2008, 7, 3, tzinfo=UTC)
    run(
        RaiseMotion(
            group_id=group,
            raised_by=members[1],
            kind=MotionKind.REMOVAL,
            subject_id=members[0],
            cause=MotionCause.MISSED_GOALS,
            deadline=raised + timedelta(days=14),
            motion_id=some_id("motion"),
            actor="m",
            at=raised,
        )
    )
    for voter in members[1:4]:
        run(
            CastBallot(
                motion_id=some_id("motion"),
                voter_id=voter,
                in_favour=True,
                actor="m",
                at=raised + timedelta(days=1),
            )
        )
    return [(r.topic, r.stream_id, r.version, r.event) for r in network.recorded()]


def test_goals_and_a_vote_off_record_the_same_events_on_every_backend(
    store_url: str, open_network: Callable[..., Network]
) -> None:
    """The same commands give the same events on this backend as in memory."""
    expected = _story(open_network("memory://", clock=lambda: RECORDED_AT))

    actual = _story(open_network(store_url, clock=lambda: RECORDED_AT))

    assert expected == actual
    assert {"peernet.GoalMissed", "peernet.MemberFlagged", "peernet.MemberVotedOff"} <= {
        topic for topic, *_ in actual
    }
