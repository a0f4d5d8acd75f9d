"""The `peernet` command line: build the demo network, list groups and companies, read a
roster.

Exit codes: 0 success; 1 a rule refused (`RuleViolation`); 2 bad input (an unknown group
or company, a bad store URL, a store that cannot be read) or a usage error; 3 an
unexpected failure (a bug; set PEERNET_DEBUG=1 to see the traceback). Every error is one
line on stderr, starting with ``peernet: error:``.

The store is `--db URL`, else the PEERNET_DB environment variable, else
``sqlite:///peernet.db`` in the working directory. This is the one module of peernet that
prints.
"""

import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from uuid import UUID

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from peernet.adapters.codec import converter
from peernet.adapters.demo import (
    DEFAULT_SEED,
    FIRST_YEAR,
    LAST_YEAR,
    DemoSummary,
    YearStory,
    build_demo,
)
from peernet.adapters.storage import ENV_VAR, default_url, redact, settings_for
from peernet.application import Network
from peernet.domain.charters import GroupFormat
from peernet.domain.common import InvalidInput, PeerNetError, RuleViolation
from peernet.domain.memberships import MembershipStatus
from peernet.views import CompanyView, GroupSummary, Roster, Seat

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130

T = TypeVar("T")

# How the story names a refused command: (what it was, what it tried, the rule).
_RULES = {
    "AlreadyInCoreGroup": ("application", "to a second core group", "one core group at a time"),
    "CompetitorInGroup": ("transfer", "into a group where a competitor sits", "non-compete"),
    "AgreementNotSigned": ("attempt", "to take a seat before signing", "agreement first"),
    "GroupAtCapacity": ("transfer", "into a full group", "capacity"),
    "ProgrammeNotComplete": ("graduation", "before the programme ended", "programme length"),
}
_DEPARTURES = {
    "resigned": "resigned",
    "non-payment": "removed for non-payment",
    "acquisition": "left on acquisition",
    "other": "removed",
}


def _fail(message: str, code: int) -> NoReturn:
    line = " ".join(message.split())
    click.echo(f"peernet: error: {line}", err=True)
    sys.exit(code)


class _PeerNetGroup(click.Group):
    """A click group whose every failure is one line on stderr and a documented exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(
                args, prog_name or "peernet", complete_var, standalone_mode=False, **extra
            )
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            _fail(error.format_message() + hint, EXIT_BAD_INPUT)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except click.Abort:
            _fail("interrupted", EXIT_INTERRUPTED)
        except RuleViolation as error:
            _fail(f"refused ({error.rule}): {error}", EXIT_REFUSED)
        except PeerNetError as error:
            _fail(str(error), EXIT_BAD_INPUT)
        except Exception as error:
            if os.environ.get("PEERNET_DEBUG"):
                raise
            _fail(
                f"unexpected {type(error).__name__}: {error} (PEERNET_DEBUG=1 shows the traceback)",
                EXIT_BUG,
            )
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


# --- helpers ----------------------------------------------------------------------------


def _console() -> Console:
    # markup off: company names are data, never rich markup
    console = Console(markup=False, emoji=False, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 120  # piped or captured: wide enough that names do not wrap
    return console


def _n(count: int, noun: str, plural: str | None = None) -> str:
    """`1 member`, `2 members`."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def _echo_json(data: Any) -> None:
    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


def _open(url: str | None, *, create: bool) -> Network:
    """The network in the store `url` names; a query never creates a SQLite file."""
    url = url or default_url()
    settings = settings_for(url)
    if not create and settings["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        path = Path(settings["SQLITE_DBNAME"])
        if not path.is_file():
            raise InvalidInput(
                f"no store at {path} ({redact(url)}); `peernet demo` builds one, "
                f"--db or {ENV_VAR} names another"
            )
    return Network(url)


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def _find(
    items: Iterable[T], key: str, what: str, id_of: Callable[[T], UUID], name_of: Callable[[T], str]
) -> T:
    """The item whose id is `key` or whose name is `key` (case-insensitive)."""
    wanted = key.strip().casefold()
    try:
        as_id: UUID | None = UUID(wanted)
    except ValueError:
        as_id = None
    found = [i for i in items if id_of(i) == as_id or name_of(i).casefold() == wanted]
    if not found:
        raise InvalidInput(f"no {what} {key!r}; `peernet {what.split(maxsplit=1)[0]}s` lists them")
    if len(found) > 1:
        ids = ", ".join(str(id_of(i)) for i in found)
        raise InvalidInput(f"{len(found)} {what}s are named {key!r}; name one by id: {ids}")
    return found[0]


def _group_label(summary: GroupSummary | Roster) -> str:
    fmt = "online" if summary.format is GroupFormat.VIRTUAL else "in-person"
    return f"{fmt} {summary.kind.value}"


# --- the commands ------------------------------------------------------------------------

_db_option = click.option(
    "--db",
    "url",
    metavar="URL",
    help=f"Store URL: memory://, sqlite:///PATH or postgresql://USER@HOST/DB "
    f"(default: ${ENV_VAR}, else sqlite:///peernet.db).",
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON, not tables.")


@click.group(cls=_PeerNetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="peernet", prog_name="peernet")
@click.option("-v", "--verbose", is_flag=True, help="Log what peernet does to stderr.")
def cli(verbose: bool) -> None:
    """peernet: the record of a network of business peer groups.

    \b
    Exit codes: 0 done; 1 a rule refused; 2 bad input or usage;
    3 an unexpected failure (PEERNET_DEBUG=1 shows the traceback).
    """
    if verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")


@cli.command()
@_db_option
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Random seed.")
@click.option(
    "--years",
    type=click.IntRange(1, LAST_YEAR - FIRST_YEAR + 1),
    default=LAST_YEAR - FIRST_YEAR + 1,
    show_default=True,
    help=f"Years to simulate from {FIRST_YEAR}.",
)
@click.option("--fresh", is_flag=True, help="Delete the SQLite store first.")
@_json_option
def demo(url: str | None, seed: int, years: int, fresh: bool, as_json: bool) -> None:
    """Build a seeded simulation of an HTG-like network, 2001-2009, and tell its story.

    Every command goes through peernet's rules; running it again on the same store
    records nothing new and tells the same story, and a run of more years continues a
    shorter one. --fresh starts over.
    """
    url = url or default_url()
    if fresh:
        _delete_sqlite(url)
    network = _open(url, create=True)
    summary = _build_with_progress(network, seed, years)
    if as_json:
        _echo_json(converter.unstructure(summary))
        return
    console = _console()
    _print_story(console, summary, redact(network.url))
    for group_id in summary.featured:
        console.print()
        _print_roster(console, network, network.roster(group_id))


def _delete_sqlite(url: str) -> None:
    settings = settings_for(url)
    module = settings["PERSISTENCE_MODULE"]
    if module == "eventsourcing.popo":
        return
    if module != "eventsourcing.sqlite":
        raise InvalidInput(f"--fresh deletes SQLite files only; clear {redact(url)} yourself")
    path = Path(settings["SQLITE_DBNAME"])
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        file.unlink(missing_ok=True)


def _build_with_progress(network: Network, seed: int, years: int) -> DemoSummary:
    stderr = Console(stderr=True)
    columns = (
        TextColumn("simulating the network"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("months"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=True, disable=not stderr.is_terminal) as bar:
        task = bar.add_task("demo", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return build_demo(network, seed=seed, years=years, progress=advance)


def _print_story(console: Console, summary: DemoSummary, url: str) -> None:
    last = summary.years[-1]
    console.print(
        Text(
            f"An HTG-like network of peer groups, {summary.first_year}-{summary.last_year} "
            f"(seed {summary.seed})",
            style="bold",
        )
    )
    new = (
        "all new"
        if summary.new_events == summary.events
        else f"{summary.new_events:,} new; the store already held the rest"
    )
    console.print(
        f"Store {url}: {summary.commands:,} commands, {summary.events:,} events ({new}); "
        f"{summary.refused} commands refused by the rules, as expected."
    )
    console.print()
    table = Table(title="The network year by year", title_justify="left")
    headers = (
        "year",
        "groups\nin-person",
        "groups\nonline",
        "companies\nregistered",
        "members\njoined",
        "applicants\nwait-listed",
        "members\ndeparted",
        "annual\nturnover",
        "members\nat year end",
        "waiting\nat year end",
    )
    for header in headers:
        table.add_column(header, justify="right")
    for year in summary.years:
        table.add_row(
            str(year.year),
            str(year.in_person_groups),
            str(year.virtual_groups),
            str(year.registered),
            str(year.joined),
            str(year.waitlisted),
            str(year.departed),
            f"{year.turnover:.1%}",
            str(year.active_companies),
            str(year.waiting),
        )
    console.print(table)
    console.print(
        Text(
            "members at year end: companies holding an active seat; turnover: resignations, "
            "removals and acquisitions over the year's average active seats",
            style="dim",
        )
    )
    console.print()
    story = Table.grid(padding=(0, 2))
    story.add_column(style="bold")
    story.add_column()
    for year in summary.years:
        for i, line in enumerate(_year_lines(year)):
            story.add_row(str(year.year) if i == 0 else "", line)
    console.print(Text("What happened", style="bold"))
    console.print(story)
    total = sum(y.registered for y in summary.years)
    departed = sum(y.departed for y in summary.years)
    console.print()
    console.print(
        f"By the end of {last.year}: {last.in_person_groups} in-person and "
        f"{last.virtual_groups} online groups, {last.active_companies} member companies, "
        f"{last.waiting} waiting; {total} companies registered since {summary.first_year}, "
        f"{departed} departures in all."
    )


def _year_lines(year: YearStory) -> list[str]:
    lines = []
    if year.groups_formed:
        lines.append("Formed " + ", ".join(year.groups_formed) + ".")
    lines.append(
        f"{_n(year.registered, 'company', 'companies')} registered; "
        f"{_n(year.applications, 'application')}: {year.offered} seats offered, "
        f"{year.waitlisted} wait-listed; {year.joined} joined"
        + (f", {year.declined} declined the seat offered" if year.declined else "")
        + "."
    )
    if year.departures:
        parts = [f"{n} {_DEPARTURES.get(why, why)}" for why, n in year.departures.items()]
        lines.append(f"Departures: {', '.join(parts)} (turnover {year.turnover:.1%}).")
    for deal in year.acquisitions:
        where = {1: "its group", 2: "both its groups"}.get(
            deal.groups_left, f"all {deal.groups_left} of its groups"
        )
        buyer = f"fellow member {deal.acquirer}" if deal.by_member else deal.acquirer
        lines.append(
            f"{deal.company} was acquired by {buyer} on {_day(deal.at)} "
            f"and left {where} in the same write."
        )
    moves = []
    if year.transfers:
        moves.append(f"{_n(year.transfers, 'member')} transferred")
    if year.graduations:
        moves.append(f"{_n(year.graduations, 'online member')} graduated")
    if year.withdrawn:
        why = ", most to take a seat in another group" if year.withdrawn > 1 else ""
        moves.append(f"{_n(year.withdrawn, 'application')} withdrawn{why}")
    if moves:
        text = "; ".join(moves)
        lines.append(text[0].upper() + text[1:] + ".")
    if year.amendments:
        lines.append("Charter amended: " + "; ".join(year.amendments) + ".")
    refused = []
    for error, n in year.refusals.items():
        what, tried, rule = _RULES.get(error, ("command", "", error))
        refused.append(f"{_n(n, what)} {tried} ({rule})".replace("  ", " "))
    if refused:
        lines.append("Refused by the rules, nothing recorded: " + "; ".join(refused) + ".")
    return lines


def _print_roster(console: Console, network: Network, roster: Roster) -> None:
    title = Text.assemble(
        (roster.name, "bold"),
        f"  {_group_label(roster)} group, charter v{roster.charter_version}, "
        f"capacity {roster.capacity}, facilitator {roster.facilitator or 'none'}"
        + (", closed" if roster.closed else ""),
    )
    console.print(title)
    console.print(
        f"{_n(len(roster.members), 'member')}, {_n(len(roster.offers), 'open offer')}, "
        f"{_n(roster.open_seats, 'open seat')}, {len(roster.waitlist)} wait-listed"
    )
    profiles = {c.company_id: c for c in (network.company(s.company_id) for s in _seats(roster))}

    def where(seat: Seat) -> tuple[str, str]:
        profile = profiles[seat.company_id].profile
        return str(profile.territory), ", ".join(sorted(profile.business_lines))

    if roster.members:
        table = Table(title="members", title_justify="left")
        for header in ("#", "company", "territory", "business lines", "since", "signed"):
            table.add_column(header)
        for n, seat in enumerate(roster.members, start=1):
            table.add_row(
                str(n), seat.company, *where(seat), _day(seat.since), "yes" if seat.signed else "no"
            )
        console.print(table)
    if roster.offers:
        table = Table(title="open offers", title_justify="left")
        for header in ("company", "territory", "business lines", "offered", "signed"):
            table.add_column(header)
        for seat in roster.offers:
            table.add_row(
                seat.company, *where(seat), _day(seat.since), "yes" if seat.signed else "no"
            )
        console.print(table)
    if roster.waitlist:
        table = Table(title="wait-list, in order", title_justify="left")
        for header in ("#", "company", "territory", "business lines", "since", "reason"):
            table.add_column(header)
        for n, seat in enumerate(roster.waitlist, start=1):
            table.add_row(str(n), seat.company, *where(seat), _day(seat.since), seat.note or "")
        console.print(table)


def _seats(roster: Roster) -> list[Seat]:
    return [*roster.members, *roster.offers, *roster.waitlist]


@cli.command()
@_db_option
@_json_option
def groups(url: str | None, as_json: bool) -> None:
    """List every group: format, kind, seats, offers, wait-list, facilitator."""
    network = _open(url, create=False)
    summaries = network.groups()
    if as_json:
        _echo_json(converter.unstructure(summaries, tuple[GroupSummary, ...]))
        return
    console = _console()
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


@cli.command()
@click.argument("group")
@_db_option
@_json_option
def roster(group: str, url: str | None, as_json: bool) -> None:
    """Show a group's roster: members, open offers, the wait-list in order.

    GROUP is the group's id or its name (case-insensitive).
    """
    network = _open(url, create=False)
    summary = _find(network.groups(), group, "group", lambda g: g.group_id, lambda g: g.name)
    found = network.roster(summary.group_id)
    if as_json:
        data = converter.unstructure(found)
        data.update(capacity=found.capacity, open_seats=found.open_seats)
        _echo_json(data)
        return
    _print_roster(_console(), network, found)


@cli.command()
@_db_option
@_json_option
def companies(url: str | None, as_json: bool) -> None:
    """List every company: kind, territory, business lines and current groups."""
    network = _open(url, create=False)
    views = network.companies()
    if as_json:
        _echo_json(converter.unstructure(views, tuple[CompanyView, ...]))
        return
    console = _console()
    if not views:
        console.print(f"No companies in {redact(network.url)} yet.")
        return
    names = {g.group_id: g.name for g in network.groups()}
    table = Table(title=f"{len(views)} companies in {redact(network.url)}", title_justify="left")
    for header in ("company", "kind", "territory", "business lines", "groups"):
        table.add_column(header)
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


@cli.command()
@click.argument("company")
@_db_option
@_json_option
def company(company: str, url: str | None, as_json: bool) -> None:
    """Show a company's profile and every membership it applied for.

    COMPANY is the company's id or its name (case-insensitive).
    """
    network = _open(url, create=False)
    found = _find(network.companies(), company, "company", lambda c: c.company_id, lambda c: c.name)
    if as_json:
        _echo_json(converter.unstructure(found))
        return
    console = _console()
    p = found.profile
    console.print(Text(p.name, style="bold"))
    console.print(
        f"{p.kind.value} in {p.territory}; lines: {', '.join(sorted(p.business_lines))}; "
        f"{p.head_count} people, revenue {p.revenue_band}; registered {_day(found.registered_at)}"
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
            _day(m.applied_at),
            _day(m.joined_at),
            _day(m.left_at),
            _why(m.departure or m.waitlisted_because or "", names),
        )
    console.print(table)


def _why(reason: str, names: dict[UUID, str]) -> str:
    """A departure reason with group ids replaced by group names."""
    for group_id, name in names.items():
        reason = reason.replace(str(group_id), name)
    return reason


def main() -> None:
    """The `peernet` console script."""
    cli.main(prog_name="peernet")
