"""Tamper evidence: walk the log and recompute every stored event's chain.

Each stored event carries `chain = sha256(previous chain of its stream || its canonical
bytes)` (`peernet.adapters.codec.link`). `verify` reads the notification log in order, a
page at a time, and checks per stream that versions run 1, 2, 3... with no gap and that
every chain recomputes; that every `CommandHandled` ledger entry's events came before it;
and it rolls the chains, in log order, into a head hash an auditor writes down. Given a
head written down earlier, it also catches what a per-stream chain cannot see: a stream's
last events removed, an event added or moved between streams, a truncated tail.
"""

import enum
import hashlib
from collections.abc import Callable, Iterable
from uuid import UUID

import attrs
import orjson
from eventsourcing.persistence import Notification

from peernet.adapters.codec import GENESIS, CommandHandled, PeerNetMapper, link, unchain
from peernet.domain.errors import InvalidValue

LEDGER_TOPIC = f"peernet.{CommandHandled.__name__}"


def _stream(notification: Notification) -> UUID:
    found = notification.originator_id
    return found if isinstance(found, UUID) else UUID(str(found))


class Fault(enum.Enum):
    """What is wrong with the first bad event."""

    BYTES = "bytes changed"
    ORDER = "order"
    CHAIN = "chain"
    MISSING = "missing"
    HEAD = "head differs"
    TRUNCATED = "truncated"


@attrs.frozen(kw_only=True)
class Tampering:
    """The first event found wrong, where it is, and what is wrong with it. The event
    fields are None only when the log holds no event to name (an empty, truncated log)."""

    fault: Fault
    detail: str
    position: int | None
    stream_id: UUID | None
    version: int | None
    topic: str | None

    @classmethod
    def at(cls, fault: Fault, detail: str, event: Notification | None) -> "Tampering":
        """`fault` found at the stored `event`; None where the log holds no event to name."""
        if event is None:
            return cls(
                fault=fault, detail=detail, position=None, stream_id=None, version=None, topic=None
            )
        return cls(
            fault=fault,
            detail=detail,
            position=event.id,
            stream_id=_stream(event),
            version=event.originator_version,
            topic=event.topic,
        )

    def __str__(self) -> str:
        if self.position is None:
            return f"{self.fault.value}: {self.detail}"
        return (
            f"event {self.position} (stream {self.stream_id}, version {self.version}, "
            f"{self.topic}): {self.fault.value}: {self.detail}"
        )


@attrs.frozen(kw_only=True)
class Verification:
    """What `verify` found. `events` counts the events checked (those before the first
    bad one, when there is one). `head` is `COUNT:SHA256`, the chains of those events
    rolled in log order: write it down, and a later `verify(expect_head=head)` proves
    the first COUNT events are still exactly those."""

    events: int
    head: str
    problem: Tampering | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def parse_head(text: str) -> tuple[int, str]:
    """`COUNT:SHA256` as written down from a `Verification.head`."""
    count, _, digest = text.strip().partition(":")
    try:
        valid = int(count) >= 0 and len(bytes.fromhex(digest)) == 32
    except ValueError:
        valid = False
    if not valid:
        raise InvalidValue(f"a head is COUNT:SHA256 as verify printed it, not {text!r}")
    return int(count), digest.lower()


@attrs.define
class _Walk:
    """The state of one walk: each stream's last version and chain, the rolling head."""

    codec: PeerNetMapper
    exists: Callable[[UUID, int], bool]
    streams: dict[UUID, tuple[int, str]] = attrs.Factory(dict)
    rolling: bytes = bytes.fromhex(GENESIS)
    count: int = 0
    chained: bool = False

    @property
    def head(self) -> str:
        return f"{self.count}:{self.rolling.hex()}"

    def verification(self, problem: Tampering | None = None) -> Verification:
        """What the walk found so far: the events it checked, their head, and `problem`."""
        return Verification(events=self.count, head=self.head, problem=problem)

    def check(self, n: Notification) -> Tampering | None:
        stream_id = _stream(n)

        def fault(kind: Fault, detail: str) -> Tampering:
            return Tampering.at(kind, detail, n)

        try:
            body, chain = unchain(self.codec.plain(n))
        except Exception as error:  # a changed byte of a ciphered or compressed state
            return fault(Fault.BYTES, f"its state cannot be read ({type(error).__name__})")
        if chain is None:
            if self.chained:
                return fault(Fault.CHAIN, "it carries no chain; its chain was removed")
            return fault(
                Fault.CHAIN,
                "it carries no chain: the store was written before peernet chained its "
                "events, and cannot be verified",
            )
        self.chained = True
        last_version, previous = self.streams.get(stream_id, (0, GENESIS))
        expected = last_version + 1
        if n.originator_version <= last_version:
            return fault(Fault.ORDER, f"version {n.originator_version} after {last_version}")
        if n.originator_version > expected:
            if self.exists(stream_id, expected):
                return fault(Fault.ORDER, f"it comes before version {expected} of its stream")
            return fault(Fault.MISSING, f"version {expected} of its stream is missing")
        try:
            sound = chain == link(previous, n.topic, stream_id, n.originator_version, body)
        except ValueError:
            sound = False
        if not sound:
            return fault(
                Fault.BYTES,
                "its bytes do not hash to its chain: its state, or its chain, was changed",
            )
        if n.topic == LEDGER_TOPIC and (missing := self._missing(body)):
            return fault(Fault.MISSING, f"it records {missing}, which is not in the log before it")
        self.streams[stream_id] = (n.originator_version, chain)
        self.rolling = hashlib.sha256(self.rolling + bytes.fromhex(chain)).digest()
        self.count += 1
        return None

    def _missing(self, body: bytes) -> str | None:
        """The first event a ledger entry names that the walk has not met."""
        for ref in orjson.loads(body)["event"]["events"]:
            stream_id, version = UUID(ref["stream_id"]), int(ref["version"])
            if self.streams.get(stream_id, (0, ""))[0] < version:
                return f"version {version} of stream {stream_id}"
        return None


def verify(
    codec: PeerNetMapper,
    log: Iterable[Notification],
    exists: Callable[[UUID, int], bool],
    *,
    expect_head: str | None = None,
) -> Verification:
    """Walk `log` (every stored event in log order, ledger entries too) and name the
    first bad event, if any. `exists(stream_id, version)` tells an event moved elsewhere
    in the log from one that is gone. With `expect_head` (`COUNT:SHA256` from an earlier
    verify), the first COUNT events must roll into that head."""
    expected = parse_head(expect_head) if expect_head is not None else None
    walk = _Walk(codec=codec, exists=exists)
    if expected is not None and expected[0] == 0:
        if expected[1] != GENESIS:
            detail = f"a head of 0 events is {GENESIS}, not {expected[1]}"
            return walk.verification(Tampering.at(Fault.HEAD, detail, None))
        expected = None
    last: Notification | None = None
    for notification in log:
        problem = walk.check(notification)
        if problem is not None:
            return walk.verification(problem)
        last = notification
        if expected is not None and walk.count == expected[0]:
            if walk.rolling.hex() != expected[1]:
                detail = (
                    f"the first {walk.count} events roll into {walk.rolling.hex()}, not "
                    f"{expected[1]}: events up to here were changed, removed, added or moved "
                    "since the head was written down"
                )
                return walk.verification(Tampering.at(Fault.HEAD, detail, notification))
            expected = None
    if expected is not None and walk.count < expected[0]:
        detail = (
            f"the log holds {walk.count} events; the head written down covers {expected[0]}: "
            "events at its end were removed"
        )
        return walk.verification(Tampering.at(Fault.TRUNCATED, detail, last))
    return walk.verification()
