"""What opening a large store and running its first command costs, beside the hundredth.

A store of `--events` events (companies registered, written in batches) is closed; then,
RUNS times: open it, run one command (the first), run 99 more, and time the first and the
hundredth. The goal: opening a 1,000,000-event store and running one command in < 0.5 s.
The first command asks the store's links table for the links it follows (does this
company exist? which group is this membership in?) instead of reading the log's
directory of streams (every group, company, membership... ever begun), which made the
first command grow with the store (docs/storage.md, "The links table").

    python benchmarks/opening.py [--events 1000000]
"""

import argparse
import os
import statistics
import tempfile
import time

from peernet import Network, RegisterCompany
from peernet.testing import T0, profile

RUNS = 3
GOAL_S = 0.5
BATCH = 1000


def build(path: str, events: int) -> None:
    with Network(f"sqlite:///{path}?synchronous=normal") as network:
        for start in range(0, events, BATCH):
            network.execute_many(
                [
                    RegisterCompany(profile=profile(f"Co {i}", region="r"), actor="b", at=T0)
                    for i in range(start, min(events, start + BATCH))
                ]
            )


def register(network: Network, i: int) -> None:
    network.execute(RegisterCompany(profile=profile(f"New {i}", region="r"), actor="b", at=T0))


def open_and_first(path: str) -> tuple[float, float]:
    """Seconds to open the store and run one command; seconds for the hundredth."""
    started = time.perf_counter()
    network = Network(f"sqlite:///{path}")
    register(network, 0)
    first = time.perf_counter() - started
    for i in range(1, 99):
        register(network, i)
    started = time.perf_counter()
    register(network, 99)
    hundredth = time.perf_counter() - started
    network.close()
    return first, hundredth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    events = parser.parse_args().events
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "large.db")
        started = time.perf_counter()
        build(path, events)
        print(f"built {events:,} events in {time.perf_counter() - started:.1f} s")
        runs = [open_and_first(path) for _ in range(RUNS)]
    firsts = [r[0] for r in runs]
    hundredths = [r[1] * 1000 for r in runs]
    first = statistics.median(firsts)
    print(
        f"open + first command: {first:.3f} s (spread {min(firsts):.3f}-{max(firsts):.3f}); "
        f"the hundredth: {statistics.median(hundredths):.2f} ms"
    )
    verdict = "meets" if first < GOAL_S else "misses"
    print(f"goal: open a {events:,}-event store and run one command < {GOAL_S} s: {verdict}")


if __name__ == "__main__":
    main()
