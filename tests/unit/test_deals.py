"""P2P deals: every rule, accepted and refused, on the pure core."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from peernet import (
    AmountNotPositive,
    DateOutOfOrder,
    MemberResigned,
    Money,
    NotAnActiveMember,
    RecordAcquisition,
    RemovalCause,
    RemoveMember,
    Resign,
    TransferMember,
)
from peernet.domain.deals import (
    AcceptInvitation,
    CloseDeal,
    DealClosed,
    DealLost,
    DealShare,
    DealStatus,
    DealWon,
    DeclineInvitation,
    InvitationAccepted,
    InvitationDeclined,
    InvitationLapsed,
    InvitationStatus,
    InviteToDeal,
    LoseDeal,
    PartnerInvited,
    ProposeDeal,
    WinDeal,
)
from peernet.domain.partner_errors import (
    AlreadyOnDeal,
    CompetitorOnDeal,
    DealAlreadyProposed,
    DealNotOpen,
    DealNotWon,
    LineNotSold,
    NoOpenInvitation,
    NoPartnerOnDeal,
    SharesOffParties,
    UnknownDeal,
)
from peernet.domain.situation import Situation
from peernet.testing import (
    T0,
    deal_proposed,
    deal_with,
    formed,
    group_with,
    history,
    joined,
    membership_event,
    membership_of,
    partner_event,
    refused,
    registered,
    resigned,
    some_id,
    some_ids,
    when,
)
from peernet.testing.bodies import chartered

G1, G2, G3 = some_ids("group", 3)
ACME, BRAVO, COBALT, DELTA = some_ids("company", 4)
DEAL = some_id("deal")
LATER = T0 + timedelta(days=10)
BY = (G1, ACME)
LINES = {ACME: ("voip",), BRAVO: ("backup",), COBALT: ("storage",), DELTA: ("voip", "backup")}


def network(**regions: str) -> Situation:
    """Acme in group 1, Bravo and Cobalt in group 2, Delta in group 3: each its own
    lines, each in a region of its own unless `regions` (by name) says otherwise."""
    places = {ACME: "austin", BRAVO: "dallas", COBALT: "houston", DELTA: "el paso"}
    names = {"acme": ACME, "bravo": BRAVO, "cobalt": COBALT, "delta": DELTA}
    for name, region in regions.items():
        places[names[name]] = region
    events: list[Any] = [formed(G1), formed(G2), formed(G3)]
    for company, group in ((ACME, G1), (BRAVO, G2), (COBALT, G2), (DELTA, G3)):
        events += [
            registered(company, region=places[company], lines=LINES[company]),
            *joined(group, company),
        ]
    return history(*events)


def propose(**fields: Any) -> ProposeDeal:
    fields.setdefault("membership_id", membership_of(*BY))
    fields.setdefault("line", "voip")
    return ProposeDeal(deal_id=DEAL, customer="First Bank", actor="acme", at=T0, **fields)


def invite(group: Any, company: Any, line: str, **fields: Any) -> InviteToDeal:
    fields.setdefault("at", T0)
    return InviteToDeal(
        deal_id=DEAL, membership_id=membership_of(group, company), line=line, actor="a", **fields
    )


def proposed(**regions: str) -> Situation:
    return history(
        deal_proposed(DEAL, BY, line="voip", customer="First Bank"), situation=network(**regions)
    )


def with_bravo(**regions: str) -> Situation:
    """The deal with Bravo invited for backup and accepted."""
    return history(
        partner_event(PartnerInvited, DEAL, BY, (G2, BRAVO), line="backup"),
        partner_event(InvitationAccepted, DEAL, BY, (G2, BRAVO)),
        situation=proposed(**regions),
    )


# --- proposing -------------------------------------------------------------------------


def test_an_active_member_proposes_a_deal_for_a_line_it_sells() -> None:
    """DealProposed names the proposing company and the group it proposes through."""
    expected = deal_proposed(DEAL, BY, line="voip", customer="First Bank")

    assert [expected] == when(network(), propose())


def test_a_deal_id_is_proposed_once() -> None:
    """DealAlreadyProposed names the deal."""
    assert isinstance(refused(proposed(), propose()), DealAlreadyProposed)


def test_a_member_who_left_proposes_nothing() -> None:
    """Only active members take part."""
    situation = history(resigned(G1, ACME), situation=network())

    assert isinstance(refused(situation, propose()), NotAnActiveMember)


def test_a_proposer_leads_only_a_line_it_sells() -> None:
    """partners_sell_their_line applies to the proposer's own line too."""
    error = refused(network(), propose(line="storage"))

    assert (LineNotSold, "partners_sell_their_line") == (type(error), error.rule)


# --- inviting --------------------------------------------------------------------------


def test_a_member_of_another_group_is_invited_for_a_line_it_sells() -> None:
    """Cross-pollination: Bravo of group 2 joins Acme's deal of group 1."""
    expected = partner_event(PartnerInvited, DEAL, BY, (G2, BRAVO), line="backup")

    assert [expected] == when(proposed(), invite(G2, BRAVO, "backup"))


def test_a_partner_is_not_invited_for_a_line_it_does_not_sell() -> None:
    """LineNotSold lists the lines the company does sell."""
    error = refused(proposed(), invite(G2, BRAVO, "storage"))

    assert isinstance(error, LineNotSold)
    assert "its lines: backup" in str(error)


def test_a_partner_may_sell_any_line_when_the_network_charter_allows_it() -> None:
    """With partners_sell_their_line off, the line is the proposer's to choose."""
    rules = chartered(partners_sell_their_line=False)
    situation = history(rules, situation=proposed())

    assert [PartnerInvited] == [type(e) for e in when(situation, invite(G2, BRAVO, "storage"))]


def test_a_partner_who_sells_the_proposers_line_nearby_competes_on_the_deal() -> None:
    """Delta sells voip, Acme's line on the deal, in Acme's region: never on one deal."""
    error = refused(proposed(delta="austin"), invite(G3, DELTA, "backup"))

    assert isinstance(error, CompetitorOnDeal)
    assert (DELTA, ACME, "deal_non_compete") == (
        error.details["company_id"],
        error.details["competitor_id"],
        error.rule,
    )


def test_two_partners_for_one_line_in_one_region_compete() -> None:
    """Delta sells backup, Bravo's line, in Bravo's region: refused."""
    situation = with_bravo(delta="dallas")

    error = refused(situation, invite(G3, DELTA, "backup"))

    assert (CompetitorOnDeal, BRAVO) == (type(error), error.details["competitor_id"])


def test_a_company_selling_the_same_line_elsewhere_does_not_compete() -> None:
    """Territories that do not overlap never compete: Delta in El Paso joins."""
    events = when(with_bravo(), invite(G3, DELTA, "voip"))

    assert [PartnerInvited] == [type(e) for e in events]


def test_a_partner_who_declined_no_longer_counts_as_a_competitor() -> None:
    """Only the live parties (invited or accepted) are compared."""
    situation = history(
        partner_event(PartnerInvited, DEAL, BY, (G2, BRAVO), line="backup"),
        partner_event(InvitationDeclined, DEAL, BY, (G2, BRAVO)),
        situation=proposed(delta="dallas"),
    )

    assert [PartnerInvited] == [type(e) for e in when(situation, invite(G3, DELTA, "backup"))]


def test_competitors_may_share_a_deal_when_the_network_charter_allows_it() -> None:
    """deal_non_compete off: the network charter lets the proposer decide."""
    rules = chartered(deal_non_compete=False)
    situation = history(rules, situation=proposed(delta="austin"))

    assert [PartnerInvited] == [type(e) for e in when(situation, invite(G3, DELTA, "backup"))]


def test_a_company_is_on_a_deal_once() -> None:
    """The proposer cannot invite itself, nor a partner twice."""
    assert isinstance(refused(proposed(), invite(G1, ACME, "voip")), AlreadyOnDeal)
    assert isinstance(refused(with_bravo(), invite(G2, BRAVO, "backup")), AlreadyOnDeal)


def test_a_company_that_declined_may_be_invited_again() -> None:
    """A declined invitation leaves the company free to be asked again."""
    situation = history(
        partner_event(PartnerInvited, DEAL, BY, (G2, BRAVO), line="backup"),
        partner_event(InvitationDeclined, DEAL, BY, (G2, BRAVO)),
        situation=proposed(),
    )

    assert [PartnerInvited] == [type(e) for e in when(situation, invite(G2, BRAVO, "backup"))]


def test_only_active_members_are_invited() -> None:
    """A member who resigned is not brought into a deal."""
    situation = history(resigned(G2, BRAVO), situation=proposed())

    assert isinstance(refused(situation, invite(G2, BRAVO, "backup")), NotAnActiveMember)


def test_a_proposer_who_left_invites_nobody() -> None:
    """Who brings others in must itself still take part."""
    situation = history(resigned(G1, ACME), situation=proposed())

    assert isinstance(refused(situation, invite(G2, BRAVO, "backup")), NotAnActiveMember)


def test_an_unknown_deal_is_named() -> None:
    """UnknownDeal names the deal id."""
    assert isinstance(refused(network(), invite(G2, BRAVO, "backup")), UnknownDeal)


def test_an_invitation_dated_before_the_deal_is_refused() -> None:
    """Business time moves forward on the deal's stream."""
    situation = history(deal_proposed(DEAL, BY, line="voip", at=LATER), situation=network())

    error = refused(situation, invite(G2, BRAVO, "backup"))

    assert isinstance(error, DateOutOfOrder)


# --- answering --------------------------------------------------------------------------


def test_an_invited_partner_accepts() -> None:
    """InvitationAccepted names the partner and the group it takes part through."""
    situation = history(
        partner_event(PartnerInvited, DEAL, BY, (G2, BRAVO), line="backup"), situation=proposed()
    )
    accept = AcceptInvitation(
        deal_id=DEAL, membership_id=membership_of(G2, BRAVO), actor="b", at=T0
    )

    assert [partner_event(InvitationAccepted, DEAL, BY, (G2, BRAVO))] == when(situation, accept)


def test_an_invited_partner_declines_with_a_reason() -> None:
    """InvitationDeclined keeps the reason (sealed under the proposer's key)."""
    situation = history(
        partner_event(PartnerInvited, DEAL, BY, (G2, BRAVO), line="backup"), situation=proposed()
    )
    decline = DeclineInvitation(
        deal_id=DEAL, membership_id=membership_of(G2, BRAVO), reason="booked", actor="b", at=T0
    )

    expected = partner_event(InvitationDeclined, DEAL, BY, (G2, BRAVO), reason="booked")

    assert [expected] == when(situation, decline)


def test_only_an_open_invitation_is_answered() -> None:
    """Accepting twice, or without an invitation, is NoOpenInvitation."""
    accept = AcceptInvitation(
        deal_id=DEAL, membership_id=membership_of(G2, BRAVO), actor="b", at=T0
    )
    other = AcceptInvitation(
        deal_id=DEAL, membership_id=membership_of(G2, COBALT), actor="c", at=T0
    )

    assert isinstance(refused(with_bravo(), accept), NoOpenInvitation)
    assert isinstance(refused(with_bravo(), other), NoOpenInvitation)


# --- winning, losing, closing -------------------------------------------------------------


def test_a_deal_is_won_with_an_accepted_partner_and_open_invitations_lapse() -> None:
    """Cobalt never answered: its invitation lapses in the write that wins the deal."""
    situation = history(
        partner_event(PartnerInvited, DEAL, BY, (G2, COBALT), line="storage"),
        situation=with_bravo(),
    )

    events = when(situation, WinDeal(deal_id=DEAL, actor="a", at=LATER))

    assert [
        partner_event(InvitationLapsed, DEAL, BY, (G2, COBALT), reason="deal won", at=LATER),
        DealWon(deal_id=DEAL, company_id=ACME, at=LATER),
    ] == events


def test_a_deal_without_a_partner_is_not_won() -> None:
    """A P2P deal needs at least one partner who accepted."""
    assert isinstance(refused(proposed(), WinDeal(deal_id=DEAL, actor="a", at=T0)), NoPartnerOnDeal)


def test_a_lost_deal_lapses_its_open_invitations() -> None:
    """DealLost keeps the reason; unanswered invitations lapse."""
    situation = history(
        partner_event(PartnerInvited, DEAL, BY, (G2, BRAVO), line="backup"), situation=proposed()
    )

    events = when(situation, LoseDeal(deal_id=DEAL, reason="price", actor="a", at=LATER))

    assert [
        partner_event(InvitationLapsed, DEAL, BY, (G2, BRAVO), reason="deal lost", at=LATER),
        DealLost(deal_id=DEAL, company_id=ACME, reason="price", at=LATER),
    ] == events


def test_a_decided_deal_takes_no_more_partners() -> None:
    """DealNotOpen names the deal's status."""
    situation = history(DealWon(deal_id=DEAL, company_id=ACME, at=T0), situation=with_bravo())

    error = refused(situation, invite(G2, COBALT, "storage"))

    assert isinstance(error, DealNotOpen)
    assert "won" in str(error)


def won() -> Situation:
    return history(DealWon(deal_id=DEAL, company_id=ACME, at=T0), situation=with_bravo())


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def share(group: Any, company: Any, amount: str) -> DealShare:
    return DealShare(
        company_id=company,
        membership_id=membership_of(group, company),
        group_id=group,
        amount=usd(amount),
    )


def test_a_won_deal_closes_with_equal_shares_adding_up_to_the_cent() -> None:
    """Equal weights by default; the odd cent goes to the proposer, listed first."""
    close = CloseDeal(deal_id=DEAL, value=usd("1000.01"), actor="a", at=LATER)

    expected = DealClosed(
        deal_id=DEAL,
        company_id=ACME,
        value=usd("1000.01"),
        shares=(share(G1, ACME, "500.01"), share(G2, BRAVO, "500.00")),
        at=LATER,
    )

    assert [expected] == when(won(), close)


def test_weights_share_the_value_by_largest_remainder() -> None:
    """3:1 of 100.00 is 75.00 and 25.00."""
    close = CloseDeal(
        deal_id=DEAL, value=usd("100.00"), weights={ACME: 3, BRAVO: 1}, actor="a", at=LATER
    )

    shares = when(won(), close)[0]

    assert isinstance(shares, DealClosed)
    assert [usd("75.00"), usd("25.00")] == [s.amount for s in shares.shares]


@pytest.mark.parametrize(
    "weights",
    [{ACME: 1}, {ACME: 1, BRAVO: 1, COBALT: 1}, {ACME: 1, BRAVO: 0}, {ACME: 1, COBALT: 1}],
)
def test_weights_must_name_each_party_once_with_a_positive_whole_number(
    weights: dict[Any, int],
) -> None:
    """SharesOffParties lists the parties the weights must name."""
    close = CloseDeal(deal_id=DEAL, value=usd("100.00"), weights=weights, actor="a", at=LATER)

    assert isinstance(refused(won(), close), SharesOffParties)


def test_only_a_won_deal_closes() -> None:
    """An open deal has nothing to share yet."""
    close = CloseDeal(deal_id=DEAL, value=usd("10.00"), actor="a", at=LATER)

    assert isinstance(refused(with_bravo(), close), DealNotWon)


def test_a_deal_closes_for_a_positive_value() -> None:
    """Zero shares nothing: AmountNotPositive."""
    close = CloseDeal(deal_id=DEAL, value=usd("0.00"), actor="a", at=LATER)

    assert isinstance(refused(won(), close), AmountNotPositive)


def test_a_closed_deal_is_kept_by_a_partner_who_leaves_afterwards() -> None:
    """A member who leaves keeps its closed deals: nothing in the deal changes."""
    closed = history(
        *when(won(), CloseDeal(deal_id=DEAL, value=usd("10.00"), actor="a", at=LATER)),
        situation=won(),
    )

    events = when(closed, Resign(membership_id=membership_of(G2, BRAVO), actor="b", at=LATER))

    assert [MemberResigned] == [type(e) for e in events]
    assert DealStatus.CLOSED is closed.deals[DEAL].status


# --- departures -------------------------------------------------------------------------------


def invited_bravo() -> Situation:
    return history(
        partner_event(PartnerInvited, DEAL, BY, (G2, BRAVO), line="backup"), situation=proposed()
    )


def lapse(at: Any = LATER) -> InvitationLapsed:
    return partner_event(
        InvitationLapsed, DEAL, BY, (G2, BRAVO), reason="member left its group", at=at
    )


def test_a_resignation_lapses_the_members_open_invitation_in_the_same_write() -> None:
    """The seats decision reads the member's deals through the links."""
    events = when(
        invited_bravo(), Resign(membership_id=membership_of(G2, BRAVO), actor="b", at=LATER)
    )

    assert [membership_event(MemberResigned, G2, BRAVO, at=LATER), lapse()] == events


def test_a_removal_lapses_the_members_open_invitation() -> None:
    """Any way out of a group lapses the open invitations it took part through."""
    remove = RemoveMember(
        membership_id=membership_of(G2, BRAVO),
        cause=RemovalCause.NON_PAYMENT,
        actor="office",
        at=LATER,
    )

    assert lapse() in when(invited_bravo(), remove)


def test_an_acquisition_lapses_the_open_invitations_of_every_membership() -> None:
    """The acquired company leaves every group, its invitations lapse in the same write."""
    events = when(
        invited_bravo(), RecordAcquisition(company_id=BRAVO, acquirer="Big", actor="o", at=LATER)
    )

    assert lapse() in events


def test_a_transfer_lapses_the_invitation_made_through_the_old_membership() -> None:
    """Invitations belong to a membership: the new one may be invited again."""
    transfer = TransferMember(
        membership_id=membership_of(G2, BRAVO),
        to_group_id=G3,
        new_membership_id=membership_of(G3, BRAVO),
        actor="o",
        at=LATER,
    )

    assert lapse() in when(invited_bravo(), transfer)


def test_an_accepted_invitation_does_not_lapse_when_its_member_leaves() -> None:
    """The partner keeps its place on the deal; only open invitations lapse."""
    events = when(with_bravo(), Resign(membership_id=membership_of(G2, BRAVO), actor="b", at=LATER))

    assert [MemberResigned] == [type(e) for e in events]


def test_a_departure_dated_before_the_deals_last_event_is_refused() -> None:
    """It would write to the deal's stream before its last event: DateOutOfOrder."""
    situation = history(
        partner_event(PartnerInvited, DEAL, BY, (G2, BRAVO), line="backup", at=LATER),
        situation=proposed(),
    )

    error = refused(situation, Resign(membership_id=membership_of(G2, BRAVO), actor="b", at=T0))

    assert isinstance(error, DateOutOfOrder)


def test_deal_with_builds_a_deal_ready_to_be_won() -> None:
    """The builder's deal has its partners accepted, so it can be won."""
    situation = history(
        *group_with(G1, ACME),
        *group_with(G2, BRAVO),
        *deal_with(DEAL, (G1, ACME), (G2, BRAVO)),
    )

    assert [DealWon] == [type(e) for e in when(situation, WinDeal(deal_id=DEAL, actor="a", at=T0))]
    assert [InvitationStatus.ACCEPTED] == [i.status for i in situation.deals[DEAL].invitations]
