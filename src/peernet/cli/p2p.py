"""The partner economy's figures on the command line: `peernet partners COMPANY` (its
partner graph, as a table or, with ``--format dot``, as Graphviz), `peernet scorecard
COMPANY --quarter 2009Q3` (a management scorecard) and `peernet p2p` (the network's P2P
figures year by year); and the demo's partner story in print.

A company's figures and scorecard are for the eyes of its groups (``--as``); the
network's are public, each withheld below the network charter's thresholds.
"""

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from peernet import InvalidInput, Network, Reader, Role
from peernet.adapters.readmodels import ReadModels
from peernet.cli.deals import group_words, member_reader, print_deal
from peernet.cli.options import (
    as_option,
    company_named,
    db_option,
    echo_json,
    group_named,
    json_option,
    make_console,
    number,
    open_network,
    plural,
    reader_label,
    resolve_reader,
)
from peernet.domain.financials import normal_quarter, quarter_of
from peernet.partnerviews import GroupP2P, NetworkP2P
from peernet.projections import DealEntries, Period
from peernet.projections.financials import quartile_name
from peernet.projections.p2p import NetworkValue, p2p_revenue
from peernet.projections.scorecards import Scorecard, quarter_period
from peernet.reports.lines import pct


def _place(quartile: int | None) -> str:
    """A quartile in words (never "Q2" beside a quarter such as "2009Q3")."""
    return "-" if quartile is None else quartile_name(quartile)


_LABELS = {
    "ebitda_pct": "EBITDA %",
    "gross_margin_pct": "gross margin %",
    "revenue_growth": "revenue growth (y/y)",
    "revenue_per_head": "revenue per head",
    "recurring_share": "recurring share",
}


def _per_head(value: Fraction | None) -> str:
    return "n/a" if value is None else f"{float(value):,.0f}"


def _amounts(totals: dict[str, Decimal] | Any) -> str:
    return "; ".join(f"{amount:,.2f} {currency}" for currency, amount in totals.items()) or "0"


def last_year(network: Network) -> int:
    """The business year of the last event recorded (a figure's default)."""
    head = network.recorder.max_notification_id() or 0
    if not head:
        raise InvalidInput("the store holds no events yet; `peernet demo` records some")
    (last,) = network.recorder.select_notifications(start=head, limit=1)
    return network.codec.decode(last).event.at.year


# --- the partner graph -------------------------------------------------------------------------


def _dot_name(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@click.command("partners")
@click.argument("company")
@click.option(
    "--year",
    type=click.IntRange(1900, 2999),
    help="The year (default: the year of the last event).",
)
@click.option(
    "--format",
    "shape",
    type=click.Choice(["table", "dot"]),
    default="table",
    show_default=True,
    help="A table, or a Graphviz graph (`peernet partners X --format dot | dot -Tsvg`).",
)
@as_option
@db_option
@json_option
def partners_command(  # noqa: PLR0917 - click passes every option by position
    company: str,
    year: int | None,
    shape: str,
    reader: tuple[Role, str],
    url: str | None,
    as_json: bool,
) -> None:
    """A COMPANY's partner graph over a year: who it closed deals with, how often and
    for how much, with its P2P revenue, its share of income beside the benchmark and its
    referrals. For the eyes of its groups (its members, facilitators) and auditors.

    Examples (on the demo's store):

    \b
        peernet partners "Landmark Systems" --year 2009
        peernet partners "Landmark Systems" --format dot
    """
    network = open_network(url, create=False)
    found = company_named(network, company)
    who = member_reader(network, reader, found.company_id)
    period = Period.year(year or last_year(network))
    with group_words(network):
        figures = network.company_p2p(found.company_id, period, reader=who)
    key = str(found.company_id)
    names = {str(c.company_id): c.name for c in network.companies()}
    edges = sorted(figures.graph.edges, key=lambda e: (-e.deals, names.get(e.other(key), "")))
    if as_json:
        echo_json(
            {
                "company_id": key,
                "company": found.name,
                "period": {"from": str(period.start), "to": str(period.end)},
                "revenue": {c: str(a) for c, a in figures.revenue.totals.items()},
                "share_of_income": number(figures.income_share.rate),
                "benchmark": number(figures.income_share.benchmark),
                "referrals_given": len(figures.referrals.given),
                "referrals_received": len(figures.referrals.received),
                "partners": [
                    {
                        "company_id": e.other(key),
                        "company": names.get(e.other(key), ""),
                        "deals": e.deals,
                        "amounts": {c: str(a) for c, a in e.amounts.items()},
                        "positions": list(e.positions),
                    }
                    for e in edges
                ],
            }
        )
        return
    if shape == "dot":
        click.echo(f"graph partners {{\n  {_dot_name(found.name)} [shape=box];")
        for e in edges:
            label = f"{plural(e.deals, 'deal')}, {_amounts(e.amounts)}"
            click.echo(
                f"  {_dot_name(found.name)} -- {_dot_name(names.get(e.other(key), e.other(key)))}"
                f' [label="{label}", penwidth={min(1 + e.deals, 6)}];'
            )
        click.echo("}")
        return
    console = make_console()
    share = figures.income_share
    console.print(
        Text(f"{found.name}: partners in {period.start.year}, as {reader_label(who)}", "bold")
    )
    console.print(
        f"P2P revenue {_amounts(figures.revenue.totals)} from "
        f"{plural(figures.revenue.deals, 'deal')}; {pct(share.rate)} of its income "
        f"(benchmark {pct(share.benchmark)}); referrals given {len(figures.referrals.given)}, "
        f"received {len(figures.referrals.received)}."
    )
    table = Table(title="who it worked with", title_justify="left")
    for header in ("partner", "deals", "value of the deals shared"):
        table.add_column(header, justify="left" if header == "partner" else "right")
    for e in edges:
        table.add_row(names.get(e.other(key), e.other(key)), str(e.deals), _amounts(e.amounts))
    console.print(table)


# --- the scorecard -------------------------------------------------------------------------------


def _mark(colour: str | None) -> Text:
    styles = {"green": "green", "amber": "yellow", "red": "red"}
    return Text(colour or "", style=styles.get(colour or "", ""))


def scorecard_rows(card: Scorecard) -> list[tuple[str, str, str | None]]:
    """The scorecard's lines: what, the figures, the mark."""
    goals, seen, prep, p2p = card.goals, card.attendance, card.prep, card.p2p
    rows = [
        (
            "goals",
            f"set {goals.set}, met {goals.met}, missed {goals.missed} "
            f"(completion {pct(goals.completion)})",
            goals.colour,
        ),
        (
            "attendance",
            f"{float(seen.attended):g} of {seen.expected} meetings ({pct(seen.rate)})",
            seen.colour,
        ),
        (
            "prep on time",
            f"{prep.on_time} of {prep.expected}, {prep.late} late ({pct(prep.rate)})",
            prep.colour,
        ),
    ]
    for r in card.ratios:
        show = _per_head if r.metric == "revenue_per_head" else pct
        network_part = (
            f"network {_place(r.network_quartile)} (median {show(r.network_median)})"
            if r.network_withheld is None
            else f"network withheld: {r.network_withheld}"
        )
        rows.append(
            (
                _LABELS[r.metric],
                f"{show(r.value)}: group {_place(r.group_quartile)} "
                f"(median {show(r.group_median)}), {network_part}",
                r.colour,
            )
        )
    rows.append(
        (
            "P2P deals",
            f"proposed {p2p.given}, invited into {p2p.received}, closed {p2p.closed} for "
            f"{_amounts(p2p.revenue)}; {pct(p2p.share_of_income)} of income (benchmark "
            f"{pct(p2p.benchmark)}); referrals given {p2p.referrals_given}, received "
            f"{p2p.referrals_received}",
            p2p.colour,
        )
    )
    flags = card.flags
    rows.append(("flags", "; ".join(flags.reasons) or "none", flags.colour))
    return rows


def print_scorecard(console: Console, name: str, card: Scorecard, who: str) -> None:
    table = Table(title=f"{name}: management scorecard {card.quarter}, as {who}")
    table.add_column("line")
    table.add_column("this quarter")
    table.add_column("mark")
    for line, figures, colour in scorecard_rows(card):
        table.add_row(line, figures, _mark(colour))
    console.print(table)


def _quarter(ctx: click.Context, param: click.Parameter, value: str) -> str:
    return normal_quarter(value)


@click.command("scorecard")
@click.argument("company")
@click.option("--quarter", required=True, callback=_quarter, help="The quarter, e.g. 2009Q3.")
@as_option
@db_option
@json_option
def scorecard_command(
    company: str, quarter: str, reader: tuple[Role, str], url: str | None, as_json: bool
) -> None:
    """A COMPANY's management scorecard for a quarter: goals, attendance, prep on time,
    financial ratios beside its group's and the network's quartiles, P2P deals and
    referrals, flags; each line green, amber or red by the network charter. Confidential
    to its groups: their members, facilitators and auditors read it.

    Examples (on the demo's store):

    \b
        peernet scorecard "Landmark Systems" --quarter 2009Q3
    """
    network = open_network(url, create=False)
    found = company_named(network, company)
    who = member_reader(network, reader, found.company_id)
    with group_words(network):
        card = network.scorecard(found.company_id, quarter, reader=who)
    if as_json:
        echo_json(
            {
                "company": found.name,
                "company_id": card.company_id,
                "quarter": card.quarter,
                "lines": [
                    {"line": line, "figures": figures, "mark": colour}
                    for line, figures, colour in scorecard_rows(card)
                ],
                "positions": list(card.positions),
            }
        )
        return
    print_scorecard(make_console(), found.name, card, reader_label(who))


# --- the network's figures, year by year -------------------------------------------------


def _shown(value: NetworkValue, rate: bool = True) -> str:
    if value.value is None:
        return "withheld"
    if rate:
        return pct(Fraction(value.value))
    return f"{value.value:,.2f} {value.currency}"


def p2p_json(found: NetworkP2P) -> dict[str, Any]:
    def value(v: NetworkValue) -> dict[str, Any]:
        return {
            "value": number(v.value),
            "currency": v.currency,
            "contributors": v.contributors,
            "withheld": v.withheld,
        }

    return {
        "from": str(found.period.start),
        "to": str(found.period.end),
        "deals": found.deals,
        "revenue": value(found.revenue),
        "income_share": value(found.income_share),
        "benchmark": number(found.benchmark),
        "referrals": found.referrals,
        "conversion": value(found.conversion),
        "density": value(found.density),
        "cross_group_density": value(found.cross_group_density),
    }


def _label(period: Period) -> str:
    """A year ("2009") or a quarter ("2009Q3")."""
    if (period.start.month, period.end.month) == (1, 12):
        return str(period.start.year)
    return quarter_of(period.start)


def p2p_table(years: list[NetworkP2P], by: str = "year") -> Table:
    table = Table(title=f"P2P across the network, {by} by {by}", title_justify="left")
    headers = (
        by,
        "deals\nclosed",
        "P2P revenue",
        "share of income\n(mean)",
        "referrals",
        "converted",
        "graph\ndensity",
        "across\ngroups",
    )
    for header in headers:
        table.add_column(header, justify="right")
    for y in years:
        table.add_row(
            _label(y.period),
            str(y.deals),
            _shown(y.revenue, rate=False),
            _shown(y.income_share),
            str(y.referrals),
            _shown(y.conversion),
            _shown(y.density),
            _shown(y.cross_group_density),
        )
    return table


def _group_table(name: str, rows: list[GroupP2P], by: str, who: str) -> Table:
    table = Table(title=f"P2P in {name}, {by} by {by}, as {who}", title_justify="left")
    for header in (by, "deals closed", "members' P2P revenue", "referrals given", "received"):
        table.add_column(header, justify="right")
    table.add_column("converted", justify="right")
    table.add_column("density", justify="right")
    for row in rows:
        table.add_row(
            _label(row.period),
            str(row.revenue.deals),
            _amounts(row.revenue.totals),
            str(len(row.referrals.given)),
            str(len(row.referrals.received)),
            pct(row.referrals.conversion_rate),
            pct(row.density.rate),
        )
    return table


def _group_json(row: GroupP2P) -> dict[str, Any]:
    return {
        "from": str(row.period.start),
        "to": str(row.period.end),
        "deals": row.revenue.deals,
        "revenue": {c: str(a) for c, a in row.revenue.totals.items()},
        "referrals_given": len(row.referrals.given),
        "referrals_received": len(row.referrals.received),
        "conversion": number(row.referrals.conversion_rate),
        "density": number(row.density.rate),
        "positions": list(row.revenue.positions),
    }


@click.command("p2p")
@click.argument("group", required=False)
@click.option("--from-year", type=click.IntRange(1900, 2999), help="The first year shown.")
@click.option(
    "--year",
    type=click.IntRange(1900, 2999),
    help="The last year shown (default: the year of the last event).",
)
@click.option(
    "--by",
    type=click.Choice(["year", "quarter"]),
    default="year",
    show_default=True,
    help="A line a year, or a line a quarter.",
)
@as_option
@db_option
@json_option
def p2p_command(  # noqa: PLR0917 - click passes every option by position
    group: str | None,
    from_year: int | None,
    year: int | None,
    by: str,
    reader: tuple[Role, str],
    url: str | None,
    as_json: bool,
) -> None:
    """The network's P2P figures year by year (or quarter by quarter): deals closed and
    their revenue, the mean P2P share of income of the companies taking part (beside
    IDC's 47%), referrals and how many became deals, and how knit the partner graph is,
    overall and across groups. Each is withheld below the network charter's thresholds
    (5 companies, none above 25% of the sum behind it).

    With GROUP (id or name): its members' P2P revenue, the referrals given and received
    through it and how knit its members are, for the readers inside the group (--as).

    Examples (on the demo's store):

    \b
        peernet p2p
        peernet p2p "HTG 3" --by quarter
    """
    network = open_network(url, create=False)
    last = year or last_year(network)
    first = from_year or last
    if first > last:
        raise InvalidInput(f"--from-year {first} comes after {last}")
    periods = [Period.year(y) for y in range(first, last + 1)]
    if by == "quarter":
        periods = [quarter_period(f"{y}Q{q}") for y in range(first, last + 1) for q in range(1, 5)]
    console = make_console()
    if group is not None:
        summary = group_named(network, group)
        who = resolve_reader(network, reader, summary.group_id)
        with group_words(network):
            rows = [network.group_p2p(summary.group_id, p, reader=who) for p in periods]
        if as_json:
            echo_json([_group_json(row) for row in rows])
            return
        console.print(_group_table(summary.name, rows, by, reader_label(who)))
        return
    found = [network.p2p_figures(period) for period in periods]
    if as_json:
        echo_json([p2p_json(y) for y in found])
        return
    console.print(p2p_table(found, by))
    console.print(
        Text(
            f"share of income: P2P revenue over the revenue in the members' financials, "
            f"beside the benchmark of {pct(found[-1].benchmark)} (IDC, seed 000)",
            style="dim",
        )
    )


# --- the demo's partner story ------------------------------------------------------------


def print_partner_story(console: Console, network: Network, first: int, last: int) -> None:
    """The network's P2P figures by year, the most active members' share of income
    beside the seed's 47%, one of their deals and the most active member's scorecard, as
    the demo tells them (read as an auditor)."""
    auditor = Reader.auditor("operator")
    years = [network.p2p_figures(Period.year(y)) for y in range(first, last + 1)]
    if not any(y.deals for y in years):
        return
    console.print(p2p_table([y for y in years if y.deals or y.referrals]))
    period = Period.year(last)
    leaders = most_active(network, period, 10)
    if not leaders:
        return
    figures = [network.company_p2p(c, period, reader=auditor) for c in leaders]
    rates = [f.income_share.rate for f in figures if f.income_share.rate is not None]
    top, name = leaders[0], network.company(leaders[0]).name
    console.print()
    if rates:
        mean = sum(rates, Fraction(0)) / len(rates)
        console.print(
            f"The {len(leaders)} most active members in {last} drew {pct(mean)} of their "
            f"income from P2P deals on average (IDC's survey: {pct(years[-1].benchmark)})."
        )
    console.print(
        f"The most active, {name}: {_amounts(figures[0].revenue.totals)} from "
        f"{plural(figures[0].revenue.deals, 'deal')}, {pct(figures[0].income_share.rate)} of "
        f"its income, {plural(len(figures[0].graph.edges), 'partner')}."
    )
    deals = [
        d
        for d in network.deals(company_id=top, reader=auditor)
        if d.value is not None and d.company_id == top
    ]
    if deals:
        console.print()
        print_deal(console, network, deals[-1])
    quarter = quarter_of(date(last, 7, 1))
    console.print()
    print_scorecard(console, name, network.scorecard(top, quarter, reader=auditor), "auditor")


def most_active(network: Network, period: Period, count: int) -> list[UUID]:
    """The `count` companies with the most P2P revenue in the period (in its main
    currency), read from the deals' read model."""
    deals = ReadModels(network).views(DealEntries.name).values()
    revenue = p2p_revenue(deals, period)
    totals = revenue.by_company(revenue.currency) if revenue.currency else {}
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [UUID(company) for company, _ in ranked[:count]]
