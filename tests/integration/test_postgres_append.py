"""A write to PostgreSQL is one statement, the call of a function created with the tables
(`peernet.adapters.recorders_postgres`): one round trip a command, and every guarantee of
eventsourcing's transaction kept: all or nothing, one event per (stream, version), a
write refused when the log moved since the writer looked, positions committed in order.
"""

import itertools
import tempfile
import threading
import time
from collections.abc import Iterator
from multiprocessing.synchronize import Barrier
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from psycopg import pq
from tests.conftest import RACE_WAIT, race

from peernet import FormGroup, Network, RegisterCompany
from peernet.adapters.recorders import Stale
from peernet.adapters.recorders_postgres import CREATING, PostgresRecorder
from peernet.testing import T0, profile, some_id

SERVER = "postgresql://postgres@127.0.0.1:5432/test"
FUNCTION = "peernet_events_append_v1"


def schema_of(url: str) -> str:
    return url.rpartition("schema=")[2]


def functions(url: str) -> list[str]:
    """The functions in the store's schema, by name."""
    with psycopg.connect(SERVER) as db:
        rows = db.execute(
            "SELECT proname FROM pg_proc JOIN pg_namespace n ON n.oid = pronamespace"
            " WHERE nspname = %s ORDER BY proname",
            (schema_of(url),),
        ).fetchall()
    return [name for (name,) in rows]


def drop_function(url: str) -> None:
    """Take the append function away, as in a store made before it existed."""
    with psycopg.connect(SERVER, autocommit=True) as db:
        db.execute(f'DROP FUNCTION "{schema_of(url)}".{FUNCTION}')


def recorder_of(network: Network) -> PostgresRecorder:
    recorder = network.recorder
    assert isinstance(recorder, PostgresRecorder)
    return recorder


def event(stream: UUID, version: int = 1) -> StoredEvent:
    return StoredEvent(originator_id=stream, originator_version=version, topic="t", state=b"{}")


def registration(name: str) -> RegisterCompany:
    return RegisterCompany(profile=profile(name, region=name), actor="office", at=T0)


@pytest.fixture
def network(pg_url: str) -> Iterator[Network]:
    with Network(pg_url) as opened:
        yield opened


# --- the function -----------------------------------------------------------------------


def test_the_append_function_is_there_once_the_store_is_open(network: Network) -> None:
    """Opening a store to write creates the function beside the tables."""
    assert FUNCTION in functions(network.url)


def test_a_write_that_finds_the_function_missing_creates_it_and_records(network: Network) -> None:
    """Dropped while the store is open, the function is made again by the next write,
    which records its events."""
    network.execute(FormGroup(name="HTG 1", actor="office", at=T0))
    drop_function(network.url)

    network.execute(FormGroup(name="HTG 2", actor="office", at=T0))

    assert FUNCTION in functions(network.url)
    assert ["HTG 1", "HTG 2"] == sorted(g.name for g in network.groups())


def test_a_store_made_before_the_function_opens_and_records_in_order(pg_url: str) -> None:
    """A store written before the function existed gets it when opened, and its log
    goes on from where it was."""
    with Network(pg_url) as before:
        before.execute(FormGroup(name="HTG 1", actor="office", at=T0))
    drop_function(pg_url)

    with Network(pg_url) as after:
        has_function = FUNCTION in functions(pg_url)
        after.execute(FormGroup(name="HTG 2", actor="office", at=T0))
        positions = [r.position for r in after.recorded()]

    assert (True, [1, 2]) == (has_function, positions)


# --- what a write refuses ---------------------------------------------------------------


def test_a_duplicate_stream_version_is_refused_with_nothing_written(network: Network) -> None:
    """A write holding one event whose (stream, version) is taken fails whole, as a
    version conflict, not as a stale write: its other events are not written either."""
    recorder = recorder_of(network)
    taken, fresh = some_id("taken"), some_id("fresh")
    recorder.insert_events([event(taken)])
    top = recorder.max_notification_id()

    with pytest.raises(IntegrityError) as refused:
        recorder.insert_events([event(fresh), event(taken)], after=top)

    assert (False, top, []) == (
        isinstance(refused.value, Stale),
        recorder.max_notification_id(),
        list(recorder.select_events(fresh)),
    )


def test_a_write_after_the_log_moved_is_stale_with_nothing_written(network: Network) -> None:
    """A write that says the log ended before its last position is refused, Stale."""
    recorder = recorder_of(network)
    recorder.insert_events([event(some_id("first"))])
    top = recorder.max_notification_id()
    assert top is not None

    with pytest.raises(Stale):
        recorder.insert_events([event(some_id("late"))], after=top - 1)

    assert (top, []) == (recorder.max_notification_id(), recorder.select_events(some_id("late")))


def test_a_follower_position_not_forward_is_refused_with_its_events(network: Network) -> None:
    """A tracked position is written with the events in the same statement; one that is
    not past the follower's last refuses the events too."""
    recorder = recorder_of(network)
    recorder.insert_events([event(some_id("one"))], tracking=Tracking("follower", 5))

    with pytest.raises(IntegrityError):
        recorder.insert_events([event(some_id("two"))], tracking=Tracking("follower", 5))

    assert (5, []) == (recorder.max_tracking_id("follower"), recorder.select_events(some_id("two")))


# --- one round trip ---------------------------------------------------------------------


def test_a_command_waits_for_the_server_once(pg_url: str) -> None:
    """On one connection, each command sends its write and waits for the answer once
    (counted in libpq's trace: the server speaking after the client)."""
    url = f"{pg_url}&pool_size=1"
    with Network(url, env={"POSTGRES_MAX_OVERFLOW": "0"}) as network:
        network.execute(registration("warm"))  # statements prepared
        pool = network.recorder.datastore.pool  # type: ignore[attr-defined]
        with tempfile.TemporaryFile("w+") as trace:
            with pool.connection() as connection:
                connection.pgconn.trace(trace.fileno())
                connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            for n in range(5):
                network.execute(registration(f"company {n}"))
            with pool.connection() as connection:
                connection.pgconn.untrace()
            trace.seek(0)
            sides = [line.split("\t")[0] for line in trace if "\t" in line]

    waits = sum(1 for pair in itertools.pairwise(sides) if pair == ("F", "B"))
    assert 5 == waits


# --- processes at once ------------------------------------------------------------------


def write_many(url: str, barrier: Barrier, who: str, count: int, results: Any) -> None:
    """One writer process: open, wait for the other, register `count` companies; report
    how many writes were found stale and the positions recorded."""
    try:
        with Network(url) as network:
            insert = network.recorder.insert_events
            stale: list[int] = []

            def counting(events: Any, **kwargs: Any) -> Any:
                try:
                    return insert(events, **kwargs)
                except Stale:
                    stale.append(1)
                    raise

            network.recorder.insert_events = counting  # type: ignore[method-assign,assignment]
            barrier.wait(timeout=RACE_WAIT)
            positions = [
                r.position
                for n in range(count)
                for r in network.execute(registration(f"{who} {n}"))
            ]
        results.put((who, len(stale), positions))
    except Exception as error:  # reported to the test, which fails on it
        barrier.abort()
        results.put((who, -1, repr(error)))


def test_processes_writing_at_once_find_writes_stale_and_record_every_command(
    pg_url: str,
) -> None:
    """Two processes each decide on the log as they last saw it; the later write finds
    the log moved, is refused whole (Stale), decided again and recorded: every command
    once, positions in commit order."""
    Network(pg_url).close()  # the tables, before the racers
    reports = sorted(race(write_many, pg_url, [("a", 20), ("b", 20)]))

    with Network(pg_url) as network:
        logged = [r.position for r in network.recorded()]
    written = sorted(p for _, _, positions in reports for p in positions)
    stale = sum(count for _, count, _ in reports)
    assert (40, written, True) == (len(logged), logged, stale >= 1), reports


def test_a_second_session_creating_the_function_waits_for_the_first(network: Network) -> None:
    """Creating the function takes turns: a session that creates it while another has
    created it but not committed waits, then replaces it, rather than failing as two
    concurrent replacements do ("tuple concurrently updated")."""
    recorder = recorder_of(network)
    second: list[object] = []

    def create() -> None:
        try:
            with psycopg.connect(SERVER, autocommit=True) as connection:
                second.append(connection.info.backend_pid)
                recorder.create_append_function(connection)  # type: ignore[arg-type]
            second.append("created")
        except Exception as error:  # reported to the test, which fails on it
            second.append(repr(error))

    with psycopg.connect(SERVER) as first:
        first.execute(CREATING, (recorder.creating_key,))
        first.execute(recorder.create_append_function_statement)
        thread = threading.Thread(target=create)
        thread.start()
        waiting_for_a_lock(first, second)
        first.commit()
        thread.join(timeout=RACE_WAIT)

    assert "created" == second[-1]


def waiting_for_a_lock(observer: "psycopg.Connection[Any]", second: list[object]) -> None:
    """Return once the second session waits for a lock (or has finished)."""
    for _ in range(RACE_WAIT * 100):
        if len(second) > 1:
            return
        if second:
            waiting = observer.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = %s", (second[0],)
            ).fetchone()
            if waiting and waiting[0]:
                return
        time.sleep(0.01)
    pytest.fail("the second session neither waited nor finished")
