"""Read models of the partner economy: the frozen values the facade's queries on deals,
referrals, competitions and P2P figures return. Never the aggregates' internal state.

A deal's and a referral's customer, free text and amounts are filled in only for readers
entitled to them (`revealed`); everyone else sees who, which line, what status and when.
"""

from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction
from uuid import UUID

import attrs

from peernet.domain.competitions import Competition, Entry
from peernet.domain.deals import Deal, DealStatus, InvitationStatus
from peernet.domain.money import Money
from peernet.domain.referrals import Referral, ReferralStatus
from peernet.projections.figures import Period
from peernet.projections.p2p import (
    Density,
    IncomeShare,
    NetworkValue,
    P2PRevenue,
    PartnerGraph,
    ReferralCount,
)

Names = Mapping[UUID, str]


@attrs.frozen(kw_only=True)
class PartnerView:
    """A company invited to a deal, through one of its memberships, for one line."""

    company_id: UUID
    company: str
    membership_id: UUID
    group_id: UUID
    line: str
    status: InvitationStatus
    invited_at: datetime
    answered_at: datetime | None


@attrs.frozen(kw_only=True)
class ShareView:
    company_id: UUID
    company: str
    amount: Money


@attrs.frozen(kw_only=True)
class DealView:
    """A deal: who proposed it (and through which group), its line, partners and status;
    the customer, summary, value and shares only when `revealed`."""

    deal_id: UUID
    company_id: UUID
    company: str
    membership_id: UUID
    group_id: UUID
    line: str
    status: DealStatus
    referral_id: UUID | None
    proposed_at: datetime
    decided_at: datetime | None
    closed_at: datetime | None
    partners: tuple[PartnerView, ...]
    revealed: bool
    customer: str | None = None
    summary: str | None = None
    value: Money | None = None
    shares: tuple[ShareView, ...] = ()

    @classmethod
    def of(cls, deal: Deal, names: Names, *, reveal: bool) -> "DealView":
        closed = deal.closed
        partners = tuple(
            PartnerView(
                company_id=i.party.company_id,
                company=names.get(i.party.company_id, ""),
                membership_id=i.party.membership_id,
                group_id=i.party.group_id,
                line=i.party.line,
                status=i.status,
                invited_at=i.invited_at,
                answered_at=i.answered_at,
            )
            for i in deal.invitations
        )
        shares = tuple(
            ShareView(company_id=s.company_id, company=names.get(s.company_id, ""), amount=s.amount)
            for s in (closed.shares if closed and reveal else ())
        )
        return cls(
            deal_id=deal.id,
            company_id=deal.proposer.company_id,
            company=names.get(deal.proposer.company_id, ""),
            membership_id=deal.proposer.membership_id,
            group_id=deal.proposer.group_id,
            line=deal.proposer.line,
            status=deal.status,
            referral_id=deal.referral_id,
            proposed_at=deal.proposed_at,
            decided_at=deal.decided_at,
            closed_at=closed.at if closed else None,
            partners=partners,
            revealed=reveal,
            customer=deal.customer if reveal else None,
            summary=deal.summary if reveal else None,
            value=closed.value if closed and reveal else None,
            shares=shares,
        )


@attrs.frozen(kw_only=True)
class ReferralView:
    """A referral: from whom to whom, for which line, what became of it; the customer and
    summary only when `revealed`."""

    referral_id: UUID
    company_id: UUID
    company: str
    group_id: UUID
    to_company_id: UUID
    to_company: str
    to_membership_id: UUID
    to_group_id: UUID
    line: str
    status: ReferralStatus
    made_at: datetime
    lapses_at: datetime
    decided_at: datetime | None
    deal_id: UUID | None
    revealed: bool
    customer: str | None = None
    summary: str | None = None

    @classmethod
    def of(cls, referral: Referral, names: Names, *, reveal: bool) -> "ReferralView":
        made = referral.made
        return cls(
            referral_id=referral.id,
            company_id=made.company_id,
            company=names.get(made.company_id, ""),
            group_id=made.group_id,
            to_company_id=made.to_company_id,
            to_company=names.get(made.to_company_id, ""),
            to_membership_id=made.to_membership_id,
            to_group_id=made.to_group_id,
            line=made.line,
            status=referral.status,
            made_at=made.at,
            lapses_at=made.lapses_at,
            decided_at=referral.decided_at,
            deal_id=referral.deal_id,
            revealed=reveal,
            customer=made.customer if reveal else None,
            summary=made.summary if reveal else None,
        )


@attrs.frozen(kw_only=True)
class EntryView:
    """An entry of the best-practices competition, its count once judged, its award."""

    entry_id: UUID
    company_id: UUID
    company: str
    group_id: UUID
    title: str
    summary: str
    results: str
    partners: tuple[str, ...]
    entered_at: datetime
    in_favour: int
    against: int
    electorate: int | None
    outcome: str
    rank: int | None
    presented_at: UUID | None

    @classmethod
    def of(cls, entry: Entry, names: Names) -> "EntryView":
        entered, counted = entry.entered, entry.counted
        outcome = "open"
        if counted is not None:
            outcome = "carried" if counted.carried else f"failed: {counted.reason}"
        return cls(
            entry_id=entered.entry_id,
            company_id=entered.company_id,
            company=names.get(entered.company_id, ""),
            group_id=entered.group_id,
            title=entered.title,
            summary=entered.summary,
            results=entered.results,
            partners=tuple(names.get(p, str(p)) for p in entered.partners),
            entered_at=entered.at,
            in_favour=entry.in_favour,
            against=entry.against,
            electorate=counted.electorate if counted else None,
            outcome=outcome,
            rank=entry.award.rank if entry.award else None,
            presented_at=entry.presented.meeting_id if entry.presented else None,
        )


@attrs.frozen(kw_only=True)
class CompetitionView:
    competition_id: UUID
    theme: str
    opened_at: datetime
    entries_close: datetime
    judging_closes: datetime
    jury: tuple[UUID, ...]
    quorum: Fraction
    threshold: Fraction
    awards: int
    entries: tuple[EntryView, ...]
    judged_at: datetime | None

    @classmethod
    def of(cls, competition: Competition, names: Names) -> "CompetitionView":
        opened = competition.opened
        return cls(
            competition_id=competition.id,
            theme=opened.theme,
            opened_at=opened.at,
            entries_close=opened.entries_close,
            judging_closes=opened.judging_closes,
            jury=opened.jury,
            quorum=opened.quorum,
            threshold=opened.threshold,
            awards=opened.awards,
            entries=tuple(EntryView.of(e, names) for _, e in competition.entries),
            judged_at=competition.judged_at,
        )


@attrs.frozen(kw_only=True)
class AwardView:
    """An award of a best-practices competition, on its winner's record."""

    competition_id: UUID
    theme: str
    entry_id: UUID
    company_id: UUID
    company: str
    title: str
    rank: int
    granted_at: datetime
    #: the meeting (at a gathering) where the winner presented, once it has
    presented_at: UUID | None
    gathering_id: UUID | None


# --- P2P figures ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class NetworkP2P:
    """The network's P2P figures over a period: each shown only in aggregate, and
    withheld (with the reason) below the network charter's thresholds."""

    period: Period
    #: deals closed in the period and their revenue (the network's main currency)
    deals: int
    revenue: NetworkValue
    #: the mean P2P share of income of the companies that took part, beside the benchmark
    income_share: NetworkValue
    benchmark: Fraction
    referrals: int
    conversion: NetworkValue
    density: NetworkValue
    cross_group_density: NetworkValue


@attrs.frozen(kw_only=True)
class GroupP2P:
    """A group's P2P figures (its members' shares, referrals, how knit it is), for the
    group's own eyes."""

    group_id: UUID
    period: Period
    revenue: P2PRevenue
    referrals: ReferralCount
    density: Density
    graph: PartnerGraph


@attrs.frozen(kw_only=True)
class CompanyP2P:
    """A company's P2P figures: its revenue from deals, its share of income, its
    referrals and its partners, for the eyes of its groups."""

    company_id: UUID
    period: Period
    revenue: P2PRevenue
    income_share: IncomeShare
    referrals: ReferralCount
    graph: PartnerGraph
