"""`peernet demo`, fresh, on PostgreSQL against SQLite, as a ratio measured in one run.

Each round runs the demo as its user would (`python -m peernet demo`, its story to the
null device) into a new SQLite file and into a new PostgreSQL database, one after the
other, so both see the same machine; the ratio is PostgreSQL's time over SQLite's.
Goal: PostgreSQL <= 1.3x SQLite. With --profile, one more run on PostgreSQL under
cProfile prints where its time goes and how many statements it sent.

    python benchmarks/demo.py [--rounds 3] [--years 9] [--postgres URL] [--profile]

The databases are named `cli_<random>` and dropped afterwards; PostgreSQL is skipped,
saying so, when the server does not answer.
"""

import argparse
import cProfile
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.audit import fresh_env
from benchmarks.bulk import median_spread

GOAL = 1.3
SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def run_demo(url: str, years: int) -> float:
    """Seconds for one fresh `peernet demo` into `url`, in a process of its own."""
    command = [sys.executable, "-m", "peernet", "demo", "--db", url, "--years", str(years)]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=fresh_env())  # noqa: S603
    return time.perf_counter() - started


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """The URL of a new database on `server`, dropped on the way out."""
    import psycopg  # noqa: PLC0415 - the `postgres` extra, only when PostgreSQL is measured

    name = f"cli_{uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as db:
            db.execute(f"DROP DATABASE {name} WITH (FORCE)")


def reachable(server: str) -> str | None:
    """None when `server` answers, else why not (one line)."""
    try:
        import psycopg  # noqa: PLC0415 - the `postgres` extra

        psycopg.connect(server, connect_timeout=2).close()
    except Exception as error:  # any failure to connect: PostgreSQL is not measured
        return str(error).strip().splitlines()[0]
    return None


def profiled(server: str, years: int, lines: int) -> None:
    """One PostgreSQL run in this process under cProfile: the costliest functions, the
    statements sent to the server (psycopg's executions) and how often a pipeline waited
    for the server's answers (its syncs: a round trip each)."""
    from click.testing import CliRunner  # noqa: PLC0415 - only with --profile

    from peernet.cli.app import cli  # noqa: PLC0415 - only with --profile

    with fresh_database(server) as url:
        profile = cProfile.Profile()
        profile.enable()
        result = CliRunner().invoke(cli, ["demo", "--db", url, "--years", str(years)])
        profile.disable()
        assert result.exit_code == 0, result.output
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(lines)
    calls = {
        f"{Path(file).name}:{name}": count
        for (file, _, name), (count, *_) in stats.stats.items()  # type: ignore[attr-defined]
        if "psycopg" in file and name in {"execute", "executemany", "copy", "pipeline_sync"}
    }
    print("psycopg calls (statements sent; pipeline syncs):", calls)


def compare(server: str, years: int, rounds: int) -> None:
    """The demo on SQLite and on PostgreSQL in turns, `rounds` times; print the ratio."""
    sqlite_s, postgres_s = [], []
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(rounds):
            sqlite_s.append(run_demo(f"sqlite:///{folder}/demo-{round_}.db", years))
            with fresh_database(server) as url:
                postgres_s.append(run_demo(url, years))
    ratios = [p / s for p, s in zip(postgres_s, sqlite_s, strict=True)]
    for label, values in (("SQLite", sqlite_s), ("PostgreSQL", postgres_s)):
        median, low, high = median_spread(values)
        print(f"peernet demo, fresh, {label:<10}: {median:6.2f} s [{low:.2f}-{high:.2f}]")
    median, low, high = median_spread(ratios)
    verdict = "meets" if median <= GOAL else "misses"
    print(
        f"PostgreSQL / SQLite: {median:.2f}x [{low:.2f}-{high:.2f}] "
        f"(median of {rounds} interleaved rounds; goal <= {GOAL}x: {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved runs of each (0: profile only)"
    )
    parser.add_argument("--years", type=int, default=9, help="years the demo simulates")
    parser.add_argument("--postgres", default=SERVER, help="a server to create databases on")
    parser.add_argument("--profile", action="store_true", help="profile one PostgreSQL run")
    options = parser.parse_args()
    why_not = reachable(options.postgres)
    if why_not is not None:
        print(f"PostgreSQL skipped: {why_not}")
        return
    if options.rounds > 0:
        compare(options.postgres, options.years, options.rounds)
    if options.profile:
        profiled(options.postgres, options.years, 40)


if __name__ == "__main__":
    main()
