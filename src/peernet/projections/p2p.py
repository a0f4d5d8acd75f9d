"""The figures of the partner economy, as pure functions of the projected views.

Each figure is of a scope (a company's id, a group's id, or NETWORK) over a `Period`, and
keeps the lines it is made of with the log position of the event behind each, as the
figures of `peernet.projections.figures` do:

- `p2p_revenue`: each party's share of every deal closed in the period;
- `income_share`: a company's P2P revenue over the revenue its submitted financials state
  for the same quarters, set beside the network charter's benchmark (IDC's 47 percent);
- `referral_count`: referrals given and received, and how many became deals;
- `partner_graph`: who worked with whom on deals closed in the period, how often and for
  how much; `density` and `cross_group_density` say how knit the graph is inside a group
  and across groups.

Network-wide figures are shown only in aggregate, withheld below the network charter's
thresholds (`withheld`): fewer than `min_companies` contributing companies, or one of
them holding more than `max_share` of the sum behind the figure. Definitions:
docs/projections.md. Pure: no I/O, no clock.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import combinations

import attrs

from peernet.domain.financials import quarter_end, quarter_of, quarter_start
from peernet.projections.figures import NETWORK, Figure, Period
from peernet.projections.financials import FinancialBook
from peernet.projections.memberships import GroupHistory
from peernet.projections.partners import DealEntry, ReferralEntry


def _ratio(part: int | Decimal | Fraction, whole: int | Decimal | Fraction) -> Fraction | None:
    return Fraction(part) / Fraction(whole) if whole else None


def withheld(
    parts: Mapping[str, int | Decimal | Fraction],
    min_companies: int,
    max_share: Fraction,
    what: str,
) -> str | None:
    """Why a network figure made of each company's `parts` of `what` is withheld, or
    None when it may be shown: at least `min_companies` companies contribute and none
    holds more than `max_share` of the sum."""
    count = len(parts)
    if count < min_companies:
        return f"only {count} companies contribute (at least {min_companies} needed)"
    whole = sum((Fraction(p) for p in parts.values()), Fraction(0))
    largest = max(Fraction(p) for p in parts.values())
    if whole <= 0 or largest > max_share * whole:
        share = f"{float(largest / whole):.0%}" if whole > 0 else "all"
        return f"one company holds {share} of the {what} (at most {float(max_share):.0%})"
    return None


@attrs.frozen(kw_only=True)
class NetworkValue:
    """A network-wide figure, or why it is withheld (then `value` is None)."""

    value: Decimal | Fraction | None
    contributors: int
    withheld: str | None = None
    #: the currency of an amount (the one most lines are in), None for a ratio
    currency: str | None = None


# --- revenue ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RevenueLine:
    """One party's share of one closed deal."""

    deal_id: str
    company_id: str
    membership_id: str
    group_id: str
    amount: Decimal
    currency: str
    at: datetime
    position: int

    @property
    def quarter(self) -> str:
        return quarter_of(self.at.date())


@attrs.frozen(kw_only=True)
class P2PRevenue(Figure):
    """The shares of the deals closed in the period that fall to the scope: a company's
    own, a group's members' (the group each took part through), or every share."""

    lines: tuple[RevenueLine, ...]

    @property
    def totals(self) -> dict[str, Decimal]:
        """The revenue by currency."""
        found: dict[str, Decimal] = {}
        for line in self.lines:
            found[line.currency] = found.get(line.currency, Decimal(0)) + line.amount
        return dict(sorted(found.items()))

    @property
    def deals(self) -> int:
        return len({line.deal_id for line in self.lines})

    @property
    def currency(self) -> str | None:
        """The currency most lines are in (ties: the first by name)."""
        counts = Counter(line.currency for line in self.lines)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return ranked[0][0] if ranked else None

    def by_company(self, currency: str) -> dict[str, Decimal]:
        found: dict[str, Decimal] = {}
        for line in self.lines:
            if line.currency == currency:
                found[line.company_id] = found.get(line.company_id, Decimal(0)) + line.amount
        return found

    @property
    def positions(self) -> tuple[int, ...]:
        return tuple(sorted({line.position for line in self.lines}))


def p2p_revenue(
    deals: Iterable[DealEntry],
    period: Period,
    scope: str = NETWORK,
    *,
    company_id: str | None = None,
    group_id: str | None = None,
) -> P2PRevenue:
    """The shares of every deal closed in the period, of one company, one group, or all."""
    lines = []
    for deal in deals:
        if not period.holds(deal.closed_at):
            continue
        assert deal.closed_at is not None
        assert deal.closed_position is not None
        assert deal.currency is not None
        for share in deal.shares:
            if company_id is not None and share.company_id != company_id:
                continue
            if group_id is not None and share.group_id != group_id:
                continue
            lines.append(
                RevenueLine(
                    deal_id=deal.deal_id,
                    company_id=share.company_id,
                    membership_id=share.membership_id,
                    group_id=share.group_id,
                    amount=share.amount,
                    currency=deal.currency,
                    at=deal.closed_at,
                    position=deal.closed_position,
                )
            )
    lines.sort(key=lambda line: (line.position, line.company_id))
    return P2PRevenue(scope=scope, period=period, lines=tuple(lines))


def network_revenue(revenue: P2PRevenue, min_companies: int, max_share: Fraction) -> NetworkValue:
    """The network's P2P revenue in its main currency, withheld when too thin."""
    currency = revenue.currency
    parts = revenue.by_company(currency) if currency else {}
    why = withheld(parts, min_companies, max_share, "P2P revenue behind it")
    total = sum(parts.values(), Decimal(0))
    return NetworkValue(
        value=None if why else total, contributors=len(parts), withheld=why, currency=currency
    )


# --- P2P share of income -----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class IncomeShare(Figure):
    """A company's P2P revenue ÷ the revenue its financials state, over the quarters of
    the period it submitted (in the currency of those financials)."""

    company_id: str
    currency: str | None
    quarters: tuple[str, ...]
    p2p: Decimal
    revenue: Decimal
    benchmark: Fraction
    positions: tuple[int, ...]

    @property
    def rate(self) -> Fraction | None:
        return _ratio(self.p2p, self.revenue)


def income_share(
    revenue: P2PRevenue, book: FinancialBook | None, benchmark: Fraction
) -> IncomeShare:
    """`revenue` (one company's) over the revenue of its financials for the quarters of
    the period it submitted; deal revenue of other quarters or currencies counts out."""
    period = revenue.period
    submitted = {}
    if book is not None:
        for quarter, figures in book.quarters.items():
            last = quarter_end(quarter) - timedelta(days=1)
            if period.start <= quarter_start(quarter) and last <= period.end:
                submitted[quarter] = figures
    currencies = Counter(f.currency for f in submitted.values())
    currency = sorted(currencies.items(), key=lambda i: (-i[1], i[0]))[0][0] if currencies else None
    counted = {q: f for q, f in submitted.items() if f.currency == currency}
    lines = [
        line for line in revenue.lines if line.quarter in counted and line.currency == currency
    ]
    positions = {line.position for line in lines} | {f.position for f in counted.values()}
    return IncomeShare(
        scope=revenue.scope,
        period=period,
        company_id=revenue.scope,
        currency=currency,
        quarters=tuple(sorted(counted)),
        p2p=sum((line.amount for line in lines), Decimal(0)),
        revenue=sum((f.revenue for f in counted.values()), Decimal(0)),
        benchmark=benchmark,
        positions=tuple(sorted(p for p in positions if p)),
    )


def network_income_share(
    shares: Iterable[IncomeShare], min_companies: int, max_share: Fraction, benchmark: Fraction
) -> NetworkValue:
    """The mean P2P share of income of the companies that took part in a deal closed in
    the period and submitted financials for it (IDC's survey averaged its respondents'
    shares the same way), withheld when too thin."""
    taking_part = [s for s in shares if s.rate is not None and s.p2p > 0]
    parts = {s.company_id: s.revenue for s in taking_part}
    why = withheld(parts, min_companies, max_share, "revenue behind it")
    mean = (
        sum((s.rate for s in taking_part if s.rate is not None), Fraction(0)) / len(taking_part)
        if taking_part
        else None
    )
    return NetworkValue(value=None if why else mean, contributors=len(parts), withheld=why)


# --- referrals --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ReferralCount(Figure):
    """Referrals made in the period: those the scope gave and those it received, and
    how many of those given became deals (at any time since)."""

    given: tuple[ReferralEntry, ...]
    received: tuple[ReferralEntry, ...]

    @property
    def converted(self) -> int:
        return sum(1 for r in self.given if r.converted)

    @property
    def conversion_rate(self) -> Fraction | None:
        return _ratio(self.converted, len(self.given))

    @property
    def positions(self) -> tuple[int, ...]:
        found = set()
        for r in (*self.given, *self.received):
            found.add(r.made_position)
            if r.decided_position is not None:
                found.add(r.decided_position)
        return tuple(sorted(found))


def referral_count(
    referrals: Iterable[ReferralEntry],
    period: Period,
    scope: str = NETWORK,
    *,
    company_id: str | None = None,
    group_id: str | None = None,
) -> ReferralCount:
    """Referrals made in the period by and to one company, one group, or anyone."""
    given, received = [], []
    for r in referrals:
        if not period.holds(r.made_at):
            continue
        if (company_id is None or r.company_id == company_id) and (
            group_id is None or r.group_id == group_id
        ):
            given.append(r)
        if (company_id is None or r.to_company_id == company_id) and (
            group_id is None or r.to_group_id == group_id
        ):
            received.append(r)
    given.sort(key=lambda r: r.made_position)
    received.sort(key=lambda r: r.made_position)
    return ReferralCount(scope=scope, period=period, given=tuple(given), received=tuple(received))


def network_conversion(
    count: ReferralCount, min_companies: int, max_share: Fraction
) -> NetworkValue:
    """The network's referral conversion rate, withheld when too thin."""
    parts = Counter(r.company_id for r in count.given)
    why = withheld(parts, min_companies, max_share, "referrals behind it")
    return NetworkValue(
        value=None if why else count.conversion_rate, contributors=len(parts), withheld=why
    )


# --- the partner graph --------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class PartnerEdge:
    """Two companies that shared deals closed in the period: how many, and the value of
    those deals by currency."""

    companies: tuple[str, str]
    deals: int
    amounts: Mapping[str, Decimal]
    positions: tuple[int, ...]

    def other(self, company_id: str) -> str:
        a, b = self.companies
        return b if a == company_id else a


@attrs.frozen(kw_only=True)
class PartnerGraph(Figure):
    """Who worked with whom: an edge for every pair of parties of a deal closed in the
    period (the proposer and each partner who accepted)."""

    edges: tuple[PartnerEdge, ...]

    def edges_of(self, company_id: str) -> tuple[PartnerEdge, ...]:
        return tuple(e for e in self.edges if company_id in e.companies)

    @property
    def companies(self) -> frozenset[str]:
        return frozenset(c for e in self.edges for c in e.companies)

    def linked(self, a: str, b: str) -> bool:
        pair = (a, b) if a < b else (b, a)
        return pair in self._pairs

    @property
    def _pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset(e.companies for e in self.edges)

    @property
    def positions(self) -> tuple[int, ...]:
        return tuple(sorted({p for e in self.edges for p in e.positions}))


def partner_graph(deals: Iterable[DealEntry], period: Period, scope: str = NETWORK) -> PartnerGraph:
    count: Counter[tuple[str, str]] = Counter()
    amounts: dict[tuple[str, str], dict[str, Decimal]] = {}
    positions: dict[tuple[str, str], set[int]] = {}
    for deal in deals:
        if not period.holds(deal.closed_at):
            continue
        assert deal.currency is not None
        assert deal.value is not None
        assert deal.closed_position is not None
        for pair in combinations(sorted(set(deal.parties)), 2):
            a, b = pair
            count[(a, b)] += 1
            held = amounts.setdefault((a, b), {})
            held[deal.currency] = held.get(deal.currency, Decimal(0)) + deal.value
            positions.setdefault((a, b), set()).add(deal.closed_position)
    edges = tuple(
        PartnerEdge(
            companies=pair,
            deals=count[pair],
            amounts=dict(sorted(amounts[pair].items())),
            positions=tuple(sorted(positions[pair])),
        )
        for pair in sorted(count)
    )
    return PartnerGraph(scope=scope, period=period, edges=edges)


@attrs.frozen(kw_only=True)
class Density(Figure):
    """Pairs of companies that worked together ÷ the pairs that could have."""

    linked: int
    pairs: int

    @property
    def rate(self) -> Fraction | None:
        return _ratio(self.linked, self.pairs)


def members_by_group(
    histories: Iterable[GroupHistory], period: Period
) -> dict[str, frozenset[str]]:
    """The companies active in each group at some moment of the period."""
    found = {}
    for history in histories:
        found[history.group_id] = frozenset(
            stay.company_id
            for stay in history.stays.values()
            if stay.joined_at is not None
            and stay.joined_at < period.ends
            and (stay.left_at is None or stay.left_at >= period.begins)
        )
    return found


def density(graph: PartnerGraph, companies: Iterable[str], scope: str) -> Density:
    """How knit `companies` (a group's members) are: pairs linked in `graph` ÷ pairs."""
    members = sorted(set(companies))
    pairs = len(members) * (len(members) - 1) // 2
    linked = sum(1 for e in graph.edges if e.companies[0] in members and e.companies[1] in members)
    return Density(scope=scope, period=graph.period, linked=linked, pairs=pairs)


def cross_group_density(graph: PartnerGraph, groups: Mapping[str, frozenset[str]]) -> Density:
    """How knit the network is across its groups: pairs of member companies that share
    no group and worked together ÷ every such pair."""
    member_of: dict[str, set[str]] = {}
    together: set[tuple[str, str]] = set()
    for group_id, members in groups.items():
        for company in members:
            member_of.setdefault(company, set()).add(group_id)
        together.update(combinations(sorted(members), 2))
    count = len(member_of)
    apart = count * (count - 1) // 2 - len(together)
    linked = sum(
        1
        for e in graph.edges
        if e.companies[0] in member_of
        and e.companies[1] in member_of
        and e.companies not in together
    )
    return Density(scope=NETWORK, period=graph.period, linked=linked, pairs=apart)


def network_density(
    graph: PartnerGraph, found: Density, min_companies: int, max_share: Fraction
) -> NetworkValue:
    """A network-wide density, withheld when fewer than `min_companies` companies have a
    partner, or one company takes part in more than `max_share` of the links."""
    parts: Counter[str] = Counter()
    for e in graph.edges:
        parts.update(e.companies)
    why = withheld(parts, min_companies, max_share, "links behind it")
    return NetworkValue(value=None if why else found.rate, contributors=len(parts), withheld=why)
