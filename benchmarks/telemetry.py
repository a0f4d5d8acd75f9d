"""What telemetry costs when it is off (the default): commands and queries through the
facade, against the same work with the telemetry wrapper taken out, in one run.

- commands: `Network.execute` (logged and traced when asked) against the command side's
  own work (`CommandSide._execute`, what the wrapper calls), on ``memory://`` so the
  store's fsyncs do not hide the wrapper;
- queries: `Network.company` against the query part's own method (`Rosters.company`):
  while telemetry is off they are the same function, put back by `uninstrument()`.

Runs alternate (without, with, without, with...) and time the process's own CPU, so
other work on the machine moves both alike; the median of 5 ratios is printed. Goal:
telemetry off costs at most 5% (ratio >= 0.95). With `--on`, spans go to an in-memory
exporter, to show what they cost when wanted.

    python benchmarks/telemetry.py [--n 5000] [--on]
"""

import argparse
import statistics
import time
from collections.abc import Callable

from peernet import Network, RegisterCompany, instrument
from peernet.application.rosters import Rosters
from peernet.testing import T0, profile, some_id

GOAL = 0.95
RUNS = 5


def per_second(n: int, step: Callable[[int], object]) -> float:
    started = time.process_time()
    for i in range(n):
        step(i)
    return n / (time.process_time() - started)


def registration(run: str, i: int) -> RegisterCompany:
    return RegisterCompany(
        company_id=some_id(f"{run} {i}"),
        profile=profile(f"Co {i}", region=f"r{i}"),
        actor="bench",
        at=T0,
    )


def commands(n: int, wrapped: bool, run: str) -> float:
    network = Network("memory://")
    side = network._commands
    commands_ = [registration(run, i) for i in range(n)]
    if wrapped:
        return per_second(n, lambda i: network.execute(commands_[i]))
    return per_second(n, lambda i: side._execute(commands_[i], None, None))


def queries(n: int, wrapped: bool) -> float:
    network = Network("memory://")
    company = some_id("q 0")
    network.execute(registration("q", 0))
    bare = Rosters.company
    if wrapped:
        return per_second(n, lambda i: network.company(company))
    return per_second(n, lambda i: bare(network, company))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--on", action="store_true", help="measure with spans on")
    args = parser.parse_args()
    if args.on:
        from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: PLC0415
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: PLC0415
            InMemorySpanExporter,
        )

        provider = TracerProvider()
        exporter = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        instrument(tracer_provider=provider)
    state = "on" if args.on else "off"
    rows = []
    measures: list[tuple[str, Callable[[bool, str], float]]] = [
        ("commands", lambda wrapped, r: commands(args.n, wrapped, r)),
        ("queries", lambda wrapped, r: queries(args.n * 4, wrapped)),
    ]
    for what, measure in measures:
        pairs = [(measure(False, f"b{r}"), measure(True, f"w{r}")) for r in range(RUNS)]
        bare = statistics.median(b for b, _ in pairs)
        wrapped = statistics.median(w for _, w in pairs)
        rows.append((what, bare, wrapped, statistics.median(w / b for b, w in pairs)))
    print(f"telemetry {state}; median of {RUNS} alternating runs (process CPU time)")
    for what, bare, wrapped, ratio in rows:
        print(f"{what:9} without: {bare:10,.0f}/s   through the facade: {wrapped:10,.0f}/s", end="")
        print(f"   {ratio:.2f}")
    if args.on:
        print("(the goal is for telemetry off; with --on this shows what spans cost)")
    for what, _, _, ratio in rows:
        verdict = "meets" if ratio >= GOAL else "misses"
        print(
            f"goal: {what} with telemetry {state} >= {GOAL:.2f}x without: {verdict} ({ratio:.2f})"
        )


if __name__ == "__main__":
    main()
