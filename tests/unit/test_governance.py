"""The network's charter and who acts for it: the staff until the leadership committee
sits, the committee's seats (appointed or elected) and the resolutions it passes."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from peernet.domain.common import Command
from peernet.domain.companies import ChargeDues, DuesCharged
from peernet.domain.competitions import CompetitionOpened, OpenCompetition
from peernet.domain.governance import (
    AmendNetworkCharter,
    AppointCommitteeMember,
    CallElection,
    CastElectionBallot,
    CharterNetwork,
    CommitteeMemberSeated,
    CountElection,
    ElectionCounted,
    LeaveCommittee,
    NetworkChartered,
    NetworkDuesSet,
    Nominee,
    PassResolution,
    ResolutionFailed,
    ResolutionPassed,
    SetNetworkDues,
)
from peernet.domain.groups import FormGroup, GroupFormed
from peernet.domain.meetings import ScheduleGathering
from peernet.domain.money import Money
from peernet.domain.network_charter import (
    CommitteeRole,
    NetworkCharter,
    ResolutionKind,
    Selection,
)
from peernet.domain.network_errors import (
    AlreadyOnCommittee,
    AlreadyVotedInElection,
    ChairTaken,
    CommitteeFull,
    ElectionNotDue,
    NetworkAlreadyChartered,
    NotAnAct,
    NotInElectorate,
    NotNetworkStaff,
    NotOnCommittee,
    ReservedToCommittee,
    SelectedOtherwise,
    UnknownPerson,
    VotedTwice,
)
from peernet.domain.situation import Situation
from peernet.domain.vendors import AdmitVendor, VendorAdmitted
from peernet.testing import (
    T0,
    group_with,
    history,
    membership_of,
    refused,
    registered,
    some_id,
    some_ids,
    when,
)
from peernet.testing.bodies import STAFF, chartered, committee, named, person_of

LATER = T0 + timedelta(days=30)
GROUP = some_id("htg 1")


def form(actor: str = STAFF, at: datetime = LATER) -> FormGroup:
    return FormGroup(name="HTG 9", group_id=GROUP, actor=actor, at=at)


def test_a_network_is_chartered_once() -> None:
    """A second charter is refused: the network amends the one it has."""
    situation = history(chartered())

    error = refused(situation, CharterNetwork(charter=NetworkCharter(), actor="x", at=LATER))

    assert NetworkAlreadyChartered is type(error)


def test_chartering_records_the_charter() -> None:
    """The charter names the staff who act for the network."""
    charter = NetworkCharter(staff={"arlin", "office"})

    events: list[Any] = when(history(), CharterNetwork(charter=charter, actor="arlin", at=T0))

    assert [NetworkChartered(charter=charter, at=T0)] == events


def test_an_unchartered_network_lets_anyone_form_a_group() -> None:
    """Before a charter, peernet enforces no staff: it behaves as it always did."""
    events: list[Any] = when(history(), form(actor="anyone"))

    assert [GroupFormed] == [type(e) for e in events]


def test_someone_not_on_the_staff_cannot_form_a_group() -> None:
    """A network-level command from outside the staff is refused, naming the rule."""
    error = refused(history(chartered()), form(actor="a member"))

    assert ("staff_act_for_the_network", "a member") == (error.rule, error.details["actor"])


def test_the_staff_form_groups_until_the_committee_sits() -> None:
    """The staff's FormGroup is accepted while no committee member is seated."""
    events: list[Any] = when(history(chartered()), form())

    assert [GroupFormed] == [type(e) for e in events]


def test_once_the_committee_sits_the_staff_cannot_form_a_group() -> None:
    """Forming a group is the committee's, by resolution, from its first seat on."""
    seats = committee(3)
    situation = history(chartered(), *seats.events)

    error = refused(situation, form())

    assert (ReservedToCommittee, T0) == (type(error), error.details["since"])


def test_the_staff_still_schedule_gatherings_once_the_committee_sits() -> None:
    """A decision the charter does not reserve stays with the staff."""
    seats = committee(3)
    gathering = ScheduleGathering(
        name="Dallas",
        venue="Dallas",
        starts=date(2009, 1, 20),
        ends=date(2009, 1, 22),
        actor=STAFF,
        at=LATER,
    )

    events: list[Any] = when(history(chartered(), *seats.events), gathering)

    assert 1 == len(events)


def test_a_gathering_from_outside_the_staff_is_refused() -> None:
    """Scheduling a gathering is the network's act: staff only, once chartered."""
    gathering = ScheduleGathering(
        name="Dallas",
        venue="Dallas",
        starts=date(2009, 1, 20),
        ends=date(2009, 1, 22),
        actor="a member",
        at=LATER,
    )

    assert NotNetworkStaff is type(refused(history(chartered()), gathering))


def resolve(seats_people: list[UUID], act: Command, **votes: Any) -> PassResolution:
    return PassResolution(
        proposed_by=seats_people[0],
        in_favour=votes.get("in_favour", seats_people),
        against=votes.get("against", ()),
        act=act,
        resolution_id=some_id("resolution"),
        actor="committee",
        at=LATER,
    )


def test_a_carried_resolution_forms_the_group_in_the_same_write() -> None:
    """The resolution and the group it forms are one write."""
    seats = committee(3)
    situation = history(chartered(), *seats.events)

    events: list[Any] = when(situation, resolve(seats.people, form(actor="ignored", at=T0)))

    assert [ResolutionPassed, GroupFormed] == [type(e) for e in events]
    assert (LATER, ResolutionKind.FORM_GROUP, GROUP) == (
        events[1].at,
        events[0].kind,
        events[0].subject_id,
    )


def test_a_resolution_without_quorum_fails_and_changes_nothing() -> None:
    """One vote of three seated misses a 2/3 quorum: failed, recorded, no group."""
    seats = committee(3)
    situation = history(chartered(), *seats.events)

    events: list[Any] = when(situation, resolve(seats.people, form(), in_favour=seats.people[:1]))

    assert [ResolutionFailed] == [type(e) for e in events]
    assert "quorum not reached" == events[0].reason


def test_a_resolution_below_threshold_fails() -> None:
    """One for, two against: under the charter's threshold of one half."""
    seats = committee(3)
    situation = history(chartered(), *seats.events)
    command = resolve(seats.people, form(), in_favour=seats.people[:1], against=seats.people[1:])

    events: list[Any] = when(situation, command)

    assert "threshold not reached" == events[0].reason


def test_a_resolution_thresholds_come_from_the_network_charter() -> None:
    """With a threshold of 1/3, one vote for and two against carries."""
    seats = committee(3)
    situation = history(chartered(resolution_threshold=Fraction(1, 3)), *seats.events)
    command = resolve(seats.people, form(), in_favour=seats.people[:1], against=seats.people[1:])

    assert ResolutionPassed is type(when(situation, command)[0])


def test_only_seated_members_vote_on_a_resolution() -> None:
    """A person off the committee cannot vote: refused, naming the person."""
    seats = committee(3)
    outsider = some_id("outsider")
    situation = history(chartered(), *seats.events)

    error = refused(situation, resolve(seats.people, form(), in_favour=[*seats.people, outsider]))

    assert (NotOnCommittee, outsider) == (type(error), error.details["person_id"])


def test_a_member_votes_once_on_a_resolution() -> None:
    """A person both for and against is refused."""
    seats = committee(3)
    situation = history(chartered(), *seats.events)
    command = resolve(seats.people, form(), against=seats.people[:1])

    assert VotedTwice is type(refused(situation, command))


def test_a_resolution_cannot_carry_any_command() -> None:
    """A resolution acts only through the network's reserved acts."""
    seats = committee(3)
    situation = history(chartered(), *seats.events)
    command = resolve(
        seats.people, ChargeDues(group_id=GROUP, month=date(2009, 1, 1), actor="x", at=T0)
    )

    assert NotAnAct is type(refused(situation, command))


def test_opening_a_competition_is_a_resolution_of_its_own_kind() -> None:
    """The committee resolves to open a competition: the resolution names it, and the
    competition opens in the same write."""
    seats = committee(3)
    group, competition = some_id("jurors' group"), some_id("competition")
    jurors = some_ids("juror", 3)
    act = OpenCompetition(
        theme="best P2P deal",
        entries_close=LATER + timedelta(days=30),
        judging_closes=LATER + timedelta(days=60),
        jury=tuple(membership_of(group, c) for c in jurors),
        competition_id=competition,
        actor="x",
        at=T0,
    )
    situation = history(chartered(), *seats.events, *group_with(group, *jurors))

    events: list[Any] = when(situation, resolve(seats.people, act))

    assert [ResolutionPassed, CompetitionOpened] == [type(e) for e in events]
    assert (ResolutionKind.OPEN_COMPETITION, competition) == (events[0].kind, events[0].subject_id)
    assert competition == events[1].competition_id


def test_a_resolution_admits_a_vendor_partner() -> None:
    """Admitting a vendor is reserved: the resolution writes the vendor's admission."""
    seats = committee(3)
    vendor = some_id("contoso")
    act = AdmitVendor(name="Contoso", tier="gold", vendor_id=vendor, actor="x", at=T0)

    events: list[Any] = when(history(chartered(), *seats.events), resolve(seats.people, act))

    assert [ResolutionPassed, VendorAdmitted] == [type(e) for e in events]


def test_the_staff_cannot_admit_a_vendor_once_the_committee_sits() -> None:
    """AdmitVendor by the staff is refused after the committee's first seat."""
    seats = committee(3)
    act = AdmitVendor(name="Contoso", tier="gold", actor=STAFF, at=LATER)

    assert ReservedToCommittee is type(refused(history(chartered(), *seats.events), act))


def test_a_charter_can_leave_vendor_admissions_with_the_staff() -> None:
    """What the charter does not reserve, the staff still do."""
    seats = committee(3)
    rules = chartered(reserved=frozenset({ResolutionKind.FORM_GROUP}))
    act = AdmitVendor(name="Contoso", tier="gold", actor=STAFF, at=LATER)

    assert [VendorAdmitted] == [type(e) for e in when(history(rules, *seats.events), act)]


# --- seats ---------------------------------------------------------------------------------


def test_an_appointment_needs_a_charter_that_appoints() -> None:
    """Under the default charter members are elected: an appointment is refused."""
    company = some_id("acme")
    situation = history(chartered(), registered(company), named(company))
    nominee = Nominee(person_id=person_of(company), company_id=company)

    error = refused(situation, AppointCommitteeMember(nominee=nominee, actor=STAFF, at=LATER))

    assert (SelectedOtherwise, Selection.ELECTED) == (type(error), error.details["selection"])


def test_the_staff_appoint_a_named_person_for_a_term() -> None:
    """An appointment seats the person until the end of the charter's term."""
    company = some_id("acme")
    situation = history(
        chartered(selection=Selection.APPOINTED, term_months=12),
        registered(company),
        named(company),
    )
    nominee = Nominee(person_id=person_of(company), company_id=company, role=CommitteeRole.CHAIR)

    events: list[Any] = when(
        situation, AppointCommitteeMember(nominee=nominee, actor=STAFF, at=LATER)
    )

    assert [date(2002, 1, 31)] == [
        e.term_ends for e in events if isinstance(e, CommitteeMemberSeated)
    ]


def test_only_a_person_the_company_names_can_sit() -> None:
    """A person the company never named is refused."""
    company = some_id("acme")
    situation = history(chartered(selection=Selection.APPOINTED), registered(company))
    nominee = Nominee(person_id=person_of(company), company_id=company)

    error = refused(situation, AppointCommitteeMember(nominee=nominee, actor=STAFF, at=LATER))

    assert UnknownPerson is type(error)


def test_the_committee_has_the_charters_number_of_seats() -> None:
    """A fourth appointment to three seats is refused."""
    seats = committee(3)
    extra = some_id("extra")
    situation = history(
        chartered(selection=Selection.APPOINTED, committee_seats=3),
        *seats.events,
        registered(extra),
        named(extra),
    )
    nominee = Nominee(person_id=person_of(extra), company_id=extra)

    error = refused(situation, AppointCommitteeMember(nominee=nominee, actor=STAFF, at=LATER))

    assert (CommitteeFull, 3) == (type(error), error.details["seats"])


def test_a_seat_is_held_once_and_the_chair_by_one() -> None:
    """A seated person cannot be seated again, nor a second chair appointed."""
    seats = committee(2)
    other = some_id("other")
    situation = history(
        chartered(selection=Selection.APPOINTED), *seats.events, registered(other), named(other)
    )
    again = Nominee(person_id=seats.people[1], company_id=seats.companies[1])
    chair = Nominee(person_id=person_of(other), company_id=other, role=CommitteeRole.CHAIR)

    assert (AlreadyOnCommittee, ChairTaken) == (
        type(refused(situation, AppointCommitteeMember(nominee=again, actor=STAFF, at=LATER))),
        type(refused(situation, AppointCommitteeMember(nominee=chair, actor=STAFF, at=LATER))),
    )


def test_a_seat_ends_with_its_term() -> None:
    """After its term a member no longer votes on resolutions."""
    seats = committee(3)
    situation = history(chartered(), *seats.events)
    late = PassResolution(
        proposed_by=seats.people[0],
        in_favour=seats.people,
        act=form(),
        actor="committee",
        at=T0 + timedelta(days=800),
    )

    assert NotOnCommittee is type(refused(situation, late))


def test_a_member_who_left_no_longer_votes() -> None:
    """LeaveCommittee ends the seat from that day."""
    seats = committee(3)
    left = when(
        history(chartered(), *seats.events),
        LeaveCommittee(person_id=seats.people[2], reason="sold the company", actor="x", at=T0),
    )
    situation = history(chartered(), *seats.events, *left)

    assert NotOnCommittee is type(refused(situation, resolve(seats.people, form())))


# --- elections -----------------------------------------------------------------------------


MEMBERS = some_ids("member", 4)


def electing() -> tuple[Situation, CallElection]:
    situation = history(
        chartered(),
        *group_with(GROUP, *MEMBERS),
        named(MEMBERS[0]),
        named(MEMBERS[1]),
    )
    call = CallElection(
        nominees=(
            Nominee(
                person_id=person_of(MEMBERS[0]), company_id=MEMBERS[0], role=CommitteeRole.CHAIR
            ),
            Nominee(person_id=person_of(MEMBERS[1]), company_id=MEMBERS[1]),
        ),
        deadline=LATER,
        election_id=some_id("election"),
        actor=STAFF,
        at=T0 + timedelta(days=1),
    )
    return situation, call


def ballots(*votes: bool, at: datetime = T0 + timedelta(days=2)) -> list[CastElectionBallot]:
    return [
        CastElectionBallot(
            election_id=some_id("election"), company_id=c, in_favour=v, actor="m", at=at
        )
        for c, v in zip(MEMBERS, votes, strict=False)
    ]


def test_the_electorate_is_every_active_member_company_when_called() -> None:
    """An election is a network-wide motion: its electorate is fixed when it is called."""
    situation, call = electing()

    called: Any = when(situation, call)[0]

    assert sorted(MEMBERS, key=str) == list(called.electorate)


def test_a_company_outside_the_electorate_cannot_vote() -> None:
    """A company registered but in no group has no ballot."""
    situation, call = electing()
    outsider = some_id("outsider")
    situation = history(registered(outsider), *when(situation, call), situation=situation)
    ballot = CastElectionBallot(
        election_id=call.election_id, company_id=outsider, in_favour=True, actor="x", at=LATER
    )

    assert NotInElectorate is type(refused(situation, ballot))


def test_a_company_votes_once_in_an_election() -> None:
    """A second ballot of the same company is refused."""
    situation, call = electing()
    first = ballots(True)[0]
    situation = history(*when(situation, call), situation=situation)
    situation = history(*when(situation, first), situation=situation)

    assert AlreadyVotedInElection is type(refused(situation, first))


def test_a_carried_election_seats_the_slate() -> None:
    """Three of four for: quorum and threshold met, both nominees seated, chair first."""
    situation, call = electing()
    situation = history(*when(situation, call), situation=situation)
    for ballot in ballots(True, True, True):
        situation = history(*when(situation, ballot), situation=situation)

    events: list[Any] = when(
        situation, CountElection(election_id=call.election_id, actor=STAFF, at=LATER)
    )

    assert [None, CommitteeRole.CHAIR, CommitteeRole.MEMBER] == [
        getattr(e, "failed_because", None) if isinstance(e, ElectionCounted) else e.role
        for e in events
    ]


def test_an_election_short_of_quorum_seats_nobody() -> None:
    """One ballot of four misses the half quorum: counted as failed, no seat."""
    situation, call = electing()
    situation = history(*when(situation, call), situation=situation)
    situation = history(*when(situation, ballots(True)[0]), situation=situation)

    events: list[Any] = when(
        situation, CountElection(election_id=call.election_id, actor=STAFF, at=LATER)
    )

    assert ["quorum not reached"] == [e.failed_because for e in events]


def test_an_election_is_counted_at_its_deadline() -> None:
    """Before the deadline, with ballots still to come, the count is refused."""
    situation, call = electing()
    situation = history(*when(situation, call), situation=situation)
    early = CountElection(election_id=call.election_id, actor=STAFF, at=T0 + timedelta(days=3))

    assert ElectionNotDue is type(refused(situation, early))


# --- the network charter and dues ---------------------------------------------------------


def test_the_staff_amend_the_charter_before_the_committee_sits() -> None:
    """A new version is recorded with its number."""
    command = AmendNetworkCharter(
        charter=NetworkCharter(staff={STAFF}, committee_seats=9), actor=STAFF, at=LATER
    )

    events: list[Any] = when(history(chartered()), command)

    assert [2] == [e.version for e in events]


def test_network_dues_charge_nothing_before_their_first_month() -> None:
    """Dues set from January 2009: December 2008 charges nobody."""
    company = some_id("acme")
    dues = NetworkDuesSet(
        in_person=Decimal("100"),
        virtual=Decimal("50"),
        from_month=date(2009, 1, 1),
        currency="USD",
        at=T0,
    )
    situation = history(chartered(), dues, *group_with(GROUP, company))
    at = datetime(2008, 12, 31, tzinfo=UTC)

    assert [] == when(
        situation, ChargeDues(group_id=GROUP, month=date(2008, 12, 1), actor=STAFF, at=at)
    )


def test_network_dues_replace_the_group_charters_from_their_month() -> None:
    """From January 2009 an in-person member is charged the network's 100.00."""
    company = some_id("acme")
    dues = NetworkDuesSet(
        in_person=Decimal("100"),
        virtual=Decimal("50"),
        from_month=date(2009, 1, 1),
        currency="USD",
        at=T0,
    )
    situation = history(chartered(), dues, *group_with(GROUP, company, dues_in_person=Decimal(7)))
    at = datetime(2009, 1, 2, tzinfo=UTC)

    events: list[Any] = when(
        situation, ChargeDues(group_id=GROUP, month=date(2009, 1, 1), actor=STAFF, at=at)
    )

    assert [Money("100", "USD")] == [e.amount for e in events if isinstance(e, DuesCharged)]


def test_setting_dues_is_reserved_to_the_committee_once_it_sits() -> None:
    """The staff's SetNetworkDues is refused; the committee's resolution records it."""
    seats = committee(3)
    situation = history(chartered(), *seats.events)
    dues = SetNetworkDues(
        in_person=Decimal("100"),
        virtual=Decimal("50"),
        from_month=date(2009, 1, 15),
        actor=STAFF,
        at=LATER,
    )

    passed: list[Any] = when(situation, resolve(seats.people, dues))

    assert (ReservedToCommittee, date(2009, 1, 1)) == (
        type(refused(situation, dues)),
        passed[1].from_month,
    )
