"""The `peernet` command line: build the demo network, list groups and companies, read a
roster, a group's goals and its motions.

Exit codes: 0 success; 1 a rule refused (`RuleViolation`); 2 bad input (an unknown group
or company, a bad store URL, a store that cannot be read) or a usage error; 3 an
unexpected failure (a bug; set PEERNET_DEBUG=1 to see the traceback). Every error is one
line on stderr, starting with ``peernet: error:``.

The store is `--db URL`, else the PEERNET_DB environment variable, else
``sqlite:///peernet.db`` in the working directory. This is the one module of peernet that
prints.

Goals and ballots are confidential to their group. The command line reads them as
``auditor:operator`` unless ``--as`` names another reader: whoever holds the store file
can read every event in it anyway, and ``--as`` shows what another reader would see.
"""

import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
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
from peernet.adapters.storage import ENV_VAR, default_url, redact, settings_for
from peernet.application import Network
from peernet.demo import (
    DEFAULT_SEED,
    FIRST_YEAR,
    LAST_YEAR,
    DemoSummary,
    MotionStory,
    VoteOff,
    YearStory,
    build_demo,
)
from peernet.domain.access import AccessDenied, Reader, Role
from peernet.domain.charters import GroupFormat
from peernet.domain.common import InvalidInput, PeerNetError, RuleViolation
from peernet.domain.goals import Direction, GoalStatus
from peernet.domain.meetings import Attendance
from peernet.domain.memberships import MembershipStatus
from peernet.domain.motions import MotionKind
from peernet.views import (
    CompanyView,
    GoalRecord,
    GoalView,
    GroupSummary,
    MotionView,
    Roster,
    Seat,
)

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
    "GoalClosed": ("progress report", "on a goal already reviewed", "open goals only"),
    "SubjectCannotVote": ("ballot", "by the subject of a removal", "the subject does not vote"),
}
_DEPARTURES = {
    "resigned": "resigned",
    "non-payment": "removed for non-payment",
    "acquisition": "left on acquisition",
    "voted off": "voted off the island",
    "other": "removed",
}
_LISTED_BY = {"group": "groups", "company": "companies"}


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
        raise InvalidInput(f"no {what} {key!r}; `peernet {_LISTED_BY[what]}` lists them")
    if len(found) > 1:
        ids = ", ".join(str(id_of(i)) for i in found)
        raise InvalidInput(f"{len(found)} {what}s are named {key!r}; name one by id: {ids}")
    return found[0]


class _MomentType(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2 on
    """A date (`2008-06-30`, the whole day) or an ISO time (`2008-10-15T12:00`; UTC
    unless it names an offset), for --as-of, --known-at, --from and --to."""

    name = "DATE|TIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> date | datetime:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            if len(text) == len("2008-06-30"):
                return date.fromisoformat(text)
            found = datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"{value!r} is neither a date (2008-06-30) nor a time (2008-06-30T17:00)")
        return found if found.tzinfo else found.replace(tzinfo=UTC)


_MOMENT = _MomentType()
_as_of_option = click.option(
    "--as-of", type=_MOMENT, help="As it was at this business date or time."
)
_known_at_option = click.option(
    "--known-at",
    type=_MOMENT,
    help="As the records stood at this recording time (later corrections left out).",
)


def _group_named(network: Network, key: str) -> GroupSummary:
    """The group whose id or name (case-insensitive) is `key`."""
    return _find(network.groups(), key, "group", lambda g: g.group_id, lambda g: g.name)


def _company_named(network: Network, key: str) -> CompanyView:
    """The company whose id or name (case-insensitive) is `key`."""
    return _find(network.companies(), key, "company", lambda c: c.company_id, lambda c: c.name)


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

    From 2008 the groups hold quarterly meetings (attendance, prep, costs shared,
    goals reviewed), meet once a year at a summit, and pay monthly dues; one member who
    misses goals and meetings is voted off and a waiting applicant takes the seat. Every
    command goes through peernet's rules; running it again on the same store
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
    if summary.featured:
        from peernet.adapters.cli_meetings import print_a_meeting  # noqa: PLC0415 - it imports this module

        console.print()
        print_a_meeting(console, network, summary.featured[0])


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
    accountable = [y for y in summary.years if y.goals_set]
    if accountable:
        console.print()
        console.print(_goals_table(accountable))
        console.print(
            Text(
                "goals are set at a quarterly meeting and reviewed at the next; completion: "
                "goals met over goals met or missed (withdrawn goals are not due)",
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


def _rate(met: int, missed: int) -> str:
    return f"{met / (met + missed):.1%}" if met + missed else ""


def _goals_table(years: list[YearStory]) -> Table:
    table = Table(title="Goals year by year, by category", title_justify="left")
    table.add_column("year")
    table.add_column("category")
    for header in ("set", "met", "missed", "withdrawn", "completion"):
        table.add_column(header, justify="right")
    for year in years:
        for i, category in enumerate(year.goals_set):
            met, missed = year.goals_met.get(category, 0), year.goals_missed.get(category, 0)
            table.add_row(
                str(year.year) if i == 0 else "",
                category,
                str(year.goals_set[category]),
                str(met),
                str(missed),
                str(year.goals_withdrawn.get(category, 0)),
                _rate(met, missed),
            )
        met, missed = sum(year.goals_met.values()), sum(year.goals_missed.values())
        table.add_row(
            "",
            "all categories",
            str(sum(year.goals_set.values())),
            str(met),
            str(missed),
            str(sum(year.goals_withdrawn.values())),
            _rate(met, missed),
            style="bold",
            end_section=True,
        )
    return table


def _meeting_lines(year: YearStory) -> list[str]:
    """Meetings held, who came, what they cost, the summit, dues and payments."""
    if not year.meetings:
        return []
    marks = year.attendance
    expected = sum(marks.values())
    came = sum(n for mark, n in marks.items() if Attendance(mark).attended)
    partial = marks.get(Attendance.LATE.value, 0) + marks.get(Attendance.LEFT_EARLY.value, 0)
    away = expected - came
    lines = [
        f"{_n(year.meetings, 'meeting')} held: {came:,} of {expected:,} expected attendances "
        f"({came / expected:.0%}; {partial} late or left early, {away} absent, "
        f"{marks.get(Attendance.EXCUSED.value, 0)} of them with notice); "
        f"{_n(year.attendance_flags, 'member')} flagged at a close for missed meetings."
    ]
    for g in year.gatherings:
        lines.append(
            f"{g.name} at {g.venue} from {g.starts:%d %B}: {g.groups} groups, "
            f"{g.people} members, {g.net:,.2f} USD net after sponsorship, shared by headcount."
        )
    lines.append(
        f"Costs shared {year.shared:,.2f} USD after {year.sponsored:,.2f} USD from sponsors, "
        f"absentees paying their share; dues charged {year.dues:,.2f} USD, "
        f"payments received {year.paid:,.2f} USD."
    )
    return lines


def _accountability_lines(year: YearStory) -> list[str]:
    lines = []
    if year.goals_set:
        met, missed = sum(year.goals_met.values()), sum(year.goals_missed.values())
        lines.append(
            f"Goals reviewed quarterly: {sum(year.goals_set.values()):,} set across "
            f"{len(year.goals_set)} categories, {met:,} met, {missed:,} missed "
            f"(completion {_rate(met, missed)}); {year.challenged} challenged by a peer, "
            f"{year.revised} revised before they were due, "
            f"{sum(year.goals_withdrawn.values())} withdrawn."
        )
    if year.flagged:
        lines.append(
            f"Reviews flagged members {_n(year.flagged, 'time')} for goals missed in a row."
        )
    lines += [_motion_line(motion) for motion in year.motions]
    lines += [_vote_off_line(off) for off in year.vote_offs]
    return lines


def _motion_line(motion: MotionStory) -> str:
    what = {
        MotionKind.REMOVAL.value: f"to remove {motion.subject}",
        MotionKind.ADMISSION.value: f"to admit {motion.subject}",
    }.get(motion.kind, "to amend the charter")
    cause = f" ({motion.cause})" if motion.cause else ""
    outcome, _, why = motion.outcome.partition(": ")
    voted = motion.in_favour + motion.against
    return (
        f"Motion in {motion.group} {what}{cause}, raised {_day(motion.raised_at)}: "
        f"{outcome} on {_day(motion.decided_at)}{', ' + why if why else ''}, "
        f"{motion.in_favour} for and {motion.against} against; {voted} of "
        f"{motion.electorate} voted, {motion.quorum_needed} make a quorum."
    )


def _vote_off_line(off: VoteOff) -> str:
    flags = {1: "once", 2: "twice"}.get(off.flags, f"{off.flags} times")
    record = f"missed {off.missed_in_a_row} goals in a row, was flagged {flags}"
    record += f" and {off.attendance}" if off.attendance else ""
    line = (
        f"{off.company} ({off.group}) {record}: voted off the island on {_day(off.at)}, "
        f"{_n(off.goals_withdrawn, 'open goal')} withdrawn in the same write."
    )
    if off.refill is None:
        return line + " Nobody on the wait-list could take the seat; it stays open."
    passed = (
        f", passing over {_n(off.passed_over, 'applicant')} ahead of it who "
        f"{'competes' if off.passed_over == 1 else 'compete'} with a member"
        if off.passed_over
        else ""
    )
    line += (
        f" In the same write the seat was offered to {off.refill}, the first on the "
        f"wait-list who competes with nobody inside{passed}"
    )
    if off.refill_joined is None:
        return line + "."
    return line + f"; it signed and took the seat on {_day(off.refill_joined)}."


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
    lines += _meeting_lines(year)
    lines += _accountability_lines(year)
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
@_as_of_option
@_known_at_option
@_db_option
@_json_option
def roster(
    group: str,
    as_of: date | datetime | None,
    known_at: date | datetime | None,
    url: str | None,
    as_json: bool,
) -> None:
    """Show a group's roster: members, open offers, the wait-list in order.

    GROUP is the group's id or its name (case-insensitive). --as-of shows the roster at
    a past date, --known-at as the records stood at a past time.
    """
    network = _open(url, create=False)
    summary = _group_named(network, group)
    found = network.roster(summary.group_id, as_of=as_of, known_at=known_at)
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
    found = _company_named(network, company)
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


# --- accountability: goals and motions ---------------------------------------------------

_ROLES = tuple(role.value for role in Role)
_DEFAULT_READER = "auditor:operator"


def _reader_spec(ctx: click.Context, param: click.Parameter, value: str) -> tuple[Role, str]:
    role, sep, name = value.partition(":")
    if not sep or role.strip().casefold() not in _ROLES or not name.strip():
        raise click.BadParameter(
            f"{value!r} is not ROLE:NAME; ROLE is one of {', '.join(_ROLES)}", ctx, param
        )
    return Role(role.strip().casefold()), name.strip()


_as_option = click.option(
    "--as",
    "reader",
    metavar="READER",
    default=_DEFAULT_READER,
    show_default=True,
    callback=_reader_spec,
    help="Who reads: auditor:NAME, facilitator:NAME, staff:NAME or member:COMPANY "
    "(a company's id or name: its membership of the group). Whoever holds the store "
    "can read everything in it; --as shows what another reader would see.",
)


def _resolve(network: Network, spec: tuple[Role, str], group_id: UUID) -> Reader:
    """The reader `spec` names; a member company reads through its membership of the
    group (its current one, else its latest; a company never in the group reads as an
    outsider)."""
    role, name = spec
    if role is not Role.MEMBER:
        return Reader(role=role, name=name)
    found = _company_named(network, name)
    held = [m for m in found.memberships if m.group_id == group_id]
    current = [m for m in held if m.status.open] or held
    membership_id = current[-1].membership_id if current else None
    return Reader(role=role, name=found.name, membership_id=membership_id)


def _reader_label(reader: Reader) -> str:
    return f"{reader.role.value} {reader.name}"


def _in_group_words(error: AccessDenied, group: GroupSummary) -> AccessDenied:
    """The refusal, naming the group rather than its id."""
    error.message = error.message.replace(str(group.group_id), group.name)
    return error


def _company_names(network: Network, company_ids: Iterable[UUID]) -> dict[UUID, str]:
    return {c: network.company(c).name for c in set(company_ids)}


def _member_names(network: Network, membership_ids: Iterable[UUID]) -> dict[UUID, str]:
    """Company names by membership id."""
    companies_of = {m: network.membership(m).company_id for m in set(membership_ids)}
    names = _company_names(network, companies_of.values())
    return {m: names[c] for m, c in companies_of.items()}


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,}"


def _target(goal: GoalView) -> str:
    target = goal.target
    way = "<=" if target.direction is Direction.AT_MOST else ">="
    return f"{way} {_amount(target.value)} {target.unit}"


def _ordered(goals: Iterable[GoalView], categories: tuple[str, ...]) -> list[GoalView]:
    """Open goals by category (the charter's order), then decided goals, latest first."""
    rank = {c: i for i, c in enumerate(categories)}
    open_goals = sorted(
        (g for g in goals if g.status is GoalStatus.OPEN),
        key=lambda g: (rank.get(g.target.category, len(rank)), g.target.category, g.set_at),
    )
    decided = sorted(
        (g for g in goals if g.status is not GoalStatus.OPEN),
        key=lambda g: (rank.get(g.target.category, len(rank)), g.target.category, g.set_at),
    )
    # by the day decided, latest first, in category order within a day (the sort is stable)
    return open_goals + sorted(decided, key=lambda g: _day(g.decided_at), reverse=True)


def _records(goals: Iterable[GoalView]) -> list[GoalRecord]:
    by_member: dict[UUID, list[GoalView]] = {}
    for goal in sorted(goals, key=lambda g: (g.set_at, str(g.goal_id))):
        by_member.setdefault(goal.membership_id, []).append(goal)
    return [GoalRecord(membership_id=m, goals=tuple(gs)) for m, gs in by_member.items()]


@cli.command()
@click.argument("group")
@_as_option
@_db_option
@_json_option
def goals(group: str, reader: tuple[Role, str], url: str | None, as_json: bool) -> None:
    """Show a group's goals: open ones by category, then those decided, latest first;
    and each member's record (set, met, missed, completion rate).

    GROUP is the group's id or its name. Goals are confidential to the group: its
    active members, its facilitator and auditors read them; anyone else is refused
    (exit 1).
    """
    network = _open(url, create=False)
    summary = _group_named(network, group)
    who = _resolve(network, reader, summary.group_id)
    try:
        found = network.group_goals(summary.group_id, reader=who)
    except AccessDenied as error:
        raise _in_group_words(error, summary) from None
    categories = network.roster(summary.group_id).charter.goal_categories
    ordered = _ordered(found, categories)
    names = _company_names(network, (g.company_id for g in found))
    records = _records(found)
    statuses = {m: network.membership(m).status for m in (r.membership_id for r in records)}
    if as_json:
        _echo_json(
            {
                "group_id": str(summary.group_id),
                "group": summary.name,
                "reader": converter.unstructure(who),
                "goals": [
                    {**converter.unstructure(g), "company": names[g.company_id]} for g in ordered
                ],
                "records": [_record_json(r, names, statuses) for r in records],
            }
        )
        return
    console = _console()
    open_count = sum(1 for g in found if g.status is GoalStatus.OPEN)
    console.print(Text(summary.name, style="bold"))
    console.print(
        f"{_n(len(found), 'goal')}, {open_count} open; read as {_reader_label(who)}",
    )
    if not found:
        return
    for title, part in (
        ("open goals, by category", ordered[:open_count]),
        ("decided goals, latest first", ordered[open_count:]),
    ):
        if part:
            console.print(_goal_table(title, part, names))
    console.print(_record_table(records, names, statuses))


def _goal_table(title: str, goals: list[GoalView], names: dict[UUID, str]) -> Table:
    """Open goals under a heading per category; decided goals under one per day decided."""
    decided = goals[0].status is not GoalStatus.OPEN
    table = Table(title=title, title_justify="left")
    table.add_column("company", max_width=28)
    table.add_column("goal")
    table.add_column("target", no_wrap=True)
    table.add_column("progress", justify="right")
    table.add_column("status" if decided else "due", no_wrap=True)
    table.add_column("challenges", justify="right")
    heading = ""
    for g in goals:
        section = f"decided {_day(g.decided_at)}" if decided else g.target.category
        if section != heading:
            heading = section
            table.add_row(Text(section, style="bold"), end_section=False)
        revised = len(g.versions) - 1
        statement = f"{g.target.category}: {g.target.statement}" if decided else g.target.statement
        table.add_row(
            names[g.company_id],
            statement + (f" (revised {_n(revised, 'time')})" if revised else ""),
            _target(g),
            _amount(g.progress),
            g.status.value if decided else g.target.due.isoformat(),
            str(len(g.challenges)) if g.challenges else "",
        )
    return table


def _record_counts(record: GoalRecord) -> dict[str, int]:
    return {
        "set": len(record.goals),
        **{status.value: record.count(status) for status in GoalStatus},
    }


def _record_json(
    record: GoalRecord, names: dict[UUID, str], statuses: dict[UUID, MembershipStatus]
) -> dict[str, Any]:
    rate = record.completion_rate
    company_id = record.goals[0].company_id
    return {
        "membership_id": str(record.membership_id),
        "company_id": str(company_id),
        "company": names[company_id],
        "membership": statuses[record.membership_id].value,
        **_record_counts(record),
        "completion_rate": None if rate is None else round(float(rate), 4),
    }


def _record_table(
    records: list[GoalRecord], names: dict[UUID, str], statuses: dict[UUID, MembershipStatus]
) -> Table:
    table = Table(title="each member's record", title_justify="left")
    table.add_column("company")
    for header in ("set", "met", "missed", "withdrawn", "open", "completion"):
        table.add_column(header, justify="right")
    for record in sorted(records, key=lambda r: names[r.goals[0].company_id].casefold()):
        counts = _record_counts(record)
        status = statuses[record.membership_id]
        rate = record.completion_rate
        table.add_row(
            names[record.goals[0].company_id]
            + ("" if status is MembershipStatus.ACTIVE else f" ({status.value})"),
            *(str(counts[k]) for k in ("set", "met", "missed", "withdrawn", "open")),
            "" if rate is None else f"{float(rate):.0%}",
        )
    return table


_SHORT_ID = 8


def _by_prefix(text: str, what: str, hint: str, ids: Callable[[], Iterable[UUID]]) -> UUID:
    """An id, or the first characters of one (at least 4) naming exactly one of `ids`."""
    key = text.strip().casefold()
    try:
        return UUID(key)
    except ValueError:
        pass
    if len(key) < 4 or any(c not in "0123456789abcdef-" for c in key):
        raise InvalidInput(f"{text!r} is not a {what} id; {hint}")
    found = [i for i in ids() if str(i).startswith(key)]
    if not found:
        raise InvalidInput(f"no {what} id starts with {text!r}; {hint}")
    if len(found) > 1:
        raise InvalidInput(f"{len(found)} {what} ids start with {text!r}; give more of it")
    return found[0]


def _motion_id(network: Network, text: str) -> UUID:
    return _by_prefix(
        text,
        "motion",
        "`peernet motions GROUP` lists them",
        lambda: (m.motion_id for g in network.groups() for m in network.group_motions(g.group_id)),
    )


def _motion_json(view: MotionView, group: str, names: dict[UUID, str]) -> dict[str, Any]:
    data: dict[str, Any] = converter.unstructure(view)
    data["group"] = group
    data["raised_by_company"] = names[view.raised_by]
    data["subject_company"] = names[view.subject_id] if view.subject_id else None
    if view.ballots is None:
        data["ballots"] = None
    else:
        data["ballots"] = [
            {"membership_id": str(voter), "company": names[voter], "in_favour": in_favour}
            for voter, in_favour in view.ballots
        ]
    return data


def _motion_names(network: Network, views: Iterable[MotionView]) -> dict[UUID, str]:
    ids: set[UUID] = set()
    for view in views:
        ids.add(view.raised_by)
        ids.update(i for i in (view.subject_id,) if i is not None)
        ids.update(voter for voter, _ in view.ballots or ())
    return _member_names(network, ids)


def _what(view: MotionView, names: dict[UUID, str]) -> str:
    subject = names[view.subject_id] if view.subject_id else ""
    match view.kind:
        case MotionKind.REMOVAL:
            return f"removal of {subject}"
        case MotionKind.ADMISSION:
            return f"admission of {subject}"
    return "charter amendment"


def _hidden_note(who: Reader, group: str) -> Text:
    return Text(
        f"counts only: {_reader_label(who)} may not see who voted how in {group} "
        "(its active members, its facilitator and auditors may)",
        style="dim",
    )


@cli.command()
@click.argument("motion_id", metavar="ID")
@_as_option
@_db_option
@_json_option
def motion(motion_id: str, reader: tuple[Role, str], url: str | None, as_json: bool) -> None:
    """Show a motion: what it proposes, the tally and the outcome, and who voted how.

    ID is the motion's id, or its first characters (`peernet motions GROUP` lists
    them). Individual ballots are shown only to readers who may see inside the group;
    others get the counts.
    """
    network = _open(url, create=False)
    wanted = _motion_id(network, motion_id)
    group_id = network.motion(wanted).group_id
    who = _resolve(network, reader, group_id)
    view = network.motion(wanted, reader=who)
    group = network.roster(group_id).name
    names = _motion_names(network, [view])
    if as_json:
        _echo_json({**_motion_json(view, group, names), "reader": converter.unstructure(who)})
        return
    console = _console()
    console.print(
        Text.assemble((f"Motion {view.motion_id}", "bold"), f"  {_what(view, names)} in {group}")
    )
    tally = view.tally
    lines = [
        f"cause: {view.cause.value}" if view.cause else "",
        f"raised by {names[view.raised_by]} on {_day(view.raised_at)}; "
        f"ballots until {view.deadline:%Y-%m-%d %H:%M} UTC",
        f"tally: {tally.in_favour} for, {tally.against} against, "
        f"{tally.in_favour + tally.against} of {tally.electorate} voted; "
        f"quorum {tally.quorum_needed} ballots ({view.quorum} of the voters), "
        f"threshold {view.threshold} of the ballots in favour",
        f"outcome: {view.outcome}; read as {_reader_label(who)}",
    ]
    for line in filter(None, lines):
        console.print(line)
    if view.ballots is None:
        console.print(_hidden_note(who, group))
        return
    table = Table(title="ballots", title_justify="left")
    table.add_column("voter")
    table.add_column("vote")
    for voter, in_favour in view.ballots:
        table.add_row(names[voter], "for" if in_favour else "against")
    console.print(table)


@cli.command()
@click.argument("group")
@_as_option
@_db_option
@_json_option
def motions(group: str, reader: tuple[Role, str], url: str | None, as_json: bool) -> None:
    """List a group's motions: kind, subject, cause, dates, tally and outcome.

    GROUP is the group's id or its name. Who voted how is shown only to readers who
    may see inside the group; others get the counts.
    """
    network = _open(url, create=False)
    summary = _group_named(network, group)
    who = _resolve(network, reader, summary.group_id)
    views = network.group_motions(summary.group_id, reader=who)
    names = _motion_names(network, views)
    if as_json:
        _echo_json(
            {
                "group_id": str(summary.group_id),
                "group": summary.name,
                "reader": converter.unstructure(who),
                "motions": [_motion_json(v, summary.name, names) for v in views],
            }
        )
        return
    console = _console()
    if not views:
        console.print(f"No motions in {summary.name} yet.")
        return
    table = Table(title=f"{_n(len(views), 'motion')} in {summary.name}", title_justify="left")
    for header in ("motion", "proposal", "cause", "raised\ndeadline"):
        table.add_column(header, no_wrap=header != "proposal")
    for header in ("for", "against", "voters", "quorum"):
        table.add_column(header, justify="right")
    table.add_column("outcome")
    for v in views:
        table.add_row(
            str(v.motion_id)[:_SHORT_ID],
            _what(v, names),
            v.cause.value if v.cause else "",
            f"{_day(v.raised_at)}\n{_day(v.deadline)}",
            str(v.tally.in_favour),
            str(v.tally.against),
            str(v.tally.electorate),
            str(v.tally.quorum_needed),
            v.outcome,
        )
    console.print(table)
    console.print(
        Text("`peernet motion ID` shows one motion; the first characters of its id do", "dim")
    )
    if any(v.ballots is None for v in views):
        console.print(_hidden_note(who, summary.name))
        return
    console.print(Text(f"ballots, as {_reader_label(who)} may see", style="bold"))
    for v in views:
        voted: dict[bool, list[str]] = {True: [], False: []}
        for voter, in_favour in v.ballots or ():
            voted[in_favour].append(names[voter])
        console.print(
            f"{str(v.motion_id)[:_SHORT_ID]}  for: {', '.join(voted[True]) or 'nobody'}; "
            f"against: {', '.join(voted[False]) or 'nobody'}"
        )


def main() -> None:
    """The `peernet` console script."""
    cli.main(prog_name="peernet")


# Commands kept in modules of their own register themselves on `cli` when imported.
from peernet.adapters import (  # noqa: E402, F401
    cli_audit,
    cli_financials,
    cli_meetings,
    cli_privacy,
    cli_reports,
)
