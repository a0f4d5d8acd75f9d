"""Accountability: goals set, reported on, withdrawn and reviewed; removal motions
raised, voted on and closed; and what their events must keep (only active members set
goals or vote, the subject never votes, one ballot a voter, a motion carries exactly
when the charter's quorum and threshold are met, a goal is decided once, when due).
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from peernet.domain.common import Event
from peernet.domain.goals import (
    GoalEvent,
    GoalMet,
    GoalMissed,
    GoalSet,
    GoalWithdrawn,
    ReportProgress,
    ReviewGoals,
    SetGoal,
    Target,
    WithdrawGoal,
)
from peernet.domain.memberships import MembershipStatus
from peernet.domain.motions import (
    BallotCast,
    CastBallot,
    CloseMotion,
    MotionCarried,
    MotionCause,
    MotionCounted,
    MotionEvent,
    MotionKind,
    MotionRaised,
    RaiseMotion,
)
from peernet.testing.machine.base import MachineBase
from peernet.testing.machine.model import ACTIVE, Expect, ModelGoal, ModelMotion, opened


class AccountabilityRules(MachineBase):
    """Members set goals before their peers and move to vote one another off."""

    def _goal(self, data: st.DataObject, *, open_only: bool = True) -> UUID:
        known = [g.id for g in self.model.goals.values() if g.open or not open_only]
        return self._pick(data, known or list(self.model.goals), "goal")

    def _goal_command_expect(self, goal_id: UUID, at: datetime) -> Expect:
        goal = self.model.goals.get(goal_id)
        if goal is None or not goal.open or self._late(at, goal_id):
            return Expect.REFUSED
        return Expect.ACCEPTED

    @precondition(lambda self: self._any(ACTIVE))
    @rule(data=st.data())
    def set_goal(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, MembershipStatus.ACTIVE)
        stamp = self._stamp(data)
        m = self.model.memberships.get(membership_id)
        categories = self.model.groups[m.group_id].charter.goal_categories if m else ("other",)
        category = data.draw(st.sampled_from((*categories, "astrology")), label="category")
        days = data.draw(st.integers(0, 3 * self.max_days), label="due in days")
        command = SetGoal(
            membership_id=membership_id,
            target=Target(
                statement="grow recurring revenue",
                category=category,
                value=Decimal(data.draw(st.integers(1, 100), label="target")),
                unit="%",
                due=stamp["at"].astimezone(UTC).date() + timedelta(days=days),
            ),
            goal_id=self._new_id("goal"),
            **stamp,
        )
        fits = self.model.is_active(membership_id) and category in categories
        self.execute(command, Expect.ACCEPTED if fits else Expect.REFUSED)

    @precondition(lambda self: self.model.goals)
    @rule(data=st.data())
    def report_progress(self, data: st.DataObject) -> None:
        goal_id = self._goal(data)
        value = Decimal(data.draw(st.integers(0, 120), label="progress"))
        command = ReportProgress(goal_id=goal_id, value=value, **self._stamp(data))
        self.execute(command, self._goal_command_expect(goal_id, command.at))

    @precondition(lambda self: self.model.goals)
    @rule(data=st.data())
    def withdraw_goal(self, data: st.DataObject) -> None:
        goal_id = self._goal(data)
        command = WithdrawGoal(goal_id=goal_id, reason="no longer relevant", **self._stamp(data))
        self.execute(command, self._goal_command_expect(goal_id, command.at))

    @precondition(lambda self: self.model.goals)
    @rule(data=st.data())
    def review_goals(self, data: st.DataObject) -> None:
        """Decide the goals due by the review's date: met, or missed (and flag a streak)."""
        group_id = self._pick(data, list(self.model.groups), "group")
        stamp = self._stamp(data, max_days=2 * self.max_days)
        ahead = data.draw(st.integers(0, 10), label="due by, days ahead") == 10
        due_by = stamp["at"].astimezone(UTC).date() + timedelta(days=1 if ahead else 0)
        command = ReviewGoals(group_id=group_id, due_by=due_by, **stamp)
        group = self.model.groups.get(group_id)
        due = [
            g.id
            for g in self.model.goals.values()
            if g.group_id == group_id and g.open and g.due <= due_by
        ]
        late = self._late(command.at, group_id, *due)
        refused = group is None or group.closed or ahead or late
        if self.execute(
            command, Expect.REFUSED if refused else Expect.ACCEPTED, may_record_nothing=not due
        ):
            undecided = [g for g in due if self.model.goals[g].open]
            assert not undecided, f"review by {due_by} left goals {undecided} open"

    def _motion(self, data: st.DataObject) -> UUID:
        known = [x.id for x in self.model.motions.values() if not x.closed]
        return self._pick(data, known or list(self.model.motions), "motion")

    def _closing(self, motion: ModelMotion, at: datetime) -> Expect:
        """A motion that closes carried removes a member still seated, which writes to the
        group's stream too: refused when dated before the group's last event."""
        subject = motion.subject_id
        touched = (motion.group_id, *self.model.departure_streams(subject))
        if self.model.is_active(subject) and self._late(at, *touched):
            return Expect.EITHER
        return Expect.ACCEPTED

    @precondition(lambda self: self._any(ACTIVE))
    @rule(data=st.data())
    def raise_removal(self, data: st.DataObject) -> None:
        """An active member moves to vote another off the island."""
        movers = [
            i
            for i, m in self.model.memberships.items()
            if m.status is MembershipStatus.ACTIVE and len(self.model.active_in(m.group_id)) > 1
        ]
        raised_by = self._pick(data, movers or self._memberships(*ACTIVE), "mover")
        m = self.model.memberships.get(raised_by)
        peers = self.model.active_in(m.group_id) if m else []
        others = [p for p in peers if p != raised_by]
        anyone = data.draw(st.integers(0, 5), label="any peer, the mover too") == 5
        subject = self._pick(data, peers if anyone else others or peers, "subject")
        stamp = self._stamp(data)
        command = RaiseMotion(
            group_id=m.group_id if m else self._pick(data, [], "group"),
            raised_by=raised_by,
            kind=MotionKind.REMOVAL,
            deadline=stamp["at"] + timedelta(days=data.draw(st.integers(1, 30), label="open for")),
            subject_id=subject,
            cause=data.draw(st.sampled_from(MotionCause), label="cause"),
            motion_id=self._new_id("motion"),
            **stamp,
        )
        fits = self.model.is_active(raised_by) and subject != raised_by and subject in peers
        if self.execute(command, Expect.ACCEPTED if fits else Expect.REFUSED):
            self.cast_ballots(data, command.motion_id)

    @precondition(lambda self: self.model.motions)
    @rule(data=st.data())
    def vote(self, data: st.DataObject) -> None:
        self.cast_ballots(data, self._motion(data))

    def cast_ballots(self, data: st.DataObject, motion_id: UUID) -> None:
        """None to a few ballots on one motion, mostly from its electorate."""
        motion = self.model.motions.get(motion_id)
        voters = [*motion.electorate, motion.subject_id] if motion else []
        for _ in range(data.draw(st.integers(0, len(voters) + 1), label="ballots")):
            voter = self._pick(data, voters, "voter")
            stamp = self._stamp(data, max_days=5)  # ballots come within days
            in_favour = data.draw(st.booleans(), label="in favour")
            command = CastBallot(motion_id=motion_id, voter_id=voter, in_favour=in_favour, **stamp)
            self.execute(command, self._expect_ballot(command, motion))

    def _expect_ballot(self, command: CastBallot, motion: ModelMotion | None) -> Expect:
        if motion is None or motion.closed or self._late(command.at, motion.id):
            return Expect.REFUSED
        voter = command.voter_id
        if voter not in motion.electorate or voter in motion.ballots:
            return Expect.REFUSED
        if command.at > motion.deadline or not self.model.is_active(voter):
            return Expect.REFUSED
        outstanding = [
            v
            for v in motion.electorate
            if v != voter and v not in motion.ballots and self.model.is_active(v)
        ]
        return Expect.ACCEPTED if outstanding else self._closing(motion, command.at)

    @precondition(lambda self: self.model.motions)
    @rule(data=st.data())
    def close_motion(self, data: st.DataObject) -> None:
        """Count the ballots at (or, refused, before) the deadline; a group that has
        closed counts no more."""
        motion_id = self._motion(data)
        command = CloseMotion(motion_id=motion_id, **self._stamp(data))
        motion = self.model.motions.get(motion_id)
        if (
            motion is None
            or motion.closed
            or self._late(command.at, motion_id)
            or command.at < motion.deadline
            or self.model.groups[motion.group_id].closed
        ):
            expect = Expect.REFUSED
        else:
            expect = self._closing(motion, command.at)
        self.execute(command, expect)

    # --- the events of goals and motions, folded into the model -----------------------

    def _fold(self, event: Event) -> None:
        match event:
            case GoalEvent():
                self._goal_event(event)
            case MotionEvent():
                self._motion_event(event)
            case _:
                super()._fold(event)

    def _goal_event(self, event: GoalEvent) -> None:
        model = self.model
        if isinstance(event, GoalSet):
            assert model.is_active(event.membership_id), f"{event!r} set by a non-member"
            assert event.goal_id not in model.goals, f"goal {event.goal_id} set twice"
            model.goals[event.goal_id] = opened(
                ModelGoal, event, id=event.goal_id, due=event.target.due
            )
            return
        goal = model.goals[event.goal_id]
        assert goal.open, f"{type(event).__name__} for goal {goal.id}, already decided"
        if isinstance(event, GoalMet | GoalMissed):
            assert goal.due <= event.at.date(), f"goal {goal.id} decided before it fell due"
        if isinstance(event, GoalMet | GoalMissed | GoalWithdrawn):
            goal.open = False
        else:
            assert model.is_active(goal.membership_id), f"{event!r} for a departed member"

    def _motion_event(self, event: MotionEvent) -> None:
        model = self.model
        match event:
            case MotionRaised():
                assert event.subject_id is not None
                others = sorted(
                    (m for m in model.active_in(event.group_id) if m != event.subject_id), key=str
                )
                assert event.raised_by is not None, f"{event!r} raised by no member"
                assert model.is_active(event.raised_by), f"{event!r} raised by a non-member"
                assert model.is_active(event.subject_id), f"{event!r} against a non-member"
                assert list(event.electorate) == others, f"electorate of {event.motion_id}"
                model.motions[event.motion_id] = opened(ModelMotion, event, id=event.motion_id)
            case BallotCast():
                motion = model.motions[event.motion_id]
                assert not motion.closed, f"ballot on closed motion {motion.id}"
                assert event.voter_id != motion.subject_id, f"the subject voted on {motion.id}"
                assert event.voter_id in motion.electorate, f"outsider voted on {motion.id}"
                assert event.voter_id not in motion.ballots, f"second ballot on {motion.id}"
                motion.ballots[event.voter_id] = event.in_favour
            case MotionCounted():
                motion = model.motions[event.motion_id]
                assert not motion.closed, f"motion {motion.id} closed twice"
                carried = isinstance(event, MotionCarried)
                assert carried is motion.carried(), (
                    f"motion {motion.id}: {type(event).__name__} with ballots {motion.ballots}"
                )
                motion.closed = True
            case _:
                raise AssertionError(f"the machine does not expect {event!r}")
