"""What every projection shares: the fact it folds, the protocol it follows, the fold.

A projection is a pure fold, ``project(view, fact) -> view``, over the network's log in
order. It is *keyed*: `key(fact)` names the view a fact changes (a group's id), so a
catch-up loads, folds and writes only the views the new events touch, and a network-wide
figure combines the views of every key.

A `Fact` is an event as the store holds it: its position in the log, its event class and
its fields as plain JSON values. Projections fold facts rather than decoded events because a
rebuild reads every event of the network and decoding each into its attrs class costs
several times more than the fold itself (docs/projections.md measures it).
`peernet.adapters.readmodels.fact_of` turns a decoded `Recorded` into the same fact.

Pure: no I/O, no clock. Views are frozen attrs classes; a fold returns a new view and
never changes the one it was given.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import attrs

from peernet.domain.common import Event

V = TypeVar("V")


@attrs.frozen
class Fact:
    """One recorded event, as stored: position in the log, the event's class (e.g.
    `MemberResigned`) and its fields as JSON values (ids and times as text)."""

    position: int
    kind: type[Event]
    data: Mapping[str, Any]

    def as_stored(self, *names: str) -> dict[str, Any]:
        """The fields `names` as the store holds them (ids as text), to open a view with."""
        return {name: self.data[name] for name in names}


class Projection(Protocol, Generic[V]):
    """A keyed, pure fold. Raise `version` whenever `project` or the view's shape
    changes: the persisted copy is then rebuilt from the first event."""

    name: ClassVar[str]
    version: ClassVar[int]
    #: the event classes the fold reads; every other fact leaves every view as it is
    events: ClassVar[frozenset[type[Event]]]
    #: the view's class, to read a persisted view back
    view_type: ClassVar[type[Any]]

    def key(self, fact: Fact) -> str | None:
        """The key of the view `fact` changes, or None when it changes none."""
        ...

    def project(self, view: V | None, fact: Fact) -> V | None:
        """The view after `fact` (None: no view for this key yet)."""
        ...


class KeyedBy:
    """The `key` of a projection whose views are each named by one field every fact it
    reads carries: a group's, a goal's, a meeting's or a company's id."""

    #: the field of a fact that names the view it changes
    key_field: ClassVar[str]

    def key(self, fact: Fact) -> str | None:
        key: str = fact.data[self.key_field]
        return key


_CHANGERS: dict[type[Any], Callable[[Any, dict[str, Any]], Any]] = {}


def _changer(cls: type[Any]) -> Callable[[Any, dict[str, Any]], Any]:
    """A function copying a view of `cls` with changes, generated once for the class (as
    attrs generates its own methods): one line a field, no ``__init__`` to call. A view
    class that checks or converts a field, or sets one in no argument, is refused."""
    fields = attrs.fields(cls)
    if hasattr(cls, "__attrs_post_init__") or any(
        f.validator or f.converter or not f.init or f.alias != f.name for f in fields
    ):
        raise TypeError(f"{cls.__name__} checks or converts its fields: use attrs.evolve")
    lines = ["def change(view, c):", "    if not c.keys() <= _names:", "        raise _unknown(c)"]
    lines += ["    made = _new(_cls)"]
    lines += [f"    _set(made, {f.name!r}, c.get({f.name!r}, view.{f.name}))" for f in fields]
    lines.append("    return made")
    names = {f.name for f in fields}
    scope: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__, "_cls": cls}
    scope.update(_names=names, _unknown=lambda c: TypeError(f"{cls.__name__} has no {c}"))
    exec("\n".join(lines), scope)  # noqa: S102 - source made here from attrs field names
    change: Callable[[Any, dict[str, Any]], Any] = scope["change"]
    _CHANGERS[cls] = change
    return change


def changed(view: V, **changes: Any) -> V:
    """`view` with `changes`, as `attrs.evolve` makes it, in a quarter of its time: a
    rebuild makes a new view for nearly every event it folds, and a view has nothing for
    ``__init__`` to check or convert (`_changer` makes sure of it)."""
    change = _CHANGERS.get(type(view)) or _changer(type(view))
    made: V = change(view, changes)
    return made


def fold(projection: "Projection[V]", facts: Iterable[Fact]) -> dict[str, V]:
    """Every view `facts` fold into, by key: the reference a persisted copy must equal."""
    views: dict[str, V] = {}
    for fact in facts:
        if fact.kind not in projection.events:
            continue
        key = projection.key(fact)
        if key is None:
            continue
        view = projection.project(views.get(key), fact)
        if view is not None:
            views[key] = view
    return views
