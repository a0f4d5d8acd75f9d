"""The command line's financials: `peernet financials COMPANY` (the two-year review) and
`peernet benchmarks --quarter Q [GROUP]` (network medians, and a group's quartiles).

Both take ``--as`` (who reads) and ``--json``; a figure too thin
to show prints as withheld, with the reason.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

import click
from rich.table import Table

from peernet import AccessDenied, Network, Reader, Role
from peernet.cli.options import (
    as_option,
    company_named,
    db_option,
    echo_json,
    group_named,
    json_option,
    make_console,
    number,
    read_network,
    reader_label,
    resolve_reader,
)
from peernet.domain.financials import normal_quarter
from peernet.projections.financials import (
    EBITDA,
    GROSS_MARGIN,
    GROWTH,
    METRICS,
    PER_HEAD,
    RECURRING,
    Benchmarks,
    FinancialReview,
    quartile_name,
)

_LABELS = {
    EBITDA: "EBITDA %",
    GROSS_MARGIN: "gross margin %",
    GROWTH: "revenue growth (y/y)",
    PER_HEAD: "revenue per head",
    RECURRING: "recurring share",
}


def _show(metric: str, value: Fraction | None) -> str:
    if value is None:
        return "n/a"
    if metric == PER_HEAD:
        return f"{float(value):,.0f}"
    return f"{float(value):.1%}"


def _quarter(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normal_quarter(value)
    except ValueError as error:  # MalformedQuarter: one line, exit 2
        raise click.BadParameter(str(error), ctx, param) from None


def _reader_of_company(network: Network, spec: tuple[Role, str], company_id: Any) -> Reader:
    """The reader, a member company reading through the group the company is in now
    (else the last it was in)."""
    held = network.company(company_id).memberships
    current = [m for m in held if m.status.open] or list(held)
    if not current:
        return Reader(role=spec[0], name=spec[1])
    return resolve_reader(network, spec, current[-1].group_id)


@contextmanager
def _group_words(network: Network) -> Iterator[None]:
    """A refusal names the group, not its id."""
    try:
        yield
    except AccessDenied as error:
        for group in network.groups():
            error.message = error.message.replace(str(group.group_id), group.name)
        raise


def _review_json(review: FinancialReview) -> dict[str, Any]:
    return {
        "company_id": review.company_id,
        "quarters": [
            {
                "quarter": q.quarter,
                "submitted": q.figures is not None,
                "revision": q.figures.revision if q.figures else None,
                "currency": q.figures.currency if q.figures else None,
                "revenue": str(q.figures.revenue) if q.figures else None,
                "ebitda": str(q.figures.ebitda) if q.figures else None,
                "head_count": q.figures.head_count if q.figures else None,
                "metrics": {m: number(q.metrics.get(m)) for m in METRICS},
                "quartiles": dict(q.quartiles),
            }
            for q in review.quarters
        ],
        "trends": {m: number(v) for m, v in review.trends.items()},
    }


@click.command()
@click.argument("company")
@click.option("--quarter", callback=_quarter, help="The last quarter shown (default: latest).")
@as_option
@db_option
@json_option
def financials(
    company: str, quarter: str | None, reader: tuple[Role, str], url: str | None, as_json: bool
) -> None:
    """A company's two-year financial review: eight quarters, its metrics, its quartile
    in its group each quarter (named: top quartile, above or below the median, bottom
    quartile) and the trend of each metric.

    COMPANY is the company's id or its name (case-insensitive). Readable by the active
    members of its group, its facilitator and auditors.

    Examples (on the demo's store):

    \b
        peernet financials "Landmark Systems" --quarter 2009Q3
    """
    network = read_network(url)
    found = company_named(network, company)
    who = _reader_of_company(network, reader, found.company_id)
    with _group_words(network):
        review = network.financial_review(found.company_id, reader=who, quarter=quarter)
    if as_json:
        echo_json({"company": found.name, **_review_json(review)})
        return
    table = Table(
        title=f"{found.name}: financial review, as {reader_label(who)}",
        caption="(1st to 4th): its quartile in its group that quarter; 4th is the top",
        caption_justify="left",
    )
    table.add_column("quarter")
    table.add_column("revenue", justify="right")
    for metric in METRICS:
        table.add_column(_LABELS[metric], justify="right")
    for row in review.quarters:
        if row.figures is None:
            table.add_row(row.quarter, "not submitted", *["" for _ in METRICS])
            continue
        cells = []
        for metric in METRICS:
            value = _show(metric, row.metrics.get(metric))
            place = row.quartiles.get(metric)
            cells.append(f"{value} ({_ORDINALS[place]})" if place else value)
        table.add_row(row.quarter, f"{row.figures.revenue:,.0f} {row.figures.currency}", *cells)
    trend = [
        f"{_LABELS[m]} {'+' if (v or 0) >= 0 else ''}{_show(m, v)}"
        for m, v in review.trends.items()
        if v is not None
    ]
    console = make_console()
    console.print(table)
    console.print("Trend over the review: " + ("; ".join(trend) if trend else "n/a"))


#: a quartile beside a metric, short enough for a table cell and explained in its
#: caption (a "Q2" there read as a quarter, as in 2008Q2)
_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}


def _by_quartile(quartiles: Mapping[str, int], names: Mapping[str, str]) -> str:
    """The members by quartile, top first: "top quartile: Acme, Bolt; above the median:
    ..." (a quartile named, never "Q2", which reads as a quarter)."""
    parts = []
    for place in (4, 3, 2, 1):
        members = sorted(names.get(c, c) for c, q in quartiles.items() if q == place)
        if members:
            parts.append(f"{quartile_name(place)}: {', '.join(members)}")
    return "; ".join(parts) or "n/a"


def _benchmarks_json(result: Benchmarks, group: str | None) -> dict[str, Any]:
    return {
        "quarter": result.quarter,
        "group_id": result.group_id,
        "group": group,
        "currency": result.currency,
        "min_companies": result.min_companies,
        "max_share": float(result.max_share),
        "reported": list(result.reported),
        "metrics": [
            {
                "metric": m.metric,
                "network_median": number(m.network.value),
                "contributors": m.network.contributors,
                "withheld": m.network.withheld,
                "group_median": number(m.group_median),
                "quartiles": dict(m.quartiles),
            }
            for m in result.metrics
        ],
    }


@click.command()
@click.argument("group", required=False)
@click.option("--quarter", required=True, callback=_quarter, help="The quarter, e.g. 2009Q3.")
@click.option("--min-companies", default=5, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--max-share",
    default=25,
    show_default=True,
    type=click.IntRange(min=1, max=100),
    help="Percent of the sum behind a network figure one company may hold.",
)
@as_option
@db_option
@json_option
def benchmarks(  # noqa: PLR0917 - click passes every option by position
    group: str | None,
    quarter: str,
    min_companies: int,
    max_share: int,
    reader: tuple[Role, str],
    url: str | None,
    as_json: bool,
) -> None:
    """Network medians of each metric for a quarter, withheld (with the reason) when
    fewer than 5 companies contribute or one holds more than 25% of the sum behind it.

    With GROUP (id or name): also the group's median and each member's quartile
    (top quartile, above or below the median, bottom quartile), for readers who see
    inside the group.

    Examples (on the demo's store):

    \b
        peernet benchmarks --quarter 2009Q3
        peernet benchmarks --quarter 2009Q3 "HTG 3"
    """
    network = read_network(url)
    summary = group_named(network, group) if group else None
    who = (
        resolve_reader(network, reader, summary.group_id)
        if summary
        else Reader(role=reader[0], name=reader[1])
    )
    with _group_words(network):
        result = network.benchmarks(
            quarter,
            group_id=summary.group_id if summary else None,
            reader=who,
            min_companies=min_companies,
            max_share=Fraction(max_share, 100),
        )
    if as_json:
        echo_json(_benchmarks_json(result, summary.name if summary else None))
        return
    names = {str(c.company_id): c.name for c in network.companies()}
    title = f"Benchmarks {result.quarter}" + (f", {summary.name}" if summary else "")
    table = Table(title=f"{title}, as {reader_label(who)}")
    table.add_column("metric")
    table.add_column("network median", justify="right")
    if summary:
        table.add_column("group median", justify="right")
        table.add_column("quartile in the group")
    for m in result.metrics:
        network_cell = (
            _show(m.metric, m.network.value)
            if m.network.value is not None
            else f"withheld: {m.network.withheld}"
        )
        row = [_LABELS[m.metric], network_cell]
        if summary:
            row += [_show(m.metric, m.group_median), _by_quartile(m.quartiles, names)]
        table.add_row(*row)
    make_console().print(table)
