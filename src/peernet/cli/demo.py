"""`peernet demo`: build the seeded demo network in a store, with a progress bar on a
terminal, and tell its story (`peernet.demo.printing`), the rosters of its featured
groups and one of their meetings."""

import os
import stat
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from peernet import InvalidInput, Network
from peernet.adapters.codec import converter
from peernet.adapters.storage import default_url, redact, settings_for
from peernet.cli.directory import print_roster
from peernet.cli.meetings import print_a_meeting
from peernet.cli.options import (
    db_option,
    echo_json,
    json_option,
    make_console,
    open_network,
)
from peernet.cli.p2p import print_partner_story
from peernet.demo import DEFAULT_SEED, FIRST_YEAR, LAST_YEAR, P2P_FROM, DemoSummary, build_demo
from peernet.demo.printing import print_story


@click.command()
@db_option
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Random seed.")
@click.option(
    "--years",
    type=click.IntRange(1, LAST_YEAR - FIRST_YEAR + 1),
    default=LAST_YEAR - FIRST_YEAR + 1,
    show_default=True,
    help=f"Years to simulate from {FIRST_YEAR}.",
)
@click.option(
    "--fresh",
    is_flag=True,
    help="Delete the SQLite store first (asks on a terminal; refuses a read-only file).",
)
@click.option("--yes", is_flag=True, help="Do not ask before --fresh deletes the store.")
@json_option
def demo(  # noqa: PLR0917 - click passes every option by position
    url: str | None, seed: int, years: int, fresh: bool, yes: bool, as_json: bool
) -> None:
    """Build a seeded simulation of an HTG-like network, 2001-2009, and tell its story.

    From 2008 the groups hold quarterly meetings (attendance, prep, costs shared,
    goals reviewed), meet once a year at a summit, and pay monthly dues; one member who
    misses goals and meetings is voted off and a waiting applicant takes the seat. Every
    command goes through peernet's rules; running it again on the same store
    records nothing new and tells the same story, and a run of more years continues a
    shorter one. The story never mixes with other records: a store holding anything
    else (another seed's story, real records) is refused; --fresh starts over.
    """
    url = url or default_url()
    if fresh and not _delete_sqlite(url, yes):
        click.echo("nothing was deleted; the demo was not built")
        return
    network = open_network(url, create=True)
    summary = _build_with_progress(network, seed, years)
    if as_json:
        echo_json(converter.unstructure(summary))
        return
    console = make_console(_LEAVE_OUT)
    print_story(console, summary, redact(network.url))
    if summary.last_year >= P2P_FROM:
        console.print()
        print_partner_story(console, network, P2P_FROM, summary.last_year)
    for group_id in summary.featured:
        console.print()
        print_roster(console, network, network.roster(group_id))
    if summary.featured:
        console.print()
        print_a_meeting(console, network, summary.featured[0])


#: the columns of the story's tables a narrow terminal leaves out first
_LEAVE_OUT = {
    "The network year by year": (
        "groups online",
        "applicants wait-listed",
        "companies registered",
        "waiting at year end",
        "groups in-person",
        "members joined",
    ),
    "Goals year by year, by category": ("withdrawn", "set"),
}


def _delete_sqlite(url: str, yes: bool) -> bool:
    """Delete the SQLite store `url` names (and its write-ahead log), asking first on a
    terminal unless `yes`; False when the answer was no. A read-only file or folder,
    and a question nobody can answer (no terminal, no --yes), are refused."""
    settings = settings_for(url)
    module = settings["PERSISTENCE_MODULE"]
    if module == "eventsourcing.popo":
        return True
    if module != "eventsourcing.sqlite":
        raise InvalidInput(f"--fresh deletes SQLite files only; clear {redact(url)} yourself")
    path = Path(settings["SQLITE_DBNAME"])
    if not path.exists():
        return True
    for what, place in (("file", path), ("folder", path.resolve().parent)):
        if not _writable(place):
            raise InvalidInput(f"--fresh would delete {path}, but its {what} is read-only")
    if not yes:
        if not interactive():
            raise InvalidInput(f"--fresh deletes {path}: add --yes where nobody can be asked")
        if not click.confirm(f"Delete {path} and build the demo afresh?", default=False):
            return False
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        file.unlink(missing_ok=True)
    return True


def _writable(place: Path) -> bool:
    """Whether `place` may be written: its owner's write bit is set (so a file made
    read-only reads as such even to root) and this user may write it."""
    return bool(place.stat().st_mode & stat.S_IWUSR) and os.access(place, os.W_OK)


def interactive() -> bool:
    """Whether someone is at a terminal to answer a question."""
    return sys.stdin.isatty()


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
