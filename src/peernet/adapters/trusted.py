"""Building events read back from the store: one generated function per event class.

An event in the store was built, converted and validated when its command recorded it,
and its bytes are sealed by the stream's hash chain. Building it again through cattrs
and the class's ``__init__`` spends most of a read on work done once already: keyword
arguments, a hook called with the field's type, `aware` on a time that is UTC already.
`reader(cls)` gives a function, generated once per class as attrs and cattrs generate
theirs, that sets each field of a new instance from its stored value:

- ids and the business time (`at`) are made by strict hooks: text that is no UUID, an
  `at` without a timezone, a missing field are refused as `reading.structure` refuses
  them (the codec turns the error into `UnreadableEvent`); an `at` in another timezone
  is made UTC, as `aware` would; other times (a deadline) keep their offset, as the
  converter keeps it;
- every other value (enums, amounts, nested values such as a goal's target or a group's
  charter) goes through the store's converter, so nested values are still built and
  validated by their own classes;
- the event's own validators are not run: they check what a command says (a name not
  empty), and the store holds what such a check let through.

A class this does not know how to build (a field set by no argument, a
``__attrs_post_init__``, a converter other than `aware`) is built by the converter, as
before. `peernet.adapters.codec` uses it for every stored event it decodes; docs/performance.md
measures what it saves. ``attrs.validators.set_disabled`` would do the same for every
thread at once, commands included, so it is not used.
"""

import functools
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import attrs

from peernet.adapters.convert import reading, uuid_of_text
from peernet.domain.common import aware

T = TypeVar("T")

#: the converter of every event's business time, `at`
_AWARE: object = aware


def stored_time(value: Any) -> datetime:
    """A stored time (ISO text with its offset), in UTC; refused without a timezone."""
    made = datetime.fromisoformat(value)
    return made if made.tzinfo is UTC else aware(made)


def _hook(field: "attrs.Attribute[Any]") -> Callable[[Any], Any]:
    """The one-argument function that makes `field` from its stored value: as the store's
    converter and the field's own converter would, together."""
    kind = field.type
    if field.converter is _AWARE:
        return stored_time  # the business time: made UTC, as `aware` makes it
    if kind is UUID:
        return uuid_of_text  # text, as stored; other values are refused (TypeError)
    if kind is datetime:
        return datetime.fromisoformat  # any other time keeps the offset it was given
    if kind == UUID | None:
        return _optional_uuid
    structure = reading.get_structure_hook(kind)
    return functools.partial(_call, structure, kind)


def _optional_uuid(value: Any) -> UUID | None:
    return None if value is None else uuid_of_text(value)


def _call(structure: Callable[[Any, Any], Any], kind: Any, value: Any) -> Any:
    return structure(value, kind)


def _buildable(cls: type[Any]) -> bool:
    """Whether setting each field from its stored value builds `cls` as ``__init__`` would."""
    return not hasattr(cls, "__attrs_post_init__") and all(
        field.init
        and field.alias == field.name
        and not getattr(field.default, "takes_self", False)
        and (field.converter is None or (field.converter is _AWARE and field.type is datetime))
        for field in attrs.fields(cls)
    )


def _generate(cls: type[Any]) -> Callable[[dict[str, Any]], Any]:
    """The source of a reader of `cls`, compiled: one line a field."""
    names: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__, "_cls": cls}
    lines = ["def read(o):", "    self = _new(_cls)"]
    for i, field in enumerate(attrs.fields(cls)):
        names[f"_h{i}"] = _hook(field)
        value = f"_h{i}(o[{field.name!r}])"
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]  # a class at runtime
            names[f"_f{i}"] = field.default.factory
            value = f"{value} if {field.name!r} in o else _f{i}()"
        elif field.default is not attrs.NOTHING:
            names[f"_d{i}"] = field.default
            value = f"{value} if {field.name!r} in o else _d{i}"
        lines.append(f"    _set(self, {field.name!r}, {value})")
    lines.append("    return self")
    exec("\n".join(lines), names)  # noqa: S102 - source made here from attrs field names
    read: Callable[[dict[str, Any]], Any] = names["read"]
    return read


# Weak: a class defined for a while (a test's event) is not kept alive by the cache.
_READERS: "weakref.WeakKeyDictionary[type[Any], Callable[[dict[str, Any]], Any]]" = (
    weakref.WeakKeyDictionary()
)


def reader(cls: type[T]) -> Callable[[dict[str, Any]], T]:
    """A function building `cls` from its stored fields (made once per class)."""
    found = _READERS.get(cls)
    if found is None:
        buildable = attrs.has(cls) and _buildable(cls)
        found = _generate(cls) if buildable else functools.partial(reading.structure, cl=cls)
        _READERS[cls] = found
    return found
