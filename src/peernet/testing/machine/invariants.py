"""Invariants: after every step, the facade's read models agree with the machine's
model (rosters, goals, motions, companies, memberships), no seat idles while a fitting
applicant waits, and no departed membership comes back."""

from hypothesis.stateful import invariant

from peernet.domain.access import Reader
from peernet.domain.goals import GoalStatus
from peernet.domain.memberships import MembershipStatus
from peernet.testing.machine.base import MachineBase
from peernet.testing.machine.model import OPEN


class Invariants(MachineBase):
    """What holds after every step, read through the facade."""

    @invariant()
    def rosters_agree_with_the_model(self) -> None:
        for group in self.model.groups.values():
            roster = self.network.roster(group.id)
            expected = (
                {m.id for m in group.members.values() if m.status is MembershipStatus.ACTIVE},
                {m.id for m in group.members.values() if m.status is MembershipStatus.OFFERED},
                group.waiting(),
                group.closed,
                group.charter,
            )
            actual = (
                {s.membership_id for s in roster.members},
                {s.membership_id for s in roster.offers},
                [s.membership_id for s in roster.waitlist],
                roster.closed,
                roster.charter,
            )
            assert expected == actual, f"roster of {group.id}"

    @invariant()
    def no_seat_idles_while_a_fitting_applicant_waits(self) -> None:
        for group in self.model.groups.values():
            if len(group.seated()) >= group.charter.capacity:
                continue
            for waiting in group.waiting():
                company_id = self.model.memberships[waiting].company_id
                assert self.model.competitor_seated(group, company_id), (
                    f"{waiting} waits in {group.id} beside a free seat and no competitor"
                )

    @invariant()
    def acquired_companies_hold_no_open_membership(self) -> None:
        for company in self.model.companies.values():
            view = self.network.company(company.id)
            assert (view.acquired_by is not None) == company.acquired
            if company.acquired:
                still = [m.membership_id for m in view.memberships if m.status in OPEN]
                assert not still, f"acquired company {company.id} still holds {still}"

    @invariant()
    def goals_and_motions_agree_with_the_model(self) -> None:
        """Every goal's status and every motion's count, as the facade reads them."""
        auditor = Reader.auditor("machine")
        for goal in self.model.goals.values():
            status = self.network.goal(goal.id, reader=auditor).status
            assert (status is GoalStatus.OPEN) == goal.open, f"goal {goal.id} is {status}"
        for motion in self.model.motions.values():
            view = self.network.motion(motion.id, reader=auditor)
            assert (view.outcome != "open") == motion.closed, f"motion {motion.id}"
            assert dict(view.ballots or ()) == motion.ballots, f"ballots of {motion.id}"

    @invariant()
    def departed_memberships_never_return(self) -> None:
        for membership_id, m in self.model.memberships.items():
            status = self.network.membership(membership_id).status
            assert m.status is status, f"membership {membership_id}"
            before = self.seen_status.get(membership_id)
            assert before is None or before in OPEN or before is status, (
                f"membership {membership_id} went from {before} back to {status}"
            )
            self.seen_status[membership_id] = status
