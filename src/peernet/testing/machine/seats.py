"""Seats: companies registered and groups formed, amended and closed; applications,
offers, agreements and seats taken; and what each of their events must keep (a seat
offered only when one is free under the charter in force and no competitor sits there,
wait-listed applicants served in order of arrival, one open core membership a company).
"""

from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from peernet.domain.charters import GroupFormat, GroupKind
from peernet.domain.common import Command, Event
from peernet.domain.companies import (
    CompanyAcquired,
    CompanyRegistered,
    MembershipApplied,
    RegisterCompany,
)
from peernet.domain.groups import (
    AmendCharter,
    CharterAmended,
    CloseGroup,
    FormGroup,
    GroupClosed,
    GroupFormed,
)
from peernet.domain.memberships import (
    AgreementSigned,
    ApplicantWaitlisted,
    ApplyForMembership,
    MemberJoined,
    MembershipStatus,
    SeatOffered,
    SignAgreement,
    TakeSeat,
)
from peernet.testing.machine.base import MachineBase
from peernet.testing.machine.model import (
    OFFERED,
    OPEN,
    Expect,
    ModelCompany,
    ModelGroup,
    ModelMembership,
    opened,
)


class SeatRules(MachineBase):
    """Companies and groups come and go; companies apply, wait, are offered seats, sign
    the agreement and take them."""

    @initialize(data=st.data())
    def founding(self, data: st.DataObject) -> None:
        """A network starts with a few companies and groups, so seats move from step one."""
        for _ in range(data.draw(st.integers(3, 8), label="founding companies")):
            self.register_company(data)
        for _ in range(data.draw(st.integers(1, 2), label="founding groups")):
            self.form_group(data)
        for group_id in list(self.model.groups):
            self._fill(data, group_id)

    @precondition(lambda self: len(self.model.companies) < 12)
    @rule(data=st.data())
    def register_company(self, data: st.DataObject) -> None:
        again = self.model.companies and data.draw(st.integers(0, 10), label="reuse id") == 10
        company_id = (
            data.draw(st.sampled_from(list(self.model.companies)))
            if again
            else self._new_id("company")
        )
        profile = data.draw(self.profile_strategy, label="profile")
        command = RegisterCompany(profile=profile, company_id=company_id, **self._stamp(data))
        self.execute(command, Expect.REFUSED if again else Expect.ACCEPTED)

    @precondition(lambda self: len(self.model.groups) < 5)
    @rule(data=st.data())
    def form_group(self, data: st.DataObject) -> None:
        again = self.model.groups and data.draw(st.integers(0, 10), label="reuse id") == 10
        group_id = (
            data.draw(st.sampled_from(list(self.model.groups))) if again else self._new_id("group")
        )
        command = FormGroup(
            name=data.draw(st.sampled_from(("Forum", "Online", "Marketing"))),
            format=data.draw(st.sampled_from(GroupFormat), label="format"),
            kind=data.draw(st.sampled_from(GroupKind), label="kind"),
            charter=data.draw(self.charter_strategy, label="charter"),
            group_id=group_id,
            **self._stamp(data),
        )
        self.execute(command, Expect.REFUSED if again else Expect.ACCEPTED)

    @precondition(lambda self: self.model.companies and self.model.groups)
    @rule(data=st.data())
    def apply(self, data: st.DataObject) -> None:
        """One to three applications (applying is what fills groups and wait-lists)."""
        for _ in range(data.draw(st.integers(1, 3), label="applications")):
            self._apply_once(data)

    def _apply_once(self, data: st.DataObject) -> None:
        company_id = self._pick(data, list(self.model.companies), "company")
        group_id = self._pick(data, list(self.model.groups), "group")
        command = ApplyForMembership(
            company_id=company_id,
            group_id=group_id,
            membership_id=self._new_id("membership"),
            **self._stamp(data),
        )
        expect = self._expect_apply(command)
        group = self.model.groups.get(group_id)
        waits = (
            expect is Expect.ACCEPTED
            and group is not None
            and (
                self.model.competitor_seated(group, company_id)
                or len(group.seated()) >= group.charter.capacity
            )
        )
        records = self.execute(command, expect)
        if records is not None:
            answer = type(records[-1].event)
            expected = ApplicantWaitlisted if waits else SeatOffered
            assert expected is answer, f"{command!r}: {answer.__name__}, not {expected.__name__}"

    def _expect_apply(self, command: ApplyForMembership) -> Expect:
        company = self.model.companies.get(command.company_id)
        group = self.model.groups.get(command.group_id)
        if company is None or group is None or company.acquired or group.closed:
            return Expect.REFUSED
        if self._late(command.at, group.id, company.id):
            return Expect.REFUSED
        if any(m.group_id == group.id for m in self.model.open_memberships(company.id)):
            return Expect.REFUSED
        core = group.kind is GroupKind.CORE
        if (
            core
            and group.charter.one_core_group
            and self.model.open_core_elsewhere(company.id, group.id)
        ):
            return Expect.REFUSED
        return Expect.ACCEPTED

    @precondition(lambda self: self.model.companies and self.model.groups)
    @rule(data=st.data())
    def fill_group(self, data: st.DataObject) -> None:
        """Several companies apply to one group and take the seats they are offered, so
        groups grow big enough to vote one another off."""
        self._fill(data, data.draw(st.sampled_from(list(self.model.groups)), label="group"))

    def _fill(self, data: st.DataObject, group_id: UUID) -> None:
        for company_id in data.draw(
            st.lists(st.sampled_from(list(self.model.companies)), max_size=5, unique=True),
            label="applicants",
        ):
            command = ApplyForMembership(
                company_id=company_id,
                group_id=group_id,
                membership_id=self._new_id("membership"),
                actor="staff",
                at=self.now,
                command_id=self._new_id("command"),
            )
            records = self.execute(command, self._expect_apply(command))
            if records is None or not isinstance(records[-1].event, SeatOffered):
                continue
            for step in (SignAgreement, TakeSeat):
                seat = step(
                    membership_id=command.membership_id,
                    actor="staff",
                    at=self.now,
                    command_id=self._new_id("command"),
                )
                self.execute(seat, Expect.ACCEPTED)

    @precondition(lambda self: self._any(OPEN))
    @rule(data=st.data())
    def sign(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, MembershipStatus.OFFERED)
        command = SignAgreement(membership_id=membership_id, **self._stamp(data))
        expect, m = self._membership_command_expect(membership_id, command.at, OPEN)
        if m is not None and m.signed:
            expect = Expect.REFUSED
        self.execute(command, expect)

    @precondition(lambda self: self._any(OFFERED))
    @rule(data=st.data())
    def take_seat(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, *OFFERED)
        command = TakeSeat(membership_id=membership_id, **self._stamp(data))
        expect, m = self._membership_command_expect(membership_id, command.at, OFFERED)
        required = m is not None and self.model.groups[m.group_id].charter.agreement_required
        if m is not None and required and not m.signed:
            expect = Expect.REFUSED
        self.execute(command, expect)

    @precondition(lambda self: self._any(OFFERED))
    @rule(data=st.data())
    def sign_and_take_seat(self, data: st.DataObject) -> None:
        """The usual path of an offer: sign the agreement (unless signed) and take the seat."""
        offered = [
            m for m in self.model.memberships.values() if m.status is MembershipStatus.OFFERED
        ]
        if not offered:
            return
        m = data.draw(st.sampled_from(offered), label="offer")
        if not m.signed:
            command: Command = SignAgreement(membership_id=m.id, **self._stamp(data))
            late = self._late(command.at, m.group_id)
            if self.execute(command, Expect.REFUSED if late else Expect.ACCEPTED) is None:
                return
        command = TakeSeat(membership_id=m.id, **self._stamp(data))
        late = self._late(command.at, m.group_id)
        self.execute(command, Expect.REFUSED if late else Expect.ACCEPTED)

    @precondition(lambda self: self.model.groups)
    @rule(data=st.data())
    def amend_charter(self, data: st.DataObject) -> None:
        group_id = self._pick(data, list(self.model.groups), "group")
        command = AmendCharter(
            group_id=group_id,
            charter=data.draw(self.charter_strategy, label="charter"),
            **self._stamp(data),
        )
        group = self.model.groups.get(group_id)
        refused = group is None or group.closed or self._late(command.at, group_id)
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    @precondition(lambda self: len(self.model.memberships) >= 3)
    @rule(data=st.data())
    def close_group(self, data: st.DataObject) -> None:
        group_id = self._pick(data, list(self.model.groups), "group")
        command = CloseGroup(group_id=group_id, reason="wound down", **self._stamp(data))
        group = self.model.groups.get(group_id)
        refused = (
            group is None
            or group.closed
            or self._late(command.at, group_id)
            or any(m.status is MembershipStatus.ACTIVE for m in group.members.values())
        )
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    # --- the events of seats, folded into the model -----------------------------------

    def _fold(self, event: Event) -> None:
        model = self.model
        match event:
            case CompanyRegistered():
                company = opened(ModelCompany, event, id=event.company_id, last_at=event.at)
                model.companies[company.id] = company
            case GroupFormed():
                group = opened(ModelGroup, event, id=event.group_id, last_at=event.at)
                model.groups[group.id] = group
            case CompanyAcquired():
                model.companies[event.company_id].acquired = True
            case CharterAmended():
                model.groups[event.group_id].charter = event.charter
            case GroupClosed():
                group = model.groups[event.group_id]
                still = [m.id for m in group.members.values() if m.status in OPEN]
                assert not still, f"group {group.id} closed with open memberships {still}"
                group.closed = True
            case MembershipApplied():
                self._applied(event)
            case ApplicantWaitlisted():
                m = model.memberships[event.membership_id]
                assert m.status is None, f"{m.id} wait-listed again from {m.status}"
                m.status = MembershipStatus.WAITLISTED
                model.groups[event.group_id].arrivals.append(m.id)
            case SeatOffered():
                self._offered(event)
            case AgreementSigned():
                m = model.memberships[event.membership_id]
                assert m.status in OPEN, f"{m.id} signed while {m.status}"
                assert not m.signed, f"{m.id} signed twice"
                m.signed = True
            case MemberJoined():
                self._joined(event)
            case _:
                super()._fold(event)

    def _applied(self, event: MembershipApplied) -> None:
        model = self.model
        group, company = model.groups[event.group_id], model.companies[event.company_id]
        assert not group.closed, f"{company.id} applied to closed group {group.id}"
        assert not company.acquired, f"acquired company {company.id} applied to {group.id}"
        open_here = [m.id for m in model.open_memberships(company.id) if m.group_id == group.id]
        assert not open_here, f"{company.id} applied twice to {group.id}: {open_here}"
        if event.core and group.charter.one_core_group:
            elsewhere = [
                m.id
                for m in model.open_core_elsewhere(company.id, group.id)
                if m.id != event.transferred_from
            ]
            assert not elsewhere, f"{company.id} holds core memberships {elsewhere} already"
        m = opened(ModelMembership, event, id=event.membership_id)
        model.memberships[m.id] = m
        group.members[m.id] = m
        company.memberships.append(m.id)

    def _check_free_seat(self, group: ModelGroup, m: ModelMembership) -> None:
        seated = group.seated()
        assert len(seated) < group.charter.capacity, (
            f"seat given to {m.id} in {group.id} with {len(seated)} seated, "
            f"capacity {group.charter.capacity}"
        )
        rivals = [s.company_id for s in seated if self.model.competes(m.company_id, s.company_id)]
        assert not (group.charter.non_compete and rivals), (
            f"seat given to {m.company_id} in {group.id} beside competitors {rivals}"
        )

    def _offered(self, event: SeatOffered) -> None:
        model = self.model
        m, group = model.memberships[event.membership_id], model.groups[event.group_id]
        assert m.status in (None, MembershipStatus.WAITLISTED), f"{m.id} offered while {m.status}"
        self._check_free_seat(group, m)
        if m.status is MembershipStatus.WAITLISTED:
            for earlier in group.waiting():
                if earlier == m.id:
                    break
                waiting = model.memberships[earlier]
                assert model.competitor_seated(group, waiting.company_id), (
                    f"{m.id} was offered a seat before {earlier}, who waited longer and "
                    "competes with nobody seated"
                )
        m.status = MembershipStatus.OFFERED

    def _joined(self, event: MemberJoined) -> None:
        model = self.model
        m, group = model.memberships[event.membership_id], model.groups[event.group_id]
        if event.transferred_from is not None:
            assert m.status is None, f"transfer into {m.id} while {m.status}"
            self._check_free_seat(group, m)
            m.signed = True
        else:
            assert m.status is MembershipStatus.OFFERED, f"{m.id} joined while {m.status}"
            assert m.signed or not group.charter.agreement_required, f"{m.id} joined unsigned"
        m.status = MembershipStatus.ACTIVE
        m.joined_at = event.at
