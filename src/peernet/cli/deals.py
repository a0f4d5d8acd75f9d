"""The partner economy's records on the command line: `peernet deals [COMPANY|GROUP]`,
`deal ID`, `referrals [COMPANY|GROUP]`, `competitions` and `awards [COMPANY]`.

A deal's customer and figures are read by its parties, their groups' facilitators and
auditors: the command line reads as ``auditor:operator`` unless ``--as`` names another
reader, and shows `hidden` where that reader may not look. Competitions and awards are
the network's own: every reader sees the same.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import click
from rich.table import Table
from rich.text import Text

from peernet import AccessDenied, Network, Reader, Role
from peernet.adapters.codec import converter
from peernet.cli.options import (
    SHORT_ID,
    as_option,
    by_prefix,
    company_named,
    day_of,
    db_option,
    echo_json,
    find_named,
    json_option,
    leave_out_first,
    make_console,
    open_network,
    plural,
    reader_label,
    resolve_reader,
)
from peernet.domain.money import Money
from peernet.partnerviews import DealView, ReferralView

HIDDEN = "hidden"


def money(value: Money | None) -> str:
    return HIDDEN if value is None else str(value)


def member_reader(network: Network, spec: tuple[Role, str], company_id: UUID | None) -> Reader:
    """The reader `spec` names. A member company reads through its membership of a group
    the company in question is in (else its own latest open membership): the membership
    that decides what it may see."""
    role, name = spec
    if role is not Role.MEMBER:
        return Reader(role=role, name=name)
    reading = company_named(network, name)
    groups = []
    if company_id is not None:
        groups = [m.group_id for m in network.company(company_id).memberships]
    own = [m for m in reading.memberships if m.status.open] or list(reading.memberships)
    shared = [m.group_id for m in own if m.group_id in groups]
    group_id = shared[-1] if shared else (own[-1].group_id if own else None)
    if group_id is None:
        return Reader(role=role, name=reading.name)
    return resolve_reader(network, spec, group_id)


@contextmanager
def group_words(network: Network) -> Iterator[None]:
    """A refusal names the group, not its id."""
    try:
        yield
    except AccessDenied as error:
        for group in network.groups():
            error.message = error.message.replace(str(group.group_id), group.name)
        raise


def scope_of(network: Network, key: str) -> tuple[UUID | None, UUID | None, str]:
    """(company id, group id, name) of the company or group `key` names (id or name)."""
    groups = [g for g in network.groups() if key.casefold() in (g.name.casefold(), str(g.group_id))]
    if groups:
        group = find_named(groups, key, "group", lambda g: g.group_id, lambda g: g.name)
        return None, group.group_id, group.name
    company = company_named(network, key)
    return company.company_id, None, company.name


def _partners(deal: DealView) -> str:
    return ", ".join(f"{p.company} ({p.line}, {p.status.value})" for p in deal.partners) or "none"


def deal_json(deal: DealView) -> dict[str, Any]:
    data: dict[str, Any] = converter.unstructure(deal)
    return data


@click.command("deals")
@click.argument("scope", metavar="[COMPANY|GROUP]", required=False)
@as_option
@db_option
@json_option
def deals_command(
    scope: str | None, reader: tuple[Role, str], url: str | None, as_json: bool
) -> None:
    """P2P deals in the order proposed: of a COMPANY (proposed or joined) or taken part
    in through a GROUP (id or name), or every deal. A deal's customer and value show only
    to its parties, their groups' facilitators and auditors.

    Examples (on the demo's store):

    \b
        peernet deals "Landmark Systems"
        peernet deals "HTG 3"
    """
    network = open_network(url, create=False)
    company_id, group_id, label = scope_of(network, scope) if scope else (None, None, "")
    who = member_reader(network, reader, company_id)
    found = network.deals(company_id=company_id, group_id=group_id, reader=who)
    if as_json:
        echo_json({"reader": converter.unstructure(who), "deals": [deal_json(d) for d in found]})
        return
    console = make_console()
    title = f"Deals{' of ' + label if label else ''}: {plural(len(found), 'deal')}"
    table = Table(title=f"{title}, as {reader_label(who)}", title_justify="left")
    for header in ("deal", "proposed", "by", "line", "partners", "status", "customer", "value"):
        table.add_column(header, justify="right" if header == "value" else "left")
    leave_out_first(table, "line", "partners", "customer", "proposed")
    for d in found:
        table.add_row(
            str(d.deal_id)[:SHORT_ID],
            day_of(d.proposed_at),
            d.company,
            d.line,
            _partners(d),
            d.status.value,
            d.customer if d.revealed else HIDDEN,
            money(d.value) if d.revealed else HIDDEN,
        )
    console.print(table)


def print_deal(console: Any, network: Network, deal: DealView) -> None:
    """One deal on a page: who brought whom in, for which line, the answers and shares."""
    groups = {g.group_id: g.name for g in network.groups()}
    console.print(Text(f"Deal {deal.deal_id}", style="bold"))
    console.print(
        f"{deal.company} ({groups.get(deal.group_id, '')}) proposed it on "
        f"{day_of(deal.proposed_at)} for {deal.customer or HIDDEN}, leading on {deal.line}"
        + (f", converting referral {str(deal.referral_id)[:SHORT_ID]}" if deal.referral_id else "")
        + "."
    )
    if deal.summary:
        console.print(f"What it is: {deal.summary}")
    table = Table(title="partners", title_justify="left")
    for header in ("company", "group", "line", "invited", "answer", "on"):
        table.add_column(header)
    for p in deal.partners:
        table.add_row(
            p.company,
            groups.get(p.group_id, ""),
            p.line,
            day_of(p.invited_at),
            p.status.value,
            day_of(p.answered_at),
        )
    console.print(table)
    if deal.decided_at is None:
        console.print(f"Status: {deal.status.value}.")
    else:
        outcome = "Lost" if deal.status.value == "lost" else "Won"
        console.print(f"{outcome} on {day_of(deal.decided_at)}.")
    if deal.value is not None:
        shares = "; ".join(f"{s.company} {s.amount}" for s in deal.shares)
        console.print(f"Closed on {day_of(deal.closed_at)} at {deal.value}: {shares}.")
    elif deal.status.value == "closed":
        console.print(f"Closed on {day_of(deal.closed_at)}; its value is hidden from this reader.")


@click.command("deal")
@click.argument("deal_id", metavar="ID")
@as_option
@db_option
@json_option
def deal_command(deal_id: str, reader: tuple[Role, str], url: str | None, as_json: bool) -> None:
    """One deal: its customer, partners and their answers, outcome and shares. ID is the
    deal's id or its first characters (`peernet deals` lists them). Readable by its
    parties, their groups' facilitators and auditors; anyone else is refused (exit 1)."""
    network = open_network(url, create=False)
    found = by_prefix(
        deal_id,
        "deal",
        "`peernet deals` lists them",
        lambda: [d.deal_id for d in network.deals(reader=Reader.auditor("operator"))],
    )
    seen = network.deals(reader=Reader.auditor("operator"))
    company = next(d.company_id for d in seen if d.deal_id == found) if seen else None
    who = member_reader(network, reader, company)
    with group_words(network):
        deal = network.deal(found, reader=who)
    if as_json:
        echo_json(deal_json(deal))
        return
    print_deal(make_console(), network, deal)


def referral_json(referral: ReferralView) -> dict[str, Any]:
    data: dict[str, Any] = converter.unstructure(referral)
    return data


@click.command("referrals")
@click.argument("scope", metavar="[COMPANY|GROUP]", required=False)
@as_option
@db_option
@json_option
def referrals_command(
    scope: str | None, reader: tuple[Role, str], url: str | None, as_json: bool
) -> None:
    """Referrals in the order made: given or received by a COMPANY or through a GROUP,
    or every referral; what became of each (accepted, declined, converted into a deal,
    lapsed). The customer shows only to the two companies' readers and auditors.

    Examples (on the demo's store):

    \b
        peernet referrals "HTG 3"
    """
    network = open_network(url, create=False)
    company_id, group_id, label = scope_of(network, scope) if scope else (None, None, "")
    who = member_reader(network, reader, company_id)
    found = network.referrals(company_id=company_id, group_id=group_id, reader=who)
    if as_json:
        echo_json([referral_json(r) for r in found])
        return
    converted = sum(1 for r in found if r.deal_id is not None)
    title = f"Referrals{' of ' + label if label else ''}: {plural(len(found), 'referral')}"
    table = Table(
        title=f"{title}, {converted} converted, as {reader_label(who)}", title_justify="left"
    )
    for header in ("made", "from", "to", "line", "status", "deal", "customer"):
        table.add_column(header)
    leave_out_first(table, "line", "customer", "deal", "made")
    for r in found:
        table.add_row(
            day_of(r.made_at),
            r.company,
            r.to_company,
            r.line,
            r.status.value,
            str(r.deal_id)[:SHORT_ID] if r.deal_id else "",
            r.customer if r.revealed else HIDDEN,
        )
    make_console().print(table)


@click.command("competitions")
@as_option
@db_option
@json_option
def competitions_command(reader: tuple[Role, str], url: str | None, as_json: bool) -> None:
    """The network's best-practices competitions: theme, deadlines, jury, each entry's
    count and award. The network's own: every reader sees the same.

    Examples (on the demo's store):

    \b
        peernet competitions
    """
    network = open_network(url, create=False)
    found = network.competitions()
    if as_json:
        echo_json([converter.unstructure(c) for c in found])
        return
    console = make_console()
    if not found:
        console.print("No competition was opened yet.")
    for c in found:
        judged = f"judged {day_of(c.judged_at)}" if c.judged_at else "not judged yet"
        console.print(Text(f"{c.theme}: opened {day_of(c.opened_at)}, {judged}", style="bold"))
        console.print(
            f"Entries until {day_of(c.entries_close)}, judged until {day_of(c.judging_closes)} "
            f"by a jury of {len(c.jury)}; an entry carries with {float(c.quorum):.0%} of its "
            f"jurors voting and {float(c.threshold):.0%} in favour; {plural(c.awards, 'award')}."
        )
        table = Table()
        for header in ("entry", "company", "partners", "for", "against", "outcome", "award"):
            table.add_column(header)
        leave_out_first(table, "partners", "against", "for")
        for e in c.entries:
            table.add_row(
                e.title,
                e.company,
                ", ".join(e.partners),
                str(e.in_favour),
                str(e.against),
                e.outcome,
                f"#{e.rank}" if e.rank else "",
            )
        console.print(table)


@click.command("awards")
@click.argument("company", required=False)
@as_option
@db_option
@json_option
def awards_command(
    company: str | None, reader: tuple[Role, str], url: str | None, as_json: bool
) -> None:
    """Every best-practices award, or those on one COMPANY's record: the competition,
    the project, the rank, and where the winner presented it.

    Examples (on the demo's store):

    \b
        peernet awards
    """
    network = open_network(url, create=False)
    company_id = company_named(network, company).company_id if company else None
    found = network.awards(company_id=company_id)
    if as_json:
        echo_json([converter.unstructure(a) for a in found])
        return
    gatherings = {g.gathering_id: g.name for g in network.gatherings()}
    table = Table(title=f"Best-practices awards: {len(found)}", title_justify="left")
    for header in ("granted", "competition", "rank", "company", "project", "presented at"):
        table.add_column(header)
    for a in found:
        where = gatherings.get(a.gathering_id, "") if a.gathering_id else "not yet"
        table.add_row(day_of(a.granted_at), a.theme, f"#{a.rank}", a.company, a.title, where)
    make_console().print(table)
