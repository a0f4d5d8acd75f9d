"""Holding members to account: the decisions on goals and motions that read a group.

Like `seats`, pure: the facade loads the `Situation` (the group, its goals, the motion)
and writes what `decide` returns, across streams, in one transaction. A carried removal
is `MotionCarried`, `MemberVotedOff`, the member's open goals withdrawn and the seat
offered to the wait-list, all in that one write.
"""

from datetime import date, datetime
from uuid import UUID

from peernet.domain import goals, groups, motions
from peernet.domain.common import Event, InvalidValue, check_forward
from peernet.domain.goals import (
    ChallengeGoal,
    Goal,
    GoalAlreadySet,
    GoalChallenged,
    GoalCommand,
    GoalMissed,
    GoalRevised,
    GoalSet,
    GoalStatus,
    GoalWithdrawn,
    OwnGoal,
    ProgressReported,
    ReportProgress,
    ReviewGoals,
    ReviseGoal,
    SetGoal,
    WithdrawGoal,
)
from peernet.domain.groups import CharterAmended, Group
from peernet.domain.memberships import (
    ApplicantAdmitted,
    MemberFlagged,
    Membership,
    MembershipStatus,
    MemberVotedOff,
    NotPending,
    UnknownMembership,
    require_active,
)
from peernet.domain.motions import (
    AlreadyVoted,
    BallotCast,
    CloseMotion,
    Motion,
    MotionCarried,
    MotionClosed,
    MotionCommand,
    MotionKind,
    MotionNotDue,
    MotionRaised,
    NotAnEligibleVoter,
    RaiseMotion,
    SubjectCannotVote,
)
from peernet.domain.seats import Situation, fill_seats

AccountabilityCommand = GoalCommand | ReviewGoals | MotionCommand


def _member_of(group: Group, membership_id: UUID) -> Membership:
    member = group.memberships.get(membership_id)
    if member is None:
        raise UnknownMembership(membership_id)
    return member


def _active_member(group: Group, membership_id: UUID) -> Membership:
    return require_active(_member_of(group, membership_id))


def _goal(situation: Situation, goal_id: UUID, at: datetime) -> tuple[Group, Goal]:
    goal = goals.require_open(situation.goals.get(goal_id), goal_id, at)
    return situation.group(goal.group_id), goal


def _ids(goal: Goal) -> dict[str, UUID]:
    return {"goal_id": goal.id, "membership_id": goal.membership_id, "group_id": goal.group_id}


def _decide_goal(situation: Situation, command: GoalCommand) -> list[Event]:
    at = command.at
    match command:
        case SetGoal():
            group, member = situation.membership(command.membership_id)
            _active_member(group, member.id)
            if command.goal_id in situation.goals:
                raise GoalAlreadySet(command.goal_id)
            categories = group.charter_at(at).charter.goal_categories
            goals.check_target(command.target, at, group.id, categories)
            return [
                GoalSet(
                    goal_id=command.goal_id,
                    membership_id=member.id,
                    group_id=group.id,
                    company_id=member.company_id,
                    target=command.target,
                    at=at,
                )
            ]
        case ChallengeGoal():
            group, goal = _goal(situation, command.goal_id, at)
            if command.challenger_id == goal.membership_id:
                raise OwnGoal(goal.id, goal.membership_id)
            _active_member(group, command.challenger_id)
            return [
                GoalChallenged(
                    challenger_id=command.challenger_id, reason=command.reason, at=at, **_ids(goal)
                )
            ]
        case ReviseGoal():
            group, goal = _goal(situation, command.goal_id, at)
            _active_member(group, goal.membership_id)
            if at.date() > goal.target.due:
                raise goals.DueDatePassed(goal.id, goal.target.due)
            categories = group.charter_at(at).charter.goal_categories
            goals.check_target(command.target, at, group.id, categories)
            revision = len(goal.versions)
            return [GoalRevised(revision=revision, target=command.target, at=at, **_ids(goal))]
        case ReportProgress():
            group, goal = _goal(situation, command.goal_id, at)
            _active_member(group, goal.membership_id)
            return [ProgressReported(value=command.value, note=command.note, at=at, **_ids(goal))]
        case WithdrawGoal():
            group, goal = _goal(situation, command.goal_id, at)
            return [GoalWithdrawn(reason=command.reason, at=at, **_ids(goal))]
    raise AssertionError(f"not a goal command: {command!r}")


def _review(situation: Situation, command: ReviewGoals) -> list[Event]:
    group = situation.group(command.group_id)
    check_forward("group", group.id, command.at, group.last_at)
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
    due = sorted(
        (
            g
            for g in situation.goals.values()
            if g.group_id == group.id and g.status is GoalStatus.OPEN and g.target.due <= due_by
        ),
        key=lambda g: (g.target.due, g.set_at, str(g.id)),
    )
    decided: list[Event] = [goals.decision(g, at) for g in due]
    after = dict(situation.goals)
    for event in decided:
        assert isinstance(event, goals.GoalEvent)
        after[event.goal_id] = goals.evolve(after[event.goal_id], event)
    limit = group.charter_at(at).charter.goal_misses_in_a_row
    flags: list[Event] = []
    missed_now = {e.membership_id for e in decided if isinstance(e, GoalMissed)}
    for membership_id in sorted(missed_now, key=str):
        member = group.memberships[membership_id]
        streak = goals.missed_in_a_row(after, membership_id)
        if member.status is MembershipStatus.ACTIVE and streak >= limit:
            flags.append(
                MemberFlagged(
                    membership_id=membership_id,
                    group_id=group.id,
                    company_id=member.company_id,
                    reason=f"missed {streak} goals in a row (charter: {limit})",
                    at=at,
                )
            )
    return decided + flags


def _raise(situation: Situation, command: RaiseMotion) -> list[Event]:
    group = situation.group(command.group_id)
    _active_member(group, command.raised_by)
    if command.motion_id in situation.motions:
        raise InvalidValue(f"motion {command.motion_id} was already raised")
    if command.deadline <= command.at:
        raise InvalidValue("a motion's deadline comes after it is raised")
    subject = command.subject_id
    match command.kind:
        case MotionKind.REMOVAL:
            if subject is None or command.cause is None:
                raise InvalidValue("a removal motion names its subject and its cause")
            if subject == command.raised_by:
                raise InvalidValue("a member resigns rather than moves its own removal")
            _active_member(group, subject)
        case MotionKind.ADMISSION:
            if subject is None:
                raise InvalidValue("an admission motion names the applicant's membership")
            applicant = _member_of(group, subject)
            if not applicant.status.pending:
                raise NotPending(applicant.id, applicant.status)
        case MotionKind.CHARTER:
            if command.charter is None:
                raise InvalidValue("a charter motion carries the charter it proposes")
    electorate = tuple(sorted((m.id for m in group.active if m.id != subject), key=str))
    if not electorate:
        raise InvalidValue(f"group {group.id} has no member who could vote on this motion")
    charter = group.charter_at(command.at).charter
    return [
        MotionRaised(
            motion_id=command.motion_id,
            group_id=group.id,
            raised_by=command.raised_by,
            kind=command.kind,
            deadline=command.deadline,
            electorate=electorate,
            quorum=charter.vote_quorum,
            threshold=charter.vote_threshold,
            subject_id=subject,
            cause=command.cause,
            charter=command.charter,
            reason=command.reason,
            at=command.at,
        )
    ]


def _still_eligible(group: Group, motion: Motion) -> list[UUID]:
    return [
        voter
        for voter in motion.raised.electorate
        if group.memberships[voter].status is MembershipStatus.ACTIVE
    ]


def _close(situation: Situation, group: Group, motion: Motion, at: datetime) -> list[Event]:
    """The outcome, and when carried, what it does, in the same write."""
    outcome = motions.tally(motion, at)
    if not isinstance(outcome, MotionCarried):
        return [outcome]
    raised = motion.raised
    effects: list[Event] = []
    match raised.kind:
        case MotionKind.REMOVAL:
            assert raised.subject_id is not None
            assert raised.cause is not None
            subject = group.memberships[raised.subject_id]
            if subject.status is MembershipStatus.ACTIVE:
                check_forward("group", group.id, at, group.last_at)
                effects.append(
                    MemberVotedOff(
                        membership_id=subject.id,
                        group_id=group.id,
                        company_id=subject.company_id,
                        motion_id=motion.id,
                        cause=raised.cause.value,
                        at=at,
                    )
                )
                effects += goals.withdraw_open(situation.goals, subject.id, at, "voted off")
                effects += fill_seats(situation, group, at, leaving=[subject.id])
        case MotionKind.ADMISSION:
            assert raised.subject_id is not None
            applicant = group.memberships[raised.subject_id]
            if applicant.status.pending:
                check_forward("group", group.id, at, group.last_at)
                effects.append(
                    ApplicantAdmitted(
                        membership_id=applicant.id,
                        group_id=group.id,
                        company_id=applicant.company_id,
                        motion_id=motion.id,
                        at=at,
                    )
                )
        case MotionKind.CHARTER:
            assert raised.charter is not None
            check_forward("group", group.id, at, group.last_at)
            amended = CharterAmended(
                group_id=group.id,
                version=group.charters[-1].version + 1,
                charter=raised.charter,
                at=at,
            )
            effects += [amended, *fill_seats(situation, groups.evolve(group, amended), at)]
    return [outcome, *effects]


def _decide_motion(situation: Situation, command: MotionCommand) -> list[Event]:
    if isinstance(command, RaiseMotion):
        return _raise(situation, command)
    motion = motions.require_open(
        situation.motions.get(command.motion_id), command.motion_id, command.at
    )
    group = situation.group(motion.group_id)
    if isinstance(command, CloseMotion):
        if command.at < motion.raised.deadline:
            raise MotionNotDue(motion.id, motion.raised.deadline)
        return _close(situation, group, motion, command.at)
    voter = command.voter_id
    if voter == motion.raised.subject_id:
        raise SubjectCannotVote(motion.id, voter)
    if voter not in motion.raised.electorate:
        raise NotAnEligibleVoter(motion.id, voter)
    if command.at > motion.raised.deadline:
        raise MotionClosed(motion.id)
    _active_member(group, voter)
    if motion.voted(voter):
        raise AlreadyVoted(motion.id, voter)
    ballot = BallotCast(
        motion_id=motion.id,
        group_id=group.id,
        voter_id=voter,
        in_favour=command.in_favour,
        at=command.at,
    )
    after = motions.evolve(motion, ballot)
    if all(after.voted(v) for v in _still_eligible(group, after)):
        return [ballot, *_close(situation, group, after, command.at)]
    return [ballot]


def decide(situation: Situation, command: AccountabilityCommand) -> list[Event]:
    if isinstance(command, ReviewGoals):
        return _review(situation, command)
    if isinstance(command, MotionCommand):
        return _decide_motion(situation, command)
    return _decide_goal(situation, command)
