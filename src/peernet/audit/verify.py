"""Tamper evidence: walk the log and recompute every stored event's chain.

Each stored event carries `chain = sha256(previous chain of its stream || its canonical
bytes)` (`peernet.adapters.codec.link`). `verify` reads the notification log in order, a
page at a time, and checks:

- per stream, that versions run 1, 2, 3... with no gap and that every chain recomputes;
- per command, that its events sit together in the log (one write gives consecutive
  positions) and that its `CommandHandled` ledger entry, right after them, names exactly
  them;
- where the store numbers its events without holes (SQLite, memory), that no position is
  empty: a hole is where events were removed;

and it rolls the chains, in log order, into a head an auditor writes down. It does not
stop at the first fault: it names each one (up to `LIMIT`), with the place it is at, so a
deletion, an insertion or a move in the middle of the log is named where it happened,
not only where a chain first breaks. Given a head written down earlier, it also catches
what the log alone cannot show: a truncated tail, a tail forged in its place, events
removed where the store may leave holes (PostgreSQL). docs/auditing.md has the table of
attacks and what each check reports.

Verifying reads stored bytes only: it needs no key and writes nothing (open the store
with ``access="verify"``).
"""

import enum
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from uuid import UUID

import attrs
import orjson
from eventsourcing.persistence import Notification

from peernet.adapters.codec import GENESIS, CommandHandled, PeerNetMapper, link, unchain
from peernet.domain.errors import InvalidValue

LEDGER_TOPIC = f"peernet.{CommandHandled.__name__}"
#: how many faults a walk names before it stops
LIMIT = 100
#: how many finished commands a walk remembers, to name an event moved away from its own
_RECENT_COMMANDS = 10_000
_COMMAND_KEY = b'"command_id":"'
_UUID_TEXT = 36


#: what a row whose stream id is not a UUID is checked as (it belongs to no stream)
_NO_STREAM = UUID(int=0)


def _stream(notification: Notification) -> UUID:
    found = notification.originator_id
    if isinstance(found, UUID):
        return found
    try:
        return UUID(str(found))
    except ValueError:
        return _NO_STREAM


class Fault(enum.Enum):
    """What is wrong with a bad event, or at a place in the log."""

    BYTES = "bytes changed"
    ORDER = "order"
    CHAIN = "chain"
    MISSING = "missing"
    REMOVED = "removed"
    INSERTED = "inserted"
    HEAD = "head differs"
    TRUNCATED = "truncated"


@attrs.frozen(kw_only=True)
class Tampering:
    """An event found wrong (or the event after a place found wrong), where it is, and
    what is wrong. The event fields are None only when the log holds no event to name
    (an empty, truncated log)."""

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
    bad one, when there is one). `head` is `COUNT@POSITION:SHA256`: the chains of those
    events rolled in log order, and the position of the last of them. Write it down, and
    a later `verify(expect_head=head)` proves the first COUNT events are still exactly
    those. `problems` names every fault found, in log order (at most `LIMIT`); `problem`
    is the first. `ledger` counts the command-ledger entries among the `events` (one
    `CommandHandled` for each command that recorded events): `events - ledger` are the
    network's own events, those `Network.recorded()` reads and the demo counts."""

    events: int
    head: str
    problems: tuple[Tampering, ...] = ()
    ledger: int = 0

    @property
    def recorded(self) -> int:
        """The network's own events checked: every stored event but the ledger's."""
        return self.events - self.ledger

    @property
    def problem(self) -> Tampering | None:
        return self.problems[0] if self.problems else None

    @property
    def ok(self) -> bool:
        return not self.problems


@attrs.frozen
class Head:
    """A head as written down: how many events, up to which position (None in a head
    written before positions were), and their rolled chains."""

    count: int
    position: int | None
    digest: str

    def __str__(self) -> str:
        return f"{self.count}@{self.position}:{self.digest}"


def parse_head(text: str) -> Head:
    """`COUNT@POSITION:SHA256` (or `COUNT:SHA256`) as written down from a head."""
    counted, _, digest = text.strip().partition(":")
    count, at, position = counted.partition("@")
    try:
        valid = int(count) >= 0 and len(bytes.fromhex(digest)) == 32
        valid = valid and (not at or int(position) >= 0)
    except ValueError:
        valid = False
    if not valid:
        raise InvalidValue(f"a head is COUNT@POSITION:SHA256 as verify printed it, not {text!r}")
    return Head(int(count), int(position) if at else None, digest.lower())


@attrs.define
class _Stream:
    """What a walk knows of a stream: its last version, where, and its chain (None when
    the chain could not be read: the next link is then taken as it is)."""

    version: int
    position: int
    chain: str | None


@attrs.define
class _Command:
    """The events of the command being walked, by its id (None: written without one)."""

    command_id: str | None
    events: list[Notification] = attrs.Factory(list)


@attrs.define
class _Walk:
    """The state of one walk: each stream's last version and chain, the command being
    walked, the last position, the rolling head and the faults found."""

    codec: PeerNetMapper
    exists: Callable[[UUID, int], bool]
    dense: bool
    streams: dict[UUID, _Stream] = attrs.Factory(dict)
    command: _Command = attrs.Factory(lambda: _Command(None))
    finished: OrderedDict[str, int] = attrs.Factory(OrderedDict)
    last: Notification | None = None
    rolling: bytes = bytes.fromhex(GENESIS)
    count: int = 0
    #: command-ledger entries walked, and how many stood before the first fault
    ledger: int = 0
    clean_ledger: int = 0
    chained: bool = False
    problems: list[Tampering] = attrs.Factory(list)
    #: the head as it stood before the first fault
    clean: tuple[int, bytes, int] | None = None
    #: empty positions found: (first, last)
    holes: list[tuple[int, int]] = attrs.Factory(list)

    def head(self) -> str:
        count, rolling, position = self.clean or (self.count, self.rolling, self._position())
        return f"{count}@{position}:{rolling.hex()}"

    def _position(self) -> int:
        return self.last.id if self.last is not None else 0

    def verification(self) -> Verification:
        """What the walk found: the events it checked before the first fault, their
        head, and every fault, holes named by what the walk found missing inside them."""
        events = self.clean[0] if self.clean else self.count
        ledger = self.clean_ledger if self.clean else self.ledger
        return Verification(
            events=events, head=self.head(), problems=tuple(self.problems), ledger=ledger
        )

    @property
    def full(self) -> bool:
        return len(self.problems) >= LIMIT

    def fault(self, kind: Fault, detail: str, event: Notification | None) -> None:
        if not self.problems:
            self.clean = (self.count, self.rolling, self._position())
            self.clean_ledger = self.ledger
        if not self.full:
            self.problems.append(Tampering.at(kind, detail, event))

    def check(self, n: Notification) -> None:
        """Check one stored event, note what is wrong, and carry on from it."""
        self._place(n)
        stream_id = _stream(n)
        if stream_id == _NO_STREAM and not isinstance(n.originator_id, UUID):
            self.fault(Fault.BYTES, f"its stream id {n.originator_id!r} is not a UUID", n)
        body, chain = self._read(n)
        known = self.streams.get(stream_id)
        self._version(n, stream_id, known)
        if chain is not None and body is not None:
            self._link(n, stream_id, known, body, chain)
            self._belongs(n, body)
            self.rolling = hashlib.sha256(self.rolling + bytes.fromhex(chain)).digest()
        if known is None or n.originator_version > known.version:
            self.streams[stream_id] = _Stream(n.originator_version, n.id, chain)
        self.count += 1
        self.ledger += n.topic == LEDGER_TOPIC
        self.last = n

    def _place(self, n: Notification) -> None:
        """A hole in a store that numbers without holes is where events were removed."""
        before = self._position()
        if n.id > before + 1:
            first, last = before + 1, n.id - 1
            self.holes.append((first, last))
            if not self.dense:
                return  # a hole may be a refused write's: only a head written down can tell
            span = f"position {first} is" if first == last else f"positions {first}-{last} are"
            removed = last - first + 1
            self.fault(
                Fault.REMOVED,
                f"{span} empty: {removed} event{'s were' if removed > 1 else ' was'} removed "
                f"right before this one",
                n,
            )

    def _read(self, n: Notification) -> tuple[bytes | None, str | None]:
        """The bytes an event's chain covers and its chain; None where they cannot be
        read (the fault is noted)."""
        try:
            body, chain = unchain(self.codec.plain(n))
        except Exception as error:  # a changed byte of a ciphered or compressed state
            self.fault(Fault.BYTES, f"its state cannot be read ({type(error).__name__})", n)
            return None, None
        if chain is not None:
            self.chained = True
            try:
                bytes.fromhex(chain)
            except ValueError:
                self.fault(Fault.BYTES, "its chain is not a sha256 in hex: it was changed", n)
                return body, None
            return body, chain
        try:
            envelope = orjson.loads(body)
        except orjson.JSONDecodeError:
            envelope = None
        if not isinstance(envelope, dict) or "event" not in envelope:
            self.fault(Fault.BYTES, "its state is not an event as peernet writes one", n)
        elif self.chained:
            self.fault(Fault.CHAIN, "it carries no chain: its chain was cut off", n)
        else:
            self.fault(
                Fault.CHAIN,
                "it carries no chain: the store was written before peernet chained its "
                "events, and cannot be verified",
                n,
            )
        return body, None

    def _version(self, n: Notification, stream_id: UUID, known: _Stream | None) -> None:
        last = known.version if known else 0
        version = n.originator_version
        if version <= last:
            self.fault(Fault.ORDER, f"version {version} after {last}", n)
        elif version > last + 1:
            expected = last + 1
            if self.exists(stream_id, expected):
                self.fault(Fault.ORDER, f"it comes before version {expected} of its stream", n)
                return
            lost = str(expected) if expected == version - 1 else f"{expected}-{version - 1}"
            where = f"after version {last} at position {known.position}" if known else "first"
            self.fault(
                Fault.MISSING,
                f"version {lost} of its stream {'is' if expected == version - 1 else 'are'} "
                f"missing ({where}): removed from the middle of the stream",
                n,
            )

    def _link(
        self, n: Notification, stream_id: UUID, known: _Stream | None, body: bytes, chain: str
    ) -> None:
        contiguous = known is not None and n.originator_version == known.version + 1
        if n.originator_version == 1:
            previous: str | None = GENESIS
        elif contiguous and known is not None:
            previous = known.chain
        else:
            return  # a gap or a move is named already; its chain cannot be linked
        if previous is None:
            return  # the previous event could not be read: nothing to link to
        try:
            sound = chain == link(previous, n.topic, stream_id, n.originator_version, body)
        except ValueError:
            sound = False
        if not sound:
            self.fault(
                Fault.BYTES,
                "its bytes do not hash to its chain: its state, or its chain, was changed",
                n,
            )

    def _belongs(self, n: Notification, body: bytes) -> None:
        """The event joins its command's run of events, or starts the next one; a ledger
        entry closes the run, and must name exactly its events."""
        command_id = _command_of(body)
        if command_id != self.command.command_id:
            if command_id is not None and command_id in self.finished:
                self.fault(
                    Fault.ORDER,
                    f"it belongs to command {command_id}, whose events end at position "
                    f"{self.finished[command_id]}: it was moved away from them",
                    n,
                )
            self._finish(self.command)
            self.command = _Command(command_id)
        if n.topic == LEDGER_TOPIC:
            self._ledger(n, body)
            self._finish(self.command)
            self.command = _Command(None)
        else:
            # kept to name it, not to read it again: without its bytes, so that a command
            # of many events (or a store with one command id throughout) stays small
            self.command.events.append(
                Notification(
                    id=n.id,
                    originator_id=n.originator_id,
                    originator_version=n.originator_version,
                    topic=n.topic,
                    state=b"",
                )
            )

    def _finish(self, command: _Command) -> None:
        if command.command_id is None or not command.events:
            return
        self.finished[command.command_id] = command.events[-1].id
        if len(self.finished) > _RECENT_COMMANDS:
            self.finished.popitem(last=False)

    def _ledger(self, n: Notification, body: bytes) -> None:
        """A ledger entry names the events of its command, written right before it."""
        try:
            refs = [
                (UUID(ref["stream_id"]), int(ref["version"]))
                for ref in orjson.loads(body)["event"]["events"]
            ]
        except (KeyError, TypeError, ValueError):
            self.fault(Fault.BYTES, "it is not a ledger entry as peernet writes one", n)
            return
        walked = {(_stream(e), e.originator_version): e for e in self.command.events}
        for stream_id, version in refs:
            if (stream_id, version) in walked:
                continue
            seen = self.streams.get(stream_id)
            said = f"it records version {version} of stream {stream_id}, which is"
            if seen is not None and seen.version >= version:
                self.fault(Fault.ORDER, f"{said} in the log apart from its command's events", n)
            elif self.exists(stream_id, version):
                self.fault(Fault.ORDER, f"{said} further on in the log: moved away from it", n)
            else:
                self.fault(Fault.MISSING, f"{said} not in the log before it", n)
        named = set(refs)
        for key, event in walked.items():
            if key not in named:
                self.fault(
                    Fault.INSERTED,
                    f"it carries the id of command {self.command.command_id}, whose ledger "
                    f"entry (event {n.id}) does not name it: it was added",
                    event,
                )


def _command_of(body: bytes) -> str | None:
    """The command id an event's envelope records (its last but one field)."""
    at = body.rfind(_COMMAND_KEY)
    if at < 0:
        return None
    start = at + len(_COMMAND_KEY)
    return body[start : start + _UUID_TEXT].decode("latin-1")


def _against_head(walk: _Walk, expected: Head, counted: int, rolled: bytes) -> None:
    """Compare the events up to the head's position with the head written down."""
    if counted == expected.count and rolled.hex() == expected.digest:
        return
    end = expected.position
    holes = [h for h in walk.holes if end is None or h[0] <= end]
    where = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in holes)
    upto = f"up to position {end}" if end is not None else "first"
    last = walk.last
    reached = last.id if last is not None else 0
    said = f"the head written down counts {expected.count} events {upto}; the log holds {counted}"
    if counted < expected.count:
        lost = expected.count - counted
        were = f"{lost} {'were' if lost > 1 else 'was'} removed"
        if end is not None and reached < end:
            detail = f"{said}: {were} after position {reached}: the log was truncated"
            walk.fault(Fault.TRUNCATED, detail, last)
        elif holes:
            walk.fault(Fault.REMOVED, f"{said}: {were} where the log has holes: {where}", last)
        elif end is None:
            walk.fault(Fault.TRUNCATED, f"{said}: {were} at its end: it was truncated", last)
        else:
            walk.fault(Fault.REMOVED, f"{said}: {were} among them", last)
    elif counted > expected.count:
        detail = f"{said}: {counted - expected.count} were added among them"
        walk.fault(Fault.INSERTED, detail, last)
    else:
        detail = (
            f"the {counted} events {upto} roll into {rolled.hex()}, not {expected.digest}: "
            "events among them were changed, replaced or moved since the head was written down"
        )
        walk.fault(Fault.HEAD, detail, last)


def verify(
    codec: PeerNetMapper,
    log: Iterable[Notification],
    exists: Callable[[UUID, int], bool],
    *,
    expect_head: str | None = None,
    dense: bool = False,
) -> Verification:
    """Walk `log` (every stored event in log order, ledger entries too) and name every
    fault, where it is. `exists(stream_id, version)` tells an event moved elsewhere in
    the log from one that is gone. `dense`: the store numbers events without holes, so an
    empty position is where events were removed. With `expect_head`
    (`COUNT@POSITION:SHA256` from an earlier verify), the events up to POSITION must be
    COUNT and roll into that head."""
    expected = parse_head(expect_head) if expect_head is not None else None
    walk = _Walk(codec=codec, exists=exists, dense=dense)
    counted, rolled = 0, walk.rolling
    compared = expected is None
    for notification in log:
        if not compared and expected is not None:
            beyond = expected.position is not None and notification.id > expected.position
            if beyond or (expected.position is None and counted == expected.count):
                _against_head(walk, expected, counted, rolled)
                compared = True
        walk.check(notification)
        if not compared:
            counted, rolled = walk.count, walk.rolling
        if walk.full:
            break
    if not compared and expected is not None and not walk.full:
        _against_head(walk, expected, counted, rolled)
    return walk.verification()
