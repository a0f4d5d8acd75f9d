"""`peernet demo`: build the seeded demo network in a store, with a progress bar on a
terminal, and tell its story (`peernet.demo.printing`), the rosters of its featured
groups and one of their meetings."""

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
@click.option("--fresh", is_flag=True, help="Delete the SQLite store first.")
@json_option
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
    network = open_network(url, create=True)
    summary = _build_with_progress(network, seed, years)
    if as_json:
        echo_json(converter.unstructure(summary))
        return
    console = make_console()
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
