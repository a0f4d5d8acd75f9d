"""What the hash chain costs a command, and how fast verify walks a store, in one run.

Commands run on SQLite (synchronous=FULL, the default) with the chain, and with the
chain taken out (events encoded as before it existed), in alternating rounds so both
see the same disk and the same noise; the ratio is the chain's cost. Goal: a command
with the chain runs at >= 0.95x a command without it. Then `verify` walks the store
written, against decoding the same log (`Network.recorded`).

Last, `peernet audit trail` of the demo's store in a fresh process: the time to its first
row (goal < 0.5 s) and to its last (goal < 3 s), and the first row against a floor
measured in the same rounds: a fresh `python -c "import sqlite3, json"` process printing
one row of the same store. Every process runs with its bytecode cached, as an installed
peernet's is (PYTHONDONTWRITEBYTECODE is dropped for them).

    python benchmarks/audit.py [--n 3000] [--rounds 4] [--trail-only]
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import orjson
from eventsourcing.persistence import StoredEvent

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
from peernet.adapters.codec import GENESIS, converter
from peernet.records import Recorded, topic_of
from peernet.testing import T0, profile

GOAL = 0.95
RECORDED_GOAL = 0.60
FIRST_ROW_GOAL_S = 0.5
TRAIL_GOAL_S = 3.0
COMMANDS_PER_CYCLE = 5
#: --cpu: the process's CPU time moves much less than the wall clock on a shared machine
CPU_HELP = "time the read ratio in CPU time instead of wall time"


def unchained(network: Network) -> Network:
    """The network writing events as peernet did before the chain: the same envelope,
    no hash, no read of a stream's last chain."""
    codec = network.codec

    def sealed(recorded: Recorded, previous: str) -> tuple[StoredEvent, str]:
        payload: dict[str, Any] = {
            "event": converter.unstructure(recorded.event, type(recorded.event)),
            "actor": recorded.actor,
            "recorded_at": recorded.recorded_at,
            "command_id": recorded.command_id,
            "correlation_id": recorded.correlation_id,
        }
        stored = StoredEvent(
            originator_id=recorded.stream_id,
            originator_version=recorded.version,
            topic=topic_of(type(recorded.event)),
            state=orjson.dumps(payload),
        )
        return stored, GENESIS

    codec._sealed = sealed  # type: ignore[method-assign]
    network._replica.chain_before = lambda stream_id, version: GENESIS  # type: ignore[method-assign]
    return network


def commands_per_second(network: Network, cycles: int, offset: int) -> float:
    """Commands per second for a register-apply-sign-join-resign mix."""
    group = network.execute(
        FormGroup(name=f"Bench {offset}", charter=Charter(capacity=12), actor="bench", at=T0)
    )[0].event.group_id  # type: ignore[attr-defined]
    started = time.perf_counter()
    for i in range(offset, offset + cycles):
        at = T0 + timedelta(hours=i)
        company = network.execute(
            RegisterCompany(profile=profile(f"Co {i}", region=f"r{i}"), actor="bench", at=at)
        )[0].event.company_id  # type: ignore[attr-defined]
        applied = network.execute(
            ApplyForMembership(company_id=company, group_id=group, actor="bench", at=at)
        )
        membership = applied[0].event.membership_id  # type: ignore[attr-defined]
        network.execute(SignAgreement(membership_id=membership, actor="bench", at=at))
        network.execute(TakeSeat(membership_id=membership, actor="bench", at=at))
        network.execute(Resign(membership_id=membership, actor="bench", at=at))
    return cycles * COMMANDS_PER_CYCLE / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="commands per round and kind")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds")
    parser.add_argument("--no-trail", action="store_true", help="leave the trail out")
    parser.add_argument("--cpu", action="store_true", help=CPU_HELP)
    parser.add_argument("--trail-only", action="store_true", help="measure the trail alone")
    options = parser.parse_args()
    if options.trail_only:
        with tempfile.TemporaryDirectory() as folder:
            print_trail(trail_seconds(folder, options.rounds))
        return
    cycles = max(1, options.n // COMMANDS_PER_CYCLE)
    with tempfile.TemporaryDirectory() as folder:
        chained = Network(f"sqlite:///{os.path.join(folder, 'chained.db')}")
        plain = unchained(Network(f"sqlite:///{os.path.join(folder, 'plain.db')}"))
        with_chain, without_chain = [], []
        for round_ in range(options.rounds):
            offset = round_ * cycles
            with_chain.append(commands_per_second(chained, cycles, offset))
            without_chain.append(commands_per_second(plain, cycles, offset))
        started = time.perf_counter()
        verified = chained.verify()
        verify_rate = verified.events / (time.perf_counter() - started)
        started = time.perf_counter()
        decoded = sum(1 for _ in chained.recorded())
        decode_rate = decoded / (time.perf_counter() - started)
        assert verified.ok, verified.problem
        clock = time.process_time if options.cpu else time.perf_counter
        path = os.path.join(folder, "chained.db")
        ratios = read_ratios(chained, path, options.rounds, clock)
        chained.close()
        plain.close()
        trail = None if options.no_trail else trail_seconds(folder, options.rounds)
    a, b = statistics.median(with_chain), statistics.median(without_chain)
    ratio = a / b
    print(f"commands without the chain (SQLite, FULL): {b:10,.0f} cmd/s    1.00")
    print(f"commands with the chain:                    {a:10,.0f} cmd/s    {ratio:.2f}")
    print(f"  (medians of {options.rounds} alternating rounds of {cycles * 5:,} commands)")
    print(f"verify:                                     {verify_rate:10,.0f} events/s")
    print(f"decode the same log (Network.recorded):     {decode_rate:10,.0f} events/s")
    print(f"verify / decode:                            {verify_rate / decode_rate:10.2f}")
    verdict = "meets" if ratio >= GOAL else "misses"
    print(f"goal: with the chain >= {GOAL:.2f}x without: {verdict} ({ratio:.2f})")
    median = statistics.median(ratios)
    verdict = "meets" if median >= RECORDED_GOAL else "misses"
    print(
        f"read as records (Network.recorded) / read floor: {median:.2f}x "
        f"[{min(ratios):.2f}-{max(ratios):.2f}] (goal >= {RECORDED_GOAL:.2f}x: {verdict})"
    )
    if trail is not None:
        print_trail(trail)


def print_trail(trail: tuple[list[float], list[float], list[float]]) -> None:
    """The trail's figures: first row against the floor, first row and all rows."""
    floors, firsts, totals = trail
    ratios = [f / floor for f, floor in zip(firsts, floors, strict=True)]
    median = statistics.median(floors)
    print(
        f"floor: a fresh python printing one row of the store (sqlite3 + json): "
        f"{median:.3f} s [{min(floors):.3f}-{max(floors):.3f}]"
    )
    median = statistics.median(ratios)
    print(
        f"audit trail, first row, fresh process / floor: {median:.1f}x "
        f"[{min(ratios):.1f}-{max(ratios):.1f}]"
    )
    for label, values, goal in (
        ("audit trail of the demo, first row", firsts, FIRST_ROW_GOAL_S),
        ("audit trail of the demo, all rows ", totals, TRAIL_GOAL_S),
    ):
        median = statistics.median(values)
        verdict = "meets" if median < goal else "misses"
        print(
            f"{label}: {median:.2f} s [{min(values):.2f}-{max(values):.2f}] "
            f"(goal < {goal} s: {verdict}; median of {len(values)})"
        )


def read_floor_seconds(path: str, clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds for plain sqlite3 to read every stored event and `json.loads` its state."""
    db = sqlite3.connect(path)
    started = clock()
    for (state,) in db.execute("SELECT state FROM stored_events ORDER BY rowid"):
        json.loads(state)
    seconds = clock() - started
    db.close()
    return seconds


def read_ratios(
    network: Network, path: str, rounds: int, clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    """The read floor's time over the time to read the same log as records, each round."""
    ratios = []
    for _ in range(max(3, rounds)):
        floor = read_floor_seconds(path, clock)
        started = clock()
        sum(1 for _ in network.recorded())
        ratios.append(floor / (clock() - started))
    return ratios


def fresh_env() -> dict[str, str]:
    """The environment of a fresh process: bytecode cached, as an installed peernet's is."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


#: the floor of a fresh process: start python, read one row of the store, print it
ONE_ROW = """
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
state, = db.execute("SELECT state FROM stored_events ORDER BY rowid LIMIT 1").fetchone()
print(json.loads(state), flush=True)
"""


def first_line_seconds(command: list[str], lines: int = 1) -> tuple[float, float]:
    """Seconds until `command` printed `lines` lines, and until it ended."""
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, env=fresh_env()) as child:  # noqa: S603
        assert child.stdout is not None
        for _ in range(lines):
            child.stdout.readline()
        first = time.perf_counter() - started
        for _ in child.stdout:
            pass
    return first, time.perf_counter() - started


def trail_seconds(folder: str, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds for the floor to print its row, and to the first row and to the end of
    `peernet audit trail` of the demo, each round one of each."""
    path = os.path.join(folder, "demo.db")
    url = f"sqlite:///{path}"
    peernet = [sys.executable, "-m", "peernet"]
    subprocess.run(  # noqa: S603 - peernet's own command line
        [*peernet, "demo", "--db", url], check=True, capture_output=True, env=fresh_env()
    )
    floors, firsts, totals = [], [], []
    for _ in range(max(3, rounds)):
        floors.append(first_line_seconds([sys.executable, "-c", ONE_ROW, path])[0])
        # the header, its rule and the first row
        first, total = first_line_seconds([*peernet, "audit", "trail", "--db", url], lines=3)
        firsts.append(first)
        totals.append(total)
    return floors, firsts, totals


if __name__ == "__main__":
    main()
