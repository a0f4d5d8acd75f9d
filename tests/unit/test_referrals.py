"""Referrals and the network charter: every rule, accepted and refused, on the pure core."""

from datetime import timedelta
from fractions import Fraction
from typing import Any

import pytest

from peernet import DateOutOfOrder, InvalidValue, NotAnActiveMember, Resign
from peernet.domain.deals import DealProposed, ProposeDeal
from peernet.domain.governance import AmendNetworkCharter
from peernet.domain.network_charter import AMBER, GREEN, RED, Band, NetworkCharter
from peernet.domain.partner_errors import (
    LineNotSold,
    NotYourReferral,
    ReferralAlreadyMade,
    ReferralExpired,
    ReferralInOwnLine,
    ReferralNotDue,
    ReferralNotOpen,
    ReferralToCompetitor,
    ReferralToSelf,
    UnknownReferral,
)
from peernet.domain.referrals import (
    AcceptReferral,
    DeclineReferral,
    LapseReferral,
    MakeReferral,
    ReferralAccepted,
    ReferralConverted,
    ReferralDeclined,
    ReferralLapsed,
    ReferralMade,
    ReferralStatus,
)
from peernet.domain.situation import Situation
from peernet.testing import (
    T0,
    formed,
    history,
    joined,
    membership_of,
    referral_made,
    refused,
    registered,
    resigned,
    some_id,
    some_ids,
    when,
)
from peernet.testing.bodies import STAFF, chartered

G1, G2 = some_ids("group", 2)
ACME, BRAVO, CORE = some_ids("company", 3)
REFERRAL = some_id("referral")
DEAL = some_id("deal")
LATER = T0 + timedelta(days=10)
AFTER = T0 + timedelta(days=91)


def network(bravo_region: str = "dallas", acme_lines: tuple[str, ...] = ("voip",)) -> Situation:
    """Acme (voip) in group 1; Bravo (storage) in group 2; Core, Acme's second seat."""
    return history(
        formed(G1),
        formed(G2),
        registered(ACME, region="austin", lines=acme_lines),
        registered(BRAVO, region=bravo_region, lines=("storage",)),
        *joined(G1, ACME),
        *joined(G2, BRAVO),
    )


def refer(**fields: Any) -> MakeReferral:
    fields.setdefault("to_membership_id", membership_of(G2, BRAVO))
    fields.setdefault("line", "storage")
    fields.setdefault("at", T0)
    return MakeReferral(
        referral_id=REFERRAL,
        membership_id=membership_of(G1, ACME),
        customer="Harlan Clinic",
        actor="acme",
        **fields,
    )


def made() -> Situation:
    return history(referral_made(REFERRAL, (G1, ACME), (G2, BRAVO)), situation=network())


# --- making a referral -----------------------------------------------------------------------


def test_a_member_refers_an_opportunity_outside_its_lines_to_a_member_of_another_group() -> None:
    """ReferralMade names both companies and groups and when it lapses (90 days)."""
    expected = referral_made(REFERRAL, (G1, ACME), (G2, BRAVO))

    assert [expected] == when(network(), refer())


def test_a_referral_lapses_after_the_network_charters_days() -> None:
    """referral_days is a network charter parameter."""
    situation = history(chartered(referral_days=30), situation=network())

    (event,) = when(situation, refer())

    assert isinstance(event, ReferralMade)
    assert T0 + timedelta(days=30) == event.lapses_at


def test_a_referral_to_oneself_is_refused() -> None:
    """ReferralToSelf: Acme referring to its own membership."""
    error = refused(network(), refer(to_membership_id=membership_of(G1, ACME)))

    assert isinstance(error, ReferralToSelf)


def test_a_referral_in_the_referrers_own_line_is_refused() -> None:
    """An opportunity in a line it sells is the referrer's own business."""
    error = refused(network(acme_lines=("voip", "storage")), refer())

    assert (ReferralInOwnLine, "referrals_outside_own_lines") == (type(error), error.rule)


def test_a_referral_to_a_competitor_for_that_line_is_refused() -> None:
    """With referrals in its own lines allowed, a competitor for the line is still refused."""
    situation = history(
        chartered(referrals_outside_own_lines=False),
        situation=network(bravo_region="austin", acme_lines=("voip", "storage")),
    )

    error = refused(situation, refer())

    assert isinstance(error, ReferralToCompetitor)


def test_a_referral_in_a_shared_line_to_another_territory_is_allowed() -> None:
    """Bravo in Dallas does not compete with Acme in Austin, even on storage."""
    situation = history(
        chartered(referrals_outside_own_lines=False),
        situation=network(acme_lines=("voip", "storage")),
    )

    assert [ReferralMade] == [type(e) for e in when(situation, refer())]


def test_a_referral_goes_to_a_member_who_sells_the_line() -> None:
    """LineNotSold: Bravo sells storage, not backup."""
    assert isinstance(refused(network(), refer(line="backup")), LineNotSold)


def test_only_active_members_refer_or_are_referred() -> None:
    """A member who resigned neither gives nor receives referrals."""
    gone = history(resigned(G2, BRAVO), situation=network())

    assert isinstance(refused(gone, refer()), NotAnActiveMember)


def test_a_referral_id_is_used_once() -> None:
    """ReferralAlreadyMade names it."""
    assert isinstance(refused(made(), refer()), ReferralAlreadyMade)


# --- answering -------------------------------------------------------------------------------


def test_the_receiver_accepts_a_referral() -> None:
    """ReferralAccepted, in the referral's stream."""
    accept = AcceptReferral(referral_id=REFERRAL, actor="bravo", at=LATER)

    assert [ReferralAccepted(referral_id=REFERRAL, company_id=ACME, at=LATER)] == when(
        made(), accept
    )


def test_a_referral_is_accepted_once() -> None:
    """An accepted referral is accepted already: ReferralNotOpen."""
    accepted = history(
        ReferralAccepted(referral_id=REFERRAL, company_id=ACME, at=T0), situation=made()
    )

    error = refused(accepted, AcceptReferral(referral_id=REFERRAL, actor="b", at=LATER))

    assert isinstance(error, ReferralNotOpen)


def test_the_receiver_declines_a_referral() -> None:
    """ReferralDeclined keeps the reason."""
    decline = DeclineReferral(referral_id=REFERRAL, reason="full", actor="b", at=LATER)

    assert [
        ReferralDeclined(referral_id=REFERRAL, company_id=ACME, reason="full", at=LATER)
    ] == when(made(), decline)


def test_a_referral_past_its_days_can_no_longer_be_answered() -> None:
    """ReferralExpired says when it lapsed."""
    error = refused(made(), AcceptReferral(referral_id=REFERRAL, actor="b", at=AFTER))

    assert isinstance(error, ReferralExpired)


def test_an_unknown_referral_is_named() -> None:
    """UnknownReferral."""
    error = refused(network(), AcceptReferral(referral_id=REFERRAL, actor="b", at=T0))

    assert isinstance(error, UnknownReferral)


# --- converting and lapsing --------------------------------------------------------------------


def convert(**fields: Any) -> ProposeDeal:
    fields.setdefault("membership_id", membership_of(G2, BRAVO))
    fields.setdefault("at", LATER)
    return ProposeDeal(
        deal_id=DEAL,
        customer="Harlan Clinic",
        line="storage",
        referral_id=REFERRAL,
        actor="bravo",
        **fields,
    )


def test_the_receiver_converts_a_referral_into_a_deal_linking_the_two() -> None:
    """DealProposed names the referral; ReferralConverted names the deal, in one write."""
    events = when(made(), convert())

    assert [DealProposed, ReferralConverted] == [type(e) for e in events]
    assert (REFERRAL, DEAL) == (events[0].referral_id, events[1].deal_id)  # type: ignore[attr-defined]


def test_only_the_receiver_converts_a_referral() -> None:
    """NotYourReferral: the referral went to Bravo; Core, another member, cannot convert it."""
    situation = history(
        registered(CORE, region="waco", lines=("storage",)), *joined(G1, CORE), situation=made()
    )

    error = refused(situation, convert(membership_id=membership_of(G1, CORE)))

    assert isinstance(error, NotYourReferral)


def test_a_converted_referral_is_not_converted_again() -> None:
    """ReferralNotOpen once converted."""
    situation = history(*when(made(), convert()), situation=made())

    other = ProposeDeal(
        deal_id=some_id("deal 2"),
        membership_id=membership_of(G2, BRAVO),
        customer="x",
        line="storage",
        referral_id=REFERRAL,
        actor="b",
        at=LATER,
    )

    assert isinstance(refused(situation, other), ReferralNotOpen)
    assert ReferralStatus.CONVERTED is situation.referrals[REFERRAL].status


def test_a_referral_lapses_once_its_days_have_passed() -> None:
    """LapseReferral records ReferralLapsed; before the day it is ReferralNotDue."""
    lapse = LapseReferral(referral_id=REFERRAL, actor="office", at=AFTER)
    early = LapseReferral(referral_id=REFERRAL, actor="office", at=LATER)

    assert [
        ReferralLapsed(
            referral_id=REFERRAL,
            company_id=ACME,
            reason="neither converted nor declined in 90 days",
            at=AFTER,
        )
    ] == when(made(), lapse)
    assert isinstance(refused(made(), early), ReferralNotDue)


def test_the_receivers_departure_lapses_its_open_referrals_in_the_same_write() -> None:
    """A referral to a member who left lapses with the departure."""
    events = when(made(), Resign(membership_id=membership_of(G2, BRAVO), actor="b", at=LATER))

    assert (
        ReferralLapsed(
            referral_id=REFERRAL, company_id=ACME, reason="member left its group", at=LATER
        )
        in events
    )


def test_the_referrers_departure_leaves_its_referral_open() -> None:
    """The receiver may still pursue what it was given."""
    events = when(made(), Resign(membership_id=membership_of(G1, ACME), actor="a", at=LATER))

    assert [] == [e for e in events if isinstance(e, ReferralLapsed)]


def test_a_departure_before_the_referrals_last_event_is_refused() -> None:
    """DateOutOfOrder: the lapse would land before the referral's last event."""
    situation = history(
        ReferralAccepted(referral_id=REFERRAL, company_id=ACME, at=LATER), situation=made()
    )

    error = refused(situation, Resign(membership_id=membership_of(G2, BRAVO), actor="b", at=T0))

    assert isinstance(error, DateOutOfOrder)


# --- the network charter -------------------------------------------------------------------------


def test_the_charter_in_force_is_the_one_in_force_at_the_time() -> None:
    """Decisions taken before the network was chartered keep the defaults they were
    taken under."""
    situation = history(chartered(referral_days=30, at=LATER))

    assert (90, 30) == (
        situation.network_charter(T0).referral_days,
        situation.network_charter(LATER).referral_days,
    )


def test_a_network_charter_amendment_dated_before_the_last_is_refused() -> None:
    """Business time moves forward on the network's stream too."""
    situation = history(chartered(at=LATER), situation=network())
    amend = AmendNetworkCharter(charter=NetworkCharter(referral_days=30), actor=STAFF, at=T0)

    assert isinstance(refused(situation, amend), DateOutOfOrder)


@pytest.mark.parametrize(
    ("value", "colour"),
    [(Fraction(9, 10), GREEN), (Fraction(3, 4), GREEN), (Fraction(1, 2), AMBER), (0, RED)],
)
def test_a_band_marks_a_value_green_amber_or_red(value: Fraction, colour: str) -> None:
    """At or above green is green, at or above amber is amber, else red."""
    assert colour == Band(green=Fraction(3, 4), amber=Fraction(1, 2)).colour(value)


@pytest.mark.parametrize(("flags", "colour"), [(0, GREEN), (1, AMBER), (2, RED)])
def test_a_band_where_fewer_is_better_marks_counts(flags: int, colour: str) -> None:
    """The default flags band: none green, one amber, two or more red."""
    assert colour == NetworkCharter().scorecard_flags.colour(flags)


def test_a_band_with_green_below_amber_is_refused() -> None:
    """InvalidValue: the thresholds must be in order."""
    with pytest.raises(InvalidValue):
        Band(green=Fraction(1, 4), amber=Fraction(1, 2))
