"""Every query of the facade logged and traced, said once: `traced_queries` wraps each
public method of the query parts (`Reading` and what derives from it) in
`peernet.adapters.telemetry.observe`, named for the method, with the ids it was given.
A query added to a part later is wrapped too. Queries that return a stream (`recorded`,
`trail`...) are left as they are: their work happens as the caller reads."""

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
    """Wrap every public query of `cls`'s query parts (see the module's docstring)."""
    for part in reversed(cls.__mro__):
        if part is Reading or not (isinstance(part, type) and issubclass(part, Reading)):
            continue
        if part is cls:
            continue
        for name, member in vars(part).items():
            if name.startswith("_") or not inspect.isfunction(member) or _streams(member):
                continue
            setattr(cls, name, _wrap(name, member))
    return cls
