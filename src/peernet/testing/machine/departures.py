"""Departures: a membership ends (a seat declined, an application withdrawn, a member
resigned, removed, transferred, graduated, voted off, or its company acquired), and
what each end must keep: it comes from a status it may end, and never comes back.
Members flagged for review are checked here too: only active members are flagged.
"""

from datetime import timedelta
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from peernet.domain import memberships
from peernet.domain.charters import GroupFormat, GroupKind
from peernet.domain.common import Event
from peernet.domain.companies import RecordAcquisition
from peernet.domain.memberships import MembershipStatus
from peernet.testing.machine.base import MachineBase
from peernet.testing.machine.model import ACTIVE, OFFERED, PENDING, Expect

#: the statuses each way out of a membership may end
DEPARTED_FROM: dict[type[Event], tuple[MembershipStatus, ...]] = {
    memberships.SeatDeclined: OFFERED,
    memberships.ApplicationWithdrawn: PENDING,
    memberships.MemberResigned: ACTIVE,
    memberships.MemberRemoved: ACTIVE,
    memberships.MemberTransferred: ACTIVE,
    memberships.MemberGraduated: ACTIVE,
    memberships.MemberVotedOff: ACTIVE,
}
#: the status each way out leaves a membership in
DEPARTED_TO: dict[type[Event], MembershipStatus] = {
    memberships.SeatDeclined: MembershipStatus.DECLINED,
    memberships.ApplicationWithdrawn: MembershipStatus.WITHDRAWN,
    memberships.MemberResigned: MembershipStatus.RESIGNED,
    memberships.MemberRemoved: MembershipStatus.REMOVED,
    memberships.MemberTransferred: MembershipStatus.TRANSFERRED,
    memberships.MemberGraduated: MembershipStatus.GRADUATED,
    memberships.MemberVotedOff: MembershipStatus.VOTED_OFF,
}


class DepartureRules(MachineBase):
    """Offers declined, applications withdrawn; members resign, are removed, transfer
    or graduate; companies are acquired."""

    @precondition(lambda self: self._any(OFFERED))
    @rule(data=st.data())
    def decline(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, *OFFERED)
        command = memberships.DeclineSeat(membership_id=membership_id, **self._stamp(data))
        expect, _ = self._membership_command_expect(membership_id, command.at, OFFERED)
        self.execute(command, expect)

    @precondition(lambda self: self._any(PENDING))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, *PENDING)
        command = memberships.WithdrawApplication(membership_id=membership_id, **self._stamp(data))
        expect, _ = self._membership_command_expect(membership_id, command.at, PENDING)
        self.execute(command, expect)

    @precondition(lambda self: self._any(ACTIVE))
    @rule(data=st.data())
    def resign(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, *ACTIVE)
        command = memberships.Resign(
            membership_id=membership_id, reason="moving on", **self._stamp(data)
        )
        expect, _ = self._membership_command_expect(membership_id, command.at, ACTIVE)
        self.execute(command, expect)

    @precondition(lambda self: self._any(ACTIVE))
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, *ACTIVE)
        command = memberships.RemoveMember(
            membership_id=membership_id,
            cause=data.draw(st.sampled_from(memberships.RemovalCause), label="cause"),
            **self._stamp(data),
        )
        expect, _ = self._membership_command_expect(membership_id, command.at, ACTIVE)
        self.execute(command, expect)

    @precondition(lambda self: self._any(ACTIVE))
    @rule(data=st.data())
    def transfer(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, *ACTIVE)
        held = self.model.memberships.get(membership_id)
        others = [g for g in self.model.groups if held is None or g != held.group_id]
        to_group_id = self._pick(data, others or list(self.model.groups), "target group")
        command = memberships.TransferMember(
            membership_id=membership_id,
            to_group_id=to_group_id,
            new_membership_id=self._new_id("membership"),
            **self._stamp(data),
        )
        self.execute(command, self._expect_transfer(command))

    def _expect_transfer(self, command: memberships.TransferMember) -> Expect:
        expect, m = self._membership_command_expect(command.membership_id, command.at, ACTIVE)
        target = self.model.groups.get(command.to_group_id)
        if m is None or expect is Expect.REFUSED or target is None or target.closed:
            return Expect.REFUSED
        if target.id == m.group_id or self._late(command.at, target.id, m.company_id):
            return Expect.REFUSED
        if any(x.group_id == target.id for x in self.model.open_memberships(m.company_id)):
            return Expect.REFUSED
        elsewhere = [
            x
            for x in self.model.open_core_elsewhere(m.company_id, target.id)
            if x.group_id != m.group_id
        ]
        if target.kind is GroupKind.CORE and target.charter.one_core_group and elsewhere:
            return Expect.REFUSED
        if self.model.competitor_seated(target, m.company_id):
            return Expect.REFUSED
        if len(target.seated()) >= target.charter.capacity:
            return Expect.REFUSED
        return Expect.ACCEPTED

    @precondition(lambda self: self._any(ACTIVE))
    @rule(data=st.data())
    def graduate(self, data: st.DataObject) -> None:
        virtual = [
            m.id
            for m in self.model.memberships.values()
            if m.status is MembershipStatus.ACTIVE
            and self.model.groups[m.group_id].format is GroupFormat.VIRTUAL
        ]
        membership_id = (
            data.draw(st.sampled_from(virtual), label="virtual member")
            if virtual and data.draw(st.integers(0, 3), label="any membership") < 3
            else self._membership(data, *ACTIVE)
        )
        stamp = self._stamp(data, max_days=4 * self.max_days)  # programmes last months
        command = memberships.GraduateMember(membership_id=membership_id, **stamp)
        expect, m = self._membership_command_expect(membership_id, command.at, ACTIVE)
        if m is not None and expect is Expect.ACCEPTED:
            group = self.model.groups[m.group_id]
            assert m.joined_at is not None
            months = group.charter.programme_months
            early = command.at < m.joined_at + timedelta(days=28 * months)
            if group.format is not GroupFormat.VIRTUAL or early:
                expect = Expect.REFUSED
            elif command.at < m.joined_at + timedelta(days=31 * months):
                expect = Expect.EITHER  # the month's length decides
        self.execute(command, expect)

    @precondition(lambda self: len(self.model.memberships) >= 3)
    @rule(data=st.data())
    def acquisition(self, data: st.DataObject) -> None:
        company_id = self._pick(data, list(self.model.companies), "company")
        command = RecordAcquisition(
            company_id=company_id, acquirer="BigCo Holdings", **self._stamp(data)
        )
        company = self.model.companies.get(company_id)
        touched = [company_id]
        for m in self.model.open_memberships(company_id) if company else []:
            touched += [m.group_id, *self.model.departure_streams(m.id)]
        refused = company is None or company.acquired or self._late(command.at, *touched)
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    # --- the events of departures, folded into the model ------------------------------

    def _fold(self, event: Event) -> None:
        model = self.model
        match event:
            case memberships.MemberVotedOff():
                carried = model.motions[event.motion_id]
                assert carried.closed, f"{event!r} before its motion closed"
                assert carried.carried(), f"{event!r} after a motion that failed"
                assert carried.subject_id == event.membership_id, f"{event!r} names another"
                self._departed(event, event.membership_id)
            case memberships.MemberFlagged():
                assert model.is_active(event.membership_id), f"{event!r} flags a non-member"
                self.flagged.append(event)
            case memberships.MembershipEvent() if type(event) in DEPARTED_FROM:
                self._departed(event, event.membership_id)
            case _:
                super()._fold(event)

    def _departed(self, event: Event, membership_id: UUID) -> None:
        m = self.model.memberships[membership_id]
        assert m.status in DEPARTED_FROM[type(event)], (
            f"{type(event).__name__} for membership {m.id} while {m.status}"
        )
        m.status = DEPARTED_TO[type(event)]
        m.left_at = event.at
