"""The converter: how peernet's values become JSON-ready data and back (cattrs, with
orjson's conventions), and `parse`, which turns text and JSON values into commands at the
edge. `peernet.adapters.codec` writes events with it; the command line prints with it."""

import enum
import functools
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar, get_origin
from uuid import UUID, SafeUUID

import attrs
from cattrs import transform_error
from cattrs.gen import make_dict_unstructure_fn, override
from cattrs.preconf.orjson import make_converter

from peernet.domain.common import Forgotten
from peernet.domain.errors import InvalidValue, PeerNetError

_UNKNOWN = SafeUUID.unknown  # looked up once: an enum member's lookup costs a call


def _uuid(text: str) -> UUID:
    """`UUID(text)`, made without `UUID.__init__`'s general parsing for the two forms a
    store holds (32 hex digits, or 36 characters dashed); other text goes through `UUID`."""
    if len(text) == 36 and text[8] == text[13] == text[18] == text[23] == "-":
        digits = text.replace("-", "")
    elif len(text) == 32:
        digits = text
    else:
        return UUID(text)
    if len(digits) != 32:
        return UUID(text)
    made = object.__new__(UUID)
    object.__setattr__(made, "int", int(digits, 16))  # ValueError, as UUID says
    object.__setattr__(made, "is_safe", _UNKNOWN)
    return made


#: a UUID from its text, the last few thousand kept: a log names the same groups,
#: companies and streams over and over, and making a UUID costs more than finding it
uuid_of_text = functools.lru_cache(maxsize=8192)(_uuid)


def as_uuid(value: Any) -> UUID:
    """The UUID `value` stands for (text, as stored), refused as `UUID` refuses it."""
    return uuid_of_text(value) if type(value) is str else UUID(value)


converter = make_converter()
converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(Decimal, lambda value, _: Decimal(value))
converter.register_structure_hook(
    UUID, lambda value, _: uuid_of_text(value) if type(value) is str else UUID(value)
)
converter.register_structure_hook(datetime, lambda value, _: datetime.fromisoformat(value))
converter.register_structure_hook(date, lambda value, _: date.fromisoformat(value))
converter.register_unstructure_hook(Fraction, str)
converter.register_structure_hook(Fraction, lambda value, _: Fraction(value))


def _as_is(kind: type[Any]) -> Callable[[Any, Any], Any]:
    """The store's structure hook for `kind`, taking a value already of that kind as is."""
    read = converter.get_structure_hook(kind)

    def structure(value: Any, declared: Any) -> Any:
        return value if isinstance(value, kind) else read(value, declared)

    return structure


#: the converter of the edge (`parse`): the store's, also taking values already of their
#: type (an app's UUIDs, datetimes, Decimals) as they are
edge = converter.copy()
for _kind in (UUID, datetime, date, Decimal, Fraction):
    edge.register_structure_hook(_kind, _as_is(_kind))


def _is_frozenset(type_: Any) -> bool:
    """Sets are written sorted, so the same event always has the same bytes. Matched by
    predicate: fields say `frozenset[str]`, which a hook for bare `frozenset` misses."""
    return type_ is frozenset or get_origin(type_) is frozenset


converter.register_unstructure_hook_func(_is_frozenset, sorted)


def _attrs_hook(cls: type[Any]) -> Callable[[Any], Any]:
    """cattrs' own hook for an attrs class, except that a forgotten value (`FORGOTTEN`,
    in a field of any type) unstructures as the text "forgotten", and a field marked
    ``metadata={"omit_if_default": True}`` (a parameter added later) is left out while it
    holds its default, so values stored before it keep their bytes."""
    later: dict[str, Any] = {
        a.name: override(omit_if_default=True)
        for a in attrs.fields(cls)
        if a.metadata.get("omit_if_default")
    }
    made = make_dict_unstructure_fn(cls, converter, **later)

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
        return edge.structure(dict(data), cls)
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


#: the converter that reads stored events back (`peernet.adapters.codec`): the store's,
#: without cattrs' detailed validation, which gathers every fault of a value at a cost
#: to every value read; a stored event that does not structure is refused whole anyway
reading = converter.copy(detailed_validation=False)
