"""`FinancialBooks`: each company's latest figures per quarter; and the benchmarks and
two-year reviews read from them.

One view per company, keyed by company id: a correction (a higher `revision` of the same
quarter) replaces the quarter's figures. `benchmarks` computes, for a quarter, each
metric's network median (shown only when enough companies stand behind it and none
dominates it) and, for one group, its median and each member's quartile; `review` lays
out a company's last eight quarters with the quartile it held in its group each quarter.

Metrics (each a `Fraction`, exact): EBITDA % and gross margin % (of revenue), revenue
growth year on year (against the same quarter a year earlier), revenue per head (in the
company's currency) and recurring share (recurring revenue ÷ revenue). A metric whose
denominator is zero is undefined for that company and quarter, and it contributes
nothing. Pure: no I/O, no clock.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar

import attrs

from peernet.domain.common import Event, is_forgotten
from peernet.domain.financials import (
    Financials,
    FinancialsSubmitted,
    normal_quarter,
    quarter_after,
    quarter_of,
)
from peernet.projections.core import Fact, KeyedBy

EBITDA = "ebitda_pct"
GROSS_MARGIN = "gross_margin_pct"
GROWTH = "revenue_growth"
PER_HEAD = "revenue_per_head"
RECURRING = "recurring_share"
#: every metric, in the order reports show them
METRICS: tuple[str, ...] = (EBITDA, GROSS_MARGIN, GROWTH, PER_HEAD, RECURRING)
#: what each metric's network figure sums up, to tell whether one company dominates it
_BASE = {
    EBITDA: "revenue",
    GROSS_MARGIN: "revenue",
    GROWTH: "revenue a year earlier",
    PER_HEAD: "head count",
    RECURRING: "revenue",
}


@attrs.frozen(kw_only=True)
class Figures:
    """A company's figures for one quarter, the latest revision submitted."""

    group_id: str
    membership_id: str
    revision: int
    currency: str
    revenue: Decimal
    gross_profit: Decimal
    ebitda: Decimal
    recurring_revenue: Decimal
    service_wages: Decimal
    head_count: int
    position: int = 0


@attrs.frozen(kw_only=True)
class FinancialBook:
    company_id: str
    #: figures by quarter ("2009Q4"), the latest revision of each
    quarters: dict[str, Figures] = attrs.Factory(dict)


def _money(data: Mapping[str, object], name: str) -> tuple[Decimal, str]:
    field = data[name]
    assert isinstance(field, Mapping)
    return Decimal(str(field["amount"])), str(field["currency"])


def figures_of(data: Mapping[str, object], position: int = 0) -> Figures:
    """The figures of a `FinancialsSubmitted` event's fields (as stored)."""
    revenue, currency = _money(data, "revenue")
    head_count = data["head_count"]
    revision = data["revision"]
    assert isinstance(head_count, int)
    assert isinstance(revision, int)
    return Figures(
        group_id=str(data["group_id"]),
        membership_id=str(data["membership_id"]),
        revision=revision,
        currency=currency,
        revenue=revenue,
        gross_profit=_money(data, "gross_profit")[0],
        ebitda=_money(data, "ebitda")[0],
        recurring_revenue=_money(data, "recurring_revenue")[0],
        service_wages=_money(data, "service_wages")[0],
        head_count=head_count,
        position=position,
    )


def _from_event(event: FinancialsSubmitted) -> Figures:
    return Figures(
        group_id=str(event.group_id),
        membership_id=str(event.membership_id),
        revision=event.revision,
        currency=event.revenue.currency,
        revenue=event.revenue.amount,
        gross_profit=event.gross_profit.amount,
        ebitda=event.ebitda.amount,
        recurring_revenue=event.recurring_revenue.amount,
        service_wages=event.service_wages.amount,
        head_count=event.head_count,
    )


def book_of(state: Financials) -> FinancialBook:
    """The book a company's financials stream holds (figures without log positions). A
    forgotten company's figures cannot be read any more: they count for nothing."""
    return FinancialBook(
        company_id=str(state.company_id),
        quarters={
            q: _from_event(e)
            for q, e in sorted(state.latest.items())
            if not is_forgotten(e.revenue)
        },
    )


class FinancialBooks(KeyedBy):
    """The `FinancialBook` of every company that submitted figures, keyed by company id."""

    name: ClassVar[str] = "financial_books"
    key_field: ClassVar[str] = "company_id"
    version: ClassVar[int] = 1
    events: ClassVar[frozenset[type[Event]]] = frozenset({FinancialsSubmitted})
    view_type: ClassVar[type[FinancialBook]] = FinancialBook

    def project(self, view: FinancialBook | None, fact: Fact) -> FinancialBook | None:
        book = view or FinancialBook(company_id=fact.data["company_id"])
        if not isinstance(fact.data["revenue"], Mapping):
            return view  # the company was forgotten: its figures cannot be read
        quarter = fact.data["quarter"]
        held = book.quarters.get(quarter)
        if held is not None and held.revision >= fact.data["revision"]:
            return book
        quarters = {**book.quarters, quarter: figures_of(fact.data, fact.position)}
        return attrs.evolve(book, quarters=quarters)


# --- metrics ----------------------------------------------------------------------------


def _share(part: Decimal, whole: Decimal) -> Fraction | None:
    return Fraction(part) / Fraction(whole) if whole > 0 else None


def metrics_of(now: Figures, year_before: Figures | None) -> dict[str, Fraction | None]:
    """Every metric of one company's quarter (None where undefined)."""
    growth = None
    if year_before is not None and year_before.currency == now.currency:
        change = _share(now.revenue - year_before.revenue, year_before.revenue)
        growth = change
    return {
        EBITDA: _share(now.ebitda, now.revenue),
        GROSS_MARGIN: _share(now.gross_profit, now.revenue),
        GROWTH: growth,
        PER_HEAD: Fraction(now.revenue) / now.head_count if now.head_count > 0 else None,
        RECURRING: _share(now.recurring_revenue, now.revenue),
    }


def _base(metric: str, now: Figures, year_before: Figures | None) -> Fraction:
    """What a company puts into the sum behind a network figure of `metric`."""
    if metric == PER_HEAD:
        return Fraction(now.head_count)
    if metric == GROWTH:
        assert year_before is not None
        return Fraction(year_before.revenue)
    return Fraction(now.revenue)


def median(values: Sequence[Fraction]) -> Fraction:
    """The middle value, or the mean of the two middle values."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def quartile(value: Fraction, values: Sequence[Fraction]) -> int:
    """Which quarter of `values` `value` falls in: 4 is the top quarter, 1 the bottom.
    Ties share the quartile of the lowest of them (rank = values strictly below)."""
    below = sum(1 for v in values if v < value)
    return min(4, 1 + 4 * below // len(values))


#: a quartile in words, so it is never read as a quarter ("Q2" beside "2008Q1")
QUARTILE_NAMES = {
    4: "top quartile",
    3: "above the median",
    2: "below the median",
    1: "bottom quartile",
}


def quartile_name(place: int) -> str:
    """A quartile (4 = top) in words: "top quartile", "above the median"..."""
    return QUARTILE_NAMES[place]


def quarter_spans(quarters: Iterable[str]) -> str:
    """Quarters as runs of consecutive ones: "2008Q1-2009Q3, 2010Q2"."""
    spans: list[list[str]] = []
    for quarter in sorted(set(quarters)):
        if spans and quarter_after(spans[-1][-1], 1) == quarter:
            spans[-1].append(quarter)
        else:
            spans.append([quarter])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in spans)


# --- benchmarks -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class NetworkFigure:
    """A metric's network-wide median, or why it is withheld (then `value` is None)."""

    value: Fraction | None
    contributors: int
    withheld: str | None = None


@attrs.frozen(kw_only=True)
class MetricBenchmark:
    metric: str
    network: NetworkFigure
    #: the group's median (None without a group, or when no member has the metric)
    group_median: Fraction | None = None
    #: each member company's quartile in the group, by company id
    quartiles: Mapping[str, int] = attrs.Factory(dict)
    #: each member company's value, by company id (for the group's own eyes only)
    values: Mapping[str, Fraction] = attrs.Factory(dict)


@attrs.frozen(kw_only=True)
class Benchmarks:
    quarter: str
    group_id: str | None
    #: the currency revenue per head is compared in
    currency: str | None
    min_companies: int
    max_share: Fraction
    metrics: tuple[MetricBenchmark, ...]
    #: the quarters in which at least `min_companies` companies filed figures (those a
    #: network median may be shown for)
    reported: tuple[str, ...] = ()

    def metric(self, name: str) -> MetricBenchmark:
        return next(m for m in self.metrics if m.metric == name)


def _comparable(
    books: Iterable[FinancialBook], quarter: str
) -> dict[str, tuple[Figures, Figures | None]]:
    """Each company's figures for the quarter and a year before."""
    year_ago = quarter_after(quarter, -4)
    found = {}
    for book in books:
        if (now := book.quarters.get(quarter)) is not None:
            found[book.company_id] = (now, book.quarters.get(year_ago))
    return found


def main_currency(books: Iterable[FinancialBook], quarter: str) -> str | None:
    """The currency most companies report the quarter in (ties: the first by name)."""
    counts = Counter(b.quarters[quarter].currency for b in books if quarter in b.quarters)
    if not counts:
        return None
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]


def network_figure(
    metric: str,
    entries: Mapping[str, tuple[Fraction, Fraction]],
    min_companies: int,
    max_share: Fraction,
) -> NetworkFigure:
    """The median of `entries` (company → (value, base)), unless fewer than
    `min_companies` stand behind it or one company's base exceeds `max_share` of the sum."""
    count = len(entries)
    if count < min_companies:
        return NetworkFigure(
            value=None,
            contributors=count,
            withheld=(
                f"too few reporting: only {count} companies contribute "
                f"(at least {min_companies} needed)"
            ),
        )
    whole = sum((base for _, base in entries.values()), Fraction(0))
    largest = max(base for _, base in entries.values())
    if whole <= 0 or largest > max_share * whole:
        share = f"{float(largest / whole):.0%}" if whole > 0 else "all"
        return NetworkFigure(
            value=None,
            contributors=count,
            withheld=(
                f"one company holds {share} of the {_BASE[metric]} behind it "
                f"(at most {float(max_share):.0%})"
            ),
        )
    return NetworkFigure(value=median([v for v, _ in entries.values()]), contributors=count)


def benchmarks(
    books: Iterable[FinancialBook],
    quarter: str,
    group_id: str | None = None,
    *,
    min_companies: int = 5,
    max_share: Fraction = Fraction(1, 4),
    currency: str | None = None,
) -> Benchmarks:
    """Each metric's network median for `quarter` (withheld when too thin) and, with a
    `group_id`, the group's median and every member's quartile within the group."""
    quarter = normal_quarter(quarter)
    books = list(books)
    currency = currency or main_currency(books, quarter)
    rows = _comparable(books, quarter)
    results = []
    for metric in METRICS:
        entries: dict[str, tuple[Fraction, Fraction]] = {}
        inside: dict[str, Fraction] = {}
        for company_id, (now, before) in rows.items():
            value = metrics_of(now, before)[metric]
            if value is None:
                continue
            if group_id is not None and now.group_id == group_id:
                inside[company_id] = value
            if metric == PER_HEAD and now.currency != currency:
                continue
            entries[company_id] = (value, _base(metric, now, before))
        figure = network_figure(metric, entries, min_companies, max_share)
        if figure.contributors < min_companies:
            hint = _where_to_look(books, min_companies)
            figure = attrs.evolve(figure, withheld=f"{figure.withheld}; {hint}")
        values = list(inside.values())
        results.append(
            MetricBenchmark(
                metric=metric,
                network=figure,
                group_median=median(values) if values else None,
                quartiles={c: quartile(v, values) for c, v in inside.items()},
                values=inside,
            )
        )
    return Benchmarks(
        quarter=quarter,
        group_id=group_id,
        currency=currency,
        min_companies=min_companies,
        max_share=max_share,
        metrics=tuple(results),
        reported=_reported(books, min_companies),
    )


def _reported(books: Iterable[FinancialBook], min_companies: int) -> tuple[str, ...]:
    filed = Counter(quarter for book in books for quarter in book.quarters)
    return tuple(sorted(q for q, n in filed.items() if n >= min_companies))


def _where_to_look(books: Sequence[FinancialBook], min_companies: int) -> str:
    """Which quarters hold enough figures, for a figure withheld for want of them."""
    reported = _reported(books, min_companies)
    if not reported:
        return f"no quarter has figures from {min_companies} companies yet"
    return f"quarters with figures from {min_companies} or more: {quarter_spans(reported)}"


# --- the two-year review ----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ReviewQuarter:
    quarter: str
    figures: Figures | None
    metrics: Mapping[str, Fraction | None] = attrs.Factory(dict)
    #: the company's quartile within its group that quarter, per metric
    quartiles: Mapping[str, int] = attrs.Factory(dict)


@attrs.frozen(kw_only=True)
class FinancialReview:
    """A company's last `len(quarters)` quarters (oldest first), and per metric its trend:
    the change from the first to the last quarter of the window that has the metric."""

    company_id: str
    quarters: tuple[ReviewQuarter, ...]
    trends: Mapping[str, Fraction | None]


def latest_shown(book: FinancialBook, shown: Iterable[str], today: date) -> str:
    """The last quarter `book` shows to a reader of the groups `shown`: its latest
    submitted in one of them, else the last quarter over by `today`."""
    groups = set(shown)
    seen = [q for q, f in book.quarters.items() if f.group_id in groups]
    return max(seen) if seen else quarter_after(quarter_of(today), -1)


def review(
    books: Mapping[str, FinancialBook],
    company_id: str,
    last: str,
    *,
    quarters: int = 8,
    visible: Iterable[str] | None = None,
) -> FinancialReview:
    """`company_id`'s review: the `quarters` quarters ending with `last`. Only quarters
    submitted in a group of `visible` (all, when None) show figures."""
    shown = None if visible is None else set(visible)
    book = books.get(company_id, FinancialBook(company_id=company_id))
    rows = []
    for step in range(quarters - 1, -1, -1):
        quarter = quarter_after(last, -step)
        now = book.quarters.get(quarter)
        if now is None or (shown is not None and now.group_id not in shown):
            rows.append(ReviewQuarter(quarter=quarter, figures=None))
            continue
        peers = benchmarks(books.values(), quarter, now.group_id, min_companies=1)
        rows.append(
            ReviewQuarter(
                quarter=quarter,
                figures=now,
                metrics=metrics_of(now, book.quarters.get(quarter_after(quarter, -4))),
                quartiles={
                    m.metric: m.quartiles[company_id]
                    for m in peers.metrics
                    if company_id in m.quartiles
                },
            )
        )
    trends: dict[str, Fraction | None] = {}
    for metric in METRICS:
        series = [v for r in rows if (v := r.metrics.get(metric)) is not None]
        trends[metric] = series[-1] - series[0] if len(series) > 1 else None
    return FinancialReview(company_id=company_id, quarters=tuple(rows), trends=trends)
