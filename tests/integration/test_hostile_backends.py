"""A hostile row on SQLite and PostgreSQL (a memory store has no rows anyone else can
reach): queries, read models and the command side refuse it with `UnreadableEvent`
naming the stream and version, alike whether the store is read as small or as large,
and nothing is written."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from peernet import AssignFacilitator, Network
from peernet.adapters.errors import UnreadableEvent
from peernet.adapters.readmodels import ReadModels
from peernet.application import replica
from peernet.demo import build_demo
from peernet.demo.world import OFFICE
from peernet.testing import founding, some_id
from peernet.testing.tampering import Intruder, StoredRow


@pytest.fixture
def store(durable_url: str) -> tuple[str, Intruder]:
    """Two years of the demo (its figures leave the read models caught up), then a group
    founded after them that no read model has folded yet, and a hand on its rows."""
    with Network(durable_url) as network:
        build_demo(network, years=2)
        for command in founding(
            some_id("late"), some_id("acme"), actor=OFFICE, at=datetime(2003, 2, 1, tzinfo=UTC)
        ):
            network.execute(command)
    return durable_url, Intruder(durable_url)


def read_it(reader: Network, read: str) -> object:
    if read == "groups":
        return reader.groups()
    return ReadModels(reader).views("group_histories")


def refusal(url: str, read: str, *, large: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    """What a reader says, reading the store as small or as large."""
    monkeypatch.setattr(replica, "_TAIL_LIMIT", 0 if large else 10_000)
    with Network(url, access="read") as reader, pytest.raises(UnreadableEvent) as refused:
        read_it(reader, read)
    return str(refused.value)


READS = ["groups", "read models"]
LATER = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("read", READS)
def test_garbage_bytes_are_refused_alike_on_small_and_large_stores(
    store: tuple[str, Intruder], read: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group's event of garbage: named, by stream and version, on both paths."""
    url, hand = store
    position = hand.positions(topic="peernet.MemberJoined")[-1]
    hand.change(position, lambda _: b"\x00\xff garbage")
    before = hand.rows()

    small = refusal(url, read, large=False, monkeypatch=monkeypatch)
    large = refusal(url, read, large=True, monkeypatch=monkeypatch)

    assert small == large
    assert "(peernet.MemberJoined)" in small
    assert before == hand.rows()


@pytest.mark.parametrize("read", READS)
def test_an_unknown_topic_is_refused_alike_on_small_and_large_stores(
    store: tuple[str, Intruder], read: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new stream of a topic peernet does not know, at the end of the log: refused on
    both paths, by the replica's filtered read and the read models' alike."""
    url, hand = store
    last = hand.rows()[-1]
    stream = "00000000-0000-4000-8000-000000000001"
    hand.insert(StoredRow(last.position + 1, stream, 1, "peernet.FromTheFuture", last.state))

    small = refusal(url, read, large=False, monkeypatch=monkeypatch)
    large = refusal(url, read, large=True, monkeypatch=monkeypatch)

    assert small == large
    assert f"stream {stream} (peernet.FromTheFuture): unknown topic" in small


def test_a_newer_schema_is_refused_on_every_path(
    store: tuple[str, Intruder], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event stored under schema 9: neither the facade nor a read model reads it as
    schema 1."""
    url, hand = store
    position = hand.positions(topic="peernet.MemberJoined")[-1]
    hand.change(position, lambda state: state.replace(b'"actor":', b'"schema":9,"actor":', 1))

    said = {refusal(url, read, large=False, monkeypatch=monkeypatch) for read in READS}

    assert all("stored under schema 9, newer than the 1" in line for line in said)


def test_a_command_on_a_stream_with_a_hostile_row_is_refused_and_records_nothing(
    store: tuple[str, Intruder],
) -> None:
    """The writer that must load the group refuses, naming the event; nothing added."""
    url, hand = store
    (row,) = [r for r in hand.rows() if r.topic == "peernet.MemberJoined"][:1]
    hand.change(row.position, lambda _: b"[]")
    before = hand.rows()
    assign = AssignFacilitator(
        group_id=UUID(row.stream_id), facilitator="Arnie", actor="office", at=LATER
    )

    with Network(url) as writer, pytest.raises(UnreadableEvent) as refused:
        writer.execute(assign)

    assert f"event {row.version} of stream {UUID(row.stream_id)}" in str(refused.value)
    assert before == hand.rows()
