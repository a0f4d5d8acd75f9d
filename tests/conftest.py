"""Fixtures shared by every test: store URLs for each storage backend.

`store_url` runs a test on memory, SQLite (a file in the test's temporary folder) and
PostgreSQL (a schema of its own, dropped afterwards). PostgreSQL is looked for once per
session at 127.0.0.1:5432 (user postgres, database test); when it is absent its tests are
skipped, saying why, unless PEERNET_REQUIRE_POSTGRES=1 (set by CI) makes them fail.
"""

import functools
import multiprocessing
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from peernet import Network

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
REQUIRE_POSTGRES = "PEERNET_REQUIRE_POSTGRES"

OpenNetwork = Callable[..., Network]


def _connect() -> "psycopg.Connection[tuple[object, ...]]":
    return psycopg.connect(
        host="127.0.0.1", port=5432, user="postgres", dbname="test", connect_timeout=2
    )


@functools.cache
def postgres_absent() -> str | None:
    """Why PostgreSQL cannot be used in this session, or None when it can."""
    try:
        with _connect() as connection:
            connection.execute("SELECT 1")
    except Exception as error:  # any failure to connect means "absent"
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return f"PostgreSQL is not reachable at 127.0.0.1:5432 ({first_line})"
    return None


def require_postgres() -> None:
    """Skip the calling test when PostgreSQL is absent; fail it when CI requires it."""
    why = postgres_absent()
    if why is None:
        return
    if os.environ.get(REQUIRE_POSTGRES) == "1":
        pytest.fail(f"{why}; {REQUIRE_POSTGRES}=1 requires it", pytrace=False)
    pytest.skip(f"{why}; set {REQUIRE_POSTGRES}=1 to make this a failure")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that asks for `pg_url` itself is a PostgreSQL test: mark it `postgres`."""
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL store URL naming a fresh schema, dropped after the test."""
    require_postgres()
    schema = f"t_{uuid4().hex}"
    with _connect() as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    yield f"{PG_SERVER}?schema={schema}"
    with _connect() as connection:
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'peernet.db'}"


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store on each backend in turn."""
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return _sqlite_url(tmp_path)
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def durable_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store that outlives the process (and is shared by processes), per backend."""
    if request.param == "sqlite":
        return _sqlite_url(tmp_path)
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def open_network() -> Iterator[OpenNetwork]:
    """`open_network(url, **options)` opens a Network that is closed after the test."""
    opened: list[Network] = []

    def open_(url: str, **options: Any) -> Network:
        network = Network(url, **options)
        opened.append(network)
        return network

    yield open_
    for network in reversed(opened):
        network.close()


#: seconds a process of a race may take: a generous bound for slow machines, never
#: reached when all is well
RACE_WAIT = 120


def race(target: Callable[..., None], url: str, arguments: list[tuple[Any, ...]]) -> list[Any]:
    """Run `target(url, barrier, *arguments[i], results)` in a process each, all released at
    once by the barrier; what each put on `results`, in the order they reported. Every
    process must exit cleanly."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(arguments)), context.Queue()
    processes = [
        context.Process(target=target, args=(url, barrier, *more, results)) for more in arguments
    ]
    for process in processes:
        process.start()
    try:
        reports = [results.get(timeout=RACE_WAIT) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=RACE_WAIT)
    assert [0] * len(processes) == [process.exitcode for process in processes]
    return reports
