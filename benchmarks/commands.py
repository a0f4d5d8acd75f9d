"""How fast peernet records commands, as a ratio to the SQLite write floor, in one run.

The floor is plain sqlite3 inserting one ~224-byte row per commit (WAL,
synchronous=NORMAL). peernet runs on eventsourcing's SQLite recorder at its default
synchronous=FULL, which is durable on power loss. Goal: commands >= 0.30x the floor.

    python benchmarks/commands.py [--n 3000]
"""

import argparse
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta

from peernet import (
    ApplyForMembership,
    Charter,
    FormGroup,
    Network,
    RegisterCompany,
    Resign,
    SignAgreement,
    TakeSeat,
)
from peernet.testing import T0, profile

GOAL = 0.30


def write_floor(path: str, n: int, synchronous: str = "NORMAL") -> float:
    """Rows per second: plain sqlite3, one row per commit, WAL, the given synchronous."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("CREATE TABLE t (id TEXT, version INTEGER, topic TEXT, state BLOB)")
    payload = b"x" * 224
    started = time.perf_counter()
    for i in range(n):
        db.execute("BEGIN")
        db.execute("INSERT INTO t VALUES (?,?,?,?)", (str(i), 1, "peernet.Bench", payload))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return n / elapsed


def rate(n: int, step: Callable[[int], object]) -> float:
    started = time.perf_counter()
    for i in range(n):
        step(i)
    return n / (time.perf_counter() - started)


def peernet_commands(path: str, n: int) -> tuple[float, float]:
    """Commands per second and events per second for a register-apply-sign-join-resign mix."""
    network = Network(f"sqlite:///{path}")
    group = network.execute(
        FormGroup(name="Bench", charter=Charter(capacity=12), actor="bench", at=T0)
    )[0].event.group_id  # type: ignore[attr-defined]
    events = 0

    def cycle(i: int) -> None:
        nonlocal events
        at = T0 + timedelta(hours=i)
        company = network.execute(
            RegisterCompany(profile=profile(f"Co {i}", region=f"r{i}"), actor="bench", at=at)
        )[0].event.company_id  # type: ignore[attr-defined]
        applied = network.execute(
            ApplyForMembership(company_id=company, group_id=group, actor="bench", at=at)
        )
        membership = applied[0].event.membership_id  # type: ignore[attr-defined]
        signed = network.execute(SignAgreement(membership_id=membership, actor="bench", at=at))
        joined = network.execute(TakeSeat(membership_id=membership, actor="bench", at=at))
        left = network.execute(Resign(membership_id=membership, actor="bench", at=at))
        events += 1 + len(applied) + len(signed) + len(joined) + len(left)

    commands_per_cycle = 5
    cycles = max(1, n // commands_per_cycle)
    per_second = rate(cycles, cycle) * commands_per_cycle
    events_per_second = per_second * events / (cycles * commands_per_cycle)
    network.close()
    return per_second, events_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="commands (and floor rows)")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as folder:
        floor = write_floor(os.path.join(folder, "floor.db"), n)
        durable = write_floor(os.path.join(folder, "durable.db"), n, "FULL")
        commands, events = peernet_commands(os.path.join(folder, "peernet.db"), n)
    ratio = commands / floor
    print(f"write floor (sqlite3, WAL, NORMAL): {floor:10,.0f} rows/s   1.00")
    print(f"sqlite3, WAL, FULL (durable):       {durable:10,.0f} rows/s   {durable / floor:.2f}")
    print(f"peernet commands (SQLite, FULL):    {commands:10,.0f} cmd/s    {ratio:.2f}")
    print(f"peernet commands / durable floor:   {commands / durable:10.2f}")
    print(f"peernet events written:             {events:10,.0f} events/s")
    verdict = "meets" if ratio >= GOAL else "misses"
    print(f"goal: commands >= {GOAL:.2f}x the floor: {verdict} ({ratio:.2f})")


if __name__ == "__main__":
    main()
