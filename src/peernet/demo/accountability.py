"""Accountability, from 2008: the quarterly meeting (held, its goals reviewed, new goals
set), and the motions it leads to. One member of the group with the longest wait-list
misses every goal it sets and is flagged; its peers move its removal, vote it off the
island, and the seat goes to the first wait-listed applicant who competes with nobody
inside. In April 2009 a second group votes on a member's attendance and fails for want
of a quorum."""

import functools
from datetime import UTC, datetime, timedelta
from uuid import UUID

from peernet import (
    CastBallot,
    CloseMotion,
    GoalWithdrawn,
    GroupFormat,
    MembershipStatus,
    MemberVotedOff,
    MotionCause,
    MotionCounted,
    MotionFailed,
    MotionKind,
    RaiseMotion,
    Recorded,
    SeatOffered,
)
from peernet.demo.goals import GoalScenes
from peernet.demo.meetings import MeetingScenes
from peernet.demo.replica import Group, Motion, months_after, quorum_needed
from peernet.demo.scene import Scene
from peernet.demo.story import MotionStory, VoteOff
from peernet.demo.tally import VoteOffDraft
from peernet.demo.world import World


class AccountabilityScenes(Scene):
    """The quarterly meeting, the laggard's story and the motions."""

    def __init__(self, world: World, meetings: MeetingScenes, goals: GoalScenes) -> None:
        super().__init__(world)
        self.meetings = meetings
        self.goals = goals
        self.rng = world.goal_rng
        #: the group that will vote on a member's attendance, once chosen
        self.doubted_group: UUID | None = None

    def cast_laggard(self) -> None:
        """January 2008: one member of the group with the longest wait-list will miss
        every goal it sets (its peers know a seat there will not stay empty)."""
        world = self.world
        in_person = self.replica.open_groups(fmt=GroupFormat.IN_PERSON)
        groups = [g for g in in_person if len(g.active) > 3]
        if not groups:
            return
        group = max(groups, key=lambda g: len(g.waitlist))  # the first formed of equals
        candidates = sorted(
            (m for m in group.active if m.company_id not in world.founders),
            key=lambda m: (m.joined_at or m.applied_at, str(m.id)),
        )
        if candidates:
            laggard = self.rng.choice(candidates)
            world.laggard, world.laggard_group = laggard.id, group.id
            world.laggard_company = laggard.company_id

    def doubt_a_member(self) -> None:
        """April 2009: the largest other in-person group will vote on a member's
        attendance (and not reach a quorum)."""
        groups = [
            g
            for g in self.replica.open_groups(fmt=GroupFormat.IN_PERSON)
            if g.id != self.world.laggard_group and len(g.active) > 3
        ]
        if groups:
            self.doubted_group = max(groups, key=lambda g: len(g.active)).id

    def meet(self, group_id: UUID) -> None:
        """The quarterly meeting: goals due are reviewed, the group votes where it must,
        and every member sets new goals for the next meeting."""
        group = self.replica.groups[group_id]
        if group.closed_at is not None or not group.active:
            return
        today = self.world.scene_day()
        reviewed = self.meetings.hold_meeting(group, today)
        self.goals.late_report(reviewed or ())
        if group_id == self.world.laggard_group:
            self._move_removal(group_id)
        if group_id == self.doubted_group:
            self._move_doubt(group_id)
        self.goals.set_goals(group_id, months_after(today, 3).date())

    # --- motions ----------------------------------------------------------------------------

    def _move_removal(self, group_id: UUID) -> None:
        """Flagged twice, the laggard faces a removal motion; the subject's own ballot is
        refused, the others vote the next month and carry it with their last ballot."""
        group = self.replica.groups[group_id]
        assert self.world.laggard is not None
        subject = group.memberships[self.world.laggard]
        if subject.status is not MembershipStatus.ACTIVE or len(subject.flags) < 2:
            return
        streak = self.replica.missed_in_a_row(subject.id)
        came = self.meetings.attendance_words(group, subject.id)
        reason = f"missed {streak} goals in a row and {came}"
        motion_id = self._raise(group, subject.id, MotionCause.MISSED_GOALS, reason)
        if motion_id is None:
            return
        self.world.do(
            CastBallot,
            motion_id=motion_id,
            voter_id=subject.id,
            in_favour=False,
            **self.replica.by_member(group, subject.id),
        )
        raised = self.replica.motions[motion_id].raised
        voters = list(raised.electorate)
        self.rng.shuffle(voters)
        against = set([v for v in voters if v != raised.raised_by][:3])
        self._plan_votes(motion_id, [(v, v not in against) for v in voters])

    def _move_doubt(self, group_id: UUID) -> None:
        """A member questions another's attendance; few vote and the motion fails at its
        deadline for want of a quorum."""
        self.doubted_group = None
        group = self.replica.groups[group_id]
        members = sorted(
            (m for m in group.active if m.company_id not in self.world.founders),
            key=lambda m: (m.joined_at or m.applied_at, str(m.id)),
        )
        if len(members) < 2:
            return
        subject = self.rng.choice(members)
        motion_id = self._raise(
            group, subject.id, MotionCause.ATTENDANCE, "missed 3 of the last 4 meetings"
        )
        if motion_id is None:
            return
        raised = self.replica.motions[motion_id].raised
        others = sorted((v for v in raised.electorate if v != raised.raised_by), key=str)
        few = others[: len(raised.electorate) // 3 - 1]  # the mover and a few others
        mover = raised.raised_by
        assert mover is not None  # the demo's motions are moved by members
        votes = [(mover, True)] + [(v, i % 2 == 1) for i, v in enumerate(few)]
        self._plan_votes(motion_id, votes)

    def _raise(
        self, group: Group, subject_id: UUID, cause: MotionCause, reason: str
    ) -> UUID | None:
        movers = sorted((m for m in group.active if m.id != subject_id), key=lambda m: str(m.id))
        if not movers:
            return None
        mover = self.rng.choice(movers)
        start = self.world.month_start
        next_month = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)
        motion_id = self.world.new_id("motion")
        raised = self.world.do(
            RaiseMotion,
            group_id=group.id,
            raised_by=mover.id,
            kind=MotionKind.REMOVAL,
            subject_id=subject_id,
            cause=cause,
            reason=reason,
            deadline=next_month + timedelta(days=20, hours=17),
            motion_id=motion_id,
            **self.replica.by_member(group, mover.id),
        )
        return motion_id if raised else None

    def _plan_votes(self, motion_id: UUID, votes: list[tuple[UUID, bool]]) -> None:
        deadline = self.replica.motions[motion_id].raised.deadline
        self.world.later(
            deadline - timedelta(days=15), functools.partial(self.vote, motion_id, votes)
        )
        self.world.later(deadline + timedelta(days=1), functools.partial(self.close, motion_id))

    def vote(self, motion_id: UUID, votes: list[tuple[UUID, bool]]) -> None:
        for voter, in_favour in votes:
            motion = self.replica.motions[motion_id]
            group = self.replica.groups[motion.group_id]
            if motion.closed or not self.replica.active(group, voter):
                continue
            before = group
            recorded = self.world.do(
                CastBallot,
                motion_id=motion_id,
                voter_id=voter,
                in_favour=in_favour,
                **self.replica.by_member(group, voter),
            )
            self._decided(recorded or (), before)

    def close(self, motion_id: UUID) -> None:
        """The deadline passed: the office counts the ballots of a motion still open."""
        motion = self.replica.motions[motion_id]
        if motion.closed:
            return
        before = self.replica.groups[motion.group_id]
        self._decided(self.world.do(CloseMotion, motion_id=motion_id) or (), before)

    def _decided(self, recorded: tuple[Recorded, ...], before: Group) -> None:
        """Tell the story of a motion decided by `recorded`; `before` is its group as it
        was, wait-list and all, before that write."""
        outcome = next(
            (r.event for r in recorded if isinstance(r.event, MotionCounted)),
            None,
        )
        if outcome is None:
            return
        motion = self.replica.motions[outcome.motion_id]
        raised = motion.raised
        subject = None
        if raised.subject_id is not None:
            subject = self.replica.name_of(before, raised.subject_id)
        self.world.chronicle.decided(
            MotionStory(
                group=before.name,
                kind=raised.kind.value,
                subject=subject,
                cause=raised.cause.value if raised.cause else None,
                raised_at=raised.at,
                decided_at=outcome.at,
                outcome=_outcome(motion),
                in_favour=outcome.in_favour,
                against=outcome.against,
                electorate=outcome.electorate,
                quorum_needed=quorum_needed(outcome.electorate, raised.quorum),
            )
        )
        for record in recorded:
            if isinstance(record.event, MemberVotedOff):
                self._voted_off(record.event, recorded, before)

    def _voted_off(
        self, event: MemberVotedOff, recorded: tuple[Recorded, ...], before: Group
    ) -> None:
        world, chronicle = self.world, self.world.chronicle
        offered = [r.event for r in recorded if isinstance(r.event, SeatOffered)]
        refill = offered[0].membership_id if offered else None
        if refill is not None:
            chronicle.refills.add(refill)
        member = self.replica.groups[event.group_id].memberships[event.membership_id]
        story = VoteOff(
            company=self.replica.name_of(before, event.membership_id),
            group=before.name,
            at=event.at,
            cause=event.cause,
            flags=len(member.flags),
            missed_in_a_row=self.replica.missed_in_a_row(member.id),
            attendance=self.meetings.attendance_words(before, member.id),
            goals_withdrawn=sum(isinstance(r.event, GoalWithdrawn) for r in recorded),
            refill=self.replica.name_of(before, refill) if refill else None,
            passed_over=before.waitlist.index(refill) if refill in before.waitlist else 0,
            refill_joined=None,
        )
        chronicle.vote_offs.append(VoteOffDraft(year=event.at.year, story=story, refill_id=refill))
        if member.id == world.laggard:
            world.laggard_company = None


def _outcome(motion: Motion) -> str:
    if isinstance(motion.outcome, MotionFailed):
        return f"failed: {motion.outcome.reason}"
    return "carried" if motion.outcome else "open"
