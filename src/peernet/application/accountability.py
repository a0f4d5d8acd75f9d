"""Queries on holding members to account: goals and motions. Goals, goal records and who
voted how are confidential to the group (`peernet.domain.access`)."""

from uuid import UUID

from peernet.application.reading import Reading, uuid_of
from peernet.domain.access import Reader, sees_inside
from peernet.domain.errors import UnknownGoal, UnknownMembership, UnknownMotion
from peernet.domain.goals import Goal
from peernet.domain.motions import Motion
from peernet.views import GoalRecord, GoalView, MotionView


class Accountability(Reading):
    def goal(self, goal_id: UUID, *, reader: Reader | None = None) -> GoalView:
        """One goal with every version and challenge; confidential to the group."""
        with self._current():
            goal = self._get(Goal, uuid_of("goal_id", goal_id))
            if goal is None:
                raise UnknownGoal(goal_id=goal_id)
            self._check_inside(reader, goal.group_id, "the goals")
            return GoalView.of(goal)

    def group_goals(self, group_id: UUID, *, reader: Reader | None = None) -> tuple[GoalView, ...]:
        """Every goal set in the group, by due date; confidential to the group."""
        with self._current():
            group = self._check_inside(reader, group_id, "the goals")
            links = self._replica.directory
            found = [self._get(Goal, g) for m in group.memberships for g in links.goals_of(m)]
            views = [GoalView.of(g) for g in found if g is not None]
            return tuple(sorted(views, key=lambda g: (g.target.due, g.set_at, str(g.goal_id))))

    def goal_record(self, membership_id: UUID, *, reader: Reader | None = None) -> GoalRecord:
        """A member's goals set, met and missed, and its completion rate."""
        with self._current():
            links = self._replica.directory
            group_id = links.group_of(uuid_of("membership_id", membership_id))
            if group_id is None:
                raise UnknownMembership(membership_id=membership_id)
            self._check_inside(reader, group_id, "the goal record")
            found = [self._get(Goal, g) for g in links.goals_of(membership_id)]
            views = sorted(
                (GoalView.of(g) for g in found if g), key=lambda g: (g.set_at, str(g.goal_id))
            )
            return GoalRecord(membership_id=membership_id, goals=tuple(views))

    def motion(self, motion_id: UUID, *, reader: Reader | None = None) -> MotionView:
        """A motion and its tally. Who voted how is shown only to the group's active
        members, its facilitator and auditors."""
        with self._current():
            motion = self._get(Motion, uuid_of("motion_id", motion_id))
            if motion is None:
                raise UnknownMotion(motion_id=motion_id)
            group = self._known_group(motion.group_id)
            return MotionView.of(motion, reveal=sees_inside(reader, group))

    def group_motions(
        self, group_id: UUID, *, reader: Reader | None = None
    ) -> tuple[MotionView, ...]:
        """The group's motions, in the order they were raised."""
        with self._current():
            group = self._known_group(group_id)
            raised = self._replica.directory.group_motions.get(group_id, ())
            found = [self._get(Motion, m) for m in raised]
            reveal = sees_inside(reader, group)
            return tuple(MotionView.of(m, reveal=reveal) for m in found if m is not None)
