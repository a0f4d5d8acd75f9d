"""Seats: every membership rule of a group's charter, accepted and refused.

Each test folds a history with `history`, decides one command with `when` (or `refused`),
and states the events recorded or the error that names the rule.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest

from peernet import (
    AgreementAlreadySigned,
    AgreementNotSigned,
    AgreementSigned,
    AlreadyApplied,
    AlreadyInCoreGroup,
    AmendCharter,
    ApplicantWaitlisted,
    ApplicationWithdrawn,
    ApplyForMembership,
    Charter,
    Command,
    CompanyAcquired,
    CompetitorInGroup,
    DateOutOfOrder,
    DeclineSeat,
    Event,
    GraduateMember,
    GroupAtCapacity,
    GroupClosed,
    GroupFormat,
    GroupIsClosed,
    GroupKind,
    InvalidValue,
    MemberGraduated,
    MemberJoined,
    MemberRemoved,
    MemberResigned,
    MembershipApplied,
    MembershipStatus,
    MemberTransferred,
    NoSeatOffered,
    NotAnActiveMember,
    NotPending,
    PeerNetError,
    ProgrammeNotComplete,
    RecordAcquisition,
    RemovalCause,
    RemoveMember,
    Resign,
    SeatDeclined,
    SeatOffered,
    SignAgreement,
    TakeSeat,
    TransferMember,
    UnknownCompany,
    UnknownGroup,
    UnknownMembership,
    WithdrawApplication,
)
from peernet.domain.situation import Situation
from peernet.testing import (
    T0,
    after,
    applied,
    formed,
    group_with,
    history,
    joined,
    membership_event,
    membership_of,
    refused,
    registered,
    some_id,
    some_ids,
    waitlisted,
    when,
)

E = TypeVar("E", bound=Event)

G, G2, G3 = some_id("group"), some_id("group 2"), some_id("group 3")
A, B, C, D, X = (some_id(name) for name in ("acme", "bolt", "crux", "dyna", "xeno"))
NEW = some_id("new membership")
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)


m = membership_of


def ev(cls: Callable[..., E], group_id: UUID, company_id: UUID, **fields: Any) -> E:
    """A membership event of `company_id` in `group_id`, at T1 unless told otherwise."""
    return membership_event(cls, group_id, company_id, **{"at": T1, **fields})


def apply(company_id: UUID, group_id: UUID = G, *, at: datetime = T1) -> ApplyForMembership:
    return ApplyForMembership(
        actor="clerk",
        at=at,
        company_id=company_id,
        group_id=group_id,
        membership_id=m(group_id, company_id),
    )


def rule_of(error: PeerNetError) -> tuple[type[PeerNetError], str, dict[str, object]]:
    """What a refusal says: its type, the rule it names and the ids it carries."""
    return type(error), error.rule, error.ids


def status_of(situation: Situation, group_id: UUID, company_id: UUID) -> MembershipStatus:
    return situation.groups[group_id].memberships[m(group_id, company_id)].status


# --- applying: capacity -------------------------------------------------------------------


def test_an_applicant_to_a_group_with_room_is_offered_a_seat() -> None:
    """The application is recorded in the company's stream, the offer in the group's."""
    situation = history(formed(G), registered(A))

    events = when(situation, apply(A))

    assert [ev(MembershipApplied, G, A, core=True), ev(SeatOffered, G, A)] == events


def test_a_full_group_waitlists_the_thirteenth_applicant() -> None:
    """The thirteenth applicant waits; nobody is refused."""
    *members, late = some_ids("member", 13)
    situation = history(*group_with(G, *members), registered(late))

    events = when(situation, apply(late))

    assert [
        ev(MembershipApplied, G, late, core=True),
        ev(ApplicantWaitlisted, G, late, reason="group is full"),
    ] == events


def test_an_offered_seat_counts_against_capacity() -> None:
    """A seat offered and not yet taken is held: the next applicant waits."""
    situation = history(formed(G, capacity=1), registered(A), registered(B), *applied(G, A))

    events = when(situation, apply(B))

    assert [
        ev(MembershipApplied, G, B, core=True),
        ev(ApplicantWaitlisted, G, B, reason="group is full"),
    ] == events


def test_the_waitlist_keeps_applicants_in_order_of_arrival() -> None:
    """Wait-listed applicants are queued first come, first served."""
    situation = history(
        formed(G, capacity=1),
        *(registered(company) for company in (A, B, C, D)),
        *joined(G, A),
        *waitlisted(G, C),
        *waitlisted(G, B),
        *waitlisted(G, D),
    )

    assert (m(G, C), m(G, B), m(G, D)) == situation.groups[G].waitlist


# --- applying: competitors ----------------------------------------------------------------


def test_a_competitor_inside_waitlists_the_applicant_naming_the_competitor() -> None:
    """An applicant competing with a member waits, with competitor_id naming the member."""
    situation = history(
        formed(G),
        registered(A, name="Acme", region="texas"),
        registered(B, name="Bolt", region="texas"),
        *joined(G, A),
    )

    events = when(situation, apply(B))

    assert [
        ev(MembershipApplied, G, B, core=True),
        ev(ApplicantWaitlisted, G, B, reason="competes with a member", competitor_id=A),
    ] == events


def test_a_competitor_holding_an_offered_seat_also_waitlists_the_applicant() -> None:
    """Offered applicants are seated: a competitor of theirs waits too."""
    situation = history(
        formed(G),
        registered(A, name="Acme", region="texas"),
        registered(B, region="texas"),
        *applied(G, A),
    )

    events = when(situation, apply(B))

    assert (
        ev(ApplicantWaitlisted, G, B, reason="competes with a member", competitor_id=A)
        == (events[-1])
    )


def test_a_waitlisted_competitor_is_not_a_competitor_inside() -> None:
    """Only seated companies (active or offered) count: B waits for room, not for A."""
    situation = history(
        formed(G, capacity=1),
        registered(X),
        registered(A, region="texas"),
        registered(B, region="texas"),
        *joined(G, X),
        *waitlisted(G, A),
    )

    events = when(situation, apply(B))

    assert [
        ev(MembershipApplied, G, B, core=True),
        ev(ApplicantWaitlisted, G, B, reason="group is full", competitor_id=None),
    ] == events


def test_competitors_may_belong_to_different_groups() -> None:
    """Non-compete holds inside one group: a competitor of a member of G is welcome in G2."""
    situation = history(
        formed(G),
        formed(G2),
        registered(A, region="texas"),
        registered(B, region="texas"),
        *joined(G, A),
    )

    events = when(situation, apply(B, G2))

    assert [ev(MembershipApplied, G2, B, core=True), ev(SeatOffered, G2, B)] == events


def test_a_charter_without_non_compete_seats_competitors_together() -> None:
    """non_compete=False lets a competitor of a member take a seat."""
    situation = history(
        formed(G, non_compete=False),
        registered(A, region="texas"),
        registered(B, region="texas"),
        *joined(G, A),
    )

    events = when(situation, apply(B))

    assert [ev(MembershipApplied, G, B, core=True), ev(SeatOffered, G, B)] == events


# --- applying: one core group -------------------------------------------------------------


def test_a_member_of_a_core_group_cannot_apply_to_another_core_group() -> None:
    """One core group per company: the second core application names both groups."""
    situation = history(formed(G), formed(G2), registered(A), *joined(G, A))

    error = refused(situation, apply(A, G2))

    assert (
        AlreadyInCoreGroup,
        "one_core_group",
        {"company_id": A, "core_group_id": G, "group_id": G2},
    ) == rule_of(error)


def test_a_pending_core_application_also_holds_the_core_seat() -> None:
    """A company wait-listed in one core group cannot apply to another core group."""
    situation = history(
        formed(G, capacity=1),
        formed(G2),
        registered(X),
        registered(A),
        *joined(G, X),
        *waitlisted(G, A),
    )

    error = refused(situation, apply(A, G2))

    assert (AlreadyInCoreGroup, {"company_id": A, "core_group_id": G, "group_id": G2}) == (
        type(error),
        error.ids,
    )


def test_a_company_that_left_its_core_group_may_apply_to_another() -> None:
    """A departed core membership frees the company's one core seat."""
    situation = history(
        formed(G), formed(G2), registered(A), *joined(G, A), ev(MemberResigned, G, A)
    )

    events = when(situation, apply(A, G2, at=T2))

    assert [
        ev(MembershipApplied, G2, A, core=True, at=T2),
        ev(SeatOffered, G2, A, at=T2),
    ] == events


@pytest.mark.parametrize("kind", [GroupKind.COMPANION, GroupKind.SPECIAL_INTEREST])
def test_companion_and_special_interest_groups_are_extra_to_the_core_group(
    kind: GroupKind,
) -> None:
    """A core member may also join groups that are not core; their application is not core."""
    situation = history(formed(G), formed(G2, kind=kind), registered(A), *joined(G, A))

    events = when(situation, apply(A, G2))

    assert [ev(MembershipApplied, G2, A, core=False), ev(SeatOffered, G2, A)] == events


def test_a_charter_without_one_core_group_admits_a_second_core_membership() -> None:
    """one_core_group=False in the group applied to lets a core member in."""
    situation = history(formed(G), formed(G2, one_core_group=False), registered(A), *joined(G, A))

    events = when(situation, apply(A, G2))

    assert [ev(MembershipApplied, G2, A, core=True), ev(SeatOffered, G2, A)] == events


# --- applying: once per group -------------------------------------------------------------


@pytest.mark.parametrize(
    "past",
    [
        pytest.param(lambda: applied(G, A), id="offered"),
        pytest.param(lambda: joined(G, A), id="active"),
        pytest.param(lambda: [*joined(G, X), *waitlisted(G, A)], id="wait-listed"),
    ],
)
def test_a_company_with_an_open_membership_cannot_apply_again(
    past: Callable[[], list[Event]],
) -> None:
    """AlreadyApplied names the company, the group and the membership it holds."""
    situation = history(formed(G, capacity=1), registered(X), registered(A), *past())

    error = refused(
        situation,
        ApplyForMembership(actor="clerk", at=T1, company_id=A, group_id=G, membership_id=NEW),
    )

    assert (
        AlreadyApplied,
        "one_open_membership_per_group",
        {"company_id": A, "group_id": G, "membership_id": m(G, A)},
    ) == rule_of(error)


def test_a_former_member_may_apply_again_under_a_new_membership() -> None:
    """After resigning, a company may apply to the same group once more."""
    situation = history(formed(G), registered(A), *joined(G, A), ev(MemberResigned, G, A))
    command = ApplyForMembership(actor="clerk", at=T2, company_id=A, group_id=G, membership_id=NEW)

    events = when(situation, command)

    ids: dict[str, Any] = {"membership_id": NEW, "group_id": G, "company_id": A, "at": T2}
    assert [MembershipApplied(core=True, **ids), SeatOffered(**ids)] == events


# --- freed seats: first come, first served, skipping competitors --------------------------


def fifo_history(*more: Event) -> list[Event]:
    """Capacity 2, A and X active; C (a competitor of A), then D, then B wait."""
    return [
        formed(G, capacity=2),
        registered(A, name="Acme", region="texas"),
        registered(X),
        registered(C, region="texas"),
        registered(D),
        registered(B),
        *joined(G, A),
        *joined(G, X),
        *waitlisted(G, C, reason="competes with a member", competitor_id=A),
        *waitlisted(G, D),
        *waitlisted(G, B),
        *more,
    ]


def fifo_group() -> Situation:
    return history(*fifo_history())


def test_a_freed_seat_skips_a_waitlisted_competitor_of_a_member() -> None:
    """The seat goes to the first wait-listed applicant who competes with nobody seated."""
    events = when(fifo_group(), Resign(actor="x", at=T1, membership_id=m(G, X)))

    assert [ev(MemberResigned, G, X), ev(SeatOffered, G, D)] == events


def test_a_skipped_competitor_keeps_its_place_at_the_head_of_the_waitlist() -> None:
    """The competitor passed over stays first in line; the one offered leaves the line."""
    situation = history(*fifo_history(ev(MemberResigned, G, X), ev(SeatOffered, G, D)))

    assert (m(G, C), m(G, B)) == situation.groups[G].waitlist


def test_when_the_competitor_leaves_the_first_in_line_gets_the_seat() -> None:
    """Once A resigns, C competes with nobody seated and, first in line, is offered A's seat."""
    events = when(fifo_group(), Resign(actor="acme", at=T1, membership_id=m(G, A)))

    assert [ev(MemberResigned, G, A), ev(SeatOffered, G, C)] == events


def test_seats_offered_in_one_decision_count_as_seated_for_the_next() -> None:
    """Two wait-listed competitors of each other: only the first is offered a new seat."""
    situation = history(
        formed(G, capacity=1),
        registered(X),
        registered(A, region="texas"),
        registered(B, region="texas"),
        registered(D),
        *joined(G, X),
        *waitlisted(G, A),
        *waitlisted(G, B),
        *waitlisted(G, D),
    )

    events = when(situation, AmendCharter(actor="s", at=T1, group_id=G, charter=Charter()))

    assert [ev(SeatOffered, G, A), ev(SeatOffered, G, D)] == events[1:]


# --- agreement and taking the seat --------------------------------------------------------


def test_signing_the_agreement_records_agreement_signed() -> None:
    """An offered applicant signs the membership agreement."""
    situation = history(formed(G), registered(A), *applied(G, A))

    events = when(situation, SignAgreement(actor="acme", at=T1, membership_id=m(G, A)))

    assert [ev(AgreementSigned, G, A)] == events


def test_a_waitlisted_applicant_may_sign_ahead_of_an_offer() -> None:
    """Signing is open to any open membership, wait-listed included."""
    situation = history(
        formed(G, capacity=1), registered(X), registered(A), *joined(G, X), *waitlisted(G, A)
    )

    events = when(situation, SignAgreement(actor="acme", at=T1, membership_id=m(G, A)))

    assert [ev(AgreementSigned, G, A)] == events


def test_signing_the_agreement_twice_is_refused() -> None:
    """The agreement is signed once."""
    situation = history(formed(G), registered(A), *applied(G, A), ev(AgreementSigned, G, A))

    error = refused(situation, SignAgreement(actor="acme", at=T2, membership_id=m(G, A)))

    assert (AgreementAlreadySigned, "agreement_signed_once", {"membership_id": m(G, A)}) == (
        rule_of(error)
    )


def test_a_signed_applicant_takes_its_seat_and_becomes_active() -> None:
    """TakeSeat after signing records MemberJoined."""
    situation = history(formed(G), registered(A), *applied(G, A), ev(AgreementSigned, G, A))

    events = when(situation, TakeSeat(actor="acme", at=T2, membership_id=m(G, A)))

    assert [ev(MemberJoined, G, A, at=T2)] == events


def test_taking_a_seat_before_signing_the_agreement_is_refused() -> None:
    """The agreement comes first; the error names the membership."""
    situation = history(formed(G), registered(A), *applied(G, A))

    error = refused(situation, TakeSeat(actor="acme", at=T1, membership_id=m(G, A)))

    assert (AgreementNotSigned, "agreement_required", {"membership_id": m(G, A)}) == (
        rule_of(error)
    )


def test_a_charter_without_agreement_required_seats_an_unsigned_applicant() -> None:
    """agreement_required=False: TakeSeat needs no signature."""
    situation = history(formed(G, agreement_required=False), registered(A), *applied(G, A))

    events = when(situation, TakeSeat(actor="acme", at=T1, membership_id=m(G, A)))

    assert [ev(MemberJoined, G, A)] == events


@pytest.mark.parametrize("command_type", [TakeSeat, DeclineSeat])
def test_a_waitlisted_applicant_has_no_seat_to_take_or_decline(
    command_type: type[TakeSeat | DeclineSeat],
) -> None:
    """TakeSeat and DeclineSeat need an offered seat."""
    situation = history(
        formed(G, capacity=1), registered(X), registered(A), *joined(G, X), *waitlisted(G, A)
    )

    error = refused(situation, command_type(actor="acme", at=T1, membership_id=m(G, A)))

    assert (NoSeatOffered, "seat_offered_first", {"membership_id": m(G, A)}) == rule_of(error)


def test_an_active_member_has_no_seat_offered_to_take() -> None:
    """Taking a seat twice is refused."""
    situation = history(formed(G), registered(A), *joined(G, A))

    error = refused(situation, TakeSeat(actor="acme", at=T1, membership_id=m(G, A)))

    assert (NoSeatOffered, {"membership_id": m(G, A)}) == (type(error), error.ids)


# --- declining and withdrawing ------------------------------------------------------------


def offered_and_waiting() -> Situation:
    """Capacity 1: A holds an offered seat, B waits."""
    return history(
        formed(G, capacity=1), registered(A), registered(B), *applied(G, A), *waitlisted(G, B)
    )


def test_declining_a_seat_offers_it_to_the_next_in_line() -> None:
    """SeatDeclined frees the seat, offered at once to the first wait-listed applicant."""
    events = when(offered_and_waiting(), DeclineSeat(actor="acme", at=T1, membership_id=m(G, A)))

    assert [ev(SeatDeclined, G, A), ev(SeatOffered, G, B)] == events


def test_withdrawing_an_offered_application_offers_the_seat_to_the_next_in_line() -> None:
    """ApplicationWithdrawn frees the offered seat too."""
    events = when(
        offered_and_waiting(), WithdrawApplication(actor="acme", at=T1, membership_id=m(G, A))
    )

    assert [
        ev(ApplicationWithdrawn, G, A, reason="withdrawn by the applicant"),
        ev(SeatOffered, G, B),
    ] == events


def test_withdrawing_a_waitlisted_application_frees_no_seat() -> None:
    """A wait-listed applicant held no seat: withdrawing records only the withdrawal."""
    events = when(
        offered_and_waiting(),
        WithdrawApplication(actor="bolt", at=T1, membership_id=m(G, B), reason="found another"),
    )

    assert [ev(ApplicationWithdrawn, G, B, reason="found another")] == events


def test_an_active_member_cannot_withdraw_an_application() -> None:
    """Members resign; only pending applications are withdrawn."""
    situation = history(formed(G), registered(A), *joined(G, A))

    error = refused(situation, WithdrawApplication(actor="acme", at=T1, membership_id=m(G, A)))

    assert (NotPending, "pending_applications_only", {"membership_id": m(G, A)}) == (rule_of(error))


# --- resigning and removal ----------------------------------------------------------------


def member_and_waiting() -> Situation:
    """Capacity 1: A is active, B waits."""
    return history(
        formed(G, capacity=1), registered(A), registered(B), *joined(G, A), *waitlisted(G, B)
    )


def test_a_resignation_offers_the_seat_to_the_next_in_line() -> None:
    """MemberResigned, then SeatOffered to the first wait-listed applicant."""
    events = when(
        member_and_waiting(), Resign(actor="acme", at=T1, membership_id=m(G, A), reason="sold")
    )

    assert [ev(MemberResigned, G, A, reason="sold"), ev(SeatOffered, G, B)] == events


def test_a_resignation_without_a_waitlist_records_only_the_resignation() -> None:
    """No one waits: the seat stays open."""
    situation = history(formed(G), registered(A), *joined(G, A))

    events = when(situation, Resign(actor="acme", at=T1, membership_id=m(G, A)))

    assert [ev(MemberResigned, G, A)] == events


def test_removing_a_member_records_the_cause_and_refills_the_seat() -> None:
    """MemberRemoved keeps its cause and note; the seat goes to the next in line."""
    command = RemoveMember(
        actor="staff",
        at=T1,
        membership_id=m(G, A),
        cause=RemovalCause.NON_PAYMENT,
        note="3 months unpaid",
    )

    events = when(member_and_waiting(), command)

    assert [
        ev(MemberRemoved, G, A, cause=RemovalCause.NON_PAYMENT, note="3 months unpaid"),
        ev(SeatOffered, G, B),
    ] == events


@pytest.mark.parametrize(
    "command",
    [
        Resign(actor="acme", at=T1, membership_id=m(G, A)),
        RemoveMember(actor="s", at=T1, membership_id=m(G, A), cause=RemovalCause.OTHER),
        TransferMember(actor="s", at=T1, membership_id=m(G, A), to_group_id=G2),
    ],
    ids=lambda command: type(command).__name__,
)
def test_a_pending_applicant_is_not_an_active_member(command: Command) -> None:
    """Resign, RemoveMember and TransferMember need an active member."""
    situation = history(formed(G), formed(G2), registered(A), *applied(G, A))

    error = refused(situation, command)

    assert (NotAnActiveMember, "active_members_only", {"membership_id": m(G, A)}) == (
        rule_of(error)
    )


# --- departed members ---------------------------------------------------------------------

DEPARTURES: dict[str, Callable[[], Event]] = {
    "resigned": lambda: ev(MemberResigned, G, A),
    "removed": lambda: ev(MemberRemoved, G, A, cause=RemovalCause.OTHER),
    "graduated": lambda: ev(MemberGraduated, G, A),
    "transferred": lambda: ev(MemberTransferred, G, A, to_group_id=G2, to_membership_id=NEW),
}

AFTER_DEPARTURE: list[tuple[Command, type[PeerNetError]]] = [
    (Resign(actor="a", at=T2, membership_id=m(G, A)), NotAnActiveMember),
    (
        RemoveMember(actor="a", at=T2, membership_id=m(G, A), cause=RemovalCause.OTHER),
        NotAnActiveMember,
    ),
    (TransferMember(actor="a", at=T2, membership_id=m(G, A), to_group_id=G3), NotAnActiveMember),
    (GraduateMember(actor="a", at=T2, membership_id=m(G, A)), NotAnActiveMember),
    (SignAgreement(actor="a", at=T2, membership_id=m(G, A)), NotAnActiveMember),
    (TakeSeat(actor="a", at=T2, membership_id=m(G, A)), NoSeatOffered),
    (DeclineSeat(actor="a", at=T2, membership_id=m(G, A)), NoSeatOffered),
    (WithdrawApplication(actor="a", at=T2, membership_id=m(G, A)), NotPending),
]


@pytest.mark.parametrize("departure", sorted(DEPARTURES))
@pytest.mark.parametrize(
    ("command", "error_type"),
    AFTER_DEPARTURE,
    ids=[type(command).__name__ for command, _ in AFTER_DEPARTURE],
)
def test_a_departed_member_can_do_nothing_more(
    departure: str, command: Command, error_type: type[PeerNetError]
) -> None:
    """Once a member has left, every membership command on it is refused, naming it."""
    situation = history(
        formed(G), formed(G2), formed(G3), registered(A), *joined(G, A), DEPARTURES[departure]()
    )

    error = refused(situation, command)

    assert (error_type, {"membership_id": m(G, A)}) == (type(error), error.ids)


# --- transfers ----------------------------------------------------------------------------


def transfer(to_group_id: UUID = G2, *, at: datetime = T1) -> TransferMember:
    return TransferMember(
        actor="staff",
        at=at,
        membership_id=m(G, A),
        to_group_id=to_group_id,
        new_membership_id=NEW,
    )


def test_a_transfer_moves_an_active_member_and_refills_its_old_seat() -> None:
    """The member leaves G (its seat offered to the next in line) and joins G2 at once."""
    situation = history(
        formed(G, capacity=1),
        formed(G2),
        registered(A),
        registered(B),
        *joined(G, A),
        *waitlisted(G, B),
    )

    events = when(situation, transfer())

    arrival: dict[str, Any] = {"membership_id": NEW, "group_id": G2, "company_id": A, "at": T1}
    assert [
        ev(MemberTransferred, G, A, to_group_id=G2, to_membership_id=NEW),
        ev(SeatOffered, G, B),
        MembershipApplied(core=True, transferred_from=m(G, A), **arrival),
        MemberJoined(transferred_from=m(G, A), **arrival),
    ] == events


def test_a_transferred_member_is_active_in_its_new_group() -> None:
    """After replaying a transfer, the old membership is transferred and the new one active."""
    situation = history(formed(G), formed(G2), registered(A), *joined(G, A))

    moved = after(situation, transfer())

    assert (MembershipStatus.TRANSFERRED, MembershipStatus.ACTIVE, G2) == (
        status_of(moved, G, A),
        moved.groups[G2].memberships[NEW].status,
        moved.links.group_of(NEW),
    )


def test_a_transfer_into_a_group_with_a_competitor_is_refused() -> None:
    """Transfers are not wait-listed: CompetitorInGroup names both companies and the group."""
    situation = history(
        formed(G),
        formed(G2),
        registered(A, region="texas"),
        registered(X, region="texas"),
        *joined(G, A),
        *joined(G2, X),
    )

    error = refused(situation, transfer())

    assert (
        CompetitorInGroup,
        "non_compete",
        {"company_id": A, "competitor_id": X, "group_id": G2},
    ) == rule_of(error)


def test_a_transfer_into_a_full_group_is_refused() -> None:
    """GroupAtCapacity names the group and its capacity."""
    situation = history(
        formed(G),
        formed(G2, capacity=1),
        registered(A),
        registered(X),
        *joined(G, A),
        *applied(G2, X),
    )

    error = refused(situation, transfer())

    assert (GroupAtCapacity, "capacity", {"group_id": G2, "capacity": 1}) == rule_of(error)


def test_a_transfer_into_the_same_group_is_an_invalid_value() -> None:
    """A member cannot be transferred to the group it is in."""
    situation = history(formed(G), registered(A), *joined(G, A))

    error = refused(situation, transfer(G))

    assert (InvalidValue, {"membership_id": m(G, A)}) == (type(error), error.ids)


def test_a_transfer_into_a_group_where_the_company_applied_is_refused() -> None:
    """A company with an open membership in the target group cannot be transferred there."""
    situation = history(
        formed(G),
        formed(G2, kind=GroupKind.COMPANION),
        registered(A),
        *joined(G, A),
        *applied(G2, A, core=False),
    )

    error = refused(situation, transfer())

    assert (AlreadyApplied, {"company_id": A, "group_id": G2, "membership_id": m(G2, A)}) == (
        type(error),
        error.ids,
    )


def test_a_transfer_from_a_companion_group_into_a_second_core_group_is_refused() -> None:
    """A company in core group G3 cannot be transferred from companion G into core G2."""
    situation = history(
        formed(G, kind=GroupKind.COMPANION),
        formed(G2),
        formed(G3),
        registered(A),
        *joined(G3, A),
        *joined(G, A, core=False),
    )

    error = refused(situation, transfer())

    assert (AlreadyInCoreGroup, {"company_id": A, "core_group_id": G3, "group_id": G2}) == (
        type(error),
        error.ids,
    )


def test_a_transfer_into_a_closed_group_is_refused() -> None:
    """A closed group takes no one in."""
    situation = history(
        formed(G), formed(G2), registered(A), *joined(G, A), GroupClosed(group_id=G2, at=T0)
    )

    error = refused(situation, transfer())

    assert (GroupIsClosed, {"group_id": G2}) == (type(error), error.ids)


def test_a_transfer_into_an_unknown_group_is_refused() -> None:
    """An unknown target group is invalid input."""
    situation = history(formed(G), registered(A), *joined(G, A))

    error = refused(situation, transfer(G3))

    assert (UnknownGroup, "known_group", {"group_id": G3}) == rule_of(error)


# --- graduation ---------------------------------------------------------------------------


def virtual_member(**rules: Any) -> Situation:
    return history(formed(G, format=GroupFormat.VIRTUAL, **rules), registered(A), *joined(G, A))


def test_a_virtual_member_graduates_when_the_programme_is_complete() -> None:
    """Twelve months after joining (the default programme), the member graduates."""
    completes = datetime(2002, 1, 1, tzinfo=UTC)

    events = when(virtual_member(), GraduateMember(actor="s", at=completes, membership_id=m(G, A)))

    assert [ev(MemberGraduated, G, A, at=completes)] == events


def test_graduating_before_the_programme_is_complete_is_refused() -> None:
    """ProgrammeNotComplete names the membership and says when the programme completes."""
    almost = datetime(2001, 12, 31, 23, 59, tzinfo=UTC)

    error = refused(virtual_member(), GraduateMember(actor="s", at=almost, membership_id=m(G, A)))

    assert (ProgrammeNotComplete, "programme_months", {"membership_id": m(G, A)}) == (
        rule_of(error)
    )
    assert "2002-01-01" in str(error)


def test_the_programme_length_is_a_charter_rule() -> None:
    """programme_months=6: the member graduates six months after joining."""
    six_months = datetime(2001, 7, 1, tzinfo=UTC)
    situation = virtual_member(programme_months=6)

    events = when(situation, GraduateMember(actor="s", at=six_months, membership_id=m(G, A)))

    assert [ev(MemberGraduated, G, A, at=six_months)] == events


def test_only_members_of_virtual_groups_graduate() -> None:
    """An in-person group runs no programme: graduating is an invalid value."""
    situation = history(formed(G), registered(A), *joined(G, A))
    later = datetime(2005, 1, 1, tzinfo=UTC)

    error = refused(situation, GraduateMember(actor="s", at=later, membership_id=m(G, A)))

    assert (InvalidValue, {"group_id": G}) == (type(error), error.ids)


# --- acquisition --------------------------------------------------------------------------


def test_an_acquisition_removes_the_company_from_every_group_and_refills_seats() -> None:
    """Acquired: removed from each group (cause acquisition), pending applications
    withdrawn, freed seats offered, all in the events of one decision."""
    situation = history(
        formed(G, capacity=1),
        formed(G2, kind=GroupKind.COMPANION),
        formed(G3, kind=GroupKind.SPECIAL_INTEREST, capacity=1),
        registered(A),
        registered(B),
        registered(X),
        *joined(G, A),
        *waitlisted(G, B),
        *joined(G2, A, core=False),
        *joined(G3, X),
        *waitlisted(G3, A, core=False),
    )

    events = when(
        situation, RecordAcquisition(actor="clerk", at=T1, company_id=A, acquirer="MegaCorp")
    )

    assert [
        CompanyAcquired(company_id=A, acquirer="MegaCorp", at=T1),
        ev(MemberRemoved, G, A, cause=RemovalCause.ACQUISITION, note="MegaCorp"),
        ev(SeatOffered, G, B),
        ev(MemberRemoved, G2, A, cause=RemovalCause.ACQUISITION, note="MegaCorp"),
        ev(ApplicationWithdrawn, G3, A, reason="acquisition"),
    ] == events


def test_an_acquisition_leaves_past_memberships_alone() -> None:
    """Memberships already ended record nothing more."""
    situation = history(formed(G), registered(A), *joined(G, A), ev(MemberResigned, G, A))

    events = when(
        situation, RecordAcquisition(actor="clerk", at=T2, company_id=A, acquirer="MegaCorp")
    )

    assert [CompanyAcquired(company_id=A, acquirer="MegaCorp", at=T2)] == events


def test_an_acquisition_dated_before_a_group_event_is_refused() -> None:
    """The acquisition writes to each group: it cannot come before a group's last event."""
    situation = history(
        formed(G), registered(A), registered(B), *joined(G, A), *joined(G, B, at=T2)
    )

    error = refused(
        situation, RecordAcquisition(actor="clerk", at=T1, company_id=A, acquirer="MegaCorp")
    )

    assert (DateOutOfOrder, {"stream_id": G}) == (type(error), error.ids)


# --- unknown ids and business time --------------------------------------------------------


def test_an_unknown_membership_is_refused() -> None:
    """A membership id no group answered is invalid input naming it."""
    error = refused(history(formed(G)), SignAgreement(actor="a", at=T1, membership_id=NEW))

    assert (UnknownMembership, "known_membership", {"membership_id": NEW}) == rule_of(error)


def test_applying_to_an_unknown_group_is_refused() -> None:
    """The group must have been formed."""
    error = refused(history(registered(A)), apply(A))

    assert (UnknownGroup, {"group_id": G}) == (type(error), error.ids)


def test_an_unknown_company_cannot_apply() -> None:
    """The company must have been registered."""
    error = refused(history(formed(G)), apply(A))

    assert (UnknownCompany, "known_company", {"company_id": A}) == rule_of(error)


@pytest.mark.parametrize(
    ("past", "stream_id"),
    [
        pytest.param([formed(G, at=T2), registered(A)], G, id="group"),
        pytest.param([formed(G), registered(A, at=T2)], A, id="company"),
    ],
)
def test_an_application_dated_before_a_stream_it_touches_is_refused(
    past: list[Event], stream_id: UUID
) -> None:
    """An application writes to the group and the company; it comes after both."""
    error = refused(history(*past), apply(A))

    assert (DateOutOfOrder, "business_time_moves_forward", {"stream_id": stream_id}) == (
        rule_of(error)
    )


def test_a_membership_command_dated_before_the_groups_last_event_is_refused() -> None:
    """Seat commands are in order with the group's stream."""
    situation = history(formed(G), registered(A), *applied(G, A, at=T2))

    error = refused(situation, SignAgreement(actor="a", at=T1, membership_id=m(G, A)))

    assert (DateOutOfOrder, {"stream_id": G}) == (type(error), error.ids)
