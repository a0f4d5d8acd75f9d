"""The audit commands of the `peernet` command line: `audit trail`, `audit verify` and
`history`. They share the helpers of `peernet.cli.options`: one error line, the exit
codes, --db and --json.

`audit verify` opens the store to verify (no key, nothing written) and exits 0 when every
stored event checks out, printing the count and the head to write down, and 1 listing
every event that was changed, moved, added or removed (stdout), the first on stderr.
"""

import re
import sys
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

import attrs
import click
from rich.table import Table
from rich.text import Text

from peernet import InvalidInput, Network, Reader, Role
from peernet.adapters.codec import converter
from peernet.adapters.storage import redact
from peernet.audit import AuditEntry, Tampering, Verification, write_csv, write_jsonl
from peernet.cli.options import (
    EXIT_REFUSED,
    MOMENT,
    as_of_option,
    as_option,
    company_named,
    day_of,
    db_option,
    echo_json,
    fail,
    group_named,
    json_option,
    known_at_option,
    make_console,
    open_network,
    plural,
    read_network,
    resolve_reader,
    with_group_names,
)

_SHORT = 8
#: what the trail says in place of a reason its reader may not read
_REDACTED = "(confidential to its group)"


@click.group()
def audit() -> None:
    """Audit the record: the trail of events, and proof that nothing was changed."""


def _subjects(
    network: Network, groups: Iterable[str], companies: Iterable[str], others: Iterable[str]
) -> list[UUID]:
    found = [group_named(network, g).group_id for g in groups]
    found += [company_named(network, c).company_id for c in companies]
    for text in others:
        try:
            found.append(UUID(text))
        except ValueError:
            raise InvalidInput(f"--subject takes an id, not {text!r}") from None
    return found


@audit.command("trail")
@click.option("--group", "groups", multiple=True, metavar="ID|NAME", help="Touching this group.")
@click.option(
    "--company", "companies", multiple=True, metavar="ID|NAME", help="Touching this company."
)
@click.option(
    "--subject",
    "others",
    multiple=True,
    metavar="ID",
    help="Touching this membership, goal or motion (or any id).",
)
@click.option("--actor", help="Done by this actor.")
@click.option("--from", "start", type=MOMENT, help="Happened on or after (business time).")
@click.option("--to", "end", type=MOMENT, help="Happened on or before (business time).")
@known_at_option
@as_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "jsonl", "csv"]),
    default="table",
    show_default=True,
    help="A table, JSON Lines or CSV (both streamed).",
)
@db_option
@json_option
def trail(  # click passes every option by name
    *,
    groups: tuple[str, ...],
    companies: tuple[str, ...],
    others: tuple[str, ...],
    actor: str | None,
    start: date | datetime | None,
    end: date | datetime | None,
    known_at: date | datetime | None,
    reader: tuple[Role, str],
    fmt: str,
    url: str | None,
    as_json: bool,
) -> None:
    """Every event touching the named group, company or id (all of them, when several
    are named), in the order recorded, with actor, both times, command and reason.

    An event confidential to a group (goals, prep work, figures, flags, motions, ballots)
    shows its reason and details only to a reader inside that group (--as); for others
    its row is marked redacted. --json is --format jsonl.

    Examples (on the demo's store):

    \b
        peernet audit trail --company "Landmark Systems" --from 2009-01-01
        peernet audit trail --group "HTG 3" --format csv
    """
    network = read_network(url)
    subjects = _subjects(network, groups, companies, others)
    who = _trail_reader(network, reader, [group_named(network, g).group_id for g in groups])
    entries = network.trail(
        *subjects, actor=actor, start=start, end=end, known_at=known_at, reader=who
    )
    if as_json or fmt == "jsonl":
        write_jsonl(entries, sys.stdout.buffer)
        sys.stdout.flush()
        return
    if fmt == "csv":
        write_csv(entries, sys.stdout)
        return
    _print_trail(network, entries)


def _trail_reader(network: Network, spec: tuple[Role, str], groups: list[UUID]) -> Reader:
    """The reader `--as` names; a member company reads through its membership of the
    first group named, else of its current group (its latest, when it left them all)."""
    role, name = spec
    if role is not Role.MEMBER or groups:
        return resolve_reader(network, spec, groups[0]) if groups else Reader(role=role, name=name)
    held = company_named(network, name).memberships
    current = [m for m in held if m.status.open] or list(held)
    if not current:
        return Reader(role=role, name=name)
    return resolve_reader(network, spec, current[0].group_id)


#: the trail's columns before its last, why: the width each takes when there is room,
#: and the narrowest it is worth keeping at
_COLUMNS = {
    "#": (7, 6),
    "recorded": (16, 16),
    "happened": (10, 10),
    "event": (26, 20),
    "in": (24, 14),
    "v": (4, 3),
    "actor": (20, 16),
    "command": (_SHORT, _SHORT),
}
#: the columns a narrow terminal leaves out, the first named first
_LEAVE_OUT = ("v", "command", "recorded", "why", "in")
#: the narrowest a why column is worth keeping at
_WHY = 12
#: who is given the room left over, up to the width it takes, the first named first
_GROWS = ("event", "in", "actor", "#")
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@attrs.frozen
class _Layout:
    """The trail's columns fitted to a width: fixed, so that each row is printed as soon
    as it is read, never after the whole trail."""

    widths: dict[str, int]
    #: the room why has (None when it was left out)
    why: int | None
    left_out: tuple[str, ...]

    @classmethod
    def fit(cls, width: int) -> "_Layout":
        kept = {name: least for name, (_, least) in _COLUMNS.items()}
        why, left_out = True, []

        def needed() -> int:
            return sum(kept.values()) + len(kept) - 1 + (1 + _WHY if why else 0)

        for name in _LEAVE_OUT:
            if needed() <= width:
                break
            left_out.append(name)
            if name == "why":
                why = False
            else:
                del kept[name]
        for name in _GROWS:
            if name in kept:
                room = max(width - needed(), 0)
                kept[name] += min(room, _COLUMNS[name][0] - kept[name])
        return cls(kept, max(width - needed() + _WHY, _WHY) if why else None, tuple(left_out))

    def rule(self) -> str:
        """The line under the headers."""
        dashes = ["-" * w for w in self.widths.values()]
        return " ".join(dashes if self.why is None else [*dashes, "---"])

    def line(self, cells: dict[str, str]) -> str:
        shown = [_cell(cells[name], w) for name, w in self.widths.items()]
        if self.why is not None:
            shown.append(_cell(cells["why"], self.why))
        return " ".join(shown).rstrip()


def _cell(text: str, width: int) -> str:
    """`text` in exactly `width` characters: padded, or cut with an ellipsis."""
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "\u2026"


def _print_trail(network: Network, entries: Iterable[AuditEntry]) -> None:
    """Print the trail as a table fitted to the terminal, a row as soon as each entry is
    read (the whole demo's trail starts printing at once instead of after every event
    was read); the columns left out to fit are named under it."""
    names = network.names()
    by_text = {str(i): name for i, name in names.items()}
    console = make_console()
    layout = _Layout.fit(console.width)
    count = 0
    for e in entries:
        if not count:
            click.echo(layout.line({h: h for h in (*_COLUMNS, "why")}))
            click.echo(layout.rule())
        count += 1
        why = (
            _REDACTED if e.redacted else _ID.sub(lambda m: by_text.get(m[0], m[0]), e.reason or "")
        )
        click.echo(
            layout.line(
                {
                    "#": str(e.position),
                    "recorded": e.recorded_at.strftime("%Y-%m-%d %H:%M"),
                    "happened": day_of(e.at),
                    "event": e.name,
                    "in": names.get(e.stream_id, str(e.stream_id)[:_SHORT]),
                    "v": str(e.version),
                    "actor": e.actor,
                    "command": str(e.command_id)[:_SHORT],
                    "why": why,
                }
            )
        )
    if not count:
        console.print("No events match.")
        return
    if layout.left_out:
        console.print(f"left out to fit {console.width} columns: {', '.join(layout.left_out)}")
    console.print(f"{plural(count, 'event')} in {redact(network.url)}")


def _tampering_json(found: Tampering) -> dict[str, Any]:
    data: dict[str, Any] = converter.unstructure(found)
    return data | {"message": str(found)}


def _verification_json(found: Verification) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ok": found.ok,
        "events": found.events,
        "network_events": found.recorded,
        "ledger_entries": found.ledger,
        "head": found.head,
    }
    if found.problem is not None:
        data["problem"] = _tampering_json(found.problem)
        data["problems"] = [_tampering_json(p) for p in found.problems]
    return data


@audit.command("verify")
@click.option("--expect", metavar="HEAD", help="A head printed by an earlier verify.")
@db_option
@json_option
def verify(expect: str | None, url: str | None, as_json: bool) -> None:
    """Recompute every stored event's hash chain, in log order. Needs no key and writes
    nothing: a read-only copy of a store, held by anyone, verifies.

    Exit 0 with the count and the head hash (write it down: a later --expect HEAD
    proves those events are unchanged); exit 1 listing every event that was changed,
    moved, added or removed, and where (the first also on stderr).

    Examples (on the demo's store):

    \b
        peernet audit verify
    """
    network = open_network(url, create=False, access="verify")
    found = network.verify(expect_head=expect)
    if as_json:
        echo_json(_verification_json(found))
    elif found.problem is not None:
        for each in found.problems:
            click.echo(f"tampered: {each}")
    if found.problem is not None:
        more = len(found.problems) - 1
        also = f" (and {plural(more, 'more fault')}, listed on stdout)" if more else ""
        fail(f"tampered: {found.problem}{also}", EXIT_REFUSED)
    if as_json:
        return
    click.echo(
        f"verified {found.events:,} events in {redact(network.url)}: {found.recorded:,} of the "
        f"network and {found.ledger:,} command-ledger entries (one for each command that "
        f"recorded events); head {found.head}"
    )


@click.command()
@click.argument("company")
@as_of_option
@known_at_option
@db_option
@json_option
def history(
    company: str,
    as_of: date | datetime | None,
    known_at: date | datetime | None,
    url: str | None,
    as_json: bool,
) -> None:
    """A company's memberships in order: group, status, applied, joined, left and why.

    COMPANY is the company's id or its name (case-insensitive). --as-of shows them at a
    past date, --known-at as the records stood at a past time.

    Examples (on the demo's store):

    \b
        peernet history "Landmark Systems"
    """
    network = read_network(url)
    found = company_named(network, company)
    past = network.history(found.company_id, as_of=as_of, known_at=known_at)
    if as_json:
        echo_json(converter.unstructure(past))
        return
    console = make_console()
    when = [f"as of {_day_or_time(as_of)}" if as_of else ""]
    when.append(f"as known at {_day_or_time(known_at)}" if known_at else "")
    console.print(
        Text.assemble((past.name, "bold"), f"  {', '.join(w for w in when if w) or 'now'}")
    )
    if not past.memberships:
        console.print("No memberships.")
        return
    names = {g.group_id: g.name for g in network.groups()}
    table = Table(title="memberships, in order", title_justify="left")
    for header in ("group", "status", "applied", "joined", "left", "why"):
        table.add_column(header)
    for t in past.memberships:
        table.add_row(
            t.group,
            t.status.value,
            day_of(t.applied_at),
            day_of(t.joined_at),
            day_of(t.left_at),
            with_group_names(t.reason or "", names),
        )
    console.print(table)


def _day_or_time(value: date | datetime) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
