"""The network's own bodies on the command line: `peernet committee`, `resolutions`,
`vendors`, `vendor NAME`, `people COMPANY` and `programme` (the virtual cohorts)."""

from datetime import date, datetime
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from peernet import Network
from peernet.adapters.codec import converter
from peernet.cli.options import (
    MOMENT,
    company_named,
    db_option,
    echo_json,
    find_named,
    json_option,
    leave_out_first,
    make_console,
    open_network,
    plural,
)

on_option = click.option(
    "--on",
    type=MOMENT,
    help="As it stood on this business day (default: the network's last recorded act).",
)


def _day(network: Network, on: date | datetime | None) -> date:
    if isinstance(on, datetime):
        return on.date()
    return on or network.network_day() or date.today()


@click.command()
@on_option
@db_option
@json_option
def committee(on: date | datetime | None, url: str | None, as_json: bool) -> None:
    """Who acts for the network, and the leadership committee's seats on a day.

    Examples (on the demo's store):

    \b
        peernet committee
        peernet committee --on 2009-06-30
    """
    network = open_network(url, create=False)
    day = _day(network, on)
    view = network.committee(on=day)
    if as_json:
        echo_json(converter.unstructure(view))
        return
    console = make_console()
    acting = {"anyone": "anyone (the network has no charter)", "staff": "its staff"}
    since = f" since {view.since}" if view.since else ""
    console.print(
        f"On {day} the network is run by {acting.get(view.acting, 'its committee')}{since}; "
        f"staff: {', '.join(view.staff) or 'none named'}."
    )
    console.print(
        f"{plural(len(view.seated), 'seat')} of {view.seats} held, "
        f"terms of {view.term_months} months"
    )
    if view.seated:
        table = Table(title="leadership committee", title_justify="left")
        for header in ("role", "person", "company", "seated", "term ends", "how"):
            table.add_column(header)
        for seat in view.seated:
            table.add_row(
                seat.role.value,
                seat.name,
                seat.company,
                str(seat.seated_on),
                str(seat.term_ends),
                "elected" if seat.elected else "appointed",
            )
        console.print(table)


@click.command()
@db_option
@json_option
def resolutions(url: str | None, as_json: bool) -> None:
    """Every resolution put to the committee: what it decided, the votes, the outcome.

    Examples (on the demo's store):

    \b
        peernet resolutions
    """
    network = open_network(url, create=False)
    found = network.resolutions()
    if as_json:
        echo_json(converter.unstructure(found))
        return
    console = make_console()
    if not found:
        console.print("No resolution has been put to a committee.")
        return
    table = Table(title=plural(len(found), "resolution"), title_justify="left")
    for header in ("on", "kind", "what", "for", "against", "seated", "outcome"):
        table.add_column(header)
    leave_out_first(table, "seated", "kind", "against", "for")
    for r in found:
        table.add_row(
            str(r.on),
            r.kind.value,
            r.summary,
            str(r.in_favour),
            str(r.against),
            str(r.seated),
            "passed" if r.passed else f"failed: {r.reason}",
        )
    console.print(table)


@click.command()
@on_option
@db_option
@json_option
def vendors(on: date | datetime | None, url: str | None, as_json: bool) -> None:
    """The vendor partner programme: each vendor's tier, term, sponsorship and talks, and
    how many are in it against the target.

    Examples (on the demo's store):

    \b
        peernet vendors
    """
    network = open_network(url, create=False)
    view = network.vendors(on=_day(network, on))
    if as_json:
        data = converter.unstructure(view)
        data["in_programme"] = view.in_programme
        echo_json(data)
        return
    console = make_console()
    console.print(
        f"On {view.on}: {view.in_programme} vendor partners in the programme, target {view.target}."
    )
    table = Table(title=plural(len(view.vendors), "vendor"), title_justify="left")
    for header in ("vendor", "tier", "term", "in", "sponsored", "sponsorships", "talks"):
        table.add_column(header)
    for v in view.vendors:
        table.add_row(
            v.name,
            v.tier,
            f"{v.starts} to {v.ended_on or v.ends}",
            "yes" if v.in_programme else "no",
            f"{v.sponsored:,.2f}",
            str(v.sponsorships),
            str(v.talks),
        )
    console.print(table)


@click.command()
@click.argument("name")
@on_option
@db_option
@json_option
def vendor(name: str, on: date | datetime | None, url: str | None, as_json: bool) -> None:
    """One vendor partner: its term, sponsorship per year, talks and the cost offset of
    each meeting or gathering it sponsored. NAME is its id or name.

    Examples (on the demo's store):

    \b
        peernet vendor Microsoft
    """
    network = open_network(url, create=False)
    day = _day(network, on)
    chosen = find_named(
        network.vendors(on=day).vendors, name, "vendor", lambda v: v.vendor_id, lambda v: v.name
    )
    view = network.vendor(chosen.vendor_id, on=day)
    if as_json:
        data: dict[str, Any] = converter.unstructure(view)
        data["offsets"] = [
            {**converter.unstructure(o), "offset": str(o.offset) if o.offset else None}
            for o in view.offsets
        ]
        echo_json(data)
        return
    console = make_console()
    console.print(
        f"{view.name}, {view.tier}, {view.starts} to {view.ended_on or view.ends}"
        f" ({plural(view.renewals, 'renewal')}); {plural(view.talks, 'talk')} given"
    )
    years = Table(title="sponsorship by year", title_justify="left")
    years.add_column("year")
    years.add_column("sponsored")
    for year, amount in view.by_year:
        years.add_row(str(year), f"{amount:,.2f}")
    console.print(years)
    offsets = Table(title="cost offset of what it sponsored", title_justify="left")
    for header in ("starts", "expenses", "sponsorship", "offset"):
        offsets.add_column(header)
    for o in view.offsets:
        share = f"{float(o.offset):.0%}" if o.offset is not None else "-"
        offsets.add_row(str(o.starts), f"{o.expenses:,.2f}", f"{o.sponsorship:,.2f}", share)
    console.print(offsets)


@click.command()
@click.argument("company")
@db_option
@json_option
def people(company: str, url: str | None, as_json: bool) -> None:
    """The people a company named: role, since when, and who no longer attends.

    Examples (on the demo's store):

    \b
        peernet people "Landmark Systems"
    """
    network = open_network(url, create=False)
    found = company_named(network, company)
    named = network.people(found.company_id)
    if as_json:
        echo_json(converter.unstructure(named))
        return
    console = make_console()
    table = Table(title=f"people of {found.name}", title_justify="left")
    for header in ("person", "role", "named", "withdrawn"):
        table.add_column(header)
    for p in named:
        table.add_row(p.name, p.role.value, str(p.named_on), str(p.withdrawn_on or ""))
    console.print(table)


@click.command()
@db_option
@json_option
def programme(url: str | None, as_json: bool) -> None:
    """The virtual programme: each virtual group's cohort, ceremonies and steps up.

    Examples (on the demo's store):

    \b
        peernet programme
    """
    network = open_network(url, create=False)
    found = network.programme()
    if as_json:
        echo_json(converter.unstructure(found))
        return
    console = make_console()
    if not found:
        console.print("No virtual group runs a programme.")
        return
    for group in found:
        wanted = ", ".join(group.certifications) or "none"
        console.print(
            Text.assemble(
                (group.name, "bold"), f"  {group.months}-month programme, certification: {wanted}"
            )
        )
        table = Table(title="cohort", title_justify="left")
        for header in ("company", "joined", "completes", "status"):
            table.add_column(header)
        for m in group.cohort:
            table.add_row(m.company, str(m.joined_on), str(m.completes_on), m.status)
        console.print(table)
        for c in group.ceremonies:
            console.print(
                f"  graduation {c.on} at {c.gathering}: {plural(c.graduates, 'graduate')}"
            )
        for s in group.steps:
            where = "second year" if s.second_year else "face to face"
            console.print(f"  {s.company} stepped up {s.on} to {s.to_group} ({where}), {s.status}")
