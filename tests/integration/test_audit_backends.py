"""Tamper evidence on every backend: a clean store verifies, to the same head for the
same commands; a changed byte, a reordered or a deleted event, made by hand in the
store itself, is caught and named."""

import dataclasses
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
from psycopg import sql

from peernet import (
    ApplyForMembership,
    FormGroup,
    Network,
    RegisterCompany,
    Resign,
    SignAgreement,
    TakeSeat,
)
from peernet.adapters.codec import link, unchain
from peernet.audit import Fault, Tampering
from peernet.testing import profile, some_id

RECORDED = datetime(2008, 7, 1, 9, tzinfo=UTC)
AT = datetime(2008, 6, 30, 17, tzinfo=UTC)
GROUP = some_id("group")


def build(network: Network) -> None:
    """Two companies join a group and one resigns: 12 events in 3 streams, and a
    ledger entry for each command (every command carries an id)."""
    n = 0

    def run(command_type: type, **fields: object) -> None:
        nonlocal n
        n += 1
        network.execute(command_type(actor="office", at=AT, command_id=some_id(f"c{n}"), **fields))

    run(FormGroup, name="HTG 4", group_id=GROUP)
    for name in ("Acme", "Globex"):
        run(RegisterCompany, profile=profile(name, region=name), company_id=some_id(name))
        membership = some_id(f"{name} membership")
        run(ApplyForMembership, company_id=some_id(name), group_id=GROUP, membership_id=membership)
        run(SignAgreement, membership_id=membership)
        run(TakeSeat, membership_id=membership)
    run(Resign, membership_id=some_id("Acme membership"))


@pytest.fixture
def network(store_url: str, open_network: Callable[..., Network]) -> Network:
    built = open_network(store_url, clock=lambda: RECORDED)
    build(built)
    return built


@pytest.fixture
def durable(durable_url: str, open_network: Callable[..., Network]) -> Network:
    """The same network on SQLite and PostgreSQL, whose rows can be deleted by hand."""
    built = open_network(durable_url, clock=lambda: RECORDED)
    build(built)
    return built


def group_positions(network: Network) -> list[int]:
    """The log positions of the group stream's events, in order of version."""
    return [r.position for r in network.recorded() if r.stream_id == GROUP]  # type: ignore[misc]


# --- changing the store by hand, one backend at a time ----------------------------------


def sqlite_path(network: Network) -> str:
    return urlparse(network.url).path


def pg_table(network: Network) -> sql.Composed:
    schema = parse_qs(urlparse(network.url).query)["schema"][0]
    table = network.recorder.events_table_name  # type: ignore[attr-defined]
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def pg() -> "psycopg.Connection[tuple[object, ...]]":
    return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test")


def change_state(network: Network, position: int, change: Callable[[bytes], bytes]) -> None:
    """Rewrite the state of the event at `position` in the store, as an intruder would."""
    if network.url.startswith("memory"):
        events = network.recorder._stored_events  # type: ignore[attr-defined]
        stored = events[position - 1]
        events[position - 1] = dataclasses.replace(stored, state=change(stored.state))
    elif network.url.startswith("sqlite"):
        with sqlite3.connect(sqlite_path(network)) as db:
            (state,) = db.execute(
                "SELECT state FROM stored_events WHERE rowid=?", (position,)
            ).fetchone()
            db.execute("UPDATE stored_events SET state=? WHERE rowid=?", (change(state), position))
    else:
        with pg() as db:
            row = db.execute(
                sql.SQL("SELECT state FROM {} WHERE notification_id=%s").format(pg_table(network)),
                (position,),
            ).fetchone()
            assert row is not None
            state = row[0]
            assert isinstance(state, bytes)
            db.execute(
                sql.SQL("UPDATE {} SET state=%s WHERE notification_id=%s").format(
                    pg_table(network)
                ),
                (change(state), position),
            )


def swap(network: Network, first: int, second: int) -> None:
    """Swap two events' places in the log."""
    if network.url.startswith("memory"):
        recorder = network.recorder
        events = recorder._stored_events  # type: ignore[attr-defined]
        index = recorder._stored_events_index  # type: ignore[attr-defined]
        a, b = events[first - 1], events[second - 1]
        events[first - 1], events[second - 1] = b, a
        index[str(a.originator_id)][a.originator_version] = second - 1
        index[str(b.originator_id)][b.originator_version] = first - 1
    elif network.url.startswith("sqlite"):
        with sqlite3.connect(sqlite_path(network)) as db:
            db.execute("UPDATE stored_events SET rowid=-1 WHERE rowid=?", (first,))
            db.execute("UPDATE stored_events SET rowid=? WHERE rowid=?", (first, second))
            db.execute("UPDATE stored_events SET rowid=? WHERE rowid=-1", (second,))
    else:
        table = pg_table(network)
        with pg() as db:
            update = sql.SQL("UPDATE {} SET notification_id=%s WHERE notification_id=%s")
            db.execute(update.format(table), (-1, first))
            db.execute(update.format(table), (first, second))
            db.execute(update.format(table), (second, -1))


def delete(network: Network, position: int) -> None:
    if network.url.startswith("sqlite"):
        with sqlite3.connect(sqlite_path(network)) as db:
            db.execute("DELETE FROM stored_events WHERE rowid=?", (position,))
    else:
        with pg() as db:
            db.execute(
                sql.SQL("DELETE FROM {} WHERE notification_id=%s").format(pg_table(network)),
                (position,),
            )


def flip(state: bytes, index: int) -> bytes:
    changed = bytearray(state)
    changed[index] ^= 0x01
    return bytes(changed)


def problem(network: Network) -> Tampering:
    found = network.verify()
    assert found.problem is not None, f"verify passed: {found}"
    return found.problem


# --- the tests -----------------------------------------------------------------------------


def test_a_clean_store_verifies_with_a_count_and_a_head(network: Network) -> None:
    """Nothing changed: every event counted (ledger entries too), and a head to write down."""
    found = network.verify()

    assert (True, 12 + 10) == (found.ok, found.events)
    assert found.head.startswith("22@")
    assert found == network.verify(expect_head=found.head)


def test_the_same_commands_give_the_same_head_on_every_backend(
    network: Network, open_network: Callable[..., Network]
) -> None:
    """The chain covers only what was recorded, so memory, SQLite and PostgreSQL agree."""
    reference = open_network("memory://", clock=lambda: RECORDED)
    build(reference)

    assert reference.verify().head == network.verify().head


def test_one_changed_byte_of_an_events_state_is_named(network: Network) -> None:
    """A single flipped bit in the middle of an event's state: verify names that event."""
    target = group_positions(network)[2]
    change_state(network, target, lambda state: flip(state, len(state) // 2))

    found = problem(network)

    assert (Fault.BYTES, target, GROUP, 3) == (
        found.fault,
        found.position,
        found.stream_id,
        found.version,
    )


def test_a_changed_chain_is_named(network: Network) -> None:
    """Rewriting the chain itself is as visible as rewriting the event."""
    target = group_positions(network)[1]
    change_state(network, target, lambda state: flip(state, len(state) - 3))

    assert (Fault.BYTES, target) == (problem(network).fault, problem(network).position)


def test_a_rehashed_event_still_breaks_the_next_link(network: Network) -> None:
    """An intruder who rewrites an event and recomputes its own chain over the same
    previous chain is caught at the next event of the stream, whose link no longer
    holds, unless every later chain is rewritten too (see docs/auditing.md)."""
    positions = group_positions(network)
    stored = network.stored(GROUP)
    previous = unchain(network.codec.plain(stored[1]))[1]
    assert previous is not None
    body = unchain(network.codec.plain(stored[2]))[0].replace(b'"office"', b'"an intruder"')

    def rehash(_: bytes) -> bytes:
        chain = link(previous, stored[2].topic, GROUP, 3, body)
        return body[:-1] + b',"chain":"' + chain.encode() + b'"}'

    change_state(network, positions[2], rehash)

    found = problem(network)
    assert (Fault.BYTES, positions[3], 4) == (found.fault, found.position, found.version)


def test_two_events_of_a_stream_swapped_in_the_log_are_named(network: Network) -> None:
    """Versions 2 and 3 of the group trade places in the log: an order fault at the first."""
    second, third = group_positions(network)[1:3]
    swap(network, second, third)

    found = problem(network)

    assert (Fault.ORDER, second, 3) == (found.fault, found.position, found.version)


def faults(network: Network) -> list[tuple[Fault, int | None]]:
    """Every fault verify names, and where."""
    return [(p.fault, p.position) for p in network.verify().problems]


def test_a_deleted_event_is_named_by_the_ledger_entry_that_records_it(
    durable: Network,
) -> None:
    """Version 2 of the group deleted: its command's ledger entry, next in the log, says
    which event is missing, and so does version 3 of the group, further on."""
    positions = group_positions(durable)
    delete(durable, positions[1])

    missing = [p for p in durable.verify().problems if p.fault is Fault.MISSING]

    assert [positions[1] + 1, positions[1 + 1]] == [p.position for p in missing]
    assert f"version 2 of stream {GROUP}" in missing[0].detail


def test_a_deleted_event_and_its_ledger_entry_leave_a_gap_that_is_named(
    durable: Network,
) -> None:
    """Version 2 of the group and its ledger entry deleted: version 3 names the gap."""
    positions = group_positions(durable)
    delete(durable, positions[1] + 1)
    delete(durable, positions[1])

    missing = [p for p in durable.verify().problems if p.fault is Fault.MISSING]

    assert [(positions[2], 3)] == [(p.position, p.version) for p in missing]
    assert "version 2 of its stream is missing" in missing[0].detail


def test_a_deleted_last_event_of_a_stream_is_named_by_its_ledger_entry(
    durable: Network,
) -> None:
    """The resignation, the group's last event, deleted: no later version shows a gap,
    but its command's ledger entry says it is missing."""
    last = group_positions(durable)[-1]
    delete(durable, last)

    missing = [p for p in durable.verify().problems if p.fault is Fault.MISSING]

    assert [(last + 1, "peernet.CommandHandled")] == [(p.position, p.topic) for p in missing]


def test_on_sqlite_the_empty_positions_of_removed_events_are_named_first(
    durable: Network,
) -> None:
    """SQLite numbers events without holes: two deleted rows are named where they were,
    before the faults they leave further on; PostgreSQL may leave holes of its own, so
    there a hole is not a fault."""
    positions = group_positions(durable)
    delete(durable, positions[1] + 1)
    delete(durable, positions[1])

    removed = [p for p in durable.verify().problems if p.fault is Fault.REMOVED]

    expected = [positions[1] + 2] if durable.url.startswith("sqlite") else []
    assert expected == [p.position for p in removed]
    if removed:
        assert f"positions {positions[1]}-{positions[1] + 1} are empty" in removed[0].detail


def test_a_truncated_tail_is_caught_against_a_head_written_down(durable: Network) -> None:
    """The last command's events and its ledger entry deleted: each stream still chains,
    but the head written down before names the truncation."""
    head = durable.verify().head
    last = group_positions(durable)[-1]
    delete(durable, last + 1)
    delete(durable, last)

    assert durable.verify().ok
    found = durable.verify(expect_head=head).problem
    assert found is not None
    assert Fault.TRUNCATED is found.fault
