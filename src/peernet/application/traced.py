"""Every query of the facade traced when telemetry is on, said once: `traced_queries`
wraps each public method of the query parts (`Reading` and what derives from it) in
`peernet.adapters.telemetry.observe`, named for the method, with the ids it was given, and
puts the wrapped methods in place only while spans are on (`telemetry.instrument`); off,
a query is the plain method and pays nothing. A query added to a part later is wrapped
too. Queries that return a stream (`recorded`, `trail`...) are left as they are: their
work happens as the caller reads."""

import collections.abc
import functools
import inspect
import logging
import typing
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from peernet.adapters import telemetry
from peernet.application.reading import Reading

log = logging.getLogger("peernet.application.network")

C = TypeVar("C", bound=type)


def _streams(method: Callable[..., Any]) -> bool:
    """Whether a method returns an iterator (read lazily, so not timed by its call)."""
    if inspect.isgeneratorfunction(method):
        return True
    returns = typing.get_type_hints(method).get("return")
    origin = typing.get_origin(returns) or returns
    return origin in (collections.abc.Iterator, collections.abc.Iterable)


def _wrap(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    parameters = list(inspect.signature(method).parameters)[1:]

    def fields(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        given = dict(zip(parameters, args, strict=False)) | kwargs
        return {k: str(v) for k, v in given.items() if isinstance(v, UUID)}

    @functools.wraps(method)
    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        return telemetry.observe(
            log,
            "query",
            name,
            lambda: method(self, *args, **kwargs),
            fields=lambda: fields(args, kwargs),
        )

    return query


def traced_queries(cls: C) -> C:
    """Trace every public query of `cls`'s query parts while spans are on (see above)."""
    plain: dict[str, Callable[..., Any]] = {}
    for part in reversed(cls.__mro__):
        if part is Reading or part is cls or not issubclass(part, Reading):
            continue
        for name, member in vars(part).items():
            if name.startswith("_") or not inspect.isfunction(member) or _streams(member):
                continue
            plain[name] = member
    traced = {name: _wrap(name, method) for name, method in plain.items()}

    def switch(on: bool) -> None:
        for name, method in (traced if on else plain).items():
            setattr(cls, name, method)

    telemetry.on_switch(switch)
    return cls
