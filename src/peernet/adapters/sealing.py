"""Sealing: where the confidential values of an event sit, and how they are sealed under
a company's key and opened again (or read as `FORGOTTEN` once the key is gone).

Confidential fields (attrs metadata ``confidential``) are sealed when the network has a
key (a `KeyRing`): each value is replaced in the JSON by ``{"$sealed": "<base64>"}``,
AES-GCM under the data key of the event's `company_id`, bound to the event type, the
company and the value's place in the event. The codec seals *before* it computes the
chain, so the chain covers the ciphertext as stored and stays valid when a key is
destroyed.

The actor of a record made on behalf of a member company (`Recorded.acting_for`) is
personal data of that company too: the envelope names the company (``"for"``) and holds
the actor sealed under its key, bound to the record's topic, stream and version. A record
made by the network office or by a rule (no `acting_for`) keeps its actor in the clear.
See docs/confidentiality.md.
"""

import functools
import types
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin
from uuid import UUID

import attrs
import orjson

from peernet.adapters.convert import as_uuid, converter
from peernet.domain.common import FORGOTTEN, Event, forgotten_value, is_confidential
from peernet.domain.errors import InvalidInput, InvalidValue
from peernet.records import topic_of

if TYPE_CHECKING:
    from peernet.adapters.keys import KeyRing

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


def check_contract(cls: type[Event]) -> None:
    if confidential_paths(cls) and "company_id" not in attrs.fields_dict(cls):
        raise TypeError(
            f"{cls.__name__} holds confidential fields but no company_id: "
            "the company's key seals them"
        )


def rewrite(data: Any, path: FieldPath, change: Callable[[Any, FieldPath], Any]) -> Any:
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


def blank(data: Any, cls: type[Any], forgotten: set[FieldPath]) -> Any:
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
                    blank(item, inner_cls, {p[1:] for p in here if p[0] == str(i)})
                    for i, item in enumerate(value)
                ]
                values[field.name] = get_origin(field.type)(items)
            else:
                values[field.name] = blank(value, inner_cls, here)
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


NO_KEY = "its confidential fields are encrypted and no key is set (PEERNET_KEY)"


def seal_event(keys: "KeyRing | None", event: Event, data: dict[str, Any]) -> dict[str, Any]:
    """An event's unstructured data with its confidential values sealed under its
    company's key (as is without a key, or without confidential fields)."""
    paths = confidential_paths(type(event))
    if keys is None or not paths:
        return data
    company = getattr(event, "company_id")  # noqa: B009 - the contract, checked at start
    topic = topic_of(type(event))

    def seal(value: Any, walked: FieldPath) -> Any:
        if company is None:
            raise InvalidValue(
                f"{type(event).__name__}.{'.'.join(walked)} is confidential but the event "
                "names no company_id whose key would seal it"
            )
        plain = orjson.dumps(value)
        return {SEALED: keys.seal(company, plain, _context(topic, str(company), walked))}

    for path in paths:
        data = rewrite(data, path, seal)
    return data


def unseal_data(
    keys: "KeyRing | None", event_type: type[Any] | None, topic: str, data: dict[str, Any]
) -> tuple[dict[str, Any], set[FieldPath]]:
    """Stored data with its sealed values opened, and the paths of those that could not
    be (the company was forgotten: they hold what `FORGOTTEN` unstructures to,
    "forgotten" or ["forgotten"])."""
    paths = confidential_paths(event_type) if event_type else ()
    forgotten: set[FieldPath] = set()
    if not paths:
        return data, forgotten
    assert event_type is not None
    company = data.get("company_id")

    def open_(value: Any, walked: FieldPath, kind: Any) -> Any:
        if not is_sealed(value):
            return value  # written before a key was set (or before the field was sealed)
        if keys is None:
            raise InvalidInput(NO_KEY)
        plain = keys.open(as_uuid(company), value[SEALED], _context(topic, str(company), walked))
        if plain is None:
            forgotten.add(walked)
            return converter.unstructure(forgotten_value(kind))
        return orjson.loads(plain)

    kinds = _KINDS[event_type]
    for path in paths:
        data = rewrite(data, path, functools.partial(open_, kind=kinds[path]))
    return data, forgotten


# --- the actor of a record made on behalf of a company ------------------------------------

#: the envelope's key naming the company a record's actor acted for
ACTING_FOR = "for"


def _actor_context(company: UUID, where: tuple[str, UUID, int]) -> bytes:
    topic, stream_id, version = where
    return f"{topic}|{company}|$actor|{stream_id}|{version}".encode()


def seal_actor(
    keys: "KeyRing | None",
    actor: str,
    acting_for: UUID | None,
    where: tuple[str, UUID, int],
) -> str | dict[str, str]:
    """The actor as the envelope holds it: sealed under the key of the company it acted
    for (`where`: the record's topic, stream and version), else as is."""
    if keys is None or acting_for is None:
        return actor
    context = _actor_context(acting_for, where)
    return {SEALED: keys.seal(acting_for, actor.encode(), context)}


def open_actor(
    keys: "KeyRing | None", payload: dict[str, Any], where: tuple[str, UUID, int]
) -> tuple[str, UUID | None]:
    """The actor of a stored envelope and the company it acted for: opened when sealed,
    `FORGOTTEN` once that company's key is gone."""
    found = payload.get(ACTING_FOR)
    acting_for = None if found is None else as_uuid(found)
    actor = payload["actor"]
    if not is_sealed(actor):
        return actor, acting_for
    if keys is None:
        raise InvalidInput(NO_KEY)
    assert acting_for is not None, "a sealed actor names the company it acted for"
    context = _actor_context(acting_for, where)
    plain = keys.open(acting_for, actor[SEALED], context)
    return (FORGOTTEN if plain is None else plain.decode()), acting_for
