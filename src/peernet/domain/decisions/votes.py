"""A group's votes: the electorate fixed when a motion is raised (the subject never
votes), one ballot each until the deadline, carried exactly when the charter's quorum
and threshold are met. What a carried motion does is recorded in the same write: a
removal votes the member off (its goals withdrawn, its seat offered on), an admission
admits the applicant, a charter motion amends the charter."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from peernet.domain import goals, motions
from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.decisions import Decider
from peernet.domain.decisions.accountability import active_member, member_of
from peernet.domain.decisions.partnering import lapse_on_departure
from peernet.domain.decisions.seats import amended, fill_seats
from peernet.domain.errors import (
    AlreadyVoted,
    InvalidValue,
    MotionClosed,
    MotionNotDue,
    NoRemovalOnFlags,
    NotAnEligibleVoter,
    NotFlaggedEnough,
    NotPending,
    SubjectCannotVote,
)
from peernet.domain.groups import Group
from peernet.domain.memberships import ApplicantAdmitted, MembershipStatus, MemberVotedOff
from peernet.domain.motions import (
    BallotCast,
    CastBallot,
    CloseMotion,
    Motion,
    MotionCarried,
    MotionKind,
    MotionRaised,
    RaiseMotion,
)
from peernet.domain.situation import Ref, Situation, departure, members_companies


def _raise_needs(command: RaiseMotion, situation: Situation) -> Iterator[Ref]:
    yield Ref.group(command.group_id)
    yield Ref.motion(command.motion_id)


def _check_subject(group: Group, command: RaiseMotion) -> None:
    subject = command.subject_id
    match command.kind:
        case MotionKind.REMOVAL:
            if subject is None or command.cause is None:
                raise InvalidValue("a removal motion names its subject and its cause")
            if subject == command.raised_by:
                raise InvalidValue("a member resigns rather than moves its own removal")
            active_member(group, subject)
        case MotionKind.ADMISSION:
            if subject is None:
                raise InvalidValue("an admission motion names the applicant's membership")
            applicant = member_of(group, subject)
            if not applicant.status.pending:
                raise NotPending(membership_id=applicant.id, status=applicant.status)
        case MotionKind.CHARTER:
            if command.charter is None:
                raise InvalidValue("a charter motion carries the charter it proposes")


def _check_charter_raises(group: Group, command: RaiseMotion) -> None:
    """A motion no member moved: the charter's `removal_after_flags` raises a removal of
    a member flagged that many times, and nothing else."""
    if command.kind is not MotionKind.REMOVAL or command.subject_id is None:
        raise InvalidValue("a motion no member moved is the removal of a flagged member")
    limit = group.charter_at(command.at).charter.removal_after_flags
    if limit is None:
        raise NoRemovalOnFlags(group_id=group.id)
    flags = len(member_of(group, command.subject_id).flags)
    if flags < limit:
        raise NotFlaggedEnough(membership_id=command.subject_id, flags=flags, limit=limit)


def _raise(situation: Situation, command: RaiseMotion) -> list[Event]:
    group = situation.group(command.group_id)
    if command.raised_by is None:
        _check_charter_raises(group, command)
    else:
        active_member(group, command.raised_by)
    if situation.motion(command.motion_id) is not None:
        raise InvalidValue(f"motion {command.motion_id} was already raised")
    if command.deadline <= command.at:
        raise InvalidValue("a motion's deadline comes after it is raised")
    _check_subject(group, command)
    subject = command.subject_id
    electorate = tuple(sorted((m.id for m in group.active if m.id != subject), key=str))
    if not electorate:
        raise InvalidValue(f"group {group.id} has no member who could vote on this motion")
    charter = group.charter_at(command.at).charter
    quorum, threshold = charter.vote_quorum, charter.vote_threshold
    # whose key seals the reason: the company it is about, else the one raising it
    about_id = subject if subject is not None else command.raised_by
    assert about_id is not None, "a motion the charter raised names its subject"
    about = group.memberships[about_id].company_id
    return [
        carry(
            MotionRaised,
            command,
            electorate=electorate,
            quorum=quorum,
            threshold=threshold,
            company_id=about,
        )
    ]


def _motion_needs(command: CastBallot | CloseMotion, situation: Situation) -> Iterator[Ref]:
    """The motion, its group, and what carrying it would read: a removal's subject's
    goals and the group's companies (its seat is offered on), a charter's seats."""
    yield Ref.motion(command.motion_id)
    motion = situation.motions.get(command.motion_id)
    if motion is None:
        return
    yield Ref.group(motion.group_id)
    if motion.raised.kind is MotionKind.REMOVAL and motion.raised.subject_id is not None:
        yield from departure(situation, motion.group_id, motion.raised.subject_id)
    elif motion.raised.kind is MotionKind.CHARTER:
        yield from members_companies(situation, motion.group_id)


def _open_motion(situation: Situation, motion_id: UUID, at: datetime) -> tuple[Group, Motion]:
    motion = motions.require_open(situation.motion(motion_id), motion_id, at)
    return situation.group(motion.group_id), motion


def _close(situation: Situation, command: CloseMotion) -> list[Event]:
    group, motion = _open_motion(situation, command.motion_id, command.at)
    if command.at < motion.raised.deadline:
        raise MotionNotDue(motion_id=motion.id, deadline=motion.raised.deadline)
    return _outcome(situation, group, motion, command.at)


def _ballot(situation: Situation, command: CastBallot) -> list[Event]:
    group, motion = _open_motion(situation, command.motion_id, command.at)
    voter = command.voter_id
    if voter == motion.raised.subject_id:
        raise SubjectCannotVote(motion_id=motion.id, voter_id=voter)
    if voter not in motion.raised.electorate:
        raise NotAnEligibleVoter(motion_id=motion.id, voter_id=voter)
    if command.at > motion.raised.deadline:
        raise MotionClosed(motion_id=motion.id)
    active_member(group, voter)
    if motion.voted(voter):
        raise AlreadyVoted(motion_id=motion.id, voter_id=voter)
    ballot = carry(BallotCast, command, group_id=group.id)
    after = motions.evolve(motion, ballot)
    still_eligible = [
        v for v in after.raised.electorate if group.memberships[v].status is MembershipStatus.ACTIVE
    ]
    if all(after.voted(v) for v in still_eligible):
        return [ballot, *_outcome(situation, group, after, command.at)]
    return [ballot]


def _outcome(situation: Situation, group: Group, motion: Motion, at: datetime) -> list[Event]:
    """The outcome, and when carried, what it does, in the same write."""
    outcome = motions.tally(motion, at)
    if not isinstance(outcome, MotionCarried):
        return [outcome]
    raised = motion.raised
    subject = group.memberships.get(raised.subject_id) if raised.subject_id else None
    effects: list[Event] = []
    match raised.kind:
        case MotionKind.REMOVAL if subject and subject.status is MembershipStatus.ACTIVE:
            assert raised.cause is not None
            check_forward(group, at)
            effects.append(
                MemberVotedOff(motion_id=motion.id, cause=raised.cause.value, at=at, **subject.ids)
            )
            effects += goals.withdraw_open(situation.goals_of(subject.id), at, "voted off")
            effects += fill_seats(situation, group, at, leaving=[subject.id])
            effects += lapse_on_departure(situation, subject.id, at)
        case MotionKind.ADMISSION if subject and subject.status.pending:
            check_forward(group, at)
            effects.append(ApplicantAdmitted(motion_id=motion.id, at=at, **subject.ids))
        case MotionKind.CHARTER:
            assert raised.charter is not None
            check_forward(group, at)
            effects += amended(situation, group, raised.charter, at)
    return [outcome, *effects]


DECIDERS: dict[type[Command], Decider[Any]] = {
    RaiseMotion: Decider(_raise_needs, _raise),
    CastBallot: Decider(_motion_needs, _ballot),
    CloseMotion: Decider(_motion_needs, _close),
}
