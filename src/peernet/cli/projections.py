"""The persisted read models on the command line: `peernet projections status` (each
projection's version, position and lag) and `projections rebuild [NAME]` (afresh from the
first event, beside the live copy, swapped in when complete)."""

from datetime import datetime
from typing import Any

import click
from rich.table import Table

from peernet.adapters.readmodels import ReadModels, Status
from peernet.adapters.storage import redact
from peernet.cli.options import (
    db_option,
    echo_json,
    events_progress,
    json_option,
    make_console,
    open_network,
    read_network,
)
from peernet.projections import PROJECTIONS


@click.group()
def projections() -> None:
    """The read models kept in the store: how current they are; rebuild them."""


def _status_json(status: Status) -> dict[str, Any]:
    return {
        "name": status.name,
        "version": status.version,
        "live_version": status.live_version,
        "position": status.position,
        "head": status.head,
        "behind": status.behind,
        "views": status.views,
    }


@projections.command("status")
@db_option
@json_option
def projections_status(url: str | None, as_json: bool) -> None:
    """Each projection's version, position and how far behind the log it is.

    Examples (on the demo's store):

    \b
        peernet projections status
    """
    network = read_network(url)
    found = ReadModels(network).status()
    if as_json:
        echo_json([_status_json(s) for s in found])
        return
    table = Table(title=f"read models in {redact(network.url)}", title_justify="left")
    for header in ("projection", "version", "position", "behind", "views", "state"):
        table.add_column(header)
    for s in found:
        state = "not built" if s.live_version is None else "stale" if s.stale else "current"
        if state == "current" and s.behind:
            state = "behind"
        table.add_row(
            s.name, str(s.version), f"{s.position:,}", f"{s.behind:,}", str(s.views), state
        )
    make_console().print(table)


@projections.command("rebuild")
@click.argument("name", required=False, type=click.Choice(sorted(PROJECTIONS)))
@db_option
@json_option
def projections_rebuild(name: str | None, url: str | None, as_json: bool) -> None:
    """Build NAME (default: every projection) afresh from the first event, beside the
    live copy, and swap it in when complete."""
    network = open_network(url, create=False)
    models = ReadModels(network)
    started = datetime.now()
    names = None if name is None else [name]
    with events_progress(f"rebuilding {name or 'every projection'}") as advance:
        models.rebuild(names, progress=advance)
    seconds = (datetime.now() - started).total_seconds()
    found = [s for s in models.status() if name is None or s.name == name]
    if as_json:
        echo_json({"seconds": round(seconds, 3), "projections": [_status_json(s) for s in found]})
        return
    events = found[0].head if found else 0
    make_console().print(
        f"rebuilt {', '.join(s.name for s in found)} from {events:,} events in {seconds:.2f}s"
    )
