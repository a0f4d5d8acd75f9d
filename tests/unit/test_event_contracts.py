"""Stored events are contracts that cannot drift: the fields and types of every event
peernet stores are pinned in `contracts/events.json`, with its schema number.

- An event whose fields or types differ from the pin under the same schema fails: a
  change needs a new `schema` and an upcaster from the old one.
- A new schema needs an upcaster from every older one, and each upcaster needs the
  stored bytes of an old event (`contracts/old/<Event>.schema<N>.json`) that decode, through
  it, to the event they stand for.
- A new event starts at schema 1; a pinned event cannot disappear (its stored events
  could no longer be read).
- One change is compatible under the same schema: a new field that has a default, in the
  event or in a record it holds (a charter's new parameter). Events stored before it
  read with the default, so it needs no upcaster; the pins record each default.

After a deliberate change that follows these rules (a new event; a new schema with its
upcaster and old bytes), rewrite the pins with
``PEERNET_PIN_CONTRACTS=1 python -m pytest tests/unit/test_event_contracts.py``; the rules
are checked first, so a change that breaks them is never pinned.
"""

import enum
import json
import os
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, Union, get_args, get_origin
from uuid import UUID

import attrs
import pytest
from eventsourcing.persistence import StoredEvent

from peernet import Event
from peernet.adapters.codec import PeerNetMapper, converter, event_types, schema_of, upcasters

HERE = Path(__file__).resolve().parent / "contracts"
PINS = HERE / "events.json"
OLD = HERE / "old"
PIN = os.environ.get("PEERNET_PIN_CONTRACTS") == "1"


def describe(kind: Any) -> Any:
    """A type as the wire format sees it: names of plain types, the values of an enum,
    the fields of a nested record, the arguments of a collection or an optional."""
    origin, args = get_origin(kind), get_args(kind)
    if kind is type(None):
        return "None"
    if kind is Ellipsis:
        return "..."
    if origin in (Union, types.UnionType):
        return {"union": sorted((describe(a) for a in args), key=json.dumps)}
    if origin is not None:
        return {getattr(origin, "__name__", str(origin)): [describe(a) for a in args]}
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return {"enum": [member.value for member in kind]}
    if isinstance(kind, type) and attrs.has(kind):
        attrs.resolve_types(kind)
        return {"record": kind.__name__, "fields": fields_of(kind), "defaults": defaults_of(kind)}
    if isinstance(kind, type):
        return kind.__name__
    return repr(kind)


def fields_of(cls: type[Any]) -> dict[str, Any]:
    attrs.resolve_types(cls)
    return {field.name: describe(field.type) for field in attrs.fields(cls)}


def defaults_of(cls: type[Any]) -> list[str]:
    """The fields of a record that have a default (a value stored without them reads)."""
    return [f.name for f in attrs.fields(cls) if f.default is not attrs.NOTHING]


def contract(cls: type[Event]) -> dict[str, Any]:
    """What an event class promises the store: its schema, its stream, its fields and
    which of them have defaults."""
    return {
        "schema": schema_of(cls),
        "stream": cls.home,
        "fields": fields_of(cls),
        "defaults": defaults_of(cls),
    }


def compatible(pin: Any, now: Any) -> bool:
    """Whether values stored under `pin` read as `now`: the same, but for new fields with
    defaults in a record (at any depth)."""
    if pin == now:
        return True
    if isinstance(pin, list) and isinstance(now, list):  # a union's or collection's types
        return len(pin) == len(now) and all(any(compatible(p, n) for n in now) for p in pin)
    if not (isinstance(pin, dict) and isinstance(now, dict)):
        return False
    if "fields" not in pin:  # a union, a collection: the same kinds of value inside
        return pin.keys() == now.keys() and all(compatible(pin[k], now[k]) for k in pin)
    if {k: v for k, v in now.items() if k not in ("fields", "defaults")} != {
        k: v for k, v in pin.items() if k not in ("fields", "defaults")
    }:
        return False
    old, new = pin["fields"], now["fields"]
    added = set(new) - set(old)
    return (
        set(old) <= set(new)
        and added <= set(now.get("defaults", ()))
        and all(compatible(old[name], new[name]) for name in old)
    )


def peernet_events() -> dict[str, type[Event]]:
    """Every event peernet itself stores (tests may define more)."""
    return {t: c for t, c in event_types().items() if c.__module__.startswith("peernet.")}


def pinned() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = json.loads(PINS.read_text(encoding="utf-8"))
    return found


def old_bytes(topic: str, schema: int) -> Path:
    return OLD / f"{topic.removeprefix('peernet.')}.schema{schema}.json"


Contracts = dict[str, dict[str, Any]]


def drift(
    pins: Contracts,
    current: Contracts,
    registered: set[tuple[str, int]],
    has_old_bytes: Callable[[str, int], bool],
) -> list[str]:
    """Every broken rule, in words: `current` contracts against the `pins`, with the
    upcasters `registered` and the old bytes there are."""
    found = []
    for topic, pin in sorted(pins.items()):
        now = current.get(topic)
        if now is None:
            found.append(f"{topic}: pinned but gone: its stored events could not be read")
            continue
        if now["schema"] < pin["schema"]:
            found.append(f"{topic}: schema {now['schema']} is older than pinned {pin['schema']}")
        elif now["schema"] == pin["schema"] and not compatible(pin, now):
            found.append(f"{topic}: changed under schema {pin['schema']}: raise it, upcast")
        for schema in range(pin["schema"], now["schema"]):
            if (topic, schema) not in registered:
                found.append(f"{topic}: no upcaster from schema {schema}")
            elif not has_old_bytes(topic, schema):
                found.append(f"{topic}: no old bytes of schema {schema}")
    for topic, now in sorted(current.items()):
        if topic not in pins and now["schema"] != 1:
            found.append(f"{topic}: a new event starts at schema 1, not {now['schema']}")
    return found


def current_drift() -> list[str]:
    current = {topic: contract(cls) for topic, cls in peernet_events().items()}
    return drift(
        pinned(),
        current,
        set(upcasters()),
        lambda topic, schema: old_bytes(topic, schema).is_file(),
    )


def test_no_stored_event_drifted_from_its_pinned_contract() -> None:
    """Same schema, same fields and types; a new schema comes with its upcasters and
    old bytes; a new event starts at schema 1; no pinned event is gone."""
    problems = current_drift()
    if PIN and not problems:  # compatible additions are pinned too, with their defaults
        pins = {topic: contract(cls) for topic, cls in sorted(peernet_events().items())}
        PINS.write_text(json.dumps(pins, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    assert [] == problems


def test_every_event_peernet_stores_is_pinned() -> None:
    """The pins name every stored event (after a deliberate addition, pin it)."""
    assert sorted(peernet_events()) == sorted(pinned())


def test_every_upcaster_reads_the_stored_bytes_of_an_old_event() -> None:
    """For every upcaster of a peernet event, old bytes as an older peernet stored them
    (`contracts/old/<Event>.schema<N>.json`) decode through it to the event they stand
    for."""
    wrong = []
    for topic, schema in sorted(upcasters()):
        if topic not in peernet_events():
            continue  # a test's own event, with old bytes of its own (test_codec.py)
        path = old_bytes(topic, schema)
        if not path.is_file():
            wrong.append(f"{topic}: no old bytes at {path.name}")
            continue
        sample = json.loads(path.read_text(encoding="utf-8"))
        stored = StoredEvent(
            originator_id=UUID(sample["stream_id"]),
            originator_version=sample["version"],
            topic=topic,
            state=sample["state"].encode(),
        )
        decoded = PeerNetMapper().decode(stored)
        if sample["expected"] != json.loads(converter.dumps(decoded.event)):
            wrong.append(f"{topic}: {path.name} decodes to another event")

    assert [] == wrong


PIN_ONE: dict[str, Any] = {
    "schema": 1,
    "stream": "group_id",
    "fields": {"group_id": "UUID", "note": "str"},
    "defaults": [],
}


@pytest.mark.parametrize(
    ("current", "registered", "old", "expected"),
    [
        pytest.param(
            {"peernet.NoteTaken": {**PIN_ONE, "fields": {"group_id": "UUID", "note": "int"}}},
            set(),
            False,
            ["peernet.NoteTaken: changed under schema 1: raise it, upcast"],
            id="a type changed, same schema",
        ),
        pytest.param(
            {"peernet.NoteTaken": {**PIN_ONE, "schema": 2}},
            set(),
            False,
            ["peernet.NoteTaken: no upcaster from schema 1"],
            id="a new schema without an upcaster",
        ),
        pytest.param(
            {"peernet.NoteTaken": {**PIN_ONE, "schema": 2}},
            {("peernet.NoteTaken", 1)},
            False,
            ["peernet.NoteTaken: no old bytes of schema 1"],
            id="an upcaster without old bytes",
        ),
        pytest.param(
            {"peernet.NoteTaken": {**PIN_ONE, "schema": 2}},
            {("peernet.NoteTaken", 1)},
            True,
            [],
            id="a new schema, its upcaster and old bytes",
        ),
        pytest.param(
            {"peernet.NoteTaken": {**PIN_ONE, "fields": {**PIN_ONE["fields"], "by": "str"}}},
            set(),
            False,
            ["peernet.NoteTaken: changed under schema 1: raise it, upcast"],
            id="a new field without a default",
        ),
        pytest.param(
            {
                "peernet.NoteTaken": {
                    **PIN_ONE,
                    "fields": {**PIN_ONE["fields"], "by": "str"},
                    "defaults": ["by"],
                }
            },
            set(),
            False,
            [],
            id="a new field with a default: compatible",
        ),
        pytest.param(
            {
                "peernet.NoteTaken": {
                    **PIN_ONE,
                    "fields": {
                        **PIN_ONE["fields"],
                        "where": {
                            "union": [
                                "None",
                                {"record": "Place", "fields": {"at": "str"}, "defaults": []},
                            ]
                        },
                    },
                    "defaults": ["where"],
                }
            },
            set(),
            False,
            [],
            id="a new optional record with a default: compatible",
        ),
        pytest.param(
            {},
            set(),
            False,
            ["peernet.NoteTaken: pinned but gone: its stored events could not be read"],
            id="an event gone",
        ),
        pytest.param(
            {"peernet.NoteTaken": PIN_ONE, "peernet.NoteLost": {**PIN_ONE, "schema": 3}},
            set(),
            False,
            ["peernet.NoteLost: a new event starts at schema 1, not 3"],
            id="a new event at schema 3",
        ),
    ],
)
def test_the_checker_names_every_broken_rule(
    current: Contracts, registered: set[tuple[str, int]], old: bool, expected: list[str]
) -> None:
    """Each way a contract can drift is named by the checker the pins are held to."""
    found = drift({"peernet.NoteTaken": PIN_ONE}, current, registered, lambda *_: old)

    assert expected == found


def test_an_enum_is_pinned_by_its_values() -> None:
    """Renaming an enum's value changes what is stored: the contract holds the values."""

    class Colour(enum.Enum):
        RED = "red"

    assert {"enum": ["red"]} == describe(Colour)
