"""The history commands of the `peernet` command line: `export` writes a store's log (or
a range of it) as JSON Lines with its head, `import` writes such a file into an empty
store, checking every chain as it goes (`peernet.application.archive`).

Both show a progress bar on a terminal (stderr) and none when piped. An export to a
file is written beside it and renamed when complete, so an interrupted export leaves no
file cut short; an interrupted import is resumed by running it again.
"""

import os
import sys
from pathlib import Path

import click

from peernet import InvalidInput, Transfer
from peernet.adapters.storage import redact
from peernet.cli.options import db_option, events_progress, open_network, plural


def _counted(done: Transfer) -> str:
    events = plural(done.events, "event").replace(str(done.events), f"{done.events:,}", 1)
    return f"{events} and {plural(done.keys, 'key row')}"


@click.command("export")
@db_option
@click.option("--from", "first", type=click.IntRange(min=1), help="The first position to export.")
@click.option("--to", "last", type=click.IntRange(min=0), help="The last position to export.")
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
def export_command(url: str | None, first: int | None, last: int | None, file: str | None) -> None:
    """Write the store's history to FILE (stdout when none, or -) as JSON Lines: every
    event as stored, ledger entries and encryption keys too (sealed under the master
    key, which is never exported), and a closing line with the head `audit verify`
    prints for them. --from/--to export a range of positions. Needs no key.
    """
    network = open_network(url, create=False, access="verify")
    after = 0 if first is None else first - 1
    if last is not None and last < after:
        raise click.BadParameter(f"--to {last} comes before --from {first}", param_hint="--to")
    with events_progress("exporting") as advance:
        if file is None or file == "-":
            done = network.export_history(
                sys.stdout.buffer, after=after, upto=last, progress=advance
            )
            sys.stdout.flush()
            where = "stdout"
        else:
            target = Path(file)
            partial = target.with_name(f".{target.name}.partial")
            try:
                out_file = partial.open("wb")
            except OSError as error:
                raise InvalidInput(f"cannot write {target}: {error.strerror}") from None
            try:
                with out_file as out:
                    done = network.export_history(out, after=after, upto=last, progress=advance)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
            where = str(target)
    # on stderr when stdout carries the history itself
    click.echo(
        f"exported {_counted(done)} from {redact(network.url)} to {where}; head {done.head}",
        err=where == "stdout",
    )


@click.command("import")
@db_option
@click.argument("file", type=click.Path(dir_okay=False))
def import_command(url: str | None, file: str) -> None:
    """Write the history exported to FILE into an empty store (a new SQLite file or an
    empty PostgreSQL schema), checking every line and every chain as it goes. A line
    that is not sound stops it with one line naming it, and nothing stays written;
    an import interrupted (even killed) resumes when run again on the same file. An
    encrypted history needs the key it was exported under (PEERNET_KEY or ?key_file=)
    to be read afterwards.
    """
    network = open_network(url, create=True)
    with events_progress("importing") as advance:
        done = network.import_history(file, progress=advance)
    click.echo(f"imported {_counted(done)} into {redact(network.url)}; head {done.head}")
