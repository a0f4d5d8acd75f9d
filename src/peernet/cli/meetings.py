"""The command line's meetings and money: `peernet meetings GROUP`, `peernet meeting ID`
and `peernet account COMPANY`."""

from uuid import UUID

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from peernet import AccountView, Attendance, MeetingStatus, MeetingView, Network, Role
from peernet.adapters.codec import converter
from peernet.cli.options import (
    SHORT_ID,
    as_option,
    by_prefix,
    company_named,
    day_of,
    db_option,
    echo_json,
    json_option,
    leave_out_first,
    make_console,
    member_names,
    open_group,
    plural,
    read_network,
    reader_label,
    resolve_reader,
)
from peernet.domain.money import total


def _meeting_id(network: Network, text: str) -> UUID:
    return by_prefix(
        text,
        "meeting",
        "`peernet meetings GROUP` lists them",
        lambda: (
            m.meeting_id for g in network.groups() for m in network.group_meetings(g.group_id)
        ),
    )


def _where(network: Network, view: MeetingView, names: dict[UUID, str]) -> str:
    if view.gathering_id is not None:
        return f"{network.gathering(view.gathering_id).name}, {view.venue}"
    if view.host_id is not None:
        return f"at {names.get(view.host_id, view.host_id)}'s" + (
            f", {view.venue}" if view.venue else ""
        )
    return view.venue


def _came(view: MeetingView) -> tuple[int, int]:
    marks = [a for _, a in view.attendance if a is not None]
    return sum(1 for a in marks if a.attended), sum(1 for a in marks if not a.attended)


@click.command()
@click.argument("group")
@as_option
@db_option
@json_option
def meetings(group: str, reader: tuple[Role, str], url: str | None, as_json: bool) -> None:
    """List a group's meetings: dates, place, status, attendance and net cost.

    GROUP is the group's id or its name (case-insensitive).

    Examples (on the demo's store):

    \b
        peernet meetings "HTG 3"
    """
    network, summary, who = open_group(url, group, reader)
    views = network.group_meetings(summary.group_id, reader=who)
    if as_json:
        echo_json(
            {
                "group_id": str(summary.group_id),
                "group": summary.name,
                "meetings": converter.unstructure(views, tuple[MeetingView, ...]),
            }
        )
        return
    console = make_console()
    if not views:
        console.print(f"No meetings in {summary.name} yet.")
        return
    names = member_names(network, {h for v in views if (h := v.host_id) is not None})
    table = Table(title=f"{plural(len(views), 'meeting')} of {summary.name}", title_justify="left")
    for header in ("meeting", "dates", "where", "status"):
        table.add_column(header)
    for header in ("expected", "came", "absent", "net cost"):
        table.add_column(header, justify="right")
    leave_out_first(table, "where", "expected", "absent", "net cost")
    for v in views:
        came, absent = _came(v)
        dates = v.starts.isoformat() + ("" if v.ends == v.starts else f" to {v.ends:%m-%d}")
        table.add_row(
            str(v.meeting_id)[:SHORT_ID],
            dates,
            _where(network, v, names),
            v.status.value,
            str(len(v.expected)),
            str(came),
            str(absent),
            str(v.costs.net) if v.costs.expenses or v.costs.sponsorships else "",
        )
    console.print(table)
    console.print(
        Text("`peernet meeting ID` shows one meeting; the first characters of its id do", "dim")
    )


@click.command()
@click.argument("meeting_id", metavar="ID")
@as_option
@db_option
@json_option
def meeting(meeting_id: str, reader: tuple[Role, str], url: str | None, as_json: bool) -> None:
    """Show a meeting: agenda, prep, attendance and the cost sheet, share by share.

    ID is the meeting's id, or its first characters (`peernet meetings GROUP` lists
    them). Prep work itself is shown only to readers who may see inside the group.
    """
    network = read_network(url)
    wanted = _meeting_id(network, meeting_id)
    group_id = network.meeting(wanted).group_id
    who = resolve_reader(network, reader, group_id)
    view = network.meeting(wanted, reader=who)
    group = network.roster(group_id).name
    people = {m for m, _ in view.attendance} | {s.membership_id for s in view.costs.shares}
    names = member_names(network, people | {t.owner_id for t in view.agenda if t.owner_id})
    if as_json:
        echo_json(
            {**converter.unstructure(view), "group": group, "reader": converter.unstructure(who)}
        )
        return
    console = make_console()
    console.print(
        Text.assemble(
            (f"Meeting {view.meeting_id}", "bold"),
            f"  {group}, {view.starts} to {view.ends}, {_where(network, view, names)}",
        )
    )
    status = view.status.value
    if view.status is MeetingStatus.CANCELLED:
        status += f": {view.cancelled_because}"
    console.print(f"status: {status}; read as {reader_label(who)}")
    if view.agenda:
        console.print(Text("agenda", style="bold"))
        for n, topic in enumerate(view.agenda, 1):
            owner = f" ({names.get(topic.owner_id, topic.owner_id)})" if topic.owner_id else ""
            console.print(f"{n}. {topic.title}{owner}")
    _print_roll(console, view, names)
    _print_costs(console, view, names)


def _print_roll(console: Console, view: MeetingView, names: dict[UUID, str]) -> None:
    prep = {p.membership_id: p for p in view.prep}
    table = Table(title="attendance and prep", title_justify="left")
    for header in ("member", "attendance", "prep"):
        table.add_column(header)
    hidden = False
    for membership_id, attendance in view.attendance:
        p = prep.get(membership_id)
        work = ""
        if p is not None:
            work = f"{day_of(p.submitted_at)}{' (late)' if p.late else ''}"
            if p.summary is None:
                hidden = True
            else:
                work += f": {p.summary}"
        table.add_row(
            names.get(membership_id, str(membership_id)),
            attendance.value if attendance else "not recorded",
            work,
        )
    console.print(table)
    if hidden:
        console.print(
            Text(
                "prep work is confidential to the group: shown only to its members, "
                "its facilitator and auditors",
                style="dim",
            )
        )


def _print_costs(console: Console, view: MeetingView, names: dict[UUID, str]) -> None:
    costs = view.costs
    if not (costs.expenses or costs.sponsorships):
        console.print("no costs recorded")
        return
    table = Table(title="cost sheet", title_justify="left")
    table.add_column("item")
    table.add_column("amount", justify="right")
    for kind, description, amount in costs.expenses:
        table.add_row(f"{kind.value}" + (f": {description}" if description else ""), str(amount))
    for sponsor, amount in costs.sponsorships:
        table.add_row(f"sponsored by {sponsor}", str(-amount))
    table.add_row(Text("net cost", style="bold"), Text(str(costs.net), style="bold"))
    console.print(table)
    if not costs.shared:
        console.print("shares are set when the meeting closes")
        return
    attendance = dict(view.attendance)
    shares = Table(title=f"shares of {plural(len(costs.shares), 'member')}", title_justify="left")
    for header in ("member", "attendance", "share"):
        shares.add_column(header, justify="right" if header == "share" else "left")
    for share in costs.shares:
        mark = attendance.get(share.membership_id)
        shares.add_row(
            names.get(share.membership_id, str(share.membership_id)),
            mark.value if isinstance(mark, Attendance) else "",
            str(share.amount),
        )
    summed = total([s.amount for s in costs.shares], costs.net.currency)
    shares.add_row(Text("total", style="bold"), "", Text(str(summed), style="bold"))
    console.print(shares)


def print_a_meeting(console: Console, network: Network, group_id: UUID) -> None:
    """For the demo's story: the group's latest closed meeting that tells the most (an
    absentee and a sponsor, else an absentee), its cost sheet share by share, and the
    account of the first member charged."""
    closed = [v for v in network.group_meetings(group_id) if v.status is MeetingStatus.CLOSED]
    missed = [v for v in closed if _came(v)[1]]
    telling = [v for v in missed if v.costs.sponsorships] or missed or closed
    if not telling:
        return
    view = telling[-1]
    group = network.roster(group_id).name
    people = {s.membership_id for s in view.costs.shares} | {m for m, _ in view.attendance}
    names = member_names(network, people)
    console.print(
        Text(f"A meeting of {group}: {view.starts}, {_where(network, view, names)}", "bold")
    )
    came, absent = _came(view)
    console.print(f"{came} came, {absent} did not; absentees pay their share.")
    _print_costs(console, view, names)
    if view.costs.shares:
        company = view.costs.shares[0].company_id
        account = network.account(company)
        name = network.company(company).name
        for balance in account.balances:
            console.print(
                f"{name}'s account: {plural(len(account.entries), 'entry', 'entries')}, "
                f"balance {balance} (`peernet account` lists them)"
            )


def _about(network: Network, kind: str, about: str) -> str:
    """An account line's subject in words: the meeting's group and day, the gathering."""
    if kind == "meeting costs":
        view = network.meeting(UUID(about))
        return f"{network.roster(view.group_id).name} meeting of {view.starts}"
    if kind == "gathering costs":
        return network.gathering(UUID(about)).name
    return about


@click.command()
@click.argument("company")
@db_option
@json_option
def account(company: str, url: str | None, as_json: bool) -> None:
    """Show a company's account: dues, shares of meeting costs, payments, balance.

    COMPANY is the company's id or its name (case-insensitive).

    Examples (on the demo's store):

    \b
        peernet account "Landmark Systems"
    """
    network = read_network(url)
    found = company_named(network, company)
    view = network.account(found.company_id)
    if as_json:
        echo_json({**converter.unstructure(view, AccountView), "company": found.name})
        return
    console = make_console()
    console.print(Text(f"Account of {found.name}", style="bold"))
    if not view.entries:
        console.print("nothing charged or paid yet")
        return
    table = Table(title=f"{plural(len(view.entries), 'entry', 'entries')}", title_justify="left")
    for header in ("date", "what", "about"):
        table.add_column(header)
    table.add_column("amount", justify="right")
    for entry in view.entries:
        table.add_row(
            day_of(entry.at),
            entry.kind,
            _about(network, entry.kind, entry.about),
            str(entry.amount),
        )
    console.print(table)
    for balance in view.balances:
        owes = "owes" if balance.amount >= 0 else "is owed"
        console.print(
            Text(
                f"balance: {found.name} {owes} {abs(balance.amount):,.2f} {balance.currency}",
                style="bold",
            )
        )
