"""The directory of the network: `peernet groups`, `roster GROUP`, `companies` and
`company COMPANY`; and `print_roster`, which the demo's story prints too."""

from datetime import date, datetime
from uuid import UUID

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from peernet import (
    CompanyView,
    GroupFormat,
    GroupSummary,
    InvalidInput,
    MembershipStatus,
    Network,
    Roster,
    Seat,
    UnknownGroup,
)
from peernet.adapters.codec import converter
from peernet.adapters.storage import redact
from peernet.audit import replay
from peernet.cli.options import (
    as_of_option,
    company_named,
    day_of,
    db_option,
    echo_json,
    group_named,
    json_option,
    known_at_option,
    leave_out_first,
    make_console,
    plural,
    read_network,
    with_group_names,
)


def _group_label(summary: GroupSummary | Roster) -> str:
    fmt = "online" if summary.format is GroupFormat.VIRTUAL else "in-person"
    return f"{fmt} {summary.kind.value}"


def print_roster(console: Console, network: Network, roster: Roster) -> None:
    """A group's roster: members, open offers and the wait-list in order, each with its
    territory and business lines."""
    title = Text.assemble(
        (roster.name, "bold"),
        f"  {_group_label(roster)} group, charter v{roster.charter_version}, "
        f"capacity {roster.capacity}, facilitator {roster.facilitator or 'none'}"
        + (", closed" if roster.closed else ""),
    )
    console.print(title)
    console.print(
        f"{plural(len(roster.members), 'member')}, {plural(len(roster.offers), 'open offer')}, "
        f"{plural(roster.open_seats, 'open seat')}, {len(roster.waitlist)} wait-listed"
    )
    console.print(_next_meeting(roster))
    profiles = {c.company_id: c for c in (network.company(s.company_id) for s in _seats(roster))}

    def where(seat: Seat) -> tuple[str, str]:
        profile = profiles[seat.company_id].profile
        return str(profile.territory), ", ".join(sorted(profile.business_lines))

    if roster.members:
        table = Table(title="members", title_justify="left")
        for header in ("#", "company", "territory", "business lines", "since", "signed"):
            table.add_column(header)
        leave_out_first(table, "territory", "business lines", "signed")
        for n, seat in enumerate(roster.members, start=1):
            table.add_row(
                str(n),
                seat.company,
                *where(seat),
                day_of(seat.since),
                "yes" if seat.signed else "no",
            )
        console.print(table)
    if roster.offers:
        table = Table(title="open offers", title_justify="left")
        for header in ("company", "territory", "business lines", "offered", "signed"):
            table.add_column(header)
        leave_out_first(table, "territory", "business lines")
        for seat in roster.offers:
            table.add_row(
                seat.company, *where(seat), day_of(seat.since), "yes" if seat.signed else "no"
            )
        console.print(table)
    if roster.waitlist:
        table = Table(title="wait-list, in order", title_justify="left")
        for header in ("#", "company", "territory", "business lines", "since", "reason"):
            table.add_column(header)
        leave_out_first(table, "territory", "business lines")
        for n, seat in enumerate(roster.waitlist, start=1):
            table.add_row(str(n), seat.company, *where(seat), day_of(seat.since), seat.note or "")
        console.print(table)


def _next_meeting(roster: Roster) -> str:
    nxt = roster.next_meeting
    if nxt is None:
        return "next meeting: none scheduled"
    days = str(nxt.starts) if nxt.ends == nxt.starts else f"{nxt.starts} to {nxt.ends}"
    where = [nxt.venue] if nxt.venue else []
    where += [f"hosted by {nxt.host}"] if nxt.host else []
    return f"next meeting: {days}, " + (", ".join(where) or "venue not set")


def _not_formed_then(
    network: Network,
    summary: GroupSummary,
    typed: str,
    as_of: date | datetime | None,
    known_at: date | datetime | None,
) -> str:
    """Why a group has no roster at the moment asked: it was formed, or its formation
    recorded, after it; in the words the user typed."""
    why = []
    if as_of is not None and summary.formed_at > (
        replay.moment("as_of", as_of) or summary.formed_at
    ):
        why.append(f"it was formed on {summary.formed_at.date()}, after --as-of {as_of}")
    first = next(replay.bounded(network, summary.group_id, replay.Bound()), None)
    asked = replay.moment("known_at", known_at)
    if first is not None and asked is not None and first.recorded_at > asked:
        why.append(
            f"its formation was recorded on {first.recorded_at.date()}, after --known-at {known_at}"
        )
    named = (
        summary.name
        if typed.strip().casefold() == summary.name.casefold()
        else (f"{typed.strip()} ({summary.name})")
    )
    return f"group {named} has no roster then: " + ("; ".join(why) or "it was not formed yet")


def _seats(roster: Roster) -> list[Seat]:
    return [*roster.members, *roster.offers, *roster.waitlist]


@click.command()
@db_option
@json_option
def groups(url: str | None, as_json: bool) -> None:
    """List every group: format, kind, seats, offers, wait-list, facilitator.

    Examples (on the demo's store):

    \b
        peernet groups
    """
    network = read_network(url)
    summaries = network.groups()
    if as_json:
        echo_json(converter.unstructure(summaries, tuple[GroupSummary, ...]))
        return
    console = make_console()
    if not summaries:
        console.print(f"No groups in {redact(network.url)} yet.")
        return
    table = Table(title=f"{len(summaries)} groups in {redact(network.url)}", title_justify="left")
    for header in (
        "group",
        "format",
        "kind",
        "active",
        "offers",
        "waiting",
        "facilitator",
        "closed",
    ):
        table.add_column(header, no_wrap=header == "group")
    leave_out_first(table, "closed", "format", "offers", "kind")
    for g in summaries:
        table.add_row(
            g.name,
            "online" if g.format is GroupFormat.VIRTUAL else "in-person",
            g.kind.value,
            f"{g.active}/{g.capacity}",
            str(g.offers),
            str(g.waitlisted),
            g.facilitator or "",
            "closed" if g.closed else "",
        )
    console.print(table)


@click.command()
@click.argument("group")
@as_of_option
@known_at_option
@db_option
@json_option
def roster(
    group: str,
    as_of: date | datetime | None,
    known_at: date | datetime | None,
    url: str | None,
    as_json: bool,
) -> None:
    """Show a group's roster: members, open offers, the wait-list in order, and the
    next meeting.

    GROUP is the group's id or its name (case-insensitive). --as-of shows the roster at
    a past date, --known-at as the records stood at a past time.

    Examples (on the demo's store):

    \b
        peernet roster "HTG 3"
        peernet roster "HTG 3" --as-of 2005-01-01
    """
    network = read_network(url)
    summary = group_named(network, group)
    try:
        found = network.roster(summary.group_id, as_of=as_of, known_at=known_at)
    except UnknownGroup:
        raise InvalidInput(_not_formed_then(network, summary, group, as_of, known_at)) from None
    if as_json:
        data = converter.unstructure(found)
        data.update(capacity=found.capacity, open_seats=found.open_seats)
        echo_json(data)
        return
    print_roster(make_console(), network, found)


@click.command()
@db_option
@json_option
def companies(url: str | None, as_json: bool) -> None:
    """List every company: kind, territory, business lines and current groups.

    Examples (on the demo's store):

    \b
        peernet companies
    """
    network = read_network(url)
    views = network.companies()
    if as_json:
        echo_json(converter.unstructure(views, tuple[CompanyView, ...]))
        return
    console = make_console()
    if not views:
        console.print(f"No companies in {redact(network.url)} yet.")
        return
    names = {g.group_id: g.name for g in network.groups()}
    table = Table(title=f"{len(views)} companies in {redact(network.url)}", title_justify="left")
    for header in ("company", "kind", "territory", "business lines", "groups"):
        table.add_column(header)
    leave_out_first(table, "territory", "kind", "business lines")
    for c in views:
        table.add_row(
            c.name,
            c.profile.kind.value,
            str(c.profile.territory),
            ", ".join(sorted(c.profile.business_lines)),
            _now_in(c, names),
        )
    console.print(table)


def _now_in(company: CompanyView, names: dict[UUID, str]) -> str:
    if company.acquired_by:
        return f"acquired by {company.acquired_by}"
    held = [
        f"{names.get(m.group_id, m.group_id)}"
        + ("" if m.status is MembershipStatus.ACTIVE else f" ({m.status.value})")
        for m in company.memberships
        if m.status.open
    ]
    return ", ".join(held)


@click.command()
@click.argument("company")
@db_option
@json_option
def company(company: str, url: str | None, as_json: bool) -> None:
    """Show a company's profile and every membership it applied for.

    COMPANY is the company's id or its name (case-insensitive).

    Examples (on the demo's store):

    \b
        peernet company "Landmark Systems"
    """
    network = read_network(url)
    found = company_named(network, company)
    if as_json:
        echo_json(converter.unstructure(found))
        return
    console = make_console()
    p = found.profile
    console.print(Text(p.name, style="bold"))
    console.print(
        f"{p.kind.value} in {p.territory}; lines: {', '.join(sorted(p.business_lines))}; "
        f"{p.head_count} people, revenue {p.revenue_band}; registered {day_of(found.registered_at)}"
        + (f"; acquired by {found.acquired_by}" if found.acquired_by else "")
    )
    if p.representatives:
        console.print("represented by " + ", ".join(p.representatives))
    names = {g.group_id: g.name for g in network.groups()}
    table = Table(title="memberships", title_justify="left")
    for header in ("group", "status", "applied", "joined", "left", "why"):
        table.add_column(header)
    for m in found.memberships:
        table.add_row(
            names.get(m.group_id, str(m.group_id)),
            m.status.value,
            day_of(m.applied_at),
            day_of(m.joined_at),
            day_of(m.left_at),
            with_group_names(m.departure or m.waitlisted_because or "", names),
        )
    console.print(table)
