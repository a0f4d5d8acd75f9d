"""As-of views on every backend: who was in a group at a business date, and what the
records said at a recording time, leaving out corrections recorded later."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from peernet import (
    ApplyForMembership,
    FormGroup,
    InvalidValue,
    MembershipStatus,
    Network,
    RegisterCompany,
    Resign,
    SignAgreement,
    TakeSeat,
    TransferMember,
    UnknownCompany,
    UnknownGroup,
)
from peernet.testing import profile, some_id

GROUP_4 = some_id("HTG 4")
GROUP_9 = some_id("HTG 9")
JOINED = datetime(2008, 3, 1, 9, tzinfo=UTC)
RESIGNED = datetime(2008, 9, 30, 17, tzinfo=UTC)  # resigned at quarter end...
Q3_MEETING = datetime(2008, 10, 15, 12, tzinfo=UTC)
TOLD = datetime(2008, 10, 20, 9, tzinfo=UTC)  # ...and the office heard of it later


class Clock:
    """The network's recording clock, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def join(network: Network, name: str, group_id: UUID, at: datetime) -> UUID:
    company_id = some_id(name)
    network.execute(
        RegisterCompany(
            profile=profile(name, region=name), company_id=company_id, actor="office", at=at
        )
    )
    membership_id = some_id(f"{name} in {group_id}")
    network.execute(
        ApplyForMembership(
            company_id=company_id,
            group_id=group_id,
            membership_id=membership_id,
            actor=name,
            at=at,
        )
    )
    network.execute(SignAgreement(membership_id=membership_id, actor=name, at=at))
    network.execute(TakeSeat(membership_id=membership_id, actor=name, at=at))
    return membership_id


@pytest.fixture
def story(store_url: str, open_network: Callable[..., Network]) -> tuple[Network, Clock]:
    """Group 4 with Acme, Globex and Initech from March 2008; Globex resigned on
    30 September 2008, recorded on 20 October, after the Q3 meeting of 15 October."""
    clock = Clock(JOINED)
    network = open_network(store_url, clock=clock)
    for group_id, name in ((GROUP_4, "HTG 4"), (GROUP_9, "HTG 9")):
        network.execute(FormGroup(name=name, group_id=group_id, actor="office", at=JOINED))
    for name in ("Acme", "Globex", "Initech"):
        join(network, name, GROUP_4, JOINED)
    clock.now = TOLD
    network.execute(
        Resign(
            membership_id=some_id(f"Globex in {GROUP_4}"),
            reason="sold the MSP",
            actor="office",
            at=RESIGNED,
        )
    )
    return network, clock


def members(network: Network, **bound: object) -> list[str]:
    return sorted(s.company for s in network.roster(GROUP_4, **bound).members)  # type: ignore[arg-type]


def test_who_was_in_the_group_on_a_business_date(story: tuple[Network, Clock]) -> None:
    """On 30 June 2008 three companies sat in group 4; today two do."""
    network, _ = story

    assert ["Acme", "Globex", "Initech"] == members(network, as_of=date(2008, 6, 30))
    assert ["Acme", "Initech"] == members(network)


def test_the_records_at_the_meeting_leave_out_a_resignation_recorded_later(
    story: tuple[Network, Clock],
) -> None:
    """At the Q3 meeting the records still showed Globex; what we know now says it had
    already left by then."""
    network, _ = story

    at_the_meeting = members(network, as_of=Q3_MEETING, known_at=Q3_MEETING)
    known_now = members(network, as_of=Q3_MEETING)

    assert (["Acme", "Globex", "Initech"], ["Acme", "Initech"]) == (at_the_meeting, known_now)


def test_a_date_bound_includes_the_whole_day(story: tuple[Network, Clock]) -> None:
    """A resignation at 17:00 on 30 September counts as of that date."""
    network, _ = story

    assert ["Acme", "Initech"] == members(network, as_of=date(2008, 9, 30))
    assert ["Acme", "Globex", "Initech"] == members(network, as_of=RESIGNED - timedelta(seconds=1))


def test_a_group_not_yet_formed_is_unknown_as_of_then(story: tuple[Network, Clock]) -> None:
    """Before the group was formed there was no roster to show."""
    network, _ = story

    with pytest.raises(UnknownGroup):
        network.roster(GROUP_4, as_of=date(2007, 12, 31))


def test_a_company_id_is_not_a_group_as_of_any_date(story: tuple[Network, Clock]) -> None:
    """A company's id given for a group is refused as bad input, as today's roster does."""
    network, _ = story

    with pytest.raises(InvalidValue, match="is not a group id"):
        network.roster(some_id("Acme"), as_of=date(2009, 1, 1))


@pytest.mark.parametrize("bad", [datetime(2008, 6, 30), "2008-06-30", 20080630])
def test_a_bound_is_a_date_or_an_aware_time(story: tuple[Network, Clock], bad: object) -> None:
    """A naive datetime, text or a number is InvalidValue."""
    network, _ = story

    with pytest.raises(InvalidValue):
        network.roster(GROUP_4, as_of=bad)  # type: ignore[arg-type]


def test_a_companys_history_lists_every_membership_with_dates_and_reasons(
    story: tuple[Network, Clock],
) -> None:
    """Globex's history: one membership, joined in March, left on 30 September, and why."""
    network, _ = story

    history = network.history(some_id("Globex"))

    assert "Globex" == history.name
    assert [("HTG 4", MembershipStatus.RESIGNED, JOINED, JOINED, RESIGNED, "sold the MSP")] == [
        (t.group, t.status, t.applied_at, t.joined_at, t.left_at, t.reason)
        for t in history.memberships
    ]


def test_a_history_as_known_at_a_time_leaves_out_later_records(
    story: tuple[Network, Clock],
) -> None:
    """At the Q3 meeting Globex's membership was still active in the records."""
    network, _ = story

    then = network.history(some_id("Globex"), known_at=Q3_MEETING)

    assert [(MembershipStatus.ACTIVE, None)] == [(t.status, t.left_at) for t in then.memberships]


def test_a_transfer_shows_both_memberships_in_order(story: tuple[Network, Clock]) -> None:
    """A transferred member's history holds the membership it left and the one it took."""
    network, clock = story
    clock.now = datetime(2009, 2, 1, tzinfo=UTC)
    network.execute(
        TransferMember(
            membership_id=some_id(f"Acme in {GROUP_4}"),
            to_group_id=GROUP_9,
            actor="office",
            at=datetime(2009, 1, 15, tzinfo=UTC),
        )
    )

    history = network.history(some_id("Acme"))
    before = network.history(some_id("Acme"), as_of=date(2008, 12, 31))

    assert [("HTG 4", MembershipStatus.TRANSFERRED), ("HTG 9", MembershipStatus.ACTIVE)] == [
        (t.group, t.status) for t in history.memberships
    ]
    assert [("HTG 4", MembershipStatus.ACTIVE)] == [(t.group, t.status) for t in before.memberships]


def test_a_company_not_yet_registered_has_no_history_then(story: tuple[Network, Clock]) -> None:
    """Before its registration a company is unknown."""
    network, _ = story

    with pytest.raises(UnknownCompany):
        network.history(some_id("Acme"), as_of=date(2008, 1, 1))
