"""Followers: an app's handler of recorded events, fed each event once, in log order, from
a position the store keeps.

A follower has a name, a handler (a function of a `Recorded`) and optional filters (event
classes, groups). Its position is an eventsourcing tracking record named
``peernet.follower/<name>``, in the network's own store. For each event after it:

- the handler returns nothing: the position moves past the event, alone; such positions
  are written together, at most `FLUSH` seconds apart (and when the follower stops or
  stops on an error), so a follower costs the writers next to nothing;
- the handler returns commands: they are executed, and the position is written in the
  same transaction as the last one's events (eventsourcing's
  ``ProcessRecorder.insert_events(events, tracking=...)``). With several, each carries a
  command id made from the follower, the event and its place, so a re-run after a crash
  records none of them twice (the command ledger);
- the handler raises, or a command it returns is refused: the follower stops at that
  event with `FollowerStopped` naming it, writes nothing for it, and starts there again
  the next time it runs. Nothing is skipped.

So what a handler writes to peernet is written exactly once, across restarts and
crashes (kill -9 included). What it does outside (an e-mail) happens at least once: a
crash after the mail and before the position was written (up to `FLUSH` seconds of
events that wrote nothing) sends it again when the follower resumes.

At most one runner of a name works at a time (`peernet.adapters.leases`: a lock on
memory, a file lock on SQLite, an advisory lock on PostgreSQL): run one follower per
process, in as many processes as you like; the others stand by and take over when the
runner stops or dies. A running follower is fed by eventsourcing's subscriptions
(PostgreSQL LISTEN/NOTIFY; on SQLite, writes of the same process wake it at once and
other processes' writes within `POLL` seconds).
"""

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.persistence import Notification, Subscription, Tracking

from peernet.adapters import subscriptions, telemetry
from peernet.adapters.codec import event_types
from peernet.adapters.errors import FollowerStopped
from peernet.adapters.leases import Lease
from peernet.application.commands import AlreadyTracked, CommandSide
from peernet.application.replica import LEDGER_TOPIC
from peernet.application.store import Store
from peernet.domain.common import Command, Event
from peernet.domain.errors import InvalidValue, PeerNetError
from peernet.records import Recorded

log = logging.getLogger(__name__)

#: a follower's position is the tracking record named this prefix and its name
TRACKING = "peernet.follower/"
_COMMAND_IDS = uuid5(NAMESPACE_URL, "https://peernet.invalid/follower-commands")

#: what a handler is: a function of a recorded event, returning the commands (if any)
#: to record with the follower's new position
Handler = Callable[[Recorded], Command | Iterable[Command] | None]


def topics_of(events: Iterable[type[Event]]) -> frozenset[str]:
    """The stored topics of the event classes given and of every class derived from
    them (`MembershipEvent` names every membership event)."""
    wanted = tuple(events)
    for cls in wanted:
        if not (isinstance(cls, type) and issubclass(cls, Event)):
            raise InvalidValue(f"a follower filters by event classes, not {cls!r}", field="events")
    return frozenset(topic for topic, cls in event_types().items() if issubclass(cls, wanted))


class Follower:
    """A named handler of recorded events; made by `Network.follow`.

    `run_once()` handles what is pending in the caller's thread; `start()` runs it in a
    thread of its own until `stop()` (also a context manager); `wait()` blocks until it
    has seen the log up to a position. `position` is the last event it handled.
    """

    def __init__(
        self,
        store: Store,
        commands: CommandSide,
        name: str,
        handler: Handler,
        *,
        lease: Lease,
        events: Iterable[type[Event]] = (),
        groups: Iterable[UUID] = (),
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise InvalidValue("a follower has a name", field="name")
        if not callable(handler):
            raise InvalidValue(f"a handler is a function, not {handler!r}", field="handler")
        self.name = name
        self.tracking_name = TRACKING + name
        self._store = store
        self._commands = commands
        self._handler = handler
        self._lease = lease
        events = tuple(events)
        self._topics = topics_of(events) if events else None
        self._groups = frozenset(groups)
        for group in self._groups:
            if not isinstance(group, UUID):
                raise InvalidValue(
                    f"a follower filters by group ids, not {group!r}", field="groups"
                )
        #: the error the follower stopped with, if its handler raised
        self.error: PeerNetError | None = None
        #: the last log position looked at (handled, or filtered out)
        self.seen = 0
        self._progress = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        #: the position past events that wrote nothing, not written yet
        self._pending: Tracking | None = None
        self._pending_lock = threading.Lock()
        self._subscription: Subscription[Any] | None = None

    # --- where it is ---------------------------------------------------------------------

    @property
    def position(self) -> int:
        """The position of the last event handled, as the store keeps it (0: none yet)."""
        with self._store.errors():
            return self._store.recorder.max_tracking_id(self.tracking_name) or 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def leading(self) -> bool:
        """Whether this runner holds the follower's lease (the others stand by)."""
        return self._lease.held

    # --- running it ----------------------------------------------------------------------

    def run_once(self) -> int:
        """Handle every event recorded so far that the follower has not handled, in this
        thread; how many were handled. 0 when another runner holds the lease. Raises
        `FollowerStopped` when the handler raises (nothing is recorded for that event)."""
        if self.running:
            raise InvalidValue(f"follower {self.name!r} is running in the background")
        if not self._lease.acquire():
            return 0
        try:
            self.error = None
            handled = 0
            after = self.position
            self.seen = max(self.seen, after)
            for notification in self._store.log(after):
                handled += self._consider(notification)
            return handled
        finally:
            try:
                self._flush()
            finally:
                self._lease.release()

    def start(self) -> "Follower":
        """Run in a thread of the follower's own until `stop()`: take the lease (or stand
        by until it is free), then handle each event as it is recorded."""
        if self.running:
            return self
        self.error = None
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"peernet-follower-{self.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the background runner and let go of the lease."""
        self._stopping.set()
        subscription = self._subscription
        if subscription is not None:
            subscription.stop()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def wait(self, position: int | None = None, timeout: float = 10.0) -> None:
        """Block until the running follower has looked at every event up to `position`
        (default: the last one recorded now). Raises the error it stopped with, and
        `TimeoutError` when it is not there in time."""
        target = self._store.top() if position is None else position
        with self._progress:
            reached = self._progress.wait_for(
                lambda: self.seen >= target or self.error is not None or not self.running,
                timeout,
            )
        if self.error is not None:
            raise self.error
        if not reached or self.seen < target:
            state = "running" if self.running else "stopped"
            raise TimeoutError(
                f"follower {self.name!r} ({state}) has seen up to {self.seen}, not {target}"
            )

    def __enter__(self) -> "Follower":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            while not self._lease.acquire():
                if self._stopping.wait(_STAND_BY):
                    return
            log.info("follower %s runs", self.name, extra={"follower": self.name})
            flusher = threading.Thread(target=self._flush_now_and_then, daemon=True)
            flusher.start()
            try:
                self._follow()
            finally:
                self._stopping.set()
                flusher.join()
                self._flush()
        except PeerNetError as error:
            self.error = error
        except Exception as error:  # the store or its subscription failed: name it
            self.error = FollowerStopped(
                follower=self.name, position=self.seen, topic="-", error=_said(error)
            )
        finally:
            self._lease.release()
            with self._progress:
                self._progress.notify_all()

    def _follow(self) -> None:
        with self._store.errors():
            after = self.position
            subscription = subscriptions.subscribe(self._store.recorder, gt=after)
        self._subscription = subscription
        with self._progress:
            self.seen = max(self.seen, after)
            self._progress.notify_all()
        if self._stopping.is_set():
            subscription.stop()
        with subscription:
            for notification in subscription:
                if self._stopping.is_set():
                    break
                self._consider(notification)
                with self._progress:
                    self._progress.notify_all()

    def _flush_now_and_then(self) -> None:
        while not self._stopping.wait(FLUSH):
            self._flush()

    def _flush(self) -> None:
        """Write the position past the events handled since the last write that wrote
        nothing themselves."""
        with self._pending_lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return
        try:
            with self._store.errors():
                self._commands.track(pending)
        except AlreadyTracked:
            pass  # a later position was written meanwhile: it covers this one

    # --- one event -----------------------------------------------------------------------

    def _consider(self, notification: Notification) -> int:
        """Handle one stored event if the filters let it through: 1 if handled."""
        wanted = notification.topic != LEDGER_TOPIC and (
            self._topics is None or notification.topic in self._topics
        )
        record = (
            self._store.codec.decode(notification, position=notification.id) if wanted else None
        )
        if record is not None and self._groups:
            wanted = getattr(record.event, "group_id", None) in self._groups
        if record is not None and wanted:
            telemetry.observe(
                log,
                "follow",
                self.name,
                lambda: self._handle(record),
                fields=lambda: {"position": record.position or 0, "topic": record.topic},
            )
        self.seen = notification.id
        return 1 if record is not None and wanted else 0

    def _handle(self, record: Recorded) -> None:
        assert record.position is not None
        tracking = Tracking(self.tracking_name, record.position)
        try:
            said = self._handler(record)
            commands = _commands(said)
            if not commands:
                with self._pending_lock:
                    self._pending = tracking
                return
            for i, command in enumerate(commands):
                if len(commands) > 1 and command.command_id is None:
                    made = uuid5(_COMMAND_IDS, f"{self.tracking_name}/{record.position}/{i}")
                    command = attrs.evolve(command, command_id=made)  # noqa: PLW2901
                last = i == len(commands) - 1
                self._commands.execute(command, record.correlation_id, tracking if last else None)
            with self._pending_lock:
                self._pending = None  # the position just written is past it
        except AlreadyTracked:
            log.warning(
                "follower %s: event %d was handled by another runner",
                self.name,
                tracking.notification_id,
            )
        except Exception as error:
            self._flush()  # the events before this one are handled
            stopped = FollowerStopped(
                follower=self.name, position=record.position, topic=record.topic, error=_said(error)
            )
            self.error = stopped
            log.error("%s", stopped, extra={"follower": self.name, "position": record.position})
            raise stopped from error


#: how often a runner standing by tries to take the lease (seconds)
_STAND_BY = 0.2
#: how often the position past events that wrote nothing is written (seconds)
FLUSH = 0.05


def _commands(said: object) -> list[Command]:
    if said is None:
        return []
    if isinstance(said, Command):
        return [said]
    if isinstance(said, Iterable) and not isinstance(said, str | bytes):
        found = list(said)
        for item in found:
            if not isinstance(item, Command):
                raise InvalidValue(f"a handler returns commands, not {item!r}")
        return found
    raise InvalidValue(f"a handler returns commands or None, not {said!r}")


def _said(error: BaseException) -> str:
    """An error in one line: its class and what it says."""
    text = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
