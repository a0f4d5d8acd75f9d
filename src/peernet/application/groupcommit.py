"""Group commit: callers that arrive together share one commit, as databases do it
(PostgreSQL's commit_delay, the leader/follower pattern), without its timer.

A caller queues its item. When nobody is leading, it leads: it takes every item queued
meanwhile (up to `limit`, its own first) and runs them as one group; the others, its
followers, sleep until their own outcome is set. When the group is done, the leader
hands the lead to the first caller still queued, if any, and returns. So a lone caller
never waits for company (it leads a group of one at once), and a group is just whatever
queued while the group before it ran: the slower a commit, the larger the next group,
which is what makes a durable commit's fsync worth sharing.

Each item keeps its own outcome: the group's work answers each one with its result or
with the error meant for that caller only; a failure of the work as a whole (it raised)
reaches every caller of that group, and no other.

The queue is peernet's own: `queue.Queue` or `concurrent.futures` hand each item to one
consumer, while here the consumer is whichever caller comes first, and it must take
every item waiting at once.
"""

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

log = logging.getLogger(__name__)

I = TypeVar("I")  # noqa: E741 - the item a caller queues, beside R its result
R = TypeVar("R")


class _Turn(Generic[I, R]):
    """One caller's place in the queue: its item, and its outcome once set."""

    __slots__ = ("done", "error", "item", "result", "woken")

    def __init__(self, item: I) -> None:
        self.item = item
        #: a follower's: set when its outcome is in, or the lead is handed to it (a
        #: leader never sleeps, so a lone caller makes none)
        self.woken: threading.Event | None = None
        self.done = False
        self.result: R | None = None
        self.error: BaseException | None = None

    def settle(self, outcome: "R | BaseException") -> None:
        if isinstance(outcome, BaseException):
            self.error = outcome
        else:
            self.result = outcome
        self.done = True
        if self.woken is not None:
            self.woken.set()

    def answer(self) -> R:
        if self.error is not None:
            raise self.error
        return cast(R, self.result)


class GroupCommit(Generic[I, R]):
    """Runs the items of concurrent callers in groups, one group at a time.

    `work(items)` answers each item of a group, in order, with its result or the
    exception its caller raises; `limit`: the most items one group carries."""

    def __init__(self, work: Callable[[list[I]], Sequence["R | Exception"]], limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a group carries at least one item, not {limit}")
        self.work = work
        self.limit = limit
        self._mutex = threading.Lock()  # guards the queue and the lead, held only briefly
        self._queue: list[_Turn[I, R]] = []
        self._leading = False

    @property
    def waiting(self) -> int:
        """How many callers are queued for the next group."""
        with self._mutex:
            return len(self._queue)

    def submit(self, item: I) -> R:
        """`item`'s result, run alone or in a group with the items queued beside it."""
        turn: _Turn[I, R] = _Turn(item)
        with self._mutex:
            self._queue.append(turn)
            if self._leading:
                turn.woken = threading.Event()
            self._leading = True
        if turn.woken is not None:
            try:
                turn.woken.wait()
            except BaseException:
                self._abandon(turn)
                raise
            if turn.done:
                return turn.answer()
            # else the lead was handed to this caller: its item is first in the queue
        self._lead()
        return turn.answer()

    def _lead(self) -> None:
        """Run one group (the leader's own item first), then hand the lead on."""
        with self._mutex:
            group, self._queue[: self.limit] = self._queue[: self.limit], []
        try:
            self._run(group)
        finally:
            with self._mutex:
                self._pass_lead()

    def _pass_lead(self) -> None:
        """Under the mutex: wake the first caller waiting, to lead (it queued while a
        group ran, so it sleeps on an event of its own), else nobody leads."""
        if self._queue:
            first = self._queue[0].woken
            assert first is not None
            first.set()
        else:
            self._leading = False

    def _abandon(self, turn: _Turn[I, R]) -> None:
        """A waiting caller was interrupted (Ctrl-C in the main thread): its item leaves
        the queue unrun, and a lead already handed to it passes on, so that nobody
        waits for a leader that will never come. An item already taken into a running
        group runs; its answer goes unread."""
        with self._mutex:
            if turn not in self._queue:
                return
            handed = self._queue[0] is turn and turn.woken is not None and turn.woken.is_set()
            self._queue.remove(turn)
            if handed:
                self._pass_lead()

    def _run(self, group: list[_Turn[I, R]]) -> None:
        """Settle every turn of `group`: with its own outcome, else with the error that
        stopped the work (whatever it was: no follower is left waiting)."""
        if len(group) > 1:
            log.debug("a group of %d in one commit", len(group))
        try:
            outcomes = list(self.work([turn.item for turn in group]))
            if len(outcomes) != len(group):
                raise AssertionError(f"{len(outcomes)} outcomes for a group of {len(group)}")
        except BaseException as error:
            for turn in group:
                turn.settle(error)
            return
        for turn, outcome in zip(group, outcomes, strict=True):
            turn.settle(outcome)
