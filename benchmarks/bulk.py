"""How fast a history is imported (`peernet import`), as ratios measured in one run.

Builds the demo network (2001-2009) in SQLite, or takes the store --db names, and
exports it once (`Network.export_history`). Then, each figure three times (median and
spread):

Each round measures a floor and then the import beside it.

- the SQLite write floor: plain sqlite3, WAL, synchronous=NORMAL, one row of the same
  shape (stream, version, topic, state) per commit;
- `import_history` into a new SQLite file: events/s, and as a ratio to the floor
  (goal >= 3x);
- the PostgreSQL floor: psycopg, one row per commit (autocommit);
- `import_history` into a new PostgreSQL schema (COPY, a page per transaction), as a
  ratio to that floor (goal >= 10x).

Every import checks every chain of the file as it goes; the head it makes is checked
against the original's. PostgreSQL is skipped, saying so, when 127.0.0.1:5432 is absent.

    python benchmarks/bulk.py [--db sqlite:///PATH] [--years 9] [--postgres URL]
"""

import argparse
import contextlib
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

from peernet import Network
from peernet.demo import build_demo

SQLITE_GOAL = 3.0
POSTGRES_GOAL = 10.0
ROUNDS = 3
#: rows a floor writes (one commit each): enough for a steady rate
FLOOR_ROWS = 5_000


def median_spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def verdict(ratio: float, goal: float) -> str:
    return "meets" if ratio >= goal else "misses"


def sqlite_floor(rows: list[tuple[str, int, str, bytes]], folder: Path) -> float:
    """Rows/s of plain sqlite3 writing one row per commit at synchronous=NORMAL."""
    path = folder / f"floor-{uuid4().hex}.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    started = time.perf_counter()
    for row in rows:
        db.execute("BEGIN")
        db.execute("INSERT INTO stored_events VALUES (?,?,?,?)", row)
        db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return len(rows) / seconds


def postgres_floor(rows: list[tuple[str, int, str, bytes]], server: str) -> float:
    """Rows/s of psycopg writing one row per commit."""
    import psycopg  # noqa: PLC0415 - the `postgres` extra, only when PostgreSQL is measured

    table = f"floor_{uuid4().hex}"
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(
            f"CREATE TABLE {table} (originator_id uuid, originator_version bigint, "
            "topic text, state bytea, notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        try:
            insert = f"INSERT INTO {table} VALUES (%s, %s, %s, %s)"
            started = time.perf_counter()
            for row in rows:
                db.execute(insert, row, prepare=True)
            seconds = time.perf_counter() - started
        finally:
            db.execute(f"DROP TABLE {table}")
    return len(rows) / seconds


def timed_import(url: str, history: Path, expected: str) -> float:
    """Events/s of one import into the empty store `url`; its head must be `expected`."""
    with contextlib.closing(Network(url)) as network:
        started = time.perf_counter()
        done = network.import_history(history)
        seconds = time.perf_counter() - started
    if done.head.split(":")[1] != expected.split(":")[1]:
        raise SystemExit(f"the import made head {done.head}, not {expected}")
    return done.events / seconds


def report(name: str, rates: list[float], floors: list[float], goal: float) -> None:
    ratios = [r / f for r, f in zip(rates, floors, strict=True)]
    rate, low, high = median_spread(rates)
    floor, floor_low, floor_high = median_spread(floors)
    ratio, ratio_low, ratio_high = median_spread(ratios)
    print(
        f"{name}: {rate:,.0f} events/s ({low:,.0f}-{high:,.0f}); floor {floor:,.0f} rows/s "
        f"({floor_low:,.0f}-{floor_high:,.0f}); ratio {ratio:.1f}x ({ratio_low:.1f}-"
        f"{ratio_high:.1f}) (goal >= {goal:.0f}x: {verdict(ratio, goal)})"
    )


def rounds(
    floor: Callable[[], float], measure: Callable[[], float]
) -> tuple[list[float], list[float]]:
    """The floor and the figure, measured in turn in each round: a shared machine's load
    weighs on both alike."""
    pairs = [(floor(), measure()) for _ in range(ROUNDS)]
    return [f for f, _ in pairs], [m for _, m in pairs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="A store to export (default: the demo, built here).")
    parser.add_argument("--years", type=int, default=9, help="Years of the demo to build.")
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/test", help="A server."
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="peernet-bulk-"))
    url = args.db or f"sqlite:///{folder / 'demo.db'}"
    if args.db is None:
        with contextlib.closing(Network(url)) as network:
            build_demo(network, years=args.years)
    history = folder / "history.jsonl"
    with contextlib.closing(Network(url, access="verify")) as network, history.open("wb") as out:
        started = time.perf_counter()
        exported = network.export_history(out)
        seconds = time.perf_counter() - started
        rows = [
            (n.originator_id.hex, n.originator_version, n.topic, n.state)  # type: ignore[union-attr]
            for n in network.notifications()
        ][:FLOOR_ROWS]
    size = history.stat().st_size / 1e6
    print(
        f"exported {exported.events:,} events ({size:.1f} MB) in {seconds:.2f} s: "
        f"{exported.events / seconds:,.0f} events/s; head {exported.head}"
    )

    floors, rates = rounds(
        lambda: sqlite_floor(rows, folder),
        lambda: timed_import(f"sqlite:///{folder / f'{uuid4().hex}.db'}", history, exported.head),
    )
    report("import into SQLite (executemany)", rates, floors, SQLITE_GOAL)

    try:
        import psycopg  # noqa: PLC0415 - the `postgres` extra

        psycopg.connect(args.postgres, connect_timeout=2).close()
    except Exception as error:  # any failure to connect: PostgreSQL is not measured
        print(f"PostgreSQL skipped: {str(error).strip().splitlines()[0]}")
        return
    pg_rows = [(n[0], n[1], n[2], n[3]) for n in rows]
    pg_floors, pg_rates = rounds(
        lambda: postgres_floor(pg_rows, args.postgres),
        lambda: pg_import(args.postgres, history, exported.head),
    )
    report("import into PostgreSQL (COPY)", pg_rates, pg_floors, POSTGRES_GOAL)


def pg_import(server: str, history: Path, expected: str) -> float:
    """One import into a new schema of `server`, dropped afterwards."""
    import psycopg  # noqa: PLC0415 - the `postgres` extra

    schema = f"bulk_{uuid4().hex}"
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    try:
        return timed_import(f"{server}?schema={schema}", history, expected)
    finally:
        with psycopg.connect(server, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
