"""Growth you can see: what each kind of work costs as a network's log grows, per event.

For each size (10,000, 100,000 and 1,000,000 events; 10,000,000 with --huge, for a
machine that has the time) a SQLite store is built and measured, each size in a process
of its own (so that its peak memory is its own):

- commands: ms a command, for a register-apply-sign-join-resign mix on that store;
- open and first command: seconds to open the store afresh and record one command;
- rebuild: every projection rebuilt from the whole log, µs an event;
- as-of roster: ms for a group's roster on a date in the middle of the history;
- verify: every event's chain recomputed, µs an event;
- read as records: `Network.recorded` over the whole log, µs an event;
- read floor: plain sqlite3 reading every row and `json.loads` of its state, µs an event.

The cost per event of rebuild, verify and reading should stay flat as the store grows,
and commands, the first command and the as-of roster should not grow with it: each
figure is printed with its growth against the smallest size (goal <= 1.25x, "meets" or
"misses"). Every figure is the median of --rounds runs, with its spread (min-max).

Stores are built through the private bulk path of `benchmarks/projections.py` (the
events the facade would record, encoded and chained by peernet's mapper, inserted with
eventsourcing's recorder 10,000 to a transaction): the facade would take hours for a
million events. A store is kept in --dir and reused when it has the right size.

    python benchmarks/scale.py [--sizes 10000,100000,1000000] [--huge] [--rounds 3]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from peernet import Network, RegisterCompany
from peernet.adapters.readmodels import ReadModels
from peernet.testing import T0, profile

# the other benchmarks, as modules of the repository's root (run as a script, this file's
# own folder is on the path, not the root)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.audit import commands_per_second
from benchmarks.bulk import median_spread
from benchmarks.projections import as_of_roster_ms, build, read_floor

SIZES = (10_000, 100_000, 1_000_000)
HUGE = 10_000_000
#: how much a figure may grow from the smallest store to the largest
GROWTH_GOAL = 1.25
#: commands in one round of the command figure
COMMANDS = 250

#: the figures, in order: key, label, unit, whether it is a cost per event
FIGURES = (
    ("command_ms", "command", "ms", False),
    ("first_command_s", "open + first command", "s", False),
    ("rebuild_us", "rebuild, every projection", "µs/event", True),
    ("as_of_ms", "as-of roster", "ms", False),
    ("verify_us", "verify", "µs/event", True),
    ("recorded_us", "read as records", "µs/event", True),
    ("floor_us", "read floor (driver + json)", "µs/event", True),
)


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def postgres_floor(url: str) -> float:
    """Rows per second: plain psycopg reading every stored event of the schema and
    json-decoding it (the read floor of PostgreSQL)."""
    import psycopg  # noqa: PLC0415 - the `postgres` extra, for --postgres only

    base, schema = url.split("?schema=")
    with psycopg.connect(base.replace("postgresql://", "postgres://")) as db:
        started = time.perf_counter()
        count = 0
        with db.cursor(name="floor") as rows:  # a server-side cursor: rows stream
            rows.itersize = 5000
            rows.execute(f"SELECT state FROM {schema}.peernet_events ORDER BY notification_id")
            for (state,) in rows:
                json.loads(bytes(state))
                count += 1
        return count / (time.perf_counter() - started)


def fresh_schema(url: str) -> None:
    """Drop and create the schema `url` names: a store built from nothing."""
    import psycopg  # noqa: PLC0415 - the `postgres` extra, for --postgres only

    base, schema = url.split("?schema=")
    with psycopg.connect(base.replace("postgresql://", "postgres://"), autocommit=True) as db:
        db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        db.execute(f"CREATE SCHEMA {schema}")


def measure(size: int, folder: Path, rounds: int, postgres: str | None) -> dict[str, Any]:
    """Every figure for a store of about `size` events (built, or reused from `folder`,
    or from the schema ``peernet_scale_SIZE`` of the `postgres` database)."""
    path = folder / f"scale-{size}.db"
    url = f"sqlite:///{path}"
    floor: Callable[[], float] = lambda: read_floor(str(path))  # noqa: E731
    if postgres:
        url = f"{postgres}?schema=peernet_scale_{size}"
        floor = lambda: postgres_floor(url)  # noqa: E731
    network = Network(url) if not postgres else None
    events = network.recorder.max_notification_id() or 0 if network else 0
    if events < size:
        if network:
            network.close()
        path.unlink(missing_ok=True)
        if postgres:
            fresh_schema(url)
        network = Network(url)
        events = build(network, size)
    assert network is not None
    figures: dict[str, list[float]] = {key: [] for key, *_ in FIGURES}
    models = ReadModels(network)
    for _ in range(rounds):
        figures["floor_us"].append(1e6 / floor())
        figures["recorded_us"].append(timed(lambda: sum(1 for _ in network.recorded())))
        figures["rebuild_us"].append(timed(models.rebuild))
        figures["verify_us"].append(timed(network.verify))
    for key in ("recorded_us", "rebuild_us", "verify_us"):
        figures[key] = [seconds * 1e6 / events for seconds in figures[key]]
    figures["as_of_ms"] = [as_of_roster_ms(network) for _ in range(rounds)]
    network.close()
    # commands and the first command add events of their own: measured last
    for round_ in range(rounds):
        started = time.perf_counter()
        fresh = Network(url)
        fresh.execute(
            RegisterCompany(
                profile=profile(f"First {round_}"), actor="bench", at=T0 + timedelta(days=round_)
            )
        )
        figures["first_command_s"].append(time.perf_counter() - started)
        rate = commands_per_second(fresh, COMMANDS // 5, offset=10**6 + round_ * COMMANDS)
        figures["command_ms"].append(1000 / rate)
        fresh.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "events": events,
        "peak_mb": rss,
        "figures": {key: median_spread(values) for key, values in figures.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--huge", action="store_true", help=f"also {HUGE:,} events")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", help="where the stores are kept (default: a temporary one)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="measure on PostgreSQL (postgresql://USER@HOST/DB; one schema a size, "
        "peernet_scale_SIZE, dropped and built afresh) instead of SQLite",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child's size
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="peernet-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.one:
        print(json.dumps(measure(args.one, folder, args.rounds, args.postgres)))
        return
    sizes = [int(s) for s in args.sizes.split(",")] + ([HUGE] if args.huge else [])
    results = []
    for size in sizes:
        started = time.perf_counter()
        child = subprocess.run(  # noqa: S603 - this script, run again for one size
            [
                sys.executable,
                __file__,
                "--one",
                str(size),
                *("--rounds", str(args.rounds)),
                *("--dir", str(folder)),
                *(("--postgres", args.postgres) if args.postgres else ()),
            ],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ,
        )
        results.append(json.loads(child.stdout.splitlines()[-1]))
        print(f"measured {size:,} events in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    report(results, args.rounds, "PostgreSQL" if args.postgres else "SQLite, synchronous=FULL")


def report(results: list[dict[str, Any]], rounds: int, backend: str) -> None:
    sizes = [r["events"] for r in results]
    print(f"medians of {rounds} runs, spread (min-max) in brackets; {backend}")
    head = f"{'figure':30} {'unit':9}" + "".join(f"{n:>26,}" for n in sizes)
    print(head + f"  {'growth':>7}  goal <= {GROWTH_GOAL:.2f}x")
    for key, label, unit, _ in FIGURES:
        cells, medians = "", []
        for r in results:
            median, low, high = r["figures"][key]
            medians.append(median)
            cells += f"{f'{median:.3g} [{low:.3g}-{high:.3g}]':>26}"
        growth = medians[-1] / medians[0] if medians[0] else float("nan")
        verdict = "meets" if growth <= GROWTH_GOAL else "misses"
        print(f"{label:30} {unit:9}{cells}  {growth:6.2f}x  {verdict}")
    print(f"{'peak memory':30} {'MB':9}" + "".join(f"{r['peak_mb']:>26,.0f}" for r in results))


if __name__ == "__main__":
    main()
