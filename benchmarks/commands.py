"""How fast peernet records commands, as ratios to plain drivers' commit floors, in one run.

Each figure is measured RUNS times (median, spread) on fresh stores, against its floor
measured in the same run:

- SQLite at its default, synchronous=FULL (durable on power loss) ÷ plain sqlite3 writing
  one ~224-byte row per commit, WAL, FULL. Goal >= 0.60x.
- SQLite with ``?synchronous=normal`` (survives a crash of the process, not a power loss)
  ÷ plain sqlite3 one row per commit at NORMAL. Goal >= 0.15x.
- PostgreSQL ÷ psycopg one row per commit (skipped when no server answers). Goal >= 0.60x.

The command mix is a membership's life: register a company, apply, sign, take a seat,
resign (five commands, six events), in GROUPS groups in turn, as a network spreads its
members over its groups (a group's state holds every membership it ever had, so one
group taking every company would measure that group's growth, not the command path).
Then the round trips one command makes to PostgreSQL (counted in libpq's trace of the
session: each time the server answers after the client spoke, the client waited once), a
breakdown of where one command's time goes (each step timed on its own, so the parts add
up to a little more than the whole), and `Network.execute_many` in batches of 1, 10, 100
and 1,000 commands.

    python benchmarks/commands.py [--n 1500] [--pg postgresql://postgres@127.0.0.1/test]
"""

import argparse
import contextlib
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from peernet import (
    ApplyForMembership,
    Charter,
    Command,
    FormGroup,
    Network,
    RegisterCompany,
    Resign,
    SignAgreement,
    TakeSeat,
)
from peernet.adapters.errors import InvalidStoreURL
from peernet.testing import T0, profile

RUNS = 3
GOALS = {"full": 0.60, "normal": 0.15, "postgresql": 0.60}
CHAIN_GOAL = 0.05
PAYLOAD = b"x" * 224
PG = "postgresql://postgres@127.0.0.1:5432/test"
GROUPS = 50


# --- floors ------------------------------------------------------------------------------


def sqlite_floor(path: str, n: int, synchronous: str) -> float:
    """Rows per second: plain sqlite3, one row per commit, WAL, the given synchronous."""
    import sqlite3  # noqa: PLC0415

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("CREATE TABLE t (id TEXT, version INTEGER, topic TEXT, state BLOB)")
    started = time.perf_counter()
    for i in range(n):
        db.execute("BEGIN")
        db.execute("INSERT INTO t VALUES (?,?,?,?)", (str(i), 1, "peernet.Bench", PAYLOAD))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return n / elapsed


def postgres_floor(server: str, schema: str, n: int) -> float:
    """Rows per second: psycopg, one row per commit."""
    import psycopg  # noqa: PLC0415

    with psycopg.connect(server, autocommit=False) as db:
        db.execute(f"CREATE TABLE {schema}.t (id TEXT, version INTEGER, topic TEXT, state BYTEA)")
        db.commit()
        started = time.perf_counter()
        for i in range(n):
            db.execute(
                f"INSERT INTO {schema}.t VALUES (%s,%s,%s,%s)",
                (str(i), 1, "peernet.Bench", PAYLOAD),
            )
            db.commit()
        return n / (time.perf_counter() - started)


@contextlib.contextmanager
def postgres_schema(server: str) -> Iterator[str]:
    """A fresh schema, dropped afterwards."""
    import psycopg  # noqa: PLC0415

    schema = f"bench_{uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        with psycopg.connect(server, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


def postgres_up(server: str) -> bool:
    try:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(server, connect_timeout=2):
            return True
    except Exception:
        return False


# --- peernet ----------------------------------------------------------------------------


def cycle_commands(groups: list[UUID], i: int) -> list[Command]:
    """A membership's life: five commands whose ids are known before any is executed."""
    at, group = T0 + timedelta(hours=i), groups[i % len(groups)]
    company = RegisterCompany(profile=profile(f"Co {i}", region=f"r{i}"), actor="bench", at=at)
    applied = ApplyForMembership(company_id=company.company_id, group_id=group, actor="b", at=at)
    membership = applied.membership_id
    return [
        company,
        applied,
        SignAgreement(membership_id=membership, actor="bench", at=at),
        TakeSeat(membership_id=membership, actor="bench", at=at),
        Resign(membership_id=membership, actor="bench", at=at),
    ]


def some_groups(network: Network) -> list[UUID]:
    formed = [
        FormGroup(name=f"Bench {i}", charter=Charter(capacity=12), actor="bench", at=T0)
        for i in range(GROUPS)
    ]
    for command in formed:
        network.execute(command)
    return [command.group_id for command in formed]


def commands_per_second(url: str, n: int) -> float:
    """Commands per second, one `execute` each, for n commands of the mix."""
    with Network(url) as network:
        groups = some_groups(network)
        cycles = [cycle_commands(groups, i) for i in range(max(1, n // 5))]
        started = time.perf_counter()
        for commands in cycles:
            for command in commands:
                network.execute(command)
        return 5 * len(cycles) / (time.perf_counter() - started)


def batches_per_second(url: str, n: int, size: int) -> float:
    """Commands per second through `execute_many`, `size` commands a batch."""
    with Network(url) as network:
        groups = some_groups(network)
        commands = [c for i in range(max(1, n // 5)) for c in cycle_commands(groups, i)]
        started = time.perf_counter()
        for start in range(0, len(commands), size):
            network.execute_many(commands[start : start + size])
        return len(commands) / (time.perf_counter() - started)


# --- round trips -----------------------------------------------------------------------


def round_trips(server: str, n: int) -> tuple[float, float]:
    """Per command on PostgreSQL: the times the client waited for the server (a turn
    from the client's messages to the server's in libpq's trace) and the server's
    ReadyForQuery messages (one a transaction's end or a sync), over n commands of the
    mix, on one pooled connection, after warming up (statements prepared)."""
    from psycopg import pq  # noqa: PLC0415

    with (
        postgres_schema(server) as schema,
        Network(
            f"{server}?schema={schema}&pool_size=1", env={"POSTGRES_MAX_OVERFLOW": "0"}
        ) as network,
    ):
        groups = some_groups(network)
        datastore = network.recorder.datastore  # type: ignore[attr-defined]  # PostgreSQL's
        cycles = [cycle_commands(groups, i) for i in range(max(2, n // 5))]
        for command in cycles.pop(0):  # statements prepared, states warm
            network.execute(command)
        with tempfile.TemporaryFile("w+") as trace:
            with datastore.pool.connection() as connection:
                connection.pgconn.trace(trace.fileno())
                connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            for commands in cycles:
                for command in commands:
                    network.execute(command)
            with datastore.pool.connection() as connection:
                connection.pgconn.untrace()
            trace.seek(0)
            lines = [line.split("\t") for line in trace if "\t" in line]
    sides = [fields[0] for fields in lines]
    waits = sum(1 for before, now in itertools.pairwise(sides) if (before, now) == ("F", "B"))
    ready = sum(1 for fields in lines if fields[0] == "B" and fields[2] == "ReadyForQuery")
    count = 5 * len(cycles)
    return waits / count, ready / count


# --- the breakdown ----------------------------------------------------------------------

#: the steps of one command: label, the dotted place of the function timed
STEPS = (
    ("catch-up (is the log where we left it?)", "peernet.application.replica.Replica.catch_up"),
    ("ledger (was this command id handled?)", "peernet.application.ledger.Ledger.handled"),
    ("load + decide", "peernet.application.commands.CommandSide._decide"),
    ("  of which: load a stream from the store", "peernet.application.replica.Replica.load"),
    ("encode (cattrs, orjson, seal)", "peernet.adapters.codec.PeerNetMapper.encode_links"),
    ("  of which: hash chain", "peernet.adapters.codec.link"),
    ("decode (streams loaded from the store)", "peernet.adapters.codec.PeerNetMapper.decode"),
    ("append (insert, commit)", "eventsourcing.persistence.ProcessRecorder.insert_events"),
    ("fold into warm state", "peernet.application.replica.Replica.remember"),
)


def _place(dotted: str) -> tuple[Any, str] | None:
    import importlib  # noqa: PLC0415

    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            owner = getattr(owner, name, None)
        if owner is not None and hasattr(owner, parts[-1]):
            return owner, parts[-1]
        return None
    return None


def _restorer(owner: Any, name: str) -> Callable[[], None]:
    """What puts `owner.name` back as it is now."""
    original = owner.__dict__.get(name)

    def restore() -> None:
        if original is None:
            delattr(owner, name)
        else:
            setattr(owner, name, original)

    return restore


def breakdown(url: str, n: int) -> tuple[float, dict[str, float]]:
    """Microseconds per command in all, and in each step of `STEPS` (a step not on this
    path is left out)."""
    spent: dict[str, float] = {}
    undo: list[Callable[[], None]] = []

    def timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - started

        return wrapper

    with Network(url) as network:
        groups = some_groups(network)
        cycles = [cycle_commands(groups, i) for i in range(max(1, n // 5))]
        recorder_class = type(network.recorder)
        for label, dotted in STEPS:
            found = _place(dotted)
            if found is None:
                continue
            owner, name = found
            if dotted.startswith("eventsourcing."):  # the recorder this store uses
                owner = recorder_class
            undo.append(_restorer(owner, name))
            setattr(owner, name, timed(label, getattr(owner, name)))
        try:
            started = time.perf_counter()
            for commands in cycles:
                for command in commands:
                    network.execute(command)
            total = time.perf_counter() - started
        finally:
            for step in reversed(undo):
                step()
    count = 5 * len(cycles)
    return total / count * 1e6, {k: v / count * 1e6 for k, v in spent.items()}


# --- the run ----------------------------------------------------------------------------


def median_spread(values: list[float]) -> str:
    return f"{statistics.median(values):10,.0f}  (spread {min(values):,.0f}-{max(values):,.0f})"


def ratio_line(name: str, ratios: list[float], goal: float) -> str:
    middle = statistics.median(ratios)
    verdict = "meets" if middle >= goal else "misses"
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    return f"{name:<44} {middle:5.2f}x (spread {spread})  goal >= {goal:.2f}x: {verdict}"


def floors_and_ratios(n: int, pg: str | None, path: Callable[[str], str]) -> None:
    rates: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    for _ in range(RUNS):
        for sync in ("full", "normal"):
            floor = sqlite_floor(path("floor"), n, sync.upper())
            query = "" if sync == "full" else "?synchronous=normal"
            try:
                got = commands_per_second(f"sqlite:///{path('peernet')}{query}", n)
            except InvalidStoreURL:  # a peernet without the option
                continue
            rates.setdefault(f"sqlite3 floor, {sync}", []).append(floor)
            rates.setdefault(f"peernet on SQLite, {sync}", []).append(got)
            ratios.setdefault(sync, []).append(got / floor)
        if pg is not None:
            with postgres_schema(pg) as schema:
                floor = postgres_floor(pg, schema, n)
                got = commands_per_second(f"{pg}?schema={schema}", n)
            rates.setdefault("psycopg floor", []).append(floor)
            rates.setdefault("peernet on PostgreSQL", []).append(got)
            ratios.setdefault("postgresql", []).append(got / floor)
    print(f"commands a run: {n}; runs: {RUNS}; median (spread)")
    for name, values in rates.items():
        unit = "rows/s" if "floor" in name else "cmd/s"
        print(f"  {name:<30} {median_spread(values)} {unit}")
    print()
    names = {
        "full": "SQLite FULL ÷ sqlite3 at FULL",
        "normal": "SQLite ?synchronous=normal ÷ sqlite3 NORMAL",
        "postgresql": "PostgreSQL ÷ psycopg",
    }
    for key, values in ratios.items():
        print(ratio_line(names[key], values, GOALS[key]))
    if pg is None:
        print("PostgreSQL: no server answered; skipped")


def trips(n: int, pg: str | None) -> None:
    if pg is None:
        return
    waits, ready = round_trips(pg, n)
    print(f"\nPostgreSQL round trips a command: {waits:.2f} waits ({ready:.2f} ReadyForQuery)")


def steps(n: int, path: Callable[[str], str]) -> None:
    print("\nwhere one command's time goes (SQLite, FULL; microseconds, median of runs)")
    runs = [breakdown(f"sqlite:///{path('steps')}", n) for _ in range(RUNS)]
    total = statistics.median(r[0] for r in runs)
    print(f"  {'the whole command':<44} {total:8.0f} us")
    for label, _ in STEPS:
        values = [r[1][label] for r in runs if label in r[1]]
        if values:
            share = statistics.median(values)
            print(f"  {label:<44} {share:8.0f} us  {share / total:6.1%}")
    chains = [r[1].get("  of which: hash chain", 0.0) / r[0] for r in runs]
    chain = statistics.median(chains)
    verdict = "meets" if chain <= CHAIN_GOAL else "misses"
    print(f"hash chain's share of a command: {chain:.1%}  goal <= 5%: {verdict}")


def batches(n: int, path: Callable[[str], str]) -> None:
    print("\nexecute_many: commands/s by batch size (SQLite FULL; median, spread)")
    for size in (1, 10, 100, 1000):
        count = max(n, size)
        values = [
            batches_per_second(f"sqlite:///{path('batch')}", count, size) for _ in range(RUNS)
        ]
        print(f"  batches of {size:>5}: {median_spread(values)} cmd/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1500, help="commands (and floor rows) a run")
    parser.add_argument("--pg", default=PG, help="a PostgreSQL server, or 'none'")
    options = parser.parse_args()
    pg = options.pg if options.pg != "none" and postgres_up(options.pg) else None
    with tempfile.TemporaryDirectory() as folder:

        def path(name: str) -> str:
            return os.path.join(folder, f"{name}-{uuid4().hex[:8]}.db")

        floors_and_ratios(options.n, pg, path)
        trips(options.n, pg)
        steps(options.n, path)
        if hasattr(Network, "execute_many"):  # a peernet without batches has no figure
            batches(options.n, path)


if __name__ == "__main__":
    main()
