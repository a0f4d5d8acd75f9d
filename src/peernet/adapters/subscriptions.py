"""Subscriptions to the log of the store, on every backend.

peernet records through eventsourcing's *process* recorders (`POPOProcessRecorder`,
`SQLiteProcessRecorder`, `PostgresProcessRecorder`): the same tables as the application
recorders, plus ``insert_events(events, tracking=...)``, which writes a follower's tracked
position in the same transaction as the events its handler decided (see
`peernet.application.followers`).

eventsourcing's memory and PostgreSQL recorders can be subscribed to (an iterator that
blocks at the end of the log and goes on when events are recorded; PostgreSQL wakes its
subscribers with LISTEN/NOTIFY, across processes). Its SQLite recorder cannot: SQLite has
no notifications between processes. `subscribe` gives SQLite a `SQLiteSubscription`, on
eventsourcing's listen-and-pull subscription: woken at once by writes of the same process
(`wrote`, which the command side calls after each write) and, for other processes'
writes, every `POLL` seconds.
"""

import threading
import weakref
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import (
    ApplicationRecorder,
    ListenNotifySubscription,
    Subscription,
)
from eventsourcing.popo import POPOApplicationRecorder, POPOSubscription
from eventsourcing.sqlite import SQLiteApplicationRecorder

#: how often a SQLite subscriber looks for events written by other processes (seconds)
POLL = 0.05

#: the subscribers to wake, by the SQLite store (datastore) they follow
_LISTENERS: "weakref.WeakKeyDictionary[object, set[threading.Event]]" = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def subscribe(recorder: ApplicationRecorder, gt: int | None = None) -> Subscription[Any]:
    """An iterator of the events recorded after `gt`, which blocks at the end of the log
    and goes on as events are recorded (eventsourcing's, or a `SQLiteSubscription`)."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return SQLiteSubscription(recorder, gt=gt)
    if isinstance(recorder, POPOApplicationRecorder):
        return MemorySubscription(recorder, gt=gt)
    return recorder.subscribe(gt=gt)


def wrote(recorder: ApplicationRecorder) -> None:
    """Wake this process's subscribers of the store `recorder` writes to."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        with _GUARD:
            for listener in _LISTENERS.get(recorder.datastore, ()):
                listener.set()


class Polling(ListenNotifySubscription[Any]):
    """A listen-and-pull subscription that also pulls every `POLL` seconds, whether or
    not it was woken (call `poll()` once the subscription is set up)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # set before the pull thread starts: it may stop the subscription at once
        self._stopping = threading.Event()
        self._ticker: threading.Thread | None = None
        super().__init__(*args, **kwargs)

    def poll(self) -> None:
        self._ticker = threading.Thread(target=self._tick, name="peernet-poll", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        while not self._stopping.wait(POLL):
            self._has_been_notified.set()

    def stop(self) -> None:
        self._stopping.set()
        super().stop()

    def __exit__(self, *args: object, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            if self._ticker not in (None, threading.current_thread()):
                self._ticker.join()


class MemorySubscription(Polling, POPOSubscription):
    """eventsourcing's memory subscription, polling too: it starts pulling before it
    listens, so an event recorded in between would otherwise wait for the next write."""

    def __init__(
        self, recorder: POPOApplicationRecorder, gt: int | None = None, topics: Sequence[str] = ()
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self.poll()


class SQLiteSubscription(Polling):
    """eventsourcing's listen-and-pull subscription on SQLite: woken by this process's
    writes (`wrote`) and, for other processes' writes, every `POLL` seconds."""

    def __init__(
        self, recorder: SQLiteApplicationRecorder, gt: int | None = None, topics: Sequence[str] = ()
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        with _GUARD:
            _LISTENERS.setdefault(recorder.datastore, set()).add(self._has_been_notified)
        self.poll()

    def stop(self) -> None:
        super().stop()
        with _GUARD:
            _LISTENERS.get(self._recorder.datastore, set()).discard(self._has_been_notified)
