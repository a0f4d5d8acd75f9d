"""The network's own bodies: the network chartered, people named, committee members
appointed, groups formed and vendors admitted by the staff until the committee sits and
by resolution after, sponsorships naming vendors; and a virtual group's cohort
graduating. What their events must keep: only the staff act for a chartered network, a
reserved decision after the committee sits passes only by resolution, a resolution
carries exactly when the charter's quorum and threshold are met and writes its act with
it, a company names at most the charter's number of people, a vendor sponsors only in
its term.

`BodiesRules` drives a network of its own (`BodiesMachine`): chartering the network
changes who may form a group, which the membership machine's model does not foresee.
`ProgrammeRules` joins the `NetworkMachine`: it graduates whole cohorts.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from peernet.domain.charters import GroupFormat
from peernet.domain.common import Event
from peernet.domain.companies import (
    CompanyRegistered,
    NameRepresentative,
    PersonRole,
    RegisterCompany,
    RepresentativeNamed,
)
from peernet.domain.governance import (
    AppointCommitteeMember,
    CharterNetwork,
    CommitteeMemberSeated,
    NetworkChartered,
    Nominee,
    PassResolution,
    ResolutionFailed,
    ResolutionPassed,
)
from peernet.domain.groups import FormGroup, GroupFormed
from peernet.domain.meetings import (
    GatheringScheduled,
    RecordSponsorship,
    ScheduleGathering,
    SponsorshipRecorded,
)
from peernet.domain.memberships import GraduateCohort, MembershipStatus
from peernet.domain.money import Money
from peernet.domain.motions import verdict
from peernet.domain.network_charter import NetworkCharter, Selection
from peernet.domain.vendors import AdmitVendor, VendorAdmitted
from peernet.testing.builders import profile
from peernet.testing.machine.base import MachineBase
from peernet.testing.machine.model import ACTIVE, Expect

#: who gives the bodies' commands: the staff, or someone who is not
STAFF = "office"
WHO = (STAFF, "a member")


@attrs.define
class BodiesModel:
    """The machine's own record of the network's bodies."""

    charter: NetworkCharter | None = None
    network_at: datetime | None = None
    #: company -> its current people
    people: dict[UUID, list[UUID]] = attrs.Factory(dict)
    #: person -> (seated at, term's last day)
    seats: dict[UUID, tuple[datetime, date]] = attrs.Factory(dict)
    since: datetime | None = None
    groups: set[UUID] = attrs.Factory(set)
    #: vendor -> (first, last day of the term)
    vendors: dict[UUID, tuple[date, date]] = attrs.Factory(dict)
    #: gathering -> last change
    gatherings: dict[UUID, datetime] = attrs.Factory(dict)
    resolutions: list[bool] = attrs.Factory(list)
    #: the outcome the last resolution must have: passed, and the act it writes
    pending: tuple[bool, type[Event] | None] | None = None

    def seated(self, at: datetime) -> list[UUID]:
        return [p for p, (s, ends) in self.seats.items() if s <= at and at.date() <= ends]

    def sits(self, at: datetime) -> bool:
        return self.since is not None and self.since <= at


class BodiesRules(MachineBase):
    """The network chartered, its people, committee, resolutions and vendors."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies = BodiesModel()

    def _who(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(WHO), label="who acts")

    def _bodies_at(self, data: st.DataObject) -> datetime:
        """A time at or after every command so far: business time moves forward here."""
        return self.now + timedelta(days=data.draw(st.integers(0, 60), label="days later"))

    def _acts(self, actor: str, at: datetime, reserved: bool) -> bool:
        """Whether `actor` may take a network-level decision at `at`."""
        charter = self.bodies.charter
        if charter is None:
            return True
        if reserved and self.bodies.sits(at):
            return False
        return actor in charter.staff

    @precondition(lambda self: self.bodies.charter is None)
    @rule(data=st.data(), limit=st.integers(1, 3), seats=st.integers(2, 4))
    def charter_network(self, data: st.DataObject, limit: int, seats: int) -> None:
        charter = NetworkCharter(
            staff={STAFF},
            committee_seats=seats,
            selection=Selection.APPOINTED,
            representatives_per_company=limit,
        )
        command = CharterNetwork(
            charter=charter,
            actor=self._who(data),
            at=self._bodies_at(data),
            command_id=self._new_id("command"),
        )
        self.execute(command, Expect.ACCEPTED)

    @rule(data=st.data())
    def register(self, data: st.DataObject) -> None:
        company_id = self._new_id("company")
        command = RegisterCompany(
            profile=profile(f"Co {company_id}", region=str(company_id)),
            company_id=company_id,
            actor=self._who(data),
            command_id=self._new_id("command"),
            at=self._bodies_at(data),
        )
        self.execute(command, Expect.ACCEPTED)

    @precondition(lambda self: self.bodies.people)
    @rule(data=st.data())
    def name_person(self, data: st.DataObject) -> None:
        company_id = self._pick(data, list(self.bodies.people), "company")
        command = NameRepresentative(
            company_id=company_id,
            name="Jo",
            role=data.draw(st.sampled_from(PersonRole), label="role"),
            person_id=self._new_id("person"),
            actor=self._who(data),
            command_id=self._new_id("command"),
            at=self._bodies_at(data),
        )
        limit = (self.bodies.charter or NetworkCharter()).representatives_per_company
        held = self.bodies.people.get(company_id)
        ok = held is not None and len(held) < limit
        self.execute(command, Expect.ACCEPTED if ok else Expect.REFUSED)

    @precondition(lambda self: any(self.bodies.people.values()))
    @rule(data=st.data())
    def appoint(self, data: st.DataObject) -> None:
        pairs = [(p, c) for c, people in self.bodies.people.items() for p in people]
        person_id, company_id = data.draw(st.sampled_from(pairs), label="nominee")
        at = self._bodies_at(data)
        actor = self._who(data)
        command = AppointCommitteeMember(
            nominee=Nominee(person_id=person_id, company_id=company_id),
            actor=actor,
            command_id=self._new_id("command"),
            at=at,
        )
        b = self.bodies
        ok = (
            b.charter is not None
            and actor in b.charter.staff
            and person_id not in b.seated(at)
            and len(b.seated(at)) < b.charter.committee_seats
        )
        self.execute(command, Expect.ACCEPTED if ok else Expect.REFUSED)

    @rule(data=st.data())
    def form_group(self, data: st.DataObject) -> None:
        at, actor = self._bodies_at(data), self._who(data)
        command = FormGroup(
            name="HTG",
            group_id=self._new_id("group"),
            actor=actor,
            at=at,
            command_id=self._new_id("command"),
        )
        self.execute(command, Expect.ACCEPTED if self._acts(actor, at, True) else Expect.REFUSED)

    @rule(data=st.data(), months=st.integers(1, 6))
    def admit_vendor(self, data: st.DataObject, months: int) -> None:
        at, actor = self._bodies_at(data), self._who(data)
        command = AdmitVendor(
            name="Contoso",
            tier="gold",
            term_months=months,
            vendor_id=self._new_id("vendor"),
            actor=actor,
            command_id=self._new_id("command"),
            at=at,
        )
        self.execute(command, Expect.ACCEPTED if self._acts(actor, at, True) else Expect.REFUSED)

    @rule(data=st.data())
    def schedule_gathering(self, data: st.DataObject) -> None:
        at, actor = self._bodies_at(data), self._who(data)
        command = ScheduleGathering(
            name="Summit",
            venue="Dallas",
            starts=at.date(),
            ends=at.date() + timedelta(days=2),
            gathering_id=self._new_id("gathering"),
            actor=actor,
            command_id=self._new_id("command"),
            at=at,
        )
        self.execute(command, Expect.ACCEPTED if self._acts(actor, at, False) else Expect.REFUSED)

    @precondition(lambda self: self.bodies.vendors and self.bodies.gatherings)
    @rule(data=st.data())
    def sponsor(self, data: st.DataObject) -> None:
        vendor_id = self._pick(data, list(self.bodies.vendors), "vendor")
        gathering_id = data.draw(st.sampled_from(sorted(self.bodies.gatherings)), label="gathering")
        at = self._bodies_at(data)
        command = RecordSponsorship(
            vendor_id=vendor_id,
            amount=Money(Decimal(500), "USD"),
            gathering_id=gathering_id,
            actor=self._who(data),
            command_id=self._new_id("command"),
            at=at,
        )
        term = self.bodies.vendors.get(vendor_id)
        ok = term is not None and term[0] <= at.date() <= term[1]
        self.execute(command, Expect.ACCEPTED if ok else Expect.REFUSED)

    @precondition(lambda self: self.bodies.seats)
    @rule(data=st.data(), vendor=st.booleans())
    def resolve(self, data: st.DataObject, vendor: bool) -> None:
        at = self._bodies_at(data)
        seated = sorted(self.bodies.seated(at), key=str) or sorted(self.bodies.seats, key=str)
        voters = data.draw(st.lists(st.sampled_from(seated), unique=True), label="voters")
        split = data.draw(st.integers(0, len(voters)), label="for")
        act = (
            AdmitVendor(
                name="Fabrikam", tier="silver", vendor_id=self._new_id("vendor"), actor="c", at=at
            )
            if vendor
            else FormGroup(name="HTG", group_id=self._new_id("group"), actor="c", at=at)
        )
        command = PassResolution(
            proposed_by=data.draw(st.sampled_from(seated), label="proposer"),
            in_favour=voters[:split],
            against=voters[split:],
            act=act,
            actor="committee",
            command_id=self._new_id("command"),
            at=at,
        )
        b = self.bodies
        now_seated = b.seated(at)
        if command.proposed_by not in now_seated or any(v not in now_seated for v in voters):
            self.execute(command, Expect.REFUSED)
            return
        assert b.charter is not None
        why = verdict(
            split,
            len(voters) - split,
            len(now_seated),
            b.charter.resolution_quorum,
            b.charter.resolution_threshold,
        )
        b.pending = (why is None, VendorAdmitted if vendor else GroupFormed)
        self.execute(command, Expect.ACCEPTED)
        assert b.pending is None, "the resolution's outcome was not what its votes say"

    # --- the events, folded into the model ------------------------------------------

    def _fold(self, event: Event) -> None:
        b = self.bodies
        match event:
            case NetworkChartered():
                b.charter, b.network_at = event.charter, event.at
            case CompanyRegistered():
                b.people[event.company_id] = []
            case RepresentativeNamed():
                b.people[event.company_id].append(event.person_id)
                limit = (b.charter or NetworkCharter()).representatives_per_company
                assert len(b.people[event.company_id]) <= limit, f"{event!r} over the limit"
            case CommitteeMemberSeated():
                b.seats[event.person_id] = (event.at, event.term_ends)
                b.since = b.since or event.at
            case GatheringScheduled():
                b.gatherings[event.gathering_id] = event.at
            case SponsorshipRecorded():
                assert event.vendor_id in b.vendors, f"{event!r} names no admitted vendor"
            case _:
                self._fold_act(event)

    def _fold_act(self, event: Event) -> None:
        """A group or a vendor, the staff's own or a resolution's, and the resolutions."""
        b = self.bodies
        match event:
            case GroupFormed() | VendorAdmitted():
                if isinstance(event, GroupFormed):
                    b.groups.add(event.group_id)
                else:
                    b.vendors[event.vendor_id] = (event.starts, event.ends)
                if b.pending is not None:
                    assert b.pending == (True, type(event)), f"{event!r} against its resolution"
                    b.pending = None
            case ResolutionPassed() | ResolutionFailed():
                passed = isinstance(event, ResolutionPassed)
                assert b.pending is not None, f"{event!r} for no resolution the machine put"
                assert b.pending[0] is passed, f"{event!r} against the votes"
                b.resolutions.append(passed)
                if not passed:
                    b.pending = None
            case _:
                super()._fold(event)

    @invariant()
    def the_committee_read_model_agrees(self) -> None:
        if self.bodies.charter is None:
            return
        view = self.network.committee(on=self.now)
        assert sorted(self.bodies.seated(self.now), key=str) == sorted(
            (s.person_id for s in view.seated), key=str
        )
        assert len(self.bodies.resolutions) == len(self.network.resolutions())


class BodiesMachine(BodiesRules):
    """Random commands of the network's bodies, valid and invalid, through a real
    `peernet.Network`; every rule checked after every step."""


class ProgrammeRules(MachineBase):
    """A virtual group's cohort graduates as one (`GraduateCohort`): exactly its active
    members whose programme is complete, each seat offered on in turn."""

    @precondition(lambda self: self.model.groups)
    @rule(data=st.data())
    def graduate_cohort(self, data: st.DataObject) -> None:
        virtual = [g.id for g in self.model.groups.values() if g.format is GroupFormat.VIRTUAL]
        group_id = (
            data.draw(st.sampled_from(virtual), label="virtual group")
            if virtual and data.draw(st.integers(0, 3), label="any group") < 3
            else self._pick(data, list(self.model.groups), "group")
        )
        days = data.draw(st.integers(0, 4 * self.max_days), label="days later")
        at = self.now + timedelta(days=days, hours=1)
        command = GraduateCohort(
            group_id=group_id, actor="staff", at=at, command_id=self._new_id("command")
        )
        group = self.model.groups.get(group_id)
        if group is None or group.closed or group.format is not GroupFormat.VIRTUAL:
            self.execute(command, Expect.REFUSED)
            return
        months = group.charter.programme_months
        active = [m for m in group.members.values() if m.status in ACTIVE]
        sure = {
            m.id for m in active if m.joined_at and at >= m.joined_at + timedelta(days=31 * months)
        }
        maybe = {
            m.id for m in active if m.joined_at and at >= m.joined_at + timedelta(days=28 * months)
        }
        records = self.execute(command, Expect.ACCEPTED, may_record_nothing=True)
        graduated = {
            r.event.membership_id  # type: ignore[attr-defined]
            for r in records or ()
            if type(r.event).__name__ == "MemberGraduated"
        }
        assert sure <= graduated <= maybe, f"the cohort graduated {graduated}, not {sure}"
        for membership_id in graduated:
            assert self.model.memberships[membership_id].status is MembershipStatus.GRADUATED
