"""What every aggregate shares: the error family, territories, business time.

Pure: the standard library and attrs only. Nothing here reads a clock.
"""

import enum
import types
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

import attrs

from peernet.domain.errors import DateOutOfOrder, InvalidValue


def aware(value: datetime) -> datetime:
    """attrs converter: business and recording times are timezone-aware, kept in UTC."""
    if not isinstance(value, datetime):
        raise InvalidValue(f"expected a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(f"time {value.isoformat()} has no timezone; pass an aware datetime")
    return value.astimezone(UTC)


def non_empty(instance: Any, attribute: "attrs.Attribute[str]", value: str) -> None:
    """attrs validator: a name or label must say something."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{attribute.name} must not be empty", field=attribute.name)


def at_least(minimum: int) -> Callable[[Any, "attrs.Attribute[int]", int], None]:
    """attrs validator factory: an integer no smaller than `minimum`."""

    def check(instance: Any, attribute: "attrs.Attribute[int]", value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InvalidValue(
                f"{attribute.name} must be a whole number of at least {minimum}, got {value!r}",
                field=attribute.name,
            )

    return check


def _country(value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue("a territory names its country")
    return value.strip().upper()


def _region(value: str | None) -> str | None:
    return value.strip().casefold() if value and value.strip() else None


@attrs.frozen
class Territory:
    """Where a company sells: a country, and optionally a region or metro inside it.

    A territory without a region covers the whole country, so it overlaps every region
    of that country.
    """

    country: str = attrs.field(converter=_country)
    region: str | None = attrs.field(default=None, converter=_region)

    def overlaps(self, other: "Territory") -> bool:
        if self.country != other.country:
            return False
        return self.region is None or other.region is None or self.region == other.region

    def __str__(self) -> str:
        return f"{self.country}/{self.region}" if self.region else self.country


def months_after(start: datetime, months: int) -> datetime:
    """The same day `months` later (clamped to the month's last day)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in range(start.day, 27, -1):
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return start.replace(year=year, month=month, day=min(start.day, 28))


class Stream(Protocol):
    """What every aggregate's state has: its id and the business time of its last event."""

    @property
    def id(self) -> UUID: ...

    @property
    def last_at(self) -> datetime: ...


def check_forward(state: Stream, at: datetime) -> None:
    """Refuse a command dated before the last change of a stream it touches."""
    if at < state.last_at:
        kind = type(state).__name__.lower()
        raise DateOutOfOrder(stream=kind, stream_id=state.id, at=at, last=state.last_at)


def _expected(kind: Any) -> tuple[type, ...] | None:
    """The classes a field of declared type `kind` must hold, when peernet checks it: ids
    and enums (text is parsed into them at the edge, never here)."""
    optional = False
    if isinstance(kind, types.UnionType):
        parts = [k for k in kind.__args__ if k is not type(None)]
        optional = len(parts) < len(kind.__args__)
        if len(parts) != 1:
            return None
        kind = parts[0]
    if kind is UUID or isinstance(kind, enum.EnumMeta):
        return (kind, type(None)) if optional else (kind,)
    return None


_CHECKS: dict[type, tuple[tuple[str, tuple[type, ...]], ...]] = {}


def check_types(instance: Any) -> None:
    """Refuse a value of the wrong kind in an id or enum field (text where a UUID is
    declared...) with one line naming the field. Parsing text into ids and enums is the
    edge's job (`peernet.parse`, the command line), not the domain's."""
    cls = type(instance)
    checks = _CHECKS.get(cls)
    if checks is None:
        found = ((f.name, _expected(f.type)) for f in attrs.fields(cls))
        checks = _CHECKS[cls] = tuple((name, kinds) for name, kinds in found if kinds)
    for name, kinds in checks:
        value = getattr(instance, name)
        if not isinstance(value, kinds):
            raise InvalidValue(
                f"{name} must be a {kinds[0].__name__}, got {value!r}; "
                "parse text with peernet.parse",
                field=name,
            )


@attrs.frozen(kw_only=True)
class Command:
    """What every command carries: who asks, when it happens in the business, and an
    optional id that makes executing it twice record it once. Ids are UUIDs and enums
    their members (`peernet.parse` turns text into them); anything else is InvalidValue.

    `acting_for` names the member company the actor acts for (its representative, its
    CFO): the actor's name is then that company's personal data, sealed under its key
    and forgotten with it. None (the default): the actor is a person or role of the
    network office, or a rule, and is recorded in the clear."""

    actor: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(converter=aware)
    command_id: UUID | None = None
    acting_for: UUID | None = None

    def __attrs_post_init__(self) -> None:
        check_types(self)


E = TypeVar("E", bound="Event")
_CARRIED: dict[tuple[type, type], tuple[str, ...]] = {}


def carry(event_type: type[E], command: "Command", **fields: Any) -> E:
    """An `event_type` recording `command`: every field the two share by name (`at`,
    the ids, the values the command states) carried over, and `fields` for the rest
    or instead (what the rule decided)."""
    key = (event_type, type(command))
    shared = _CARRIED.get(key)
    if shared is None:
        own = attrs.fields_dict(type(command))
        shared = _CARRIED[key] = tuple(f for f in attrs.fields_dict(event_type) if f in own)
    carried = {name: getattr(command, name) for name in shared if name not in fields}
    return event_type(**carried, **fields)


@attrs.frozen(kw_only=True)
class Event:
    """What every event carries: when it happened in the business.

    `home` names the field whose value is the id of the stream the event is recorded in.
    Who did it, when it was recorded and under which command are kept beside the event
    in its record (`peernet.Recorded`), not in it.
    """

    home: ClassVar[str]
    at: datetime = attrs.field(converter=aware)

    def stream(self) -> tuple[str, UUID]:
        """The kind of stream the event is recorded in (the field naming its id) and its id."""
        stream_id: UUID = getattr(self, self.home)
        return self.home, stream_id


# --- confidential fields ----------------------------------------------------------------

#: the attrs metadata key that marks a field confidential: `metadata={"confidential": True}`.
#: Every event holding such a field (itself or in a nested attrs value) carries `company_id`,
#: the company whose key encrypts it at rest (see docs/confidentiality.md).
CONFIDENTIAL = "confidential"


class Forgotten(str):
    """The value of a confidential field whose company was forgotten: its key is gone, so
    what was written cannot be read. A `str` (it reads "forgotten"), so a name or a
    contact shows as such; a forgotten collection holds only this value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "FORGOTTEN"


FORGOTTEN = Forgotten("forgotten")


def is_forgotten(value: object) -> bool:
    """Whether a field's value is what a forgotten company left: `FORGOTTEN`, or a
    collection holding only it."""
    if isinstance(value, Forgotten):
        return True
    if isinstance(value, tuple | list | frozenset | set) and value:
        return all(isinstance(v, Forgotten) for v in value)
    return False


def forgotten_value(kind: Any) -> Any:
    """What a forgotten field of declared type `kind` holds: `FORGOTTEN`, or a collection
    of it for a collection type."""
    origin = getattr(kind, "__origin__", None)
    if origin in (tuple, list, frozenset, set):
        return origin((FORGOTTEN,))
    return FORGOTTEN


def is_confidential(field: "attrs.Attribute[Any]") -> bool:
    return bool(field.metadata.get(CONFIDENTIAL))


def forget(value: Any) -> Any:
    """`value` (an attrs instance) with every confidential field, nested ones too, set to
    what a forgotten company leaves (`forgotten_value`). Validators are bypassed: the
    sentinel need not satisfy them. Values without confidential fields come back as is."""
    if not attrs.has(type(value)):
        return value
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(value)):
        held = getattr(value, field.name)
        if is_confidential(field):
            changes[field.name] = forgotten_value(field.type)
        elif attrs.has(type(held)) and (blank := forget(held)) is not held:
            changes[field.name] = blank
    if not changes:
        return value
    copy = object.__new__(type(value))
    for field in attrs.fields(type(value)):
        object.__setattr__(copy, field.name, changes.get(field.name, getattr(value, field.name)))
    return copy
