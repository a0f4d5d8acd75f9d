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

import enum
import functools
import hashlib
import types
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin
from uuid import UUID

import attrs
import orjson
from cattrs import transform_error
from cattrs.gen import make_dict_unstructure_fn
from cattrs.preconf.orjson import make_converter
from eventsourcing.persistence import Mapper, StoredEvent

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
from peernet.domain.common import Event, Forgotten, forgotten_value, is_confidential
from peernet.domain.errors import InvalidInput, InvalidValue, PeerNetError, UnreadableEvent
from peernet.records import Recorded, topic_of

if TYPE_CHECKING:
    from peernet.adapters.keys import KeyRing

#: what the first event of every stream chains over
GENESIS = "0" * 64
_CHAIN_KEY = b',"chain":"'
_CHAIN_TAIL = len(_CHAIN_KEY) + 64 + len(b'"}')

converter = make_converter()
converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(Decimal, lambda value, _: Decimal(value))
converter.register_structure_hook(UUID, lambda value, _: UUID(value))
converter.register_unstructure_hook(Fraction, str)
converter.register_structure_hook(Fraction, lambda value, _: Fraction(value))


def _is_frozenset(type_: Any) -> bool:
    """Sets are written sorted, so the same event always has the same bytes. Matched by
    predicate: fields say `frozenset[str]`, which a hook for bare `frozenset` misses."""
    return type_ is frozenset or get_origin(type_) is frozenset


converter.register_unstructure_hook_func(_is_frozenset, sorted)


def _attrs_hook(cls: type[Any]) -> Callable[[Any], Any]:
    """cattrs' own hook for an attrs class, except that a forgotten value (`FORGOTTEN`,
    in a field of any type) unstructures as the text "forgotten"."""
    made = make_dict_unstructure_fn(cls, converter)

    def unstructure(value: Any) -> Any:
        return str(value) if isinstance(value, Forgotten) else made(value)

    return unstructure


converter.register_unstructure_hook_factory(attrs.has, _attrs_hook)


T = TypeVar("T")


def _leaves(error: BaseException) -> Iterator[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _leaves(inner)
    else:
        yield error


def parse(cls: type[T], data: Mapping[str, Any]) -> T:
    """A command (or any value peernet stores) from text and JSON values, as a web form, a
    JSON body or a command line gives them: ids from their text, enums from their values,
    times from ISO text, amounts from text. This is where text is parsed, at the edge:
    the domain takes only ids and enums. A bad value is one `InvalidValue` naming it."""
    try:
        return converter.structure(dict(data), cls)
    except PeerNetError:
        raise
    except Exception as error:
        for leaf in _leaves(error):
            if isinstance(leaf, PeerNetError):
                raise leaf from None
        field, why = _first_fault(cls, data, error)
        raise InvalidValue(f"{why} ({cls.__name__})", field=field) from None


def _first_fault(cls: type[Any], data: Mapping[str, Any], error: Exception) -> tuple[str, str]:
    """The field cattrs could not structure, and why, in words."""
    said = transform_error(error)[0] if isinstance(error, ExceptionGroup) else str(error)
    what, _, where = said.rpartition(" @ $.")
    field = where.split(".")[0].split("[")[0] or "value"
    if what == "required field missing":
        return field, f"{field} is missing"
    fields = attrs.fields_dict(cls) if attrs.has(cls) else {}
    kind = fields[field].type if field in fields else None
    if isinstance(kind, enum.EnumMeta):
        allowed = ", ".join(repr(member.value) for member in kind)
        return field, f"{field} must be one of {allowed}, got {data.get(field)!r}"
    expected = what.removeprefix("invalid value for type, expected ")
    return field, f"{field} must be a {expected}, got {data.get(field)!r}"


@attrs.frozen(kw_only=True)
class StreamRef:
    stream_id: UUID
    version: int


@attrs.frozen(kw_only=True)
class CommandHandled(Event):
    """The ledger entry of a command executed with a `command_id`: which events it
    recorded. Written in the same transaction as those events, in a stream of its own
    (the id is derived from the command id), so a second execution finds it."""

    home = "ledger_id"
    ledger_id: UUID
    command_id: UUID
    command: str
    #: sha256 of everything the command said, to refuse another command reusing the id
    digest: str
    events: tuple[StreamRef, ...]


def _subclasses(cls: type[Event]) -> Iterator[type[Event]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def event_types() -> dict[str, type[Event]]:
    """Every event class peernet can store, by its stable topic. Base classes that only
    share fields (MembershipEvent...) are never stored, so they have no topic."""
    return {topic_of(cls): cls for cls in _subclasses(Event) if not cls.__subclasses__()}


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(topic: str, from_schema: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function that turns an event payload of `from_schema` into the next."""

    def register(function: Upcaster) -> Upcaster:
        _UPCASTERS[(topic, from_schema)] = function
        return function

    return register


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


# --- confidential fields -------------------------------------------------------------------

#: the key of the JSON object a sealed value is stored as
SEALED = "$sealed"
#: where a confidential value sits in an event's unstructured data: field names, and "*"
#: for every item of a collection
FieldPath = tuple[str, ...]


def _attrs_inside(kind: Any) -> tuple[type[Any], bool] | None:
    """The attrs class a field of type `kind` holds (directly, optionally, or as the
    items of a tuple, list or set), and whether it is a collection of them."""
    if isinstance(kind, type) and attrs.has(kind):
        return kind, False
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _attrs_inside(inner[0]) if len(inner) == 1 else None
    if origin in (tuple, list, frozenset, set) and args:
        found = _attrs_inside(args[0])
        return (found[0], True) if found and not found[1] else None
    return None


# Weak: a class defined for a while (a test's event) is not kept alive by the cache.
_PATHS: "weakref.WeakKeyDictionary[type[Any], tuple[FieldPath, ...]]" = weakref.WeakKeyDictionary()
#: the declared type of the value at each confidential path, by class
_KINDS: "weakref.WeakKeyDictionary[type[Any], dict[FieldPath, Any]]" = weakref.WeakKeyDictionary()


def confidential_paths(cls: type[Any]) -> tuple[FieldPath, ...]:
    """Where the confidential fields of an attrs class sit, nested values included."""
    if (known := _PATHS.get(cls)) is not None:
        return known
    attrs.resolve_types(cls)
    kinds: dict[FieldPath, Any] = {}
    for field in attrs.fields(cls):
        if is_confidential(field):
            kinds[(field.name,)] = field.type
        elif (inner := _attrs_inside(field.type)) is not None:
            many = ("*",) if inner[1] else ()
            for sub in confidential_paths(inner[0]):
                kinds[(field.name, *many, *sub)] = _KINDS[inner[0]][sub]
    _KINDS[cls] = kinds
    _PATHS[cls] = tuple(kinds)
    return _PATHS[cls]


def _check_contract(cls: type[Event]) -> None:
    if confidential_paths(cls) and "company_id" not in attrs.fields_dict(cls):
        raise TypeError(
            f"{cls.__name__} holds confidential fields but no company_id: "
            "the company's key seals them"
        )


def _rewrite(data: Any, path: FieldPath, change: Callable[[Any, FieldPath], Any]) -> Any:
    """`data` with the value at `path` replaced by `change(value, path walked)`, through
    nested dicts and lists (a missing or null step is left alone)."""

    def walk(node: Any, rest: FieldPath, walked: FieldPath) -> Any:
        if node is None:
            return None
        if not rest:
            return change(node, walked)
        head, tail = rest[0], rest[1:]
        if head == "*":
            return [walk(item, tail, (*walked, str(i))) for i, item in enumerate(node)]
        if not isinstance(node, dict) or head not in node:
            return node
        return {**node, head: walk(node[head], tail, (*walked, head))}

    return walk(data, path, ())


def _context(topic: str, company_id: str, walked: FieldPath) -> bytes:
    """What a sealed value is bound to: its event type, company and place in the event."""
    return f"{topic}|{company_id}|{'.'.join(walked)}".encode()


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and SEALED in value


def _blank(data: Any, cls: type[Any], forgotten: set[FieldPath]) -> Any:
    """Structure `data` as `cls`, the values at the `forgotten` paths set to what a
    forgotten company leaves; built without validators, which the sentinel need not meet."""
    values: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name not in data:
            continue
        here = {p[1:] for p in forgotten if p[0] == field.name}
        value = data[field.name]
        if () in here:
            values[field.name] = forgotten_value(field.type)
        elif here and value is not None and (inner := _attrs_inside(field.type)) is not None:
            inner_cls, many = inner
            if many:
                items = [
                    _blank(item, inner_cls, {p[1:] for p in here if p[0] == str(i)})
                    for i, item in enumerate(value)
                ]
                values[field.name] = get_origin(field.type)(items)
            else:
                values[field.name] = _blank(value, inner_cls, here)
        else:
            values[field.name] = converter.structure(value, field.type)
    built = object.__new__(cls)
    for field in attrs.fields(cls):
        if field.name in values:
            value = values[field.name]
        elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            value = field.default.factory()
        else:
            value = field.default
        object.__setattr__(built, field.name, value)
    return built


def schema_of(cls: type[Event]) -> int:
    return int(getattr(cls, "schema", 1))


def upcast(
    topic: str, event_type: type[Event], data: dict[str, Any], payload: dict[str, Any]
) -> dict[str, Any]:
    """An event's data, stored under the schema `payload` names, turned by the registered
    upcasters into the shape of the current `event_type`."""
    schema = payload.get("schema", 1)
    while schema < schema_of(event_type):
        data = _UPCASTERS[(topic, schema)](data)
        schema += 1
    return data


def unreadable(stored: StoredEvent, why: str) -> UnreadableEvent:
    return UnreadableEvent(
        version=stored.originator_version,
        stream_id=stored.originator_id,
        topic=stored.topic,
        why=why,
    )


class PeerNetMapper(Mapper[UUID]):
    """eventsourcing's Mapper, speaking cattrs and orjson, for `Recorded` events."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.types = event_types()
        for cls in self.types.values():
            _check_contract(cls)
        #: the keys confidential fields are sealed with; None: they are stored in the clear
        self.keys: KeyRing | None = None

    def encode(self, recorded: Recorded, previous: str = GENESIS) -> StoredEvent:
        """The stored form of `recorded`, chained over `previous`, the chain of the event
        before it in its stream (`GENESIS` for a stream's first event)."""
        return self._sealed(recorded, previous)[0]

    def encode_chained(
        self, records: Iterable[Recorded], previous: Callable[[UUID, int], str]
    ) -> list[StoredEvent]:
        """Records of one write, in order, each chained over the one before it in its
        stream; `previous(stream_id, version)` gives the stored chain a stream ends with."""
        heads: dict[UUID, str] = {}
        stored = []
        for r in records:
            before = heads.get(r.stream_id)
            if before is None:
                before = previous(r.stream_id, r.version - 1) if r.version > 1 else GENESIS
            sealed, heads[r.stream_id] = self._sealed(r, before)
            stored.append(sealed)
        return stored

    def seal(self, event: Event, data: dict[str, Any]) -> dict[str, Any]:
        """An event's unstructured data with its confidential values sealed under its
        company's key (as is without a key, or without confidential fields)."""
        keys, paths = self.keys, confidential_paths(type(event))
        if keys is None or not paths:
            return data
        company = getattr(event, "company_id")  # noqa: B009 - the contract, checked at start
        topic = topic_of(type(event))

        def seal(value: Any, walked: FieldPath) -> Any:
            plain = orjson.dumps(value)
            return {SEALED: keys.seal(company, plain, _context(topic, str(company), walked))}

        for path in paths:
            data = _rewrite(data, path, seal)
        return data

    def unseal(self, topic: str, data: dict[str, Any]) -> tuple[dict[str, Any], set[FieldPath]]:
        """Stored data with its sealed values opened, and the paths of those that could
        not be (the company was forgotten: they hold what `FORGOTTEN` unstructures to,
        "forgotten" or ["forgotten"])."""
        event_type = self.types.get(topic)
        paths = confidential_paths(event_type) if event_type else ()
        forgotten: set[FieldPath] = set()
        if not paths:
            return data, forgotten
        company = data.get("company_id")

        def open_(value: Any, walked: FieldPath, kind: Any) -> Any:
            if not is_sealed(value):
                return value  # written before a key was set: in the clear
            if self.keys is None:
                raise InvalidInput(
                    "its confidential fields are encrypted and no key is set (PEERNET_KEY)"
                )
            plain = self.keys.open(
                UUID(company), value[SEALED], _context(topic, str(company), walked)
            )
            if plain is None:
                forgotten.add(walked)
                return converter.unstructure(forgotten_value(kind))
            return orjson.loads(plain)

        assert event_type is not None
        kinds = _KINDS[event_type]
        for path in paths:
            data = _rewrite(data, path, functools.partial(open_, kind=kinds[path]))
        return data, forgotten

    def _sealed(self, recorded: Recorded, previous: str) -> tuple[StoredEvent, str]:
        event_type = type(recorded.event)
        payload: dict[str, Any] = {
            "event": self.seal(recorded.event, converter.unstructure(recorded.event, event_type)),
            "actor": recorded.actor,
            "recorded_at": recorded.recorded_at,
            "command_id": recorded.command_id,
            "correlation_id": recorded.correlation_id,
        }
        schema = schema_of(event_type)
        if schema > 1:
            payload["schema"] = schema
        body = orjson.dumps(payload)
        topic = topic_of(type(recorded.event))
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

    def plain(self, stored: StoredEvent) -> bytes:
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

    def decode(self, stored: StoredEvent, position: int | None = None) -> Recorded:
        event_type = self.types.get(stored.topic)
        if event_type is None:
            raise unreadable(stored, "unknown topic")
        try:
            return self._decode(stored, event_type, position)
        except Exception as error:  # bad bytes, a wrong key or a missing upcaster
            raise unreadable(stored, f"{type(error).__name__}: {error}") from None

    def _decode(
        self, stored: StoredEvent, event_type: type[Event], position: int | None
    ) -> Recorded:
        payload = orjson.loads(self.plain(stored))
        data, forgotten = self.unseal(stored.topic, payload["event"])
        data = upcast(stored.topic, event_type, data, payload)
        stream_id = stored.originator_id
        event = (
            _blank(data, event_type, forgotten)
            if forgotten
            else converter.structure(data, event_type)
        )
        return Recorded(
            event=event,
            stream_id=stream_id if isinstance(stream_id, UUID) else UUID(stream_id),
            version=stored.originator_version,
            actor=payload["actor"],
            recorded_at=datetime.fromisoformat(payload["recorded_at"]),
            command_id=UUID(payload["command_id"]),
            correlation_id=UUID(payload["correlation_id"]),
            position=position,
            chain=payload.get("chain"),
        )
