"""The command line's reports: turnover and the network leader's one-page report.

Every read command takes ``--json``. Figures are read from the read models kept in the
store, with the events recorded since their last catch-up folded in memory: a report
writes nothing, so it runs on a read-only copy of a store as well.
"""

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from peernet import InvalidInput, Network, Reader, Role, reports
from peernet.adapters.readmodels import ReadModels
from peernet.adapters.storage import redact
from peernet.cli.options import (
    as_option,
    company_named,
    db_option,
    echo_json,
    find_named,
    group_named,
    json_option,
    leave_out_first,
    make_console,
    number,
    plural,
    read_network,
    reader_label,
    resolve_reader,
)
from peernet.projections import GroupHistories, GroupHistory, figures
from peernet.projections.summary import NetworkReport
from peernet.reports.lines import GROUP_HEADERS, group_rows, pct, summary_lines

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _models(network: Network) -> ReadModels:
    """The read models of the store, read without writing: the live copies, and the
    events recorded since folded in memory (`peernet projections rebuild` keeps them)."""
    return ReadModels(network)


def _last_day(network: Network) -> date:
    """The business date of the last event recorded (a report's default end)."""
    last = network.last_recorded()
    if last is None:
        raise InvalidInput(f"no events in {redact(network.url)} yet; `peernet demo` records some")
    return last.event.at.date()


def _period(network: Network, start: datetime | None, end: datetime | None) -> figures.Period:
    last = end.date() if end else _last_day(network)
    try:
        first = start.date() if start else last - timedelta(days=364)
    except OverflowError:
        raise InvalidInput(f"--to {last} leaves no year before it; give --from") from None
    if last < first:
        raise InvalidInput(f"--to {last} comes before --from {first}")
    return figures.Period(first, last)


def _histories(models: ReadModels) -> dict[str, GroupHistory]:
    views: dict[str, GroupHistory] = models.views(GroupHistories.name)
    return views


def _group(histories: dict[str, GroupHistory], key: str) -> GroupHistory:
    return find_named(
        histories.values(), key, "group", lambda h: UUID(h.group_id), lambda h: h.name
    )


def _names(network: Network) -> dict[str, str]:
    return {str(c.company_id): c.profile.name for c in network.companies()}


def _period_json(period: figures.Period) -> dict[str, Any]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "days": period.days}


def _turnover_json(found: figures.Turnover, names: dict[str, str], explain: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "scope": found.scope,
        "period": _period_json(found.period),
        "departures": len(found.departures),
        "average_members": number(found.average_members),
        "rate": number(found.rate),
        "annualised": number(found.annualised),
    }
    if explain:
        data["departure_events"] = [
            {
                "position": d.position,
                "at": d.at.isoformat(),
                "group_id": d.group_id,
                "membership_id": d.membership_id,
                "company": names.get(d.company_id, d.company_id),
                "reason": d.reason,
            }
            for d in found.departures
        ]
        data["member_days"] = [
            {
                "group_id": m.group_id,
                "membership_id": m.membership_id,
                "company": names.get(m.company_id, m.company_id),
                "days": number(m.days),
                "joined_position": m.joined_position,
                "left_position": m.left_position,
            }
            for m in found.member_days
        ]
    return data


@click.command("turnover")
@click.argument("group", required=False)
@click.option("--from", "start", type=_DATE, help="First day (default: a year before --to).")
@click.option("--to", "end", type=_DATE, help="Last day (default: the last event's date).")
@click.option("--explain", is_flag=True, help="List the departures and member-days behind it.")
@db_option
@json_option
def turnover_command(  # noqa: PLR0917 - click passes every option by position
    group: str | None,
    start: datetime | None,
    end: datetime | None,
    explain: bool,
    url: str | None,
    as_json: bool,
) -> None:
    """Turnover of one GROUP (id or name) or of the whole network over a period.

    Departures (resigned, voted off, removed, acquired; not transfers or graduations)
    divided by the time-weighted average of active members.

    Examples (on the demo's store):

    \b
        peernet turnover
        peernet turnover "HTG 1" --explain
    """
    network = read_network(url)
    period = _period(network, start, end)
    histories = _histories(_models(network))
    if group is None:
        found = figures.turnover(histories.values(), period)
        label = "the network"
    else:
        chosen = _group(histories, group)
        found = figures.turnover([chosen], period, scope=chosen.group_id)
        label = chosen.name
    names = _names(network) if explain or as_json else {}
    if as_json:
        echo_json(_turnover_json(found, names, explain))
        return
    console = make_console()
    console.print(
        Text(f"Turnover of {label}, {period.start} to {period.end}: {pct(found.rate)}", "bold")
    )
    console.print(
        f"{plural(len(found.departures), 'departure')} ÷ {float(found.average_members):.2f} "
        f"average active members ({pct(found.annualised)} a year)"
    )
    if not explain:
        return
    groups = {h.group_id: h.name for h in histories.values()}
    table = Table(title="departures", title_justify="left")
    for header in ("event", "date", "group", "company", "why"):
        table.add_column(header)
    for d in found.departures:
        table.add_row(
            f"#{d.position}",
            d.at.date().isoformat(),
            groups.get(d.group_id, d.group_id),
            names.get(d.company_id, d.company_id),
            d.reason,
        )
    console.print(table)
    days = Table(title="member-days in the period", title_justify="left")
    for header in ("group", "company", "days", "joined", "left"):
        days.add_column(header)
    for m in found.member_days:
        days.add_row(
            groups.get(m.group_id, m.group_id),
            names.get(m.company_id, m.company_id),
            f"{float(m.days):.1f}",
            f"#{m.joined_position}",
            f"#{m.left_position}" if m.left_position else "",
        )
    total = sum(float(m.days) for m in found.member_days)
    console.print(days)
    console.print(f"{total:,.1f} member-days ÷ {period.days} days = {total / period.days:.2f}")


# --- the one-page report -------------------------------------------------------------------


def _report_json(found: NetworkReport) -> dict[str, Any]:
    t, r, f, g, grow, seen = (
        found.turnover,
        found.retention,
        found.fill,
        found.goals,
        found.growth,
        found.attendance,
    )
    return {
        "period": _period_json(found.period),
        "network": {
            "groups_open": dict(found.formats),
            "turnover": number(t.rate),
            "departures": len(t.departures),
            "average_members": number(t.average_members),
            "retention": number(r.rate),
            "active": f.active,
            "capacity": f.capacity,
            "fill": number(f.rate),
            "waitlisted": len(f.waiting),
            "oldest_wait_days": f.oldest_wait,
            "median_days_to_seat": f.median_days_to_seat,
            "goals_due": len(g.due),
            "goals_met": g.met,
            "goal_completion": number(g.rate),
            "meetings": seen.meetings,
            "expected_attendances": len(seen.expected),
            "attended": number(seen.attended),
            "attendance": number(seen.rate),
            "retained": len(r.retained),
            "members_at_start": len(r.at_start),
            "seated": len(f.seated),
            "waitlisted_in_period": len(f.listed),
            "departures_by_reason": dict(sorted(Counter(d.why for d in t.departures).items())),
            "growth": {
                "target": {"groups": grow.target.groups, "companies": grow.target.companies},
                "quarters": [
                    {"quarter": q.label, "groups": q.groups, "companies": q.companies}
                    for q in grow.quarters
                ],
            },
        },
        "groups": [
            {
                "group_id": x.history.group_id,
                "name": x.history.name,
                "active": x.fill.active,
                "capacity": x.fill.capacity,
                "fill": number(x.fill.rate),
                "waitlisted": len(x.fill.waiting),
                "turnover": number(x.turnover.rate),
                "departures": len(x.turnover.departures),
            }
            # a group's goals and attendance only for a reader inside it
            | _inside_json(x.goals, x.attendance)
            for x in found.groups
        ],
    }


def _inside_json(
    goals: figures.GoalCompletion | None, seen: figures.AttendanceRate | None
) -> dict[str, Any]:
    if goals is None or seen is None:
        return {}
    return {
        "goals_due": len(goals.due),
        "goal_completion": number(goals.rate),
        "meetings": seen.meetings,
        "attendance": number(seen.rate),
    }


@click.command()
@click.option("--from", "start", type=_DATE, help="First day (default: a year before --to).")
@click.option("--to", "end", type=_DATE, help="Last day (default: the last event's date).")
@click.option(
    "--target-groups", type=click.IntRange(1), default=figures.Target().groups, show_default=True
)
@click.option(
    "--target-companies",
    type=click.IntRange(1),
    default=figures.Target().companies,
    show_default=True,
)
@click.option(
    "--html",
    "page",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report as one web page with its charts to this file (it opens with "
    "no network access), instead of printing it.",
)
@click.option(
    "--roster",
    metavar="GROUP",
    help="With --html: the group (id or name) whose roster timeline the page draws "
    "(default: the group with the most memberships).",
)
@as_option
@db_option
@json_option
def report(  # noqa: PLR0917 - click passes every option by position
    start: datetime | None,
    end: datetime | None,
    target_groups: int,
    target_companies: int,
    page: Path | None,
    roster: str | None,
    reader: tuple[Role, str],
    url: str | None,
    as_json: bool,
) -> None:
    """One page for a network leader: groups, fill, wait-list, turnover, goals,
    attendance, growth.

    With --html FILE, a web page with charts of them year by year and group by group,
    a group's roster timeline and the groups' P2P activity (which only a reader --as
    inside a group reads).

    Examples (on the demo's store):

    \b
        peernet report
        peernet report --from 2008-01-01 --to 2008-12-31
    """
    if page is not None and as_json:
        raise InvalidInput("--html writes a page and --json prints JSON: give one of them")
    network = read_network(url)
    period = _period(network, start, end)
    if page is not None:
        target = figures.Target(groups=target_groups, companies=target_companies)
        _write_page(network, period, target, page, roster, reader)
        return
    target = figures.Target(groups=target_groups, companies=target_companies)
    # the figures the page shows, as the reader --as may see them
    found = network.figures(period, target=target, reader=_page_reader(network, reader, None))
    if as_json:
        echo_json(_report_json(found))
        return
    _print_report(make_console(), network, found)


def _print_report(console: Console, network: Network, found: NetworkReport) -> None:
    period = found.period
    console.print(
        Text(f"The network, {period.start} to {period.end} ({redact(network.url)})", "bold")
    )
    for line in summary_lines(found):
        console.print(line)
    table = Table(title=f"{len(found.groups)} groups", title_justify="left")
    for header in GROUP_HEADERS:
        table.add_column(header, no_wrap=header == "group")
    leave_out_first(table, "left", "waiting")
    for row in group_rows(found.groups):
        table.add_row(*row)
    console.print(table)
    growth_table = Table(title="growth per quarter", title_justify="left")
    for header in ("quarter", "groups", "companies"):
        growth_table.add_column(header)
    for q in found.growth.quarters:
        growth_table.add_row(q.label, str(q.groups), str(q.companies))
    console.print(growth_table)


# --- the report as a web page --------------------------------------------------------------


def _page_reader(network: Network, spec: tuple[Role, str], group_id: UUID | None) -> Reader:
    """The reader --as names; a member company reads through its membership of the
    roster's group, or else of the last group it joined."""
    role, name = spec
    if role is Role.MEMBER and group_id is None:
        held = company_named(network, name).memberships
        group_id = held[-1].group_id if held else None
    if group_id is None:
        return Reader(role=role, name=name)
    return resolve_reader(network, spec, group_id)


def _write_page(  # noqa: PLR0917 - the options of `report --html`
    network: Network,
    period: figures.Period,
    target: figures.Target,
    path: Path,
    roster: str | None,
    spec: tuple[Role, str],
) -> None:
    group_id = group_named(network, roster).group_id if roster is not None else None
    who = _page_reader(network, spec, group_id)
    content = reports.gather(network, period, who, target, timeline_of=group_id)
    text = reports.render(content, generated=date.today())
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"cannot write {path}: {error.strerror or error}") from None
    charts = text.count('<figure class="chart"')
    click.echo(
        f"wrote {path} ({len(text) / 1e6:.1f} MB, {plural(charts, 'chart')}), "
        f"as {reader_label(who)}"
    )
