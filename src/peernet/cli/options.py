"""What every command of the `peernet` command line shares: the options (--db, --json,
--as, --as-of, --known-at), opening the network, finding a group, a company or an id
prefix, the console, JSON output, the plural helper, and the one-line error exit.

Every module of `peernet.cli` imports its helpers from here, and nothing else from its
siblings' privates; this module imports no other module of `peernet.cli`.
"""

import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from uuid import UUID
from weakref import WeakKeyDictionary

import click
import orjson
from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderHook, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Column, Table
from rich.text import Text

from peernet import CompanyView, GroupSummary, InvalidInput, Network, Reader, Role
from peernet.adapters.opening import Access
from peernet.adapters.storage import ENV_VAR, default_url, redact, settings_for

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130

T = TypeVar("T")

log = logging.getLogger("peernet.cli")


def fail(message: str, code: int) -> NoReturn:
    """Print one error line on stderr and exit with `code`."""
    line = " ".join(message.split())
    click.echo(f"peernet: error: {line}", err=True)
    sys.exit(code)


# --- printing -------------------------------------------------------------------------


def make_console(leave_out: Mapping[str, tuple[str, ...]] | None = None) -> Console:
    """The console the commands print to: every table fitted to its width (`fit_table`),
    no line ending in spaces. `leave_out` names, by a table's title, the columns a
    narrow console leaves out first, for tables printed by code that cannot name them
    itself (`leave_out_first`): the demo's story."""
    # markup off: company names are data, never rich markup
    console = Console(markup=False, emoji=False, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 120  # piped or captured: wide enough that names do not wrap
    console.push_render_hook(_FitAndTrim(leave_out or {}))
    return console


#: the columns a table leaves out first when the console is too narrow for it
_LEAVE_OUT: "WeakKeyDictionary[Table, tuple[str, ...]]" = WeakKeyDictionary()

#: a column this wide or narrower is not wrapped while a column may be left out instead
_COMFORTABLE = 14


def leave_out_first(table: Table, *headers: str) -> Table:
    """Name the columns of `table` a narrow console leaves out, the first named first;
    when they are all gone and it is still too narrow (or none are named), any other
    column but the first and the names, rightmost first."""
    _LEAVE_OUT[table] = headers
    return table


#: a name up to this long is never wrapped (longer ones may be, at their spaces)
_LONG_NAME = 32

#: the columns made whole first: what a reader looks a row up by
_NAMES = frozenset(
    {"company", "group", "name", "member", "vendor", "person", "partner", "by", "from", "to"}
)


def _shows(value: object) -> bool:
    """Whether a cell shows something (a cell holding spaces only does not)."""
    return bool((value.plain if isinstance(value, Text) else str(value)).strip())


def _header(column: Column) -> str:
    header = column.header
    return " ".join((header.plain if isinstance(header, Text) else str(header)).split())


def _measure(console: Console, options: ConsoleOptions, column: Column) -> tuple[int, int]:
    """The narrowest width (its longest word) and the natural width of `column`,
    its header included, padding excluded."""
    if column.width is not None:
        return column.width, column.width
    found = [Measurement.get(console, options, column.header)]
    found += [Measurement.get(console, options, cell) for cell in column.cells]
    narrowest = max(m.minimum for m in found)
    natural = max(m.maximum for m in found)
    if column.no_wrap:
        return natural, natural
    if _header(column).casefold() in _NAMES:  # a name is kept on one line
        return max(narrowest, min(natural, _LONG_NAME)), natural
    return narrowest, natural


def _wants(narrowest: int, natural: int, comfortable: bool) -> int:
    """The width a column asks for: its narrowest, or when `comfortable` at least its
    natural width up to `_COMFORTABLE` (short values unwrapped)."""
    return max(narrowest, min(natural, _COMFORTABLE)) if comfortable else narrowest


def fit_table(
    table: Table, console: Console, width: int, leave_out: Mapping[str, tuple[str, ...]]
) -> None:
    """Fit `table` into `width` columns: when it does not fit whole, the columns no row
    fills are left out, then columns of low priority (all named in the caption) while
    the rest would not fit without wrapping values shorter than
    `_COMFORTABLE` or splitting a word; then the room shared so the columns nearest their
    natural width are made whole first. A header is never cut: a column is at least as
    wide as the longest word of its header."""
    if table.box is None or not table.columns:
        return
    options = console.options.update_width(width)
    pad_left, pad_right = table.padding[3], table.padding[1]
    cut: list[str] = []

    def room() -> int:
        borders = len(table.columns) + 1 if table.show_edge else len(table.columns) - 1
        return width - borders - len(table.columns) * (pad_left + pad_right)

    measured_once = {id(column): _measure(console, options, column) for column in table.columns}

    def sizes() -> list[tuple[int, int]]:
        return [measured_once[id(column)] for column in table.columns]

    if sum(natural for _, natural in sizes()) <= room():
        return
    named = _LEAVE_OUT.get(table, leave_out.get(str(table.title)))
    empty = [_header(c) for c in table.columns[1:] if not any(_shows(v) for v in c.cells)]
    rightmost = [_header(c) for c in reversed(table.columns[1:])]
    # the columns named go first; then, if need be, any other but a name, rightmost first
    later = [*(named or ()), *(h for h in rightmost if h.casefold() not in _NAMES)]
    order = list(dict.fromkeys(h for h in later if h not in empty))
    for header in empty:  # a column no row fills says nothing: it goes first, whatever
        table.columns[:] = [c for c in table.columns if _header(c) != header]
        cut.append(header)
    for comfortable in (True, False):
        while order and sum(_wants(n, s, comfortable) for n, s in sizes()) > room():
            header = order.pop(0)
            table.columns[:] = [c for c in table.columns if _header(c) != header]
            cut.append(header)
    if cut:
        left_out = f"left out to fit {width} columns: {', '.join(cut)}"
        table.caption = f"{table.caption}\n{left_out}" if table.caption else left_out
        table.caption_justify = "left"
    measured = sizes()
    spare = room() - sum(n for n, _ in measured)
    if spare < 0:
        return  # even the narrowest does not fit: rich squeezes it as it can
    widths = [n for n, _ in measured]
    names = [_header(c).casefold() in _NAMES for c in table.columns]
    for index in sorted(
        range(len(measured)), key=lambda i: (not names[i], measured[i][1] - measured[i][0])
    ):
        grow = min(spare, measured[index][1] - widths[index])
        widths[index] += grow
        spare -= grow
    for column, fitted in zip(table.columns, widths, strict=True):
        column.width = fitted


class _FitAndTrim(RenderHook):
    """Fits each table printed to the console's width and cuts the spaces that end
    each line (rich pads titles and plain lines to the full width)."""

    def __init__(self, leave_out: Mapping[str, tuple[str, ...]]) -> None:
        self.leave_out = leave_out

    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Trimmed(r, self.leave_out) for r in renderables]


class _Trimmed:
    """`inner`, fitted when a table, rendered without the spaces ending its lines."""

    def __init__(self, inner: ConsoleRenderable, leave_out: Mapping[str, tuple[str, ...]]) -> None:
        self.inner = inner
        self.leave_out = leave_out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if isinstance(self.inner, Table):
            fit_table(self.inner, console, options.max_width, self.leave_out)
        ends_line = not isinstance(self.inner, Text) or self.inner.end.endswith("\n")
        lines = console.render_lines(self.inner, options, pad=False, new_lines=False)
        for number, line in enumerate(lines, 1):
            yield from _rstrip(line)
            if ends_line or number < len(lines):
                yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.inner)


def _rstrip(line: list[Segment]) -> list[Segment]:
    """`line` without the unstyled spaces that end it."""
    kept = list(line)
    while kept and not kept[-1].control:
        last = kept[-1]
        if last.style is not None and last.style.bgcolor is not None:
            break
        text = last.text.rstrip(" ")
        if text:
            kept[-1] = Segment(text, last.style, last.control)
            break
        kept.pop()
    return kept


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 member`, `2 members`; `many` when the plural is not `noun` + s."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def echo_json(data: Any) -> None:
    """Print `data` as indented JSON."""
    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


def number(value: Fraction | Decimal | None) -> float | None:
    """A figure as JSON gives it: a float rounded to six places, or null."""
    return None if value is None else round(float(value), 6)


def day_of(value: datetime | None) -> str:
    """The day of `value` (ISO), or nothing."""
    return value.date().isoformat() if value else ""


@contextmanager
def events_progress(what: str) -> Iterator[Any]:
    """A progress bar on stderr (on a terminal only) with events per second. rich's
    progress bars (and their spinners) are imported here, by the long jobs that show one,
    not by every command."""
    from rich.progress import (  # noqa: PLC0415 - see the docstring
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    stderr = Console(stderr=True)
    columns = (
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=True, disable=not stderr.is_terminal) as bar:
        task = bar.add_task(what, total=None, rate="")
        started = datetime.now()

        def advance(done: int, total: int) -> None:
            seconds = (datetime.now() - started).total_seconds() or 1e-9
            bar.update(task, completed=done, total=total, rate=f"{done / seconds:,.0f} events/s")

        yield advance


# --- the options ----------------------------------------------------------------------

db_option = click.option(
    "--db",
    "url",
    metavar="URL",
    help=f"Store URL: memory://, sqlite:///PATH or postgresql://USER@HOST/DB "
    f"(default: ${ENV_VAR}, else sqlite:///peernet.db).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON, not tables.")


class MomentType(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2 on
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


MOMENT = MomentType()
as_of_option = click.option("--as-of", type=MOMENT, help="As it was at this business date or time.")
known_at_option = click.option(
    "--known-at",
    type=MOMENT,
    help="As the records stood at this recording time (later corrections left out).",
)

_ROLES = tuple(role.value for role in Role)
_DEFAULT_READER = "auditor:operator"


def _reader_spec(ctx: click.Context, param: click.Parameter, value: str) -> tuple[Role, str]:
    role, sep, name = value.partition(":")
    if not sep or role.strip().casefold() not in _ROLES or not name.strip():
        raise click.BadParameter(
            f"{value!r} is not ROLE:NAME; ROLE is one of {', '.join(_ROLES)}", ctx, param
        )
    return Role(role.strip().casefold()), name.strip()


as_option = click.option(
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


def resolve_reader(network: Network, spec: tuple[Role, str], group_id: UUID) -> Reader:
    """The reader `spec` names; a member company reads through its membership of the
    group (its current one, else its latest; a company never in the group reads as an
    outsider)."""
    role, name = spec
    if role is not Role.MEMBER:
        return Reader(role=role, name=name)
    found = company_named(network, name)
    held = [m for m in found.memberships if m.group_id == group_id]
    current = [m for m in held if m.status.open] or held
    membership_id = current[-1].membership_id if current else None
    return Reader(role=role, name=found.name, membership_id=membership_id)


def reader_label(reader: Reader) -> str:
    """`auditor operator`: who reads, in words."""
    return f"{reader.role.value} {reader.name}"


# --- opening the network and finding what a command names -----------------------------

_LISTED_BY = {"group": "groups", "company": "companies", "vendor": "vendors"}


def open_network(url: str | None, *, create: bool, access: Access = "write") -> Network:
    """The network in the store `url` names, opened for `access`; only a command that
    `create`s makes a new SQLite file."""
    url = url or default_url()
    settings = settings_for(url)
    if not create and settings["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        path = Path(settings["SQLITE_DBNAME"])
        if not path.is_file():
            raise InvalidInput(
                f"no store at {path} ({redact(url)}); `peernet demo` builds one, "
                f"--db or {ENV_VAR} names another"
            )
    started = time.perf_counter()
    network = Network(url, access=access)
    context = click.get_current_context(silent=True)
    if context is not None:  # closed when the command is done: its log checkpointed
        context.call_on_close(network.close)
        if log.isEnabledFor(logging.INFO):
            _tally_reads(network, context, started)
    return network


def _tally_reads(network: Network, context: click.Context, started: float) -> None:
    """Count the streams and events `network` reads by stream, and log them with the
    store and the time the command took when it is done (`peernet -v`)."""
    recorder = network.recorder
    select = recorder.select_events
    streams: set[UUID] = set()
    events = [0]

    def counted(originator_id: UUID, *args: Any, **kwargs: Any) -> Any:
        found = select(originator_id, *args, **kwargs)
        streams.add(originator_id)
        events[0] += len(found)
        return found

    setattr(recorder, "select_events", counted)  # noqa: B010 - an instance's method, counted

    def done() -> None:
        log.info(
            "%s read %s (its log holds %s events): %s streams, %s events, in %.2f s",
            context.command_path,
            redact(network.url),
            f"{recorder.max_notification_id() or 0:,}",
            f"{len(streams):,}",
            f"{events[0]:,}",
            time.perf_counter() - started,
        )

    context.call_on_close(done)


def read_network(url: str | None) -> Network:
    """The network in the store `url` names, opened to read: nothing is created or
    written, so a read-only file, folder or PostgreSQL role will do."""
    return open_network(url, create=False, access="read")


def find_named(
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


def group_named(network: Network, key: str) -> GroupSummary:
    """The group whose id or name (case-insensitive) is `key`."""
    return find_named(network.groups(), key, "group", lambda g: g.group_id, lambda g: g.name)


def open_group(
    url: str | None, key: str, spec: tuple[Role, str]
) -> tuple[Network, GroupSummary, Reader]:
    """The store `url` names (to read), the group whose id or name is `key`, and the
    reader `spec` names, reading that group."""
    network = read_network(url)
    summary = group_named(network, key)
    return network, summary, resolve_reader(network, spec, summary.group_id)


def company_named(network: Network, key: str) -> CompanyView:
    """The company whose id or name (case-insensitive) is `key`."""
    return find_named(network.companies(), key, "company", lambda c: c.company_id, lambda c: c.name)


#: how many characters of an id a listing shows (enough to name it: `by_prefix`)
SHORT_ID = 8


def by_prefix(text: str, what: str, hint: str, ids: Callable[[], Iterable[UUID]]) -> UUID:
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


def company_names(network: Network, company_ids: Iterable[UUID]) -> dict[UUID, str]:
    """Company names by company id."""
    return {c: network.company(c).name for c in set(company_ids)}


def member_names(network: Network, membership_ids: Iterable[UUID]) -> dict[UUID, str]:
    """Company names by membership id."""
    companies_of = {m: network.membership(m).company_id for m in set(membership_ids)}
    names = company_names(network, companies_of.values())
    return {m: names[c] for m, c in companies_of.items()}


def with_group_names(reason: str, names: dict[UUID, str]) -> str:
    """A departure reason with group ids replaced by group names."""
    for group_id, name in names.items():
        reason = reason.replace(str(group_id), name)
    return reason
