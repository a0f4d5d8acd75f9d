"""Groups: forming, facilitating, amending the charter, closing."""

from datetime import timedelta

import pytest

from peernet import (
    AmendCharter,
    ApplicationWithdrawn,
    ApplyForMembership,
    AssignFacilitator,
    Charter,
    CharterAmended,
    CloseGroup,
    Command,
    DateOutOfOrder,
    FacilitatorAssigned,
    FormGroup,
    GroupAlreadyFormed,
    GroupClosed,
    GroupFormat,
    GroupFormed,
    GroupHasActiveMembers,
    GroupIsClosed,
    GroupKind,
    InvalidValue,
    RuleViolation,
    SignAgreement,
    Territory,
    UnknownGroup,
)
from peernet.testing import (
    T0,
    amended,
    applied,
    facilitated,
    formed,
    history,
    joined,
    membership_event,
    membership_of,
    offered,
    refused,
    registered,
    some_id,
    waitlisted,
    when,
)

GROUP = some_id("group")
A, B, C, D = (some_id(name) for name in "abcd")
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)
T3 = T0 + timedelta(days=3)


# --- forming ------------------------------------------------------------------------------


def test_forming_a_group_records_group_formed_with_its_charter() -> None:
    """FormGroup records every detail of the group, its name stripped."""
    charter = Charter(capacity=8)
    command = FormGroup(
        actor="staff",
        at=T0,
        name="  Dallas One ",
        format=GroupFormat.VIRTUAL,
        kind=GroupKind.COMPANION,
        territory=Territory("US", "texas"),
        charter=charter,
        group_id=GROUP,
    )

    events = when(history(), command)

    assert [
        GroupFormed(
            group_id=GROUP,
            name="Dallas One",
            format=GroupFormat.VIRTUAL,
            kind=GroupKind.COMPANION,
            territory=Territory("US", "texas"),
            charter=charter,
            at=T0,
        )
    ] == events


def test_a_group_is_formed_in_person_core_with_the_default_charter() -> None:
    """Without options a group meets in person, is a core group and has the default rules."""
    events = when(history(), FormGroup(actor="staff", at=T0, name="G", group_id=GROUP))

    assert [formed(GROUP, name="G")] == events


def test_forming_a_group_twice_is_refused() -> None:
    """A group id is formed once."""
    error = refused(
        history(formed(GROUP)), FormGroup(actor="staff", at=T1, name="G", group_id=GROUP)
    )

    assert (GroupAlreadyFormed, "unique_group_id", {"group_id": GROUP}) == (
        type(error),
        error.rule,
        error.ids,
    )


@pytest.mark.parametrize("name", ["", "  "])
def test_a_group_needs_a_name(name: str) -> None:
    """An empty group name is an invalid value."""
    with pytest.raises(InvalidValue):
        FormGroup(actor="staff", at=T0, name=name)


def test_a_charter_with_capacity_zero_is_an_invalid_value() -> None:
    """A group must have room for at least one member."""
    with pytest.raises(InvalidValue) as raised:
        Charter(capacity=0)

    assert ("valid_value", {"field": "capacity"}) == (raised.value.rule, raised.value.ids)


def test_the_default_charter_holds_the_network_defaults() -> None:
    """Twelve seats, no competitors, one core group, agreement first, 12-month programme."""
    charter = Charter()

    assert (12, True, True, True, 12) == (
        charter.capacity,
        charter.non_compete,
        charter.one_core_group,
        charter.agreement_required,
        charter.programme_months,
    )


# --- facilitator --------------------------------------------------------------------------


def test_assigning_a_facilitator_records_it() -> None:
    """AssignFacilitator records FacilitatorAssigned."""
    events = when(
        history(formed(GROUP)),
        AssignFacilitator(actor="staff", at=T1, group_id=GROUP, facilitator="Dana"),
    )

    assert [FacilitatorAssigned(group_id=GROUP, facilitator="Dana", at=T1)] == events


def test_assigning_the_same_facilitator_again_records_nothing() -> None:
    """Re-assigning the facilitator already in place changes nothing."""
    situation = history(formed(GROUP), facilitated(GROUP, "Dana", at=T1))

    events = when(
        situation, AssignFacilitator(actor="staff", at=T2, group_id=GROUP, facilitator="Dana")
    )

    assert [] == events


def test_a_facilitator_is_the_groups_after_replay() -> None:
    """The group's state names its facilitator."""
    situation = history(formed(GROUP), facilitated(GROUP, "Dana", at=T1))

    assert "Dana" == situation.groups[GROUP].facilitator


def test_a_facilitator_of_an_unknown_group_is_refused() -> None:
    """An unknown group id is invalid input that names the id."""
    error = refused(
        history(), AssignFacilitator(actor="staff", at=T1, group_id=GROUP, facilitator="Dana")
    )

    assert (UnknownGroup, "known_group", {"group_id": GROUP}) == (
        type(error),
        error.rule,
        error.ids,
    )


# --- charter ------------------------------------------------------------------------------


def test_amending_the_charter_records_the_next_version() -> None:
    """The first amendment is version 2; the formation charter is version 1."""
    events = when(
        history(formed(GROUP)),
        AmendCharter(actor="staff", at=T1, group_id=GROUP, charter=Charter(capacity=10)),
    )

    assert [CharterAmended(group_id=GROUP, version=2, charter=Charter(capacity=10), at=T1)] == (
        events
    )


def test_a_second_amendment_is_version_three() -> None:
    """Versions count up from the last one recorded."""
    situation = history(
        formed(GROUP),
        amended(GROUP, 2, capacity=10, at=T1),
    )

    events = when(situation, AmendCharter(actor="staff", at=T2, group_id=GROUP, charter=Charter()))

    assert [CharterAmended(group_id=GROUP, version=3, charter=Charter(), at=T2)] == events


def test_charter_at_returns_the_version_in_force_at_a_business_time() -> None:
    """Each time reads the charter last amended at or before it."""
    group = history(
        formed(GROUP, capacity=12),
        amended(GROUP, 2, capacity=10, at=T1),
        amended(GROUP, 3, capacity=8, at=T3),
    ).groups[GROUP]

    versions = [
        group.charter_at(at).version
        for at in (T0, T0 + timedelta(hours=12), T1, T2, T3, T3 + timedelta(days=400))
    ]

    assert [1, 1, 2, 2, 3, 3] == versions


def test_charter_at_before_formation_is_the_first_charter() -> None:
    """A time before the group existed reads the charter it was formed with."""
    group = history(
        formed(GROUP, at=T1, capacity=5),
        amended(GROUP, 2, capacity=10, at=T2),
    ).groups[GROUP]

    assert (1, Charter(capacity=5)) == (group.charter_at(T0).version, group.charter_at(T0).charter)


def test_the_current_charter_is_the_last_amended() -> None:
    """`Group.charter` is the newest version's rules."""
    group = history(
        formed(GROUP),
        amended(GROUP, 2, capacity=7, at=T1),
    ).groups[GROUP]

    assert Charter(capacity=7) == group.charter


def test_raising_capacity_offers_seats_to_the_waitlist_in_order() -> None:
    """Two new seats go to the first two wait-listed applicants, in order of arrival."""
    situation = history(
        formed(GROUP, capacity=1),
        *(registered(company) for company in (A, B, C, D)),
        *joined(GROUP, A),
        *waitlisted(GROUP, B),
        *waitlisted(GROUP, C),
        *waitlisted(GROUP, D),
    )

    events = when(
        situation, AmendCharter(actor="staff", at=T1, group_id=GROUP, charter=Charter(capacity=3))
    )

    assert [
        CharterAmended(group_id=GROUP, version=2, charter=Charter(capacity=3), at=T1),
        offered(GROUP, B, at=T1),
        offered(GROUP, C, at=T1),
    ] == events


def test_lowering_capacity_offers_no_seat_and_removes_no_one() -> None:
    """A smaller charter records the amendment only; seated members keep their seats."""
    situation = history(
        formed(GROUP, capacity=2),
        registered(A),
        registered(B),
        *joined(GROUP, A),
        *joined(GROUP, B),
    )

    events = when(
        situation, AmendCharter(actor="staff", at=T1, group_id=GROUP, charter=Charter(capacity=1))
    )

    assert [CharterAmended(group_id=GROUP, version=2, charter=Charter(capacity=1), at=T1)] == (
        events
    )


# --- closing ------------------------------------------------------------------------------


def test_closing_an_empty_group_records_group_closed() -> None:
    """A group with no members closes with its reason."""
    events = when(
        history(formed(GROUP)), CloseGroup(actor="staff", at=T1, group_id=GROUP, reason="merged")
    )

    assert [GroupClosed(group_id=GROUP, reason="merged", at=T1)] == events


def test_closing_a_group_with_active_members_is_refused() -> None:
    """Members resign, transfer or graduate before their group closes."""
    situation = history(formed(GROUP), registered(A), *joined(GROUP, A))

    error = refused(situation, CloseGroup(actor="staff", at=T1, group_id=GROUP))

    assert (GroupHasActiveMembers, "close_empty_groups_only", {"group_id": GROUP}) == (
        type(error),
        error.rule,
        error.ids,
    )
    assert isinstance(error, RuleViolation)


def test_closing_a_group_withdraws_its_pending_applicants() -> None:
    """Offered and wait-listed applicants are withdrawn before the group closes."""
    situation = history(
        formed(GROUP, capacity=1),
        registered(A),
        registered(B),
        *applied(GROUP, A),
        *waitlisted(GROUP, B),
    )

    events = when(situation, CloseGroup(actor="staff", at=T1, group_id=GROUP))

    assert [
        membership_event(ApplicationWithdrawn, GROUP, A, reason="group closed", at=T1),
        membership_event(ApplicationWithdrawn, GROUP, B, reason="group closed", at=T1),
        GroupClosed(group_id=GROUP, at=T1),
    ] == events


def closed_group_commands() -> list[Command]:
    return [
        AssignFacilitator(actor="staff", at=T2, group_id=GROUP, facilitator="Dana"),
        AmendCharter(actor="staff", at=T2, group_id=GROUP, charter=Charter(capacity=3)),
        CloseGroup(actor="staff", at=T2, group_id=GROUP),
        ApplyForMembership(actor="clerk", at=T2, company_id=B, group_id=GROUP),
        SignAgreement(actor="clerk", at=T2, membership_id=membership_of(GROUP, A)),
    ]


@pytest.mark.parametrize(
    "command",
    closed_group_commands(),
    ids=lambda command: type(command).__name__,
)
def test_a_closed_group_refuses_every_command(command: Command) -> None:
    """After GroupClosed nothing more happens in the group."""
    situation = history(
        formed(GROUP),
        registered(A),
        registered(B),
        *applied(GROUP, A),
        membership_event(ApplicationWithdrawn, GROUP, A, reason="group closed", at=T1),
        GroupClosed(group_id=GROUP, at=T1),
    )

    error = refused(situation, command)

    assert (GroupIsClosed, "closed_group_is_final", {"group_id": GROUP}) == (
        type(error),
        error.rule,
        error.ids,
    )


# --- business time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        AssignFacilitator(actor="staff", at=T1, group_id=GROUP, facilitator="Dana"),
        AmendCharter(actor="staff", at=T1, group_id=GROUP, charter=Charter(capacity=3)),
        CloseGroup(actor="staff", at=T1, group_id=GROUP),
    ],
    ids=lambda command: type(command).__name__,
)
def test_a_group_command_dated_before_the_groups_last_event_is_refused(command: Command) -> None:
    """Business time moves forward in a group's stream."""
    situation = history(formed(GROUP), facilitated(GROUP, "Lee", at=T2))

    error = refused(situation, command)

    assert (DateOutOfOrder, "business_time_moves_forward", {"stream_id": GROUP}) == (
        type(error),
        error.rule,
        error.ids,
    )


def test_a_group_command_at_the_same_time_as_the_last_event_is_accepted() -> None:
    """Equal business times are in order: only an earlier time is refused."""
    situation = history(formed(GROUP), facilitated(GROUP, "Lee", at=T2))

    events = when(
        situation, AssignFacilitator(actor="staff", at=T2, group_id=GROUP, facilitator="Dana")
    )

    assert [FacilitatorAssigned(group_id=GROUP, facilitator="Dana", at=T2)] == events
