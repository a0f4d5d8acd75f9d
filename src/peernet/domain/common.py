"""What every aggregate shares: the error family, territories, business time.

Pure: the standard library and attrs only. Nothing here reads a clock.
"""

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

import attrs


class PeerNetError(Exception):
    """Every error peernet raises on purpose derives from this one."""

    #: the rule or check that refused, in the domain's words (snake_case)
    rule: ClassVar[str] = "peernet"

    def __init__(self, message: str, **ids: object) -> None:
        super().__init__(message)
        self.message = message
        self.ids: dict[str, object] = ids

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process pools: rebuild from message and ids, whatever __init__ takes.
        return (_rebuild, (type(self), self.message, self.ids))


def _rebuild(cls: type[PeerNetError], message: str, ids: dict[str, object]) -> PeerNetError:
    error = cls.__new__(cls)
    PeerNetError.__init__(error, message, **ids)
    return error


class RuleViolation(PeerNetError):
    """A command broke a rule of the network or of a group's charter; nothing was recorded."""


class InvalidInput(PeerNetError):
    """A command or query was malformed or named something that does not exist."""


class InvalidValue(InvalidInput):
    """A field of a command holds a value no charter could accept (empty name, capacity 0...)."""

    rule = "valid_value"


class DateOutOfOrder(InvalidInput):
    """A command's business time lies before the last recorded event of what it touches."""

    rule = "business_time_moves_forward"

    def __init__(self, stream: str, stream_id: UUID, at: datetime, last: datetime) -> None:
        super().__init__(
            f"{stream} {stream_id} was last changed at {last.isoformat()}; "
            f"a command at {at.isoformat()} cannot come before it",
            stream_id=stream_id,
        )


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


def check_forward(stream: str, stream_id: UUID, at: datetime, last: datetime | None) -> None:
    """Refuse a command dated before the last change of a stream it touches."""
    if last is not None and at < last:
        raise DateOutOfOrder(stream, stream_id, at, last)


def _coerced(name: str, kind: Any, value: Any) -> Any:
    """`value` as the id or enum member a field declares, or InvalidValue."""
    if kind is UUID or kind == UUID | None:
        if value is None and kind is not UUID:
            return None
        if isinstance(value, UUID):
            return value
        try:
            return UUID(value)
        except (TypeError, ValueError, AttributeError):
            raise InvalidValue(f"{name} must be a UUID, got {value!r}", field=name) from None
    if isinstance(kind, enum.EnumMeta) and not isinstance(value, kind):
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in kind)  # type: ignore[var-annotated]
            raise InvalidValue(
                f"{name} must be one of {allowed}, got {value!r}", field=name
            ) from None
    return value


def coerce_fields(instance: Any) -> None:
    """Turn id text into UUIDs and enum values into members, so a command holds only what
    its annotations say (a frozen attrs class, so set through object.__setattr__)."""
    for field in attrs.fields(type(instance)):
        value = getattr(instance, field.name)
        coerced = _coerced(field.name, field.type, value)
        if coerced is not value:
            object.__setattr__(instance, field.name, coerced)


@attrs.frozen(kw_only=True)
class Command:
    """What every command carries: who asks, when it happens in the business, and an
    optional id that makes executing it twice record it once. Ids may be given as UUIDs
    or their text, enums as members or their values; anything else is InvalidValue."""

    actor: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(converter=aware)
    command_id: UUID | None = None

    def __attrs_post_init__(self) -> None:
        coerce_fields(self)


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
