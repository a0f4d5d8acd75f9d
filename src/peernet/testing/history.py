"""History, when, then: peernet's real `decide` and `evolve` with no store at all, and two
checks on what a real `Network` recorded.

    situation = history(formed(GROUP, capacity=1), registered(A), registered(B), *joined(GROUP, A))
    assert [ApplicantWaitlisted(...)] == when(situation, ApplyForMembership(...))

`refused(situation, command)` returns the error a command raises (and fails the test if
it raises none); `after(situation, *commands)` decides and folds commands in turn.

This is the one module of `peernet.testing` that calls the pure core's entry points
(`peernet.domain.network`), so a change of their names is mended here.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from peernet.domain import network
from peernet.domain.common import Command, Event
from peernet.domain.errors import PeerNetError
from peernet.domain.situation import Situation
from peernet.records import Recorded

if TYPE_CHECKING:
    from peernet.application import Network


def history(*events: Event, situation: Situation = network.INITIAL) -> Situation:
    """The situation after `events`, folded in order with the real `evolve` (onto
    `situation`, when a test builds on one)."""
    return network.replay(*events, situation=situation)


def given(*events: Event, situation: Situation = network.INITIAL) -> Situation:
    """Deprecated alias of `history`, kept until 0.2 (it clashes with Hypothesis's `given`)."""
    return history(*events, situation=situation)


def situations(events: Sequence[Event]) -> Situation:
    """The situation `events` fold into (the same as `history`, for recorded histories)."""
    return history(*events)


def when(situation: Situation, command: Command) -> list[Event]:
    """The events the real `decide` records for `command` in `situation`."""
    return network.decide(situation, command)


def refused(situation: Situation, command: Command) -> PeerNetError:
    """The typed error `command` is refused with; an AssertionError if it is accepted."""
    try:
        events = network.decide(situation, command)
    except PeerNetError as error:
        return error
    raise AssertionError(f"{type(command).__name__} was accepted: {events}")


def after(situation: Situation, *commands: Command) -> Situation:
    """The situation after each command in turn is decided and its events folded; a
    refused command raises its error."""
    for command in commands:
        situation = history(*when(situation, command), situation=situation)
    return situation


# --- then: what a network recorded ---------------------------------------------------


def then_recorded(records: Iterable[Recorded]) -> list[Event]:
    """The events of `records` (what `Network.execute` returns), without their envelopes,
    to compare with the events a test expects."""
    return [r.event for r in records]


@contextmanager
def nothing_recorded(net: "Network") -> Iterator[None]:
    """Fail unless the block leaves the network's log exactly as long as it found it::

    with nothing_recorded(network), pytest.raises(CompetitorInGroup):
        network.execute(ApplyForMembership(...))
    """
    before = net.recorder.max_notification_id()
    yield
    now = net.recorder.max_notification_id()
    assert before == now, f"the log moved from position {before} to {now}"
