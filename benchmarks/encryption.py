"""What sealing confidential fields costs a command, in one run.

Registers companies (each event holds a profile with a name and representatives) on
SQLite (synchronous=FULL, the default) without a key and with one, in alternating rounds
so both see the same disk and the same noise; the ratio is encryption's cost on the
write path. It is the worst case: every command is a company's first, which also writes
the company's data key in a transaction of its own. Then decodes the whole log in a
fresh network, where each company's key is read and unwrapped once.

One run (1,500 commands, 3 rounds): 1,942 commands/s without a key, 1,058 with one
(0.54x); reading 36,107 events/s against 9,567 (0.26x), one key per event here. Since
a reader reads every wrapped key in one query and unwraps each once, the same read runs
at 0.43x [0.32-0.94] in a run on a busy machine (goal >= 0.70x: printed as "meets" or
"misses").

    python benchmarks/encryption.py [--n 2000] [--rounds 4]
"""

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime

import attrs

from peernet import Network, RegisterCompany
from peernet.adapters.keys import new_key
from peernet.testing import profile

AT = datetime(2009, 1, 5, tzinfo=UTC)
READ_GOAL = 0.70


def register(network: Network, n: int) -> float:
    """Commands per second for `n` registrations."""
    started = time.perf_counter()
    for i in range(n):
        named = attrs.evolve(profile(f"Company {i}"), representatives=(f"Person {i}",))
        network.execute(RegisterCompany(profile=named, actor="office", at=AT))
    return n / (time.perf_counter() - started)


def read_all(url: str, key: str | None, clock: Callable[[], float] = time.perf_counter) -> float:
    """Events per second decoding the whole log in a fresh process-like network."""
    network = Network(url, key=key)
    started = clock()
    count = sum(1 for _ in network.recorded())
    seconds = clock() - started
    network.close()
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--cpu", action="store_true", help="time the reads in CPU time instead of wall time"
    )
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    plain: list[float] = []
    sealed: list[float] = []
    reads: dict[str, list[float]] = {"plain": [], "sealed": []}
    with tempfile.TemporaryDirectory() as folder:
        for r in range(args.rounds):
            for label, key, out in (("plain", None, plain), ("sealed", new_key(), sealed)):
                url = f"sqlite:///{os.path.join(folder, f'{label}{r}.db')}"
                network = Network(url, key=key)
                out.append(register(network, args.n))
                network.close()
                reads[label].append(read_all(url, key, clock))
    p, s = statistics.median(plain), statistics.median(sealed)
    rp, rs = statistics.median(reads["plain"]), statistics.median(reads["sealed"])
    print(f"register, no key:  {p:8.0f} commands/s")
    print(f"register, sealed:  {s:8.0f} commands/s  ratio {s / p:.2f}")
    print(f"read all, no key:  {rp:8.0f} events/s")
    ratios = [s / p for s, p in zip(reads["sealed"], reads["plain"], strict=True)]
    verdict = "meets" if statistics.median(ratios) >= READ_GOAL else "misses"
    print(
        f"read all, sealed:  {rs:8.0f} events/s  ratio {statistics.median(ratios):.2f} "
        f"[{min(ratios):.2f}-{max(ratios):.2f}] (goal >= {READ_GOAL:.2f}x: {verdict})"
    )


if __name__ == "__main__":
    main()
