"""Partnering across groups: P2P deals and referrals between members, under the network
charter (which this module also amends).

Only active members propose, are invited, accept or refer; a partner is invited for a
line it sells, never one in which it competes with another party on the same deal; the
revenue of a won deal is shared among its parties to the cent; a member who leaves its
group keeps its closed deals, and its open invitations and referrals lapse in the same
write (`lapse_on_departure`, called by every departure in `seats` and `votes`).
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from peernet.domain import deals, referrals
from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.deals import Deal, DealStatus, Party
from peernet.domain.decisions import Decider
from peernet.domain.errors import AmountNotPositive
from peernet.domain.groups import Group
from peernet.domain.memberships import Membership, require_active
from peernet.domain.money import split
from peernet.domain.partner_errors import (
    AlreadyOnDeal,
    CompetitorOnDeal,
    DealAlreadyProposed,
    DealNotWon,
    LineNotSold,
    NoOpenInvitation,
    NoPartnerOnDeal,
    NotYourReferral,
    ReferralAlreadyMade,
    ReferralExpired,
    ReferralInOwnLine,
    ReferralNotDue,
    ReferralNotOpen,
    ReferralToCompetitor,
    ReferralToSelf,
    SharesOffParties,
    UnknownDeal,
)
from peernet.domain.situation import Ref, Situation, membership_group

#: why an invitation or a referral lapses when its member leaves
MEMBER_LEFT = "member left its group"

# --- what every rule here reads -------------------------------------------------------------


def member_and_company(situation: Situation, membership_id: UUID) -> Iterator[Ref]:
    """The group holding the membership, then (once it is loaded) the member's company."""
    yield from membership_group(situation, membership_id)
    group_id = situation.links.group_of(membership_id)
    group = situation.groups.get(group_id) if group_id else None
    held = group.memberships.get(membership_id) if group else None
    if held is not None:
        yield Ref.company(held.company_id)


def active_member(situation: Situation, membership_id: UUID) -> tuple[Group, Membership]:
    """The membership, active, and its (open) group; else the error that says why not."""
    group, m = situation.membership(membership_id)
    return group, require_active(m)


def _sells(situation: Situation, company_id: UUID, line: str, at: datetime) -> None:
    lines = situation.company(company_id).profile.business_lines
    if situation.network_charter(at).partners_sell_their_line and line not in lines:
        raise LineNotSold(company_id=company_id, line=line, lines=tuple(sorted(lines)))


# --- deals -----------------------------------------------------------------------------------


def _propose_needs(command: deals.ProposeDeal, situation: Situation) -> Iterator[Ref]:
    yield Ref.network()
    yield Ref.deal(command.deal_id)
    yield from member_and_company(situation, command.membership_id)
    if command.referral_id is not None:
        yield Ref.referral(command.referral_id)


def _propose(situation: Situation, command: deals.ProposeDeal) -> list[Event]:
    if situation.deal(command.deal_id) is not None:
        raise DealAlreadyProposed(deal_id=command.deal_id)
    group, m = active_member(situation, command.membership_id)
    _sells(situation, m.company_id, command.line, command.at)
    proposed = carry(deals.DealProposed, command, company_id=m.company_id, group_id=group.id)
    if command.referral_id is None:
        return [proposed]
    return [proposed, _converted(situation, command)]


def _converted(situation: Situation, command: deals.ProposeDeal) -> Event:
    """The referral the deal converts, which its receiver may convert while it is open."""
    assert command.referral_id is not None
    referral = referrals.require_open(
        situation.referral(command.referral_id), command.referral_id, command.at
    )
    made = referral.made
    if made.to_membership_id != command.membership_id:
        raise NotYourReferral(
            referral_id=referral.id,
            to_membership_id=made.to_membership_id,
            membership_id=command.membership_id,
        )
    if command.at >= made.lapses_at:
        raise ReferralExpired(referral_id=referral.id, lapses=made.lapses_at, what="converted")
    return referrals.ReferralConverted(deal_id=command.deal_id, at=command.at, **referral.ids)


def _invite_needs(command: deals.InviteToDeal, situation: Situation) -> Iterator[Ref]:
    yield Ref.network()
    yield Ref.deal(command.deal_id)
    deal = situation.deals.get(command.deal_id)
    if deal is not None:
        yield Ref.group(deal.proposer.group_id)
        for party in deal.live():
            yield Ref.company(party.company_id)
    yield from member_and_company(situation, command.membership_id)


def _invite(situation: Situation, command: deals.InviteToDeal) -> list[Event]:
    deal = deals.require_open(situation.deal(command.deal_id), command.deal_id, command.at)
    active_member(situation, deal.proposer.membership_id)  # who brings others in takes part
    group, m = active_member(situation, command.membership_id)
    company = situation.company(m.company_id)
    if deal.involves(company.id):
        raise AlreadyOnDeal(company_id=company.id, deal_id=deal.id)
    _sells(situation, company.id, command.line, command.at)
    party = Party(company_id=company.id, membership_id=m.id, group_id=group.id, line=command.line)
    if situation.network_charter(command.at).deal_non_compete:
        for other in deal.live():
            if deals.compete_on(party, company.profile, other, situation.profile(other.company_id)):
                raise CompetitorOnDeal(
                    company_id=company.id,
                    competitor_id=other.company_id,
                    line=command.line,
                    deal_id=deal.id,
                )
    return [
        deals.PartnerInvited(
            partner_id=company.id,
            membership_id=m.id,
            group_id=group.id,
            line=command.line,
            at=command.at,
            **deal.ids,
        )
    ]


def _answer_needs(
    command: deals.AcceptInvitation | deals.DeclineInvitation, situation: Situation
) -> Iterator[Ref]:
    yield Ref.deal(command.deal_id)
    yield from membership_group(situation, command.membership_id)


def _invitation(situation: Situation, deal_id: UUID, membership_id: UUID, at: datetime) -> Deal:
    deal = deals.require_open(situation.deal(deal_id), deal_id, at)
    if deal.open_invitation(membership_id) is None:
        raise NoOpenInvitation(membership_id=membership_id, deal_id=deal_id)
    return deal


def _accept(situation: Situation, command: deals.AcceptInvitation) -> list[Event]:
    deal = _invitation(situation, command.deal_id, command.membership_id, command.at)
    active_member(situation, command.membership_id)
    return [_answer(deals.InvitationAccepted, deal, command)]


def _decline(situation: Situation, command: deals.DeclineInvitation) -> list[Event]:
    deal = _invitation(situation, command.deal_id, command.membership_id, command.at)
    return [_answer(deals.InvitationDeclined, deal, command, reason=command.reason)]


def _answer(
    event_type: type[deals.PartnerEvent], deal: Deal, command: deals.DealStep, **fields: Any
) -> deals.PartnerEvent:
    membership_id: UUID = getattr(command, "membership_id")  # noqa: B009 - both answers name it
    invitation = deal.open_invitation(membership_id)
    assert invitation is not None
    party = invitation.party
    return event_type(
        partner_id=party.company_id,
        membership_id=party.membership_id,
        group_id=party.group_id,
        at=command.at,
        **deal.ids,
        **fields,
    )


def _deal_needs(command: deals.DealStep, situation: Situation) -> Iterator[Ref]:
    yield Ref.deal(command.deal_id)


def _win(situation: Situation, command: deals.WinDeal) -> list[Event]:
    deal = deals.require_open(situation.deal(command.deal_id), command.deal_id, command.at)
    if not deal.with_status(deals.InvitationStatus.ACCEPTED):
        raise NoPartnerOnDeal(deal_id=deal.id)
    still_open = deal.with_status(deals.InvitationStatus.INVITED)
    lapsed = deals.lapsed(deal, still_open, command.at, "deal won")
    return [*lapsed, deals.DealWon(at=command.at, **deal.ids)]


def _lose(situation: Situation, command: deals.LoseDeal) -> list[Event]:
    deal = deals.require_open(situation.deal(command.deal_id), command.deal_id, command.at)
    still_open = deal.with_status(deals.InvitationStatus.INVITED)
    lapsed = deals.lapsed(deal, still_open, command.at, "deal lost")
    return [*lapsed, deals.DealLost(reason=command.reason, at=command.at, **deal.ids)]


def _close(situation: Situation, command: deals.CloseDeal) -> list[Event]:
    deal = situation.deal(command.deal_id)
    if deal is None:
        raise UnknownDeal(deal_id=command.deal_id)
    if deal.status is not DealStatus.WON:
        raise DealNotWon(deal_id=deal.id, status=deal.status)
    check_forward(deal, command.at)
    if not command.value.positive:
        raise AmountNotPositive(what="a deal's value", amount=command.value, deal_id=deal.id)
    parties = deal.parties()
    weights = shares_weights(deal, parties, command.weights)
    shares = tuple(
        deals.DealShare(
            company_id=party.company_id,
            membership_id=party.membership_id,
            group_id=party.group_id,
            amount=amount,
        )
        for party, amount in split(command.value, weights)
    )
    return [carry(deals.DealClosed, command, shares=shares, **deal.ids)]


def shares_weights(
    deal: Deal, parties: list[Party], weights: tuple[tuple[UUID, int], ...]
) -> list[tuple[Party, int]]:
    """Each party with its weight, in the parties' order (equal weights when none are
    given); SharesOffParties unless `weights` names each party's company once with a
    positive whole number."""
    if not weights:
        return [(party, 1) for party in parties]
    given = dict(weights)
    companies = [p.company_id for p in parties]
    fits = len(given) == len(weights) == len(parties) and set(given) == set(companies)
    if not fits or any(
        isinstance(w, bool) or not isinstance(w, int) or w <= 0 for w in given.values()
    ):
        raise SharesOffParties(deal_id=deal.id, parties=tuple(companies))
    return [(party, given[party.company_id]) for party in parties]


# --- referrals -------------------------------------------------------------------------------


def _refer_needs(command: referrals.MakeReferral, situation: Situation) -> Iterator[Ref]:
    yield Ref.network()
    yield Ref.referral(command.referral_id)
    yield from member_and_company(situation, command.membership_id)
    yield from member_and_company(situation, command.to_membership_id)


def _refer(situation: Situation, command: referrals.MakeReferral) -> list[Event]:
    if situation.referral(command.referral_id) is not None:
        raise ReferralAlreadyMade(referral_id=command.referral_id)
    group, m = active_member(situation, command.membership_id)
    to_group, to_m = active_member(situation, command.to_membership_id)
    giver, taker = situation.company(m.company_id), situation.company(to_m.company_id)
    if giver.id == taker.id:
        raise ReferralToSelf(company_id=giver.id)
    charter, line = situation.network_charter(command.at), command.line
    if charter.referrals_outside_own_lines and line in giver.profile.business_lines:
        raise ReferralInOwnLine(company_id=giver.id, line=line)
    _sells(situation, taker.id, line, command.at)
    both = line in giver.profile.business_lines and line in taker.profile.business_lines
    if both and giver.profile.territory.overlaps(taker.profile.territory):
        raise ReferralToCompetitor(company_id=giver.id, to_company_id=taker.id, line=line)
    return [
        carry(
            referrals.ReferralMade,
            command,
            company_id=giver.id,
            group_id=group.id,
            to_company_id=taker.id,
            to_group_id=to_group.id,
            lapses_at=command.at + timedelta(days=charter.referral_days),
        )
    ]


def _referral_needs(command: referrals.ReferralStep, situation: Situation) -> Iterator[Ref]:
    yield Ref.referral(command.referral_id)


def _open_referral(
    situation: Situation, command: referrals.ReferralStep, what: str
) -> referrals.Referral:
    """The referral, open and not yet lapsed, for its receiver to answer."""
    referral = referrals.require_open(
        situation.referral(command.referral_id), command.referral_id, command.at
    )
    if command.at >= referral.made.lapses_at:
        raise ReferralExpired(referral_id=referral.id, lapses=referral.made.lapses_at, what=what)
    return referral


def _accept_referral(situation: Situation, command: referrals.AcceptReferral) -> list[Event]:
    referral = _open_referral(situation, command, "accepted")
    if referral.status is not referrals.ReferralStatus.MADE:
        raise ReferralNotOpen(referral_id=referral.id, status=referral.status)
    return [carry(referrals.ReferralAccepted, command, **referral.ids)]


def _decline_referral(situation: Situation, command: referrals.DeclineReferral) -> list[Event]:
    referral = _open_referral(situation, command, "declined")
    return [carry(referrals.ReferralDeclined, command, **referral.ids)]


def _lapse_referral(situation: Situation, command: referrals.LapseReferral) -> list[Event]:
    referral = referrals.require_open(
        situation.referral(command.referral_id), command.referral_id, command.at
    )
    lapses = referral.made.lapses_at
    if command.at < lapses:
        raise ReferralNotDue(referral_id=referral.id, lapses=lapses)
    days = (lapses - referral.made.at).days
    return [
        referrals.ReferralLapsed(
            reason=f"neither converted nor declined in {days} days", at=command.at, **referral.ids
        )
    ]


# --- departures ---------------------------------------------------------------------------------


def lapse_on_departure(situation: Situation, membership_id: UUID, at: datetime) -> list[Event]:
    """A departing member's open invitations and the open referrals made to it, lapsed in
    the departure's write (its closed deals stay as they are). A departure dated before
    the last event of one of them is refused."""
    lapsed: list[Event] = []
    for deal in situation.deals_of(membership_id):
        invitation = deal.open_invitation(membership_id)
        if invitation is not None and deal.status is DealStatus.OPEN:
            check_forward(deal, at)
            lapsed += deals.lapsed(deal, [invitation], at, MEMBER_LEFT)
    for referral in situation.referrals_of(membership_id):
        if referral.status.open and referral.made.to_membership_id == membership_id:
            check_forward(referral, at)
            lapsed.append(referrals.ReferralLapsed(reason=MEMBER_LEFT, at=at, **referral.ids))
    return lapsed


DECIDERS: dict[type[Command], Decider[Any]] = {
    deals.ProposeDeal: Decider(_propose_needs, _propose),
    deals.InviteToDeal: Decider(_invite_needs, _invite),
    deals.AcceptInvitation: Decider(_answer_needs, _accept),
    deals.DeclineInvitation: Decider(_answer_needs, _decline),
    deals.WinDeal: Decider(_deal_needs, _win),
    deals.LoseDeal: Decider(_deal_needs, _lose),
    deals.CloseDeal: Decider(_deal_needs, _close),
    referrals.MakeReferral: Decider(_refer_needs, _refer),
    referrals.AcceptReferral: Decider(_referral_needs, _accept_referral),
    referrals.DeclineReferral: Decider(_referral_needs, _decline_referral),
    referrals.LapseReferral: Decider(_referral_needs, _lapse_referral),
}
