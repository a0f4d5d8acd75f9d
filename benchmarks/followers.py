"""What a running follower adds to a command's cost, and how far behind a write it is.

Three runs each, on a fresh store per run; runs with and without a follower alternate,
and the median of their ratios is printed (this machine is shared: alternating moves
both alike):

- commands alone: RegisterCompany, one after another;
- the same commands while a follower runs in its own thread, handling each event
  (its handler does nothing, so it writes its position alone);
- latency: one command at a time, the time from `execute` returning to the handler
  seeing the event.

Goals: the command path pays nothing for a follower (the calling thread's CPU per
command with a follower running >= 0.90x without: within noise), and a follower keeps up
within 5 ms of a write (median latency). The wall-clock ratio is printed too: it counts
the follower's own position writes and whatever else this shared machine is doing.

    python benchmarks/followers.py [--n 500] [--url sqlite|memory|postgresql://...]
"""

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable

from peernet import Network, Recorded, RegisterCompany
from peernet.testing import T0, profile

RATIO_GOAL = 0.90
LATENCY_GOAL_MS = 5.0
RUNS = 3


def fresh(kind: str, folder: str, run: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{os.path.join(folder, run + '.db')}"
    if kind == "memory":
        return "memory://"
    return kind


def register(network: Network, i: int) -> None:
    network.execute(
        RegisterCompany(profile=profile(f"Co {i}", region=f"r{i}"), actor="bench", at=T0)
    )


def commands_per_second(url: str, n: int, follow: bool) -> tuple[float, float]:
    """Commands per second of wall time, and per second of the calling thread's own CPU
    (what the command path itself costs: the follower's thread, waits for the disk and
    other processes' load do not count)."""
    network = Network(url)
    follower = network.follow(f"bench-{time.monotonic_ns()}", lambda r: None) if follow else None
    if follower is not None:
        follower.start()
    register(network, -1)  # warm: tables, caches, the follower's subscription
    if follower is not None:
        follower.wait(timeout=30)
    started, cpu = time.perf_counter(), time.thread_time()
    for i in range(n):
        register(network, i)
    elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
    if follower is not None:
        follower.wait(timeout=60)
        follower.stop()
    network.close()
    return n / elapsed, n / cpu


def latencies_ms(url: str, n: int) -> list[float]:
    network = Network(url)
    arrived = threading.Event()
    when: list[float] = []

    def handle(record: Recorded) -> None:
        when.append(time.perf_counter())
        arrived.set()

    follower = network.follow(f"latency-{time.monotonic_ns()}", handle).start()
    found = []
    for i in range(n):
        arrived.clear()
        register(network, i)
        returned = time.perf_counter()
        if not arrived.wait(timeout=10):
            raise TimeoutError("the follower did not see a write within 10 s")
        found.append(max(0.0, when[-1] - returned) * 1000)
    follower.stop()
    network.close()
    return found


def median_of(runs: int, measure: Callable[[str], float]) -> float:
    return statistics.median(measure(str(run)) for run in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=500, help="commands per run")
    parser.add_argument("--url", default="sqlite", help="sqlite, memory or a PostgreSQL URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        pairs = []
        for run in range(RUNS):  # alternating, so the machine's load moves both alike
            alone_ = commands_per_second(fresh(args.url, folder, f"a{run}"), args.n, False)
            followed_ = commands_per_second(fresh(args.url, folder, f"f{run}"), args.n, True)
            pairs.append((alone_, followed_))
        latency = median_of(
            RUNS,
            lambda r: statistics.median(
                latencies_ms(fresh(args.url, folder, "l" + r), max(50, args.n // 5))
            ),
        )
    alone = statistics.median(a[1] for a, _ in pairs)
    followed = statistics.median(f[1] for _, f in pairs)
    ratio = statistics.median(f[1] / a[1] for a, f in pairs)
    wall = statistics.median(f[0] / a[0] for a, f in pairs)
    print(f"store: {args.url}; {args.n} commands a run; median of {RUNS} runs")
    print(f"command path alone (thread CPU):         {alone:10,.0f} cmd/s   1.00")
    print(f"command path with a follower running:    {followed:10,.0f} cmd/s   {ratio:.2f}")
    print(f"wall clock, with a follower / alone:     {wall:10.2f} (the follower's own writes")
    print("    and this machine's load included; not the goal)")
    verdict = "meets" if ratio >= RATIO_GOAL else "misses"
    print(f"goal: command path with a follower >= {RATIO_GOAL:.2f}x alone: {verdict} ({ratio:.2f})")
    verdict = "meets" if latency <= LATENCY_GOAL_MS else "misses"
    print(f"follower latency after a write:          {latency:10.2f} ms (median)")
    print(f"goal: latency <= {LATENCY_GOAL_MS:.0f} ms: {verdict} ({latency:.2f} ms)")


if __name__ == "__main__":
    main()
