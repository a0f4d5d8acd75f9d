"""Laws of the hash chain, on the log of a real network read back as stored: any single
changed byte of any event is named; a clean log always verifies; the head depends on
every event."""

import dataclasses
import functools
from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import Notification
from hypothesis import given, strategies as st

from peernet import Network
from peernet.audit import Fault, Verification
from peernet.audit.verify import verify
from peernet.demo import build_demo


@functools.cache
def log() -> tuple[Network, tuple[Notification, ...]]:
    """Two years of the demo network, and its whole stored log."""
    network = Network("memory://")
    build_demo(network, years=2)
    return network, tuple(network.notifications())


def check(notifications: Sequence[Notification], expect_head: str | None = None) -> Verification:
    network, _ = log()
    versions = {(n.originator_id, n.originator_version) for n in notifications}
    return verify(
        network.codec,
        notifications,
        lambda stream_id, version: (stream_id, version) in versions,
        expect_head=expect_head,
    )


def test_the_demo_log_verifies() -> None:
    """Nothing changed: every event is counted and the head is stable."""
    _, notifications = log()

    found = check(notifications)

    assert (True, len(notifications)) == (found.ok, found.events)
    assert found == check(notifications, expect_head=found.head)


@given(st.data())
def test_any_single_changed_byte_of_any_event_is_named(data: st.DataObject) -> None:
    """Whatever byte of whatever event changes, to whatever value, verify names it."""
    _, notifications = log()
    index = data.draw(st.integers(0, len(notifications) - 1), label="event")
    target = notifications[index]
    at = data.draw(st.integers(0, len(target.state) - 1), label="byte")
    mask = data.draw(st.integers(1, 255), label="xor")
    state = bytearray(target.state)
    state[at] ^= mask
    changed = list(notifications)
    changed[index] = dataclasses.replace(target, state=bytes(state))

    found = check(changed).problem

    assert found is not None
    assert target.id == found.position
    assert found.fault in (Fault.BYTES, Fault.CHAIN)


@given(st.data())
def test_a_removed_event_changes_the_head(data: st.DataObject) -> None:
    """Removing any one event is caught by verify, or else by the head written down."""
    _, notifications = log()
    head = check(notifications).head
    index = data.draw(st.integers(0, len(notifications) - 1), label="event")
    shorter = [n for i, n in enumerate(notifications) if i != index]

    assert not check(shorter, expect_head=head).ok


@given(st.data())
def test_an_event_moved_before_an_earlier_one_of_its_stream_is_named(
    data: st.DataObject,
) -> None:
    """Moving an event ahead of its stream's previous version is an order fault."""
    _, notifications = log()
    later = data.draw(
        st.sampled_from([i for i, n in enumerate(notifications) if n.originator_version > 1]),
        label="event",
    )
    moved = notifications[later]
    stream: UUID = moved.originator_id  # type: ignore[assignment]
    earlier = next(
        i
        for i, n in enumerate(notifications)
        if n.originator_id == stream and n.originator_version == moved.originator_version - 1
    )
    reordered = list(notifications)
    del reordered[later]
    reordered.insert(earlier, moved)

    found = check(reordered).problem

    assert found is not None
    assert (Fault.ORDER, moved.id) == (found.fault, found.position)


def test_a_store_written_before_the_chain_is_reported_as_unchained() -> None:
    """Events without a chain (an older store) cannot be vouched for: verify says so."""
    network, notifications = log()
    old = [
        dataclasses.replace(n, state=network.codec.plain(n).rsplit(b',"chain":', 1)[0] + b"}")
        for n in notifications[:3]
    ]

    found = check(old).problem

    assert found is not None
    assert (Fault.CHAIN, notifications[0].id) == (found.fault, found.position)
    assert "before peernet chained its events" in found.detail
