"""Goals and motions: every rule, accepted and refused, on the pure core."""

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest

from peernet import (
    Charter,
    DateOutOfOrder,
    MemberFlagged,
    MembershipStatus,
    NotAnActiveMember,
)
from peernet.domain.errors import (
    AdmissionNotVoted,
    AlreadyVoted,
    DueDatePassed,
    GoalClosed,
    MotionClosed,
    MotionNotDue,
    NotAnEligibleVoter,
    OwnGoal,
    SubjectCannotVote,
    UnknownGoalCategory,
)
from peernet.domain.goals import (
    ChallengeGoal,
    Direction,
    GoalChallenged,
    GoalMet,
    GoalMissed,
    GoalRevised,
    GoalWithdrawn,
    ProgressReported,
    ReportProgress,
    ReviewGoals,
    ReviseGoal,
    SetGoal,
    WithdrawGoal,
)
from peernet.domain.memberships import ApplicantAdmitted, Resign, TakeSeat
from peernet.domain.motions import (
    BallotCast,
    CastBallot,
    CloseMotion,
    MotionCarried,
    MotionCause,
    MotionFailed,
    MotionKind,
    MotionRaised,
    RaiseMotion,
)
from peernet.domain.situation import Situation
from peernet.testing import (
    DUE,
    T0,
    applied,
    ballot_cast,
    formed,
    goal_event,
    goal_set,
    group_with,
    history,
    membership_event,
    membership_of,
    memberships_of,
    motion_raised,
    offered,
    refused,
    registered,
    signed,
    some_id,
    some_ids,
    target,
    voted_off,
    waitlisted,
    when,
)

GROUP = some_id("group")
COMPANIES = some_ids("company", 5)
MEMBERS = memberships_of(GROUP, COMPANIES)
LATER = T0 + timedelta(days=100)
DEADLINE = T0 + timedelta(days=14)
GOAL = some_id("goal")


def group_of(members: int = 4, **rules: Any) -> Situation:
    """A group with `members` active members (and the other companies registered)."""
    return history(
        *group_with(GROUP, *COMPANIES[:members], **rules),
        *(registered(c) for c in COMPANIES[members:]),
    )


def test_an_active_member_sets_a_goal_before_its_group() -> None:
    """SetGoal records the target with the member's group and company."""
    command = SetGoal(membership_id=MEMBERS[0], target=target(), goal_id=GOAL, actor="a", at=T0)

    assert [goal_set(GOAL, GROUP, COMPANIES[0])] == when(group_of(), command)


def test_a_category_outside_the_charter_is_refused() -> None:
    """The categories are a charter parameter; others are refused by name."""
    situation = group_of(goal_categories=("sales", "other"))
    command = SetGoal(
        membership_id=MEMBERS[0], target=target(category="cash flow"), actor="a", at=T0
    )

    error = refused(situation, command)

    assert isinstance(error, UnknownGoalCategory)
    assert "goal_categories" == error.rule


def test_only_active_members_set_goals() -> None:
    """A wait-listed or offered applicant sets no goal."""
    situation = history(formed(GROUP), registered(COMPANIES[0]), *applied(GROUP, COMPANIES[0]))
    command = SetGoal(membership_id=MEMBERS[0], target=target(), actor="a", at=T0)

    assert isinstance(refused(situation, command), NotAnActiveMember)


def test_a_peer_challenges_a_goal_and_the_owner_cannot() -> None:
    """Challenges come from the other active members."""
    situation = history(goal_set(GOAL, GROUP, COMPANIES[0]), situation=group_of())
    challenge = ChallengeGoal(
        goal_id=GOAL, challenger_id=MEMBERS[1], reason="too soft", actor="b", at=T0
    )
    own = ChallengeGoal(goal_id=GOAL, challenger_id=MEMBERS[0], reason="hm", actor="a", at=T0)

    assert [
        goal_event(
            GoalChallenged, GOAL, GROUP, COMPANIES[0], challenger_id=MEMBERS[1], reason="too soft"
        )
    ] == when(situation, challenge)
    assert isinstance(refused(situation, own), OwnGoal)


def test_a_revision_before_the_due_date_keeps_every_version() -> None:
    """GoalRevised numbers the revision; the goal keeps both versions."""
    situation = history(goal_set(GOAL, GROUP, COMPANIES[0]), situation=group_of())
    revised = when(situation, ReviseGoal(goal_id=GOAL, target=target("12"), actor="a", at=T0))

    after = history(*revised, situation=situation).goals[GOAL]

    assert [
        goal_event(GoalRevised, GOAL, GROUP, COMPANIES[0], revision=1, target=target("12"))
    ] == revised
    assert (target(), target("12")) == after.versions


def test_a_goal_past_its_due_date_cannot_be_revised() -> None:
    """DueDatePassed names the goal."""
    situation = history(goal_set(GOAL, GROUP, COMPANIES[0]), situation=group_of())
    late = datetime(2001, 4, 2, tzinfo=T0.tzinfo)

    assert isinstance(
        refused(situation, ReviseGoal(goal_id=GOAL, target=target(), actor="a", at=late)),
        DueDatePassed,
    )


def test_review_decides_met_and_missed_by_the_last_progress() -> None:
    """Met when the last progress reached the target, missed otherwise."""
    other = some_id("other goal")
    situation = history(
        goal_set(GOAL, GROUP, COMPANIES[0]),
        goal_set(other, GROUP, COMPANIES[1]),
        goal_event(ProgressReported, GOAL, GROUP, COMPANIES[0], value=Decimal("11")),
        situation=group_of(),
    )

    events = when(situation, ReviewGoals(group_id=GROUP, due_by=DUE, actor="f", at=LATER))

    assert [
        goal_event(GoalMet, GOAL, GROUP, COMPANIES[0], value=Decimal("11"), at=LATER),
        goal_event(GoalMissed, other, GROUP, COMPANIES[1], value=None, at=LATER),
    ] == events


def test_a_departure_or_review_dated_before_a_goal_changed_is_refused() -> None:
    """Closing a goal (by a resignation or a review) cannot predate its last progress."""
    progress_at = LATER + timedelta(days=5)
    situation = history(
        goal_set(GOAL, GROUP, COMPANIES[0]),
        goal_event(ProgressReported, GOAL, GROUP, COMPANIES[0], value=Decimal("3"), at=progress_at),
        situation=group_of(),
    )
    resign = Resign(membership_id=MEMBERS[0], reason="sold", actor="a", at=LATER)
    review = ReviewGoals(group_id=GROUP, due_by=DUE, actor="f", at=LATER)

    for command in (resign, review):
        error = refused(situation, command)
        assert isinstance(error, DateOutOfOrder)
        assert GOAL == error.ids["stream_id"]


def test_an_at_most_goal_is_met_at_or_below_its_target() -> None:
    """Direction.AT_MOST reads 'reduce days sales outstanding to 30'."""
    assert Direction.AT_MOST.reached(Decimal(30), Decimal(30))
    assert not Direction.AT_MOST.reached(Decimal(31), Decimal(30))


def test_two_goals_missed_in_a_row_flag_the_member() -> None:
    """The second consecutive miss records MemberFlagged, as the charter says (2)."""
    first, second = some_id("q1"), some_id("q2")
    situation = history(
        goal_set(first, GROUP, COMPANIES[0]),
        goal_event(GoalMissed, first, GROUP, COMPANIES[0], value=None),
        goal_set(second, GROUP, COMPANIES[0]),
        situation=group_of(),
    )

    events = when(situation, ReviewGoals(group_id=GROUP, due_by=DUE, actor="f", at=LATER))

    assert isinstance(events[-1], MemberFlagged)
    assert MEMBERS[0] == events[-1].membership_id
    assert "missed 2 goals in a row (charter: 2)" == events[-1].reason


def test_a_goal_met_between_two_misses_breaks_the_streak() -> None:
    """In a row means consecutive: a met goal resets the count."""
    first, met, last = some_id("q1"), some_id("q2"), some_id("q3")
    situation = history(
        goal_set(first, GROUP, COMPANIES[0]),
        goal_event(GoalMissed, first, GROUP, COMPANIES[0], value=None),
        goal_set(met, GROUP, COMPANIES[0]),
        goal_event(GoalMet, met, GROUP, COMPANIES[0], value=Decimal(10), at=T0 + timedelta(days=1)),
        goal_set(last, GROUP, COMPANIES[0]),
        situation=group_of(),
    )

    events = when(situation, ReviewGoals(group_id=GROUP, due_by=DUE, actor="f", at=LATER))

    assert [goal_event(GoalMissed, last, GROUP, COMPANIES[0], value=None, at=LATER)] == events


def test_a_decided_goal_takes_no_more_progress() -> None:
    """GoalClosed names the goal."""
    situation = history(
        goal_set(GOAL, GROUP, COMPANIES[0]),
        goal_event(GoalWithdrawn, GOAL, GROUP, COMPANIES[0], reason="x"),
        situation=group_of(),
    )

    assert isinstance(
        refused(situation, ReportProgress(goal_id=GOAL, value=Decimal(1), actor="a", at=T0)),
        GoalClosed,
    )
    assert isinstance(
        refused(situation, WithdrawGoal(goal_id=GOAL, reason="again", actor="a", at=T0)), GoalClosed
    )


MOTION = some_id("motion")


def raised(electorate: int = 3) -> MotionRaised:
    """MEMBERS[1] moves to vote MEMBERS[0] off; the `electorate` members after it vote."""
    return motion_raised(
        MOTION,
        GROUP,
        raised_by=MEMBERS[1],
        subject_id=MEMBERS[0],
        electorate=MEMBERS[1 : 1 + electorate],
        company_id=COMPANIES[0],
    )


def ballot(voter: int, in_favour: bool = True) -> BallotCast:
    return ballot_cast(MOTION, GROUP, MEMBERS[voter], in_favour)


def vote(voter: int, in_favour: bool = True, at: datetime = T0) -> CastBallot:
    return CastBallot(
        motion_id=MOTION, voter_id=MEMBERS[voter], in_favour=in_favour, actor="v", at=at
    )


def test_the_electorate_is_the_other_active_members_when_raised() -> None:
    """The subject is left out of the electorate; the charter's quorum and threshold are kept."""
    command = RaiseMotion(
        group_id=GROUP,
        raised_by=MEMBERS[1],
        kind=MotionKind.REMOVAL,
        subject_id=MEMBERS[0],
        cause=MotionCause.MISSED_GOALS,
        deadline=DEADLINE,
        motion_id=MOTION,
        actor="b",
        at=T0,
    )

    assert [raised()] == when(group_of(), command)


def test_the_subject_never_votes() -> None:
    """SubjectCannotVote names motion and voter."""
    situation = history(raised(), situation=group_of())

    assert isinstance(refused(situation, vote(0)), SubjectCannotVote)


def test_a_second_ballot_is_refused_not_counted_twice() -> None:
    """AlreadyVoted; one ballot per voter."""
    situation = history(raised(), ballot(1), situation=group_of())

    assert isinstance(refused(situation, vote(1, in_favour=False)), AlreadyVoted)


def test_a_member_who_joined_after_the_motion_cannot_vote() -> None:
    """The electorate is fixed when the motion is raised."""
    situation = history(raised(electorate=2), situation=group_of())

    assert isinstance(refused(situation, vote(3)), NotAnEligibleVoter)


def test_the_last_ballot_carries_the_removal_in_the_same_write() -> None:
    """Carried: MotionCarried, MemberVotedOff, open goals withdrawn, the seat offered."""
    waiting = COMPANIES[4]
    situation = history(
        raised(),
        ballot(1),
        ballot(2),
        goal_set(GOAL, GROUP, COMPANIES[0]),
        situation=group_of(capacity=4),
    )
    situation = history(*waitlisted(GROUP, waiting), situation=situation)

    events = when(situation, vote(3))

    assert [
        ballot(3),
        MotionCarried(
            motion_id=MOTION, group_id=GROUP, in_favour=3, against=0, electorate=3, at=T0
        ),
        voted_off(GROUP, COMPANIES[0], MOTION, cause="missed goals"),
        goal_event(GoalWithdrawn, GOAL, GROUP, COMPANIES[0], reason="voted off"),
        offered(GROUP, waiting),
    ] == events
    later = history(*events, situation=situation)
    assert MembershipStatus.VOTED_OFF == later.groups[GROUP].memberships[MEMBERS[0]].status


def test_a_motion_fails_below_the_threshold() -> None:
    """One in favour of three ballots is below 2/3."""
    situation = history(raised(), ballot(1), ballot(2, in_favour=False), situation=group_of())

    events = when(situation, vote(3, in_favour=False))

    assert (
        MotionFailed(
            motion_id=MOTION,
            group_id=GROUP,
            in_favour=1,
            against=2,
            electorate=3,
            reason="threshold not reached",
            at=T0,
        )
        == events[-1]
    )


def test_closing_at_the_deadline_without_quorum_fails_the_motion() -> None:
    """One ballot of three is below a 2/3 quorum."""
    situation = history(raised(), ballot(1), situation=group_of())

    events = when(situation, CloseMotion(motion_id=MOTION, actor="f", at=DEADLINE))

    assert [
        MotionFailed(
            motion_id=MOTION,
            group_id=GROUP,
            in_favour=1,
            against=0,
            electorate=3,
            reason="quorum not reached",
            at=DEADLINE,
        )
    ] == events


def test_a_motion_is_not_counted_before_its_deadline() -> None:
    """MotionNotDue while ballots are still open."""
    situation = history(raised(), ballot(1), situation=group_of())

    assert isinstance(
        refused(situation, CloseMotion(motion_id=MOTION, actor="f", at=T0)), MotionNotDue
    )


def test_a_closed_motion_takes_no_ballot() -> None:
    """MotionClosed after the outcome is recorded."""
    situation = history(
        raised(),
        ballot(1),
        MotionFailed(
            motion_id=MOTION,
            group_id=GROUP,
            in_favour=1,
            against=0,
            electorate=3,
            reason="q",
            at=T0,
        ),
        situation=group_of(),
    )

    assert isinstance(refused(situation, vote(2)), MotionClosed)


def test_a_member_voted_off_can_do_nothing_afterwards() -> None:
    """After MemberVotedOff the member sets no goal and casts no ballot."""
    gone = voted_off(GROUP, COMPANIES[1], some_id("earlier"), cause="attendance")
    situation = history(raised(), gone, situation=group_of())
    goal = SetGoal(membership_id=MEMBERS[1], target=target(), actor="b", at=T0)

    assert isinstance(refused(situation, goal), NotAnActiveMember)
    assert isinstance(refused(situation, vote(1)), NotAnActiveMember)


def test_unanimity_is_a_charter_threshold_of_one() -> None:
    """With vote_threshold 1, one ballot against fails the motion."""
    strict = history(
        attrs.evolve(raised(), threshold=Fraction(1)), ballot(1), ballot(2), situation=group_of()
    )

    assert isinstance(when(strict, vote(3, in_favour=False))[-1], MotionFailed)


def test_an_admission_vote_lets_the_applicant_take_its_seat() -> None:
    """With admission_vote, TakeSeat waits for a carried admission motion."""
    applicant = COMPANIES[4]
    membership = membership_of(GROUP, applicant)
    situation = history(
        *applied(GROUP, applicant),
        signed(GROUP, applicant),
        situation=group_of(members=3, admission_vote=True),
    )
    take = TakeSeat(membership_id=membership, actor="e", at=T0)

    assert isinstance(refused(situation, take), AdmissionNotVoted)

    admitted = history(
        membership_event(ApplicantAdmitted, GROUP, applicant, motion_id=MOTION), situation=situation
    )
    assert "MemberJoined" == type(when(admitted, take)[0]).__name__


@pytest.mark.parametrize(
    ("cast", "in_favour", "carried"),
    [(3, 2, True), (3, 1, False), (2, 2, True), (1, 1, False), (3, 3, True)],
)
def test_carried_exactly_when_quorum_and_threshold_are_met(
    cast: int, in_favour: int, carried: bool
) -> None:
    """Electorate 3, quorum 2/3 (2 ballots), threshold 2/3 of ballots cast."""
    ballots = [ballot(v, v - 1 < in_favour) for v in range(1, cast + 1)]
    situation = history(raised(), *ballots, situation=group_of())

    outcome = when(situation, CloseMotion(motion_id=MOTION, actor="f", at=DEADLINE))[0]

    assert carried == isinstance(outcome, MotionCarried)


def test_charter_defaults_for_accountability() -> None:
    """Defaults: 2 misses in a row, 2/3 quorum, 2/3 threshold, no admission vote."""
    charter = Charter()

    assert (2, Fraction(2, 3), Fraction(2, 3), False) == (
        charter.goal_misses_in_a_row,
        charter.vote_quorum,
        charter.vote_threshold,
        charter.admission_vote,
    )
