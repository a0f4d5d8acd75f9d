"""Laws of the benchmarks over random books.

- a network figure is never shown from fewer than `min_companies` companies, nor when
  one company holds more than `max_share` of the sum behind it; so with fewer than 5
  contributors no network output equals any single company's figure;
- every member's quartile equals a plain reference computation over sorted values;
- a median lies between the smallest and largest value it is taken of.
"""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, strategies as st

from peernet.projections.financials import (
    METRICS,
    PER_HEAD,
    Figures,
    FinancialBook,
    benchmarks,
    median,
    metrics_of,
)

QUARTER = "2009Q4"
YEAR_AGO = "2008Q4"
GROUPS = ["group a", "group b"]


@st.composite
def figures(draw: st.DrawFn, group_id: str) -> Figures:
    revenue = Decimal(draw(st.integers(0, 5_000_000)))
    gross = Decimal(draw(st.integers(-100_000, int(revenue))))
    return Figures(
        group_id=group_id,
        membership_id=f"{group_id} member",
        revision=1,
        currency="USD",
        revenue=revenue,
        gross_profit=gross,
        ebitda=Decimal(draw(st.integers(-200_000, int(gross)))),
        recurring_revenue=Decimal(draw(st.integers(0, int(revenue)))),
        service_wages=Decimal(draw(st.integers(0, 1_000_000))),
        head_count=draw(st.integers(0, 200)),
    )


@st.composite
def books(draw: st.DrawFn, companies: st.SearchStrategy[int]) -> list[FinancialBook]:
    found = []
    for i in range(draw(companies)):
        group = draw(st.sampled_from(GROUPS))
        quarters = {QUARTER: draw(figures(group))}
        if draw(st.booleans()):
            quarters[YEAR_AGO] = draw(figures(group))
        found.append(FinancialBook(company_id=f"company {i}", quarters=quarters))
    return found


def _company_values(found: list[FinancialBook], metric: str) -> set[Fraction]:
    values = set()
    for book in found:
        value = metrics_of(book.quarters[QUARTER], book.quarters.get(YEAR_AGO))[metric]
        if value is not None:
            values.add(value)
    return values


@given(books(st.integers(0, 4)))
def test_with_fewer_than_five_companies_no_network_figure_is_shown(
    found: list[FinancialBook],
) -> None:
    """Below the threshold every network figure is withheld: none equals a company's."""
    result = benchmarks(found, QUARTER)

    for metric in result.metrics:
        assert metric.network.value is None
        assert metric.network.value not in _company_values(found, metric.metric)
        assert metric.network.withheld


@given(books(st.integers(0, 12)), st.integers(1, 8), st.integers(1, 100))
def test_a_shown_network_figure_has_enough_contributors_and_none_dominates(
    found: list[FinancialBook], least: int, percent: int
) -> None:
    """A shown figure stands on at least `min_companies`, none above `max_share`."""
    share = Fraction(percent, 100)
    result = benchmarks(found, QUARTER, min_companies=least, max_share=share)

    for metric in result.metrics:
        assert (metric.network.value is None) == (metric.network.withheld is not None)
        if metric.network.value is None:
            continue
        assert metric.network.contributors >= least
        bases = []
        for book in found:
            now, before = book.quarters[QUARTER], book.quarters.get(YEAR_AGO)
            if metrics_of(now, before)[metric.metric] is None:
                continue
            if metric.metric == PER_HEAD:
                bases.append(Fraction(now.head_count))
            elif metric.metric == "revenue_growth":
                assert before is not None
                bases.append(Fraction(before.revenue))
            else:
                bases.append(Fraction(now.revenue))
        assert max(bases) <= share * sum(bases)


def reference_quartile(value: Fraction, values: list[Fraction]) -> int:
    """The quarter of the sorted values the first occurrence of `value` falls in."""
    ordered = sorted(values)
    return min(4, ordered.index(value) * 4 // len(ordered) + 1)


@given(books(st.integers(1, 14)))
def test_quartiles_agree_with_a_plain_reference(found: list[FinancialBook]) -> None:
    """Each member's quartile is where its value sits among its group's sorted values."""
    for group in GROUPS:
        result = benchmarks(found, QUARTER, group)
        for metric in METRICS:
            mine = result.metric(metric)
            values = list(mine.values.values())
            expected = {c: reference_quartile(v, values) for c, v in mine.values.items()}
            assert expected == dict(mine.quartiles)
            if values:
                assert min(values) <= mine.group_median <= max(values)  # type: ignore[operator]


@given(st.lists(st.fractions(), min_size=1, max_size=30))
def test_a_median_lies_between_the_extremes(values: list[Fraction]) -> None:
    """min ≤ median ≤ max, and it is the middle of the sorted values."""
    middle = median(values)

    assert min(values) <= middle <= max(values)
    assert sum(1 for v in values if v < middle) <= len(values) // 2
