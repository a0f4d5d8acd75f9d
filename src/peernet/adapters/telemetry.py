"""Telemetry: a log line with structured fields for every command, query, catch-up and
rebuild, and OpenTelemetry spans with the same fields when an app asks for them.

Log lines go to the standard `logging` loggers of the modules that do the work
(``peernet.application.commands``, ``peernet.application.network``,
``peernet.application.replica``, ``peernet.adapters.readmodels``); their fields ride in
``extra=`` (``record.command``, ``record.events``, ``record.duration_ms``...), so a JSON
formatter or a log shipper reads them without parsing the message. Commands and rebuilds
log at INFO, refusals at INFO with the rule, catch-ups at DEBUG; queries log at DEBUG
while spans are on. peernet
never prints.

Spans are off by default and cost nothing then: `opentelemetry` is not imported until
`instrument()` is called (it needs the ``otel`` extra), queries are the plain methods
(their traced versions are put in place by `instrument()` and taken out by
`uninstrument()`), and a command, catch-up or rebuild checks one variable and whether
its logger listens. `instrument(tracer_provider=...)` turns them on, `uninstrument()` off.
Span names are ``peernet.command RegisterCompany``, ``peernet.query roster``,
``peernet.catch_up``, ``peernet.rebuild``; attributes are the log line's fields under
``peernet.`` (``peernet.command``, ``peernet.group_id``, ``peernet.events``...).
"""

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from uuid import UUID

import attrs

from peernet.domain.errors import PeerNetError

T = TypeVar("T")
Fields = Mapping[str, Any]

#: the tracer spans are made with, when on; empty while telemetry is off (the default)
tracers: list[Any] = []
#: what to call with True when spans are turned on, False when off (the facade swaps
#: its queries for traced ones, so a query pays nothing while telemetry is off)
switches: list[Callable[[bool], None]] = []


def on_switch(switch: Callable[[bool], None]) -> None:
    """Call `switch(on)` now and whenever spans are turned on or off."""
    switches.append(switch)
    switch(bool(tracers))


def instrument(tracer_provider: Any = None) -> None:
    """Wrap commands, queries, catch-ups and rebuilds in OpenTelemetry spans, from the
    given tracer provider (else OpenTelemetry's global one). Needs the ``otel`` extra."""
    try:
        from opentelemetry import trace  # noqa: PLC0415 - imported only when asked for
    except ImportError as error:
        raise ImportError("spans need OpenTelemetry: pip install 'peernet[otel]'") from error
    tracer = trace.get_tracer("peernet", tracer_provider=tracer_provider)
    tracers[:] = [tracer]
    for switch in switches:
        switch(True)


def uninstrument() -> None:
    """Stop making spans (log lines go on as the logging configuration says)."""
    tracers.clear()
    for switch in switches:
        switch(False)


def instrumented() -> bool:
    """Whether spans are being made."""
    return bool(tracers)


def ids_of(value: object) -> dict[str, str]:
    """The ids an attrs value (a command) names: each UUID field, by its name."""
    cls = type(value)
    if not attrs.has(cls):
        return {}
    return {
        field.name: str(found)
        for field in attrs.fields(cls)
        if isinstance(found := getattr(value, field.name), UUID)
    }


def _attribute(value: Any) -> Any:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_attribute(v) for v in value]
    return str(value)


def observe(
    logger: logging.Logger,
    kind: str,
    name: str,
    work: Callable[[], T],
    *,
    fields: Callable[[], Fields] = dict,
    after: Callable[[T], Fields] | None = None,
    level: int = logging.DEBUG,
) -> T:
    """Run `work`; log one line with `fields` (computed only when someone listens), the
    fields `after` reads from the result, and the duration; inside a span when
    instrumented. A refusal is logged with its rule and raised as it was."""
    listening = logger.isEnabledFor(level)
    if not listening and not tracers:
        return work()
    started = time.perf_counter()
    said: dict[str, Any] = {kind: name, **fields()}
    try:
        if tracers:
            span_name = f"peernet.{kind} {name}".rstrip()
            attributes = {f"peernet.{k}": _attribute(v) for k, v in said.items()}
            with tracers[0].start_as_current_span(span_name, attributes=attributes) as span:
                try:
                    result = work()
                except PeerNetError as error:
                    span.set_attribute("peernet.rule", error.rule)
                    raise
                if after is not None:
                    more = after(result)
                    said.update(more)
                    span.set_attributes({f"peernet.{k}": _attribute(v) for k, v in more.items()})
        else:
            result = work()
            if after is not None:
                said.update(after(result))
    except PeerNetError as error:
        said.update(rule=error.rule, duration_ms=_since(started))
        logger.log(max(level, logging.INFO), "%s %s refused: %s", kind, name, error, extra=said)
        raise
    said["duration_ms"] = _since(started)
    if listening:
        logger.log(level, "%s %s", kind, name, extra=said)
    return result


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
