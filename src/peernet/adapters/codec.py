"""The wire format: the one place that knows how events become bytes and back.

eventsourcing's default mapper reads `vars(event)` and cannot store slotted attrs
classes, so peernet plugs in `PeerNetMapper` (through eventsourcing's `MAPPER_TOPIC`
setting). It turns a `Recorded` into a `StoredEvent` with cattrs' orjson converter, under
a stable topic `peernet.<EventName>` that does not move when a module does, and keeps
eventsourcing's compressor and cipher in the path.

A persisted event class is a contract: when its fields change, raise its `schema`
(a ClassVar, default 1) and register an upcaster from the old shape with `upcaster`.

Every stored event is sealed with a hash chained per stream (`link`): the last key of
its JSON envelope, `"chain"`, is sha256 over the previous event's chain in the same
stream (`GENESIS` for a first event) and the event's canonical bytes: its topic, stream
id, version and its state exactly as written, without the chain. `peernet.audit.verify`
recomputes it; docs/auditing.md says what it catches and what it cannot.

Confidential fields (attrs metadata ``confidential``) are sealed here when the network
has a key (`keys`, a `KeyRing`): each value is replaced in the JSON by
``{"$sealed": "<base64>"}``, AES-GCM under the data key of the event's `company_id`,
*before* the chain is computed, so the chain covers the ciphertext as stored and stays
valid when the company's key is destroyed. Opening a sealed value whose key is gone
gives `FORGOTTEN` (`None` in raw facts); see docs/confidentiality.md.
"""

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import attrs
import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent, Transcoder

from peernet.adapters.convert import as_uuid, converter, parse
from peernet.adapters.errors import UnreadableEvent
from peernet.adapters.logrows import Row
from peernet.adapters.sealing import (
    ACTING_FOR,
    SEALED,
    FieldPath,
    blank,
    check_contract,
    confidential_paths,
    is_sealed,
    open_actor,
    seal_actor,
    seal_event,
    unseal_data,
)
from peernet.adapters.trusted import reader

# Importing the aggregates registers their event classes as subclasses of Event.
from peernet.domain import (  # noqa: F401  # noqa: F401 - the partner economy's events, registered too
    companies,
    competitions,
    deals,
    financials,
    goals,
    groups,
    meetings,
    memberships,
    motions,
    network_charter,
    referrals,
)
from peernet.domain.common import CONFIDENTIAL, Event
from peernet.records import Recorded, topic_of

if TYPE_CHECKING:
    from peernet.adapters.keys import KeyRing

__all__ = [
    "GENESIS",
    "SEALED",
    "CommandHandled",
    "PeerNetMapper",
    "StreamRef",
    "confidential_paths",
    "converter",
    "event_types",
    "is_sealed",
    "link",
    "parse",
    "unchain",
    "upcast",
    "upcaster",
]

#: what the first event of every stream chains over
GENESIS = "0" * 64
_CHAIN_KEY = b',"chain":"'
#: the bytes every sealed value's JSON holds
_SEALED_MARK = f'"{SEALED}"'.encode()
_CHAIN_TAIL = len(_CHAIN_KEY) + 64 + len(b'"}')

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcasters() -> dict[tuple[str, int], Upcaster]:
    """Every registered upcaster, by the topic and schema it reads."""
    return dict(_UPCASTERS)


def upcaster(topic: str, from_schema: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function that turns an event payload of `from_schema` into the next."""

    def register(function: Upcaster) -> Upcaster:
        _UPCASTERS[(topic, from_schema)] = function
        return function

    return register


@attrs.frozen(kw_only=True)
class StreamRef:
    stream_id: UUID
    version: int


@attrs.frozen(kw_only=True)
class CommandHandled(Event):
    """The ledger entry of a command executed with a `command_id`: which events it
    recorded. Written in the same transaction as those events, in a stream of its own
    (the id is derived from the command id), so a second execution finds it.

    Schema 2: `digest` covers what the command says in the clear (`scheme` 2): its
    confidential values and an actor acting for a company are left out of it, so a retry
    after that company was forgotten still matches; `private`, a digest of what was
    left out, is sealed under the key of `company_id` (the company the command acted
    for, or the one it is about) and compared while that key exists. Entries of schema 1
    read as `scheme` 1: their digest covers the whole command as given."""

    schema: ClassVar[int] = 2
    home = "ledger_id"
    ledger_id: UUID
    command_id: UUID
    command: str
    #: sha256 of what the command said, to refuse another command reusing the id
    digest: str
    events: tuple[StreamRef, ...]
    #: 2: `digest` covers what the command says in the clear; 1: the whole command
    scheme: int = 2
    #: the company whose key seals `private`
    company_id: UUID | None = None
    #: sha256 of the command's confidential values (and of an actor acting for a company)
    private: str | None = attrs.field(default=None, metadata={CONFIDENTIAL: True})


def _subclasses(cls: type[Event]) -> Iterator[type[Event]]:
    """Every attrs subclass of `cls`. attrs replaces a slotted class with a new one; the
    class it replaced stays among its base's subclasses until garbage is collected, a
    ghost without attributes of its own, skipped here."""
    for sub in cls.__subclasses__():
        if "__attrs_attrs__" in vars(sub):
            yield sub
            yield from _subclasses(sub)


def event_types() -> dict[str, type[Event]]:
    """Every event class peernet can store, by its stable topic. Base classes that only
    share fields (MembershipEvent...) are never stored, so they have no topic."""
    return {topic_of(cls): cls for cls in _subclasses(Event) if not cls.__subclasses__()}


def link(previous: str, topic: str, stream_id: UUID | str, version: int, body: bytes) -> str:
    """The chain of an event: sha256 over the previous chain of its stream and the event's
    canonical bytes (topic, stream id, version, and its state without the chain).

    The state is hashed byte for byte as written, never re-serialised, so any changed
    byte changes the chain, whether or not the JSON still means the same."""
    stream = stream_id if isinstance(stream_id, UUID) else UUID(stream_id)
    return hashlib.sha256(
        b"".join(
            (
                bytes.fromhex(previous),
                topic.encode(),
                b"\0",
                stream.bytes,
                version.to_bytes(8, "big"),
                body,
            )
        )
    ).hexdigest()


def unchain(plain: bytes) -> tuple[bytes, str | None]:
    """An event's plain state split into the bytes its chain covers and the chain (None
    when the state carries no chain: written before events were chained, or cut)."""
    tail = plain[-_CHAIN_TAIL:]
    if len(plain) > _CHAIN_TAIL and tail.startswith(_CHAIN_KEY) and tail.endswith(b'"}'):
        return plain[:-_CHAIN_TAIL] + b"}", tail[len(_CHAIN_KEY) : -2].decode("latin-1")
    return plain, None


def schema_of(cls: type[Event]) -> int:
    return int(getattr(cls, "schema", 1))


def upcast(
    topic: str, event_type: type[Event], data: dict[str, Any], payload: dict[str, Any]
) -> dict[str, Any]:
    """An event's data, stored under the schema `payload` names, turned by the registered
    upcasters into the shape of the current `event_type`. Data stored under a newer
    schema than `event_type`'s is refused (ValueError), never read as an older one."""
    schema = payload.get("schema", 1)
    current = schema_of(event_type)
    if schema == current and type(schema) is int:
        return data  # stored under the schema it is read with: the usual case
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise ValueError(f"its schema is {schema!r}, not a number from 1")
    if schema > current:
        raise ValueError(
            f"it is stored under schema {schema}, newer than the {current} this peernet "
            "reads: written by a newer peernet, which reads it"
        )
    while schema < current:
        if (step := _UPCASTERS.get((topic, schema))) is None:
            raise ValueError(f"no upcaster from schema {schema} of {topic}")
        data = step(data)
        schema += 1
    return data


#: why an event of a topic peernet does not know cannot be read
UNKNOWN_TOPIC = "unknown topic: written by a newer peernet, or not by peernet"


def unreadable(stored: StoredEvent | Row, why: str) -> UnreadableEvent:
    """The refusal of a stored event that cannot be read, naming its stream (a row keeps
    the id as the store holds it, text on SQLite: named as a UUID when it is one)."""
    return UnreadableEvent(
        version=stored.originator_version,
        stream_id=stored.stream_id if isinstance(stored, Row) else stored.originator_id,
        topic=stored.topic,
        why=why,
    )


class PeerNetMapper(Mapper[UUID]):
    """eventsourcing's Mapper, speaking cattrs and orjson, for `Recorded` events."""

    def __init__(self, transcoder: Transcoder | None = None, **kwargs: Any) -> None:
        # eventsourcing's factory hands a transcoder over; peernet's wire format needs none
        super().__init__(transcoder or JSONTranscoder(), **kwargs)
        self.types = event_types()
        for cls in self.types.values():
            check_contract(cls)
        #: the keys confidential fields are sealed with; None: they are stored in the clear
        self.keys: KeyRing | None = None
        #: the function building each event class read back (`peernet.adapters.trusted`)
        self.readers: dict[type[Event], Callable[[dict[str, Any]], Event]] = {}

    def encode(self, recorded: Recorded, previous: str = GENESIS) -> StoredEvent:
        """The stored form of `recorded`, chained over `previous`, the chain of the event
        before it in its stream (`GENESIS` for a stream's first event)."""
        return self._sealed(recorded, previous)[0]

    def encode_chained(
        self, records: Iterable[Recorded], previous: Callable[[UUID, int], str]
    ) -> list[StoredEvent]:
        """Records of one write, in order, each chained over the one before it in its
        stream; `previous(stream_id, version)` gives the stored chain a stream ends with."""
        return [stored for stored, _ in self.encode_links(records, previous)]

    def encode_links(
        self, records: Iterable[Recorded], previous: Callable[[UUID, int], str]
    ) -> list[tuple[StoredEvent, str]]:
        """As `encode_chained`, with the chain each record was sealed with: the writer
        keeps it beside the record it decided rather than decoding what it just encoded."""
        heads: dict[UUID, str] = {}
        stored = []
        for r in records:
            before = heads.get(r.stream_id)
            if before is None:
                before = previous(r.stream_id, r.version - 1) if r.version > 1 else GENESIS
            sealed, heads[r.stream_id] = self._sealed(r, before)
            stored.append((sealed, heads[r.stream_id]))
        return stored

    def seal(self, event: Event, data: dict[str, Any]) -> dict[str, Any]:
        """An event's unstructured data with its confidential values sealed under its
        company's key (as is without a key, or without confidential fields)."""
        return seal_event(self.keys, event, data)

    def unseal(self, topic: str, data: dict[str, Any]) -> tuple[dict[str, Any], set[FieldPath]]:
        """Stored data with its sealed values opened, and the paths of those that could
        not be (the company was forgotten: they hold what `FORGOTTEN` unstructures to,
        "forgotten" or ["forgotten"])."""
        return unseal_data(self.keys, self.types.get(topic), topic, data)

    def _sealed(self, recorded: Recorded, previous: str) -> tuple[StoredEvent, str]:
        event_type = type(recorded.event)
        topic = topic_of(event_type)
        where = (topic, recorded.stream_id, recorded.version)
        payload: dict[str, Any] = {
            "event": self.seal(recorded.event, converter.unstructure(recorded.event, event_type)),
            "actor": seal_actor(self.keys, recorded.actor, recorded.acting_for, where),
            "recorded_at": recorded.recorded_at,
            "command_id": recorded.command_id,
            "correlation_id": recorded.correlation_id,
        }
        if recorded.acting_for is not None:
            payload[ACTING_FOR] = recorded.acting_for
        schema = schema_of(event_type)
        if schema > 1:
            payload["schema"] = schema
        body = orjson.dumps(payload)
        chain = link(previous, topic, recorded.stream_id, recorded.version, body)
        state = b"".join((body[:-1], _CHAIN_KEY, chain.encode(), b'"}'))
        if self.compressor:
            state = self.compressor.compress(state)
        if self.cipher:
            state = self.cipher.encrypt(state)
        stored = StoredEvent(
            originator_id=recorded.stream_id,
            originator_version=recorded.version,
            topic=topic,
            state=state,
        )
        return stored, chain

    def plain(self, stored: StoredEvent | Row) -> bytes:
        """A stored event's state as peernet wrote it: deciphered and decompressed."""
        state = stored.state
        if self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        return state

    def chain_of(self, stored: StoredEvent) -> str | None:
        """The chain a stored event carries (None if it carries none)."""
        return unchain(self.plain(stored))[1]

    def decode(self, stored: StoredEvent | Row, position: int | None = None) -> Recorded:
        """The record a stored event (or a row of a page of the log) holds, refused with
        `UnreadableEvent` when it cannot be read."""
        event_type = self.types.get(stored.topic)
        if event_type is None:
            raise unreadable(stored, UNKNOWN_TOPIC)
        try:
            return self._decode(stored, event_type, position)
        except Exception as error:  # bad bytes, a wrong key or a missing upcaster
            raise unreadable(stored, f"{type(error).__name__}: {error}") from None

    def in_clear(self, stored: StoredEvent) -> Event:
        """The event a stored state holds, read without a key: its sealed values as a
        forgotten company's read. What it says in the clear (its ids) is all a reader
        needs that has no key at hand, as an import writing the links of its events
        before their companies' keys are committed (`peernet.application.importing`)."""
        event_type = self.types.get(stored.topic)
        if event_type is None:
            raise unreadable(stored, UNKNOWN_TOPIC)
        try:
            payload = orjson.loads(self.plain(stored))
            data, forgotten = unseal_data(_BLIND, event_type, stored.topic, payload["event"])
            data = upcast(stored.topic, event_type, data, payload)
            found: Event = (
                blank(data, event_type, forgotten) if forgotten else self._build(event_type, data)
            )
        except Exception as error:  # bad bytes or a missing upcaster
            raise unreadable(stored, f"{type(error).__name__}: {error}") from None
        return found

    def _decode(
        self, stored: StoredEvent | Row, event_type: type[Event], position: int | None
    ) -> Recorded:
        plain = self.plain(stored) if self.cipher or self.compressor else stored.state
        payload = orjson.loads(plain)
        if not isinstance(payload, dict) or not isinstance(payload.get("event"), dict):
            raise ValueError("its state is not an event as peernet stores one")
        data = payload["event"]
        forgotten: set[FieldPath] = set()
        # without a key, only a state holding a sealed value has anything to open (or to
        # refuse for want of a key): the rest skip the walk over confidential fields
        if self.keys is not None or _SEALED_MARK in plain:
            data, forgotten = self.unseal(stored.topic, data)
        data = upcast(stored.topic, event_type, data, payload)
        stream_id = stored.originator_id
        stream = stream_id if isinstance(stream_id, UUID) else as_uuid(stream_id)
        actor, acting_for = payload["actor"], None
        if ACTING_FOR in payload or not isinstance(actor, str):  # acted for a company
            where = (stored.topic, stream, stored.originator_version)
            actor, acting_for = open_actor(self.keys, payload, where)
        event = blank(data, event_type, forgotten) if forgotten else self._build(event_type, data)
        if (home := event.stream()[1]) != stream:
            raise ValueError(f"its {event.home} {home} is not the stream it is stored in")
        recorded_at = datetime.fromisoformat(payload["recorded_at"])
        if not isinstance(actor, str) or recorded_at.tzinfo is None:
            raise ValueError("its actor or its recording time is not as peernet writes them")
        return Recorded(
            event=event,
            stream_id=stream,
            version=stored.originator_version,
            actor=actor,
            acting_for=acting_for,
            recorded_at=recorded_at,
            command_id=as_uuid(payload["command_id"]),
            correlation_id=as_uuid(payload["correlation_id"]),
            position=position,
            chain=payload.get("chain"),
        )

    def _build(self, event_type: type[Event], data: dict[str, Any]) -> Event:
        """The event `data` holds, built by its class's reader (`peernet.adapters.trusted`),
        made the first time a class is read."""
        build = self.readers.get(event_type)
        if build is None:
            build = self.readers[event_type] = reader(event_type)
        return build(data)


# --- upcasters: each older shape of a stored event, turned into the next -------------------


@upcaster("peernet.CommandHandled", 1)
def _ledger_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A schema 1 entry: its digest covers the whole command; nothing is sealed."""
    return {**data, "scheme": 1, "company_id": None, "private": None}


def _unowned(data: dict[str, Any]) -> dict[str, Any]:
    """An event stored before its free text was sealed: no company's key seals it (its
    text is in the clear, and stays readable)."""
    return {**data, "company_id": None}


for _topic in (
    "peernet.GoalChallenged",
    "peernet.GoalRevised",
    "peernet.ProgressReported",
    "peernet.GoalWithdrawn",
    "peernet.MotionRaised",
    "peernet.PrepSubmitted",
):
    upcaster(_topic, 1)(_unowned)


@upcaster("peernet.CompanyAcquired", 1)
def _bought_v1(data: dict[str, Any]) -> dict[str, Any]:
    """An acquisition stored before a member buyer was named by id: its text names it."""
    return {**data, "acquirer_id": None}


class _Blind:
    """A key ring that opens nothing: every sealed value reads as a forgotten one."""

    def open(self, *_: object) -> None:
        return None


_BLIND: Any = _Blind()
