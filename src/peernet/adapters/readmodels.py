"""Persisted read models: each projection's views kept in the network's own store, with
the log position they are current to, written in the same transaction.

Three tables sit beside the events (or three dicts, for ``memory://``):

- ``peernet_view_rows (slot, key, body)``: one row per view, its body the view
  serialised with peernet's cattrs converter (JSON);
- ``peernet_view_live (projection, slot, version)``: which copy (slot) of a projection
  readers read;
- eventsourcing's tracking table: the position each slot is current to, one row per
  slot (``peernet.view/<slot>``).

`ReadModels.catch_up` folds the events after a slot's position and writes the views they
changed and the new position in one transaction, through eventsourcing's tracking
recorders (`SQLiteTrackingRecorder`, `PostgresTrackingRecorder`, `POPOTrackingRecorder`),
whose tracking row only ever moves forward: a second process that folded the same events
and writes second fails, and writes nothing. So a crash never double-counts or skips an
event. `rebuild` folds the whole log into a fresh slot beside the live one and swaps the
live pointer to it in one transaction once it is complete; a reader reads the pointer and
the rows in one statement, so it sees the old copy or the new, never half of one. A
projection whose `version` differs from the live copy's is rebuilt on the next catch-up.

PostgreSQL: eventsourcing's recorder takes ``LOCK TABLE ... IN EXCLUSIVE MODE`` in every
transaction that inserts events, so notification ids are handed out in commit order: once
an id is visible, no transaction can still commit a lower one. A catch-up that reads up to
the largest visible id therefore never passes over an event committed late; ids may have
holes (a rolled-back insert), which is harmless since the position is "read up to", not
"count of".
"""

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple, Protocol
from uuid import uuid4

import attrs
import orjson
from eventsourcing.persistence import IntegrityError, Notification
from eventsourcing.sqlite import SQLiteApplicationRecorder

from peernet.adapters.codec import SEALED, PeerNetMapper, converter, upcast
from peernet.adapters.viewrecorder import (
    Live,
    MemoryViewRecorder,
    SQLiteViewRecorder,
    ViewRecorder,
    Write,
)
from peernet.domain.errors import InvalidInput, UnknownProjection
from peernet.projections import PROJECTIONS, Fact, Projection
from peernet.records import Recorded, topic_of

log = logging.getLogger(__name__)

_PAGE = 5_000
_FLUSH = 50_000  # write what was folded, and let it go, at least every this many events

Progress = Callable[[int, int], None]


class Source(Protocol):
    """The store read models are kept in (a `Network` is one): eventsourcing's factory
    and recorder of the store, and the codec that reads its events."""

    @property
    def factory(self) -> Any: ...

    @property
    def recorder(self) -> Any: ...

    @property
    def codec(self) -> PeerNetMapper: ...


_RECORDERS: dict[str, type[Any]] = {
    "eventsourcing.popo": MemoryViewRecorder,
    "eventsourcing.sqlite": SQLiteViewRecorder,
}


def view_recorder(source: Source) -> ViewRecorder:
    """The view recorder for the store, on the store's own connections."""
    module = type(source.factory).__module__
    if module == "eventsourcing.postgres":
        # psycopg comes with the `postgres` extra: imported only for a PostgreSQL store
        from peernet.adapters.viewrecorder_postgres import PostgresViewRecorder  # noqa: PLC0415

        _RECORDERS.setdefault(module, PostgresViewRecorder)
    cls = _RECORDERS.get(module)
    if cls is None:
        raise InvalidInput(f"read models are kept on memory, SQLite or PostgreSQL, not {module}")
    recorder = source.factory.tracking_recorder(cls)
    assert isinstance(recorder, ViewRecorder)
    return recorder


# --- facts from the log -----------------------------------------------------------------


def fact_of(recorded: Recorded) -> Fact:
    """The fact a decoded record stands for (its fields unstructured as they are stored)."""
    assert recorded.position is not None, "a fact needs the record's position in the log"
    data = orjson.loads(orjson.dumps(converter.unstructure(recorded.event, type(recorded.event))))
    return Fact(position=recorded.position, kind=type(recorded.event), data=data)


#: the bytes every sealed value's JSON holds (`peernet.adapters.codec.SEALED`)
_SEALED_MARK = f'"{SEALED}"'.encode()


class Row(NamedTuple):
    """What a projection reads of a stored event: its position, topic and bytes."""

    id: int
    topic: str
    state: bytes


def facts(codec: PeerNetMapper, notifications: Iterable[Notification | Row]) -> Iterator[Fact]:
    """Facts read straight from stored bytes: JSON, deciphered and decompressed as the
    mapper would, confidential fields opened (or "forgotten"), upcast when stored under an
    older schema, never structured into attrs classes (the fold reads the few fields it
    needs)."""
    cipher, compressor, types = codec.cipher, codec.compressor, codec.types
    for n in notifications:
        state = n.state
        if cipher:
            state = cipher.decrypt(state)
        if compressor:
            state = compressor.decompress(state)
        payload = orjson.loads(state)
        data = payload["event"]
        # without a key, only a state holding a sealed value has anything to open (or to
        # refuse for want of a key): the rest skip the walk over confidential fields
        if codec.keys is not None or _SEALED_MARK in state:
            data, _ = codec.unseal(n.topic, data)
        kind = types[n.topic]
        yield Fact(position=n.id, kind=kind, data=upcast(n.topic, kind, data, payload))


# --- keeping the read models --------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Status:
    name: str
    version: int
    live_version: int | None
    position: int
    head: int
    views: int

    @property
    def behind(self) -> int:
        return max(0, self.head - self.position)

    @property
    def stale(self) -> bool:
        """The live copy was built by another version of the projection (or none is)."""
        return self.live_version != self.version


def _dump(projection: Projection[Any], view: Any) -> bytes:
    return orjson.dumps(converter.unstructure(view, projection.view_type))


def _load(projection: Projection[Any], body: bytes) -> Any:
    return converter.structure(orjson.loads(body), projection.view_type)


class _Run:
    """One projection's fold in progress: the views loaded or changed, and which changed."""

    def __init__(
        self, projection: Projection[Any], slot: str, position: int, *, fresh: bool = False
    ) -> None:
        self.projection = projection
        self.fresh = fresh  # a new slot: no view of it is stored yet
        self.slot = slot
        self.position = position
        self.views: dict[str, Any] = {}
        self.dirty: set[str] = set()

    def fold(self, batch: Sequence[Fact]) -> None:
        p = self.projection
        events, views, dirty = p.events, self.views, self.dirty
        for fact in batch:
            if fact.kind in events and (key := p.key(fact)) is not None:
                view = p.project(views.get(key), fact)
                if view is not None:
                    views[key] = view
                    dirty.add(key)

    def missing(self, batch: Sequence[Fact]) -> set[str]:
        p = self.projection
        keys = {k for f in batch if f.kind in p.events and (k := p.key(f)) is not None}
        return keys - self.views.keys()

    def write(self, position: int) -> Write:
        rows = {k: _dump(self.projection, self.views[k]) for k in self.dirty}
        self.dirty = set()
        self.position = position
        return Write(slot=self.slot, rows=rows, position=position)


class ReadModels:
    """The persisted read models of one network: catch up, rebuild, read.

    Safe to use from many processes at once: writes are guarded by the tracked position.
    One `ReadModels` is not meant to be shared by threads."""

    def __init__(
        self, source: Source, projections: Iterable[Projection[Any]] | None = None
    ) -> None:
        self.source = source
        self.projections: dict[str, Projection[Any]] = {
            p.name: p for p in (PROJECTIONS.values() if projections is None else projections)
        }
        self.recorder = view_recorder(source)
        self._lock = threading.Lock()

    def _named(self, names: Iterable[str] | None) -> list[Projection[Any]]:
        if names is None:
            return list(self.projections.values())
        found = []
        for name in names:
            if name not in self.projections:
                raise UnknownProjection(projection=name, known=sorted(PROJECTIONS))
            found.append(self.projections[name])
        return found

    def _head(self) -> int:
        top: int = self.source.recorder.max_notification_id() or 0
        return top

    def status(self) -> list[Status]:
        head = self._head()
        found = []
        for p in self.projections.values():
            live = self.recorder.live(p.name)
            position = self.recorder.position(live.slot) if live else 0
            views = len(self.recorder.rows(live.slot)) if live else 0
            found.append(
                Status(
                    name=p.name,
                    version=p.version,
                    live_version=live.version if live else None,
                    position=position,
                    head=head,
                    views=views,
                )
            )
        return found

    def views(self, name: str) -> dict[str, Any]:
        """Every view of the live copy of projection `name`, by key, after a catch-up."""
        (projection,) = self._named([name])
        self.catch_up([name])
        return {k: _load(projection, b) for k, b in self.recorder.live_rows(name).items()}

    def _pages(self, after: int, stop: int, topics: Sequence[str]) -> Iterator[list[Fact]]:
        codec = self.source.codec
        select = self._select_rows()
        while after < stop:
            batch = select(after, stop, topics)
            yield list(facts(codec, batch))
            after = batch[-1].id if len(batch) == _PAGE else stop

    def _select_rows(self) -> Callable[[int, int, Sequence[str]], Sequence[Notification | Row]]:
        """A page of the log, as (position, topic, state) rows. On SQLite the rows are
        read with the recorder's own query minus the originator columns: a projection
        never needs a stream's id, and making a UUID of every row costs a rebuild more
        than a tenth of its time (docs/projections.md). Elsewhere, the recorder's
        `select_notifications`."""
        recorder = self.source.recorder
        if not isinstance(recorder, SQLiteApplicationRecorder):
            return lambda after, stop, topics: recorder.select_notifications(
                start=after, limit=_PAGE, stop=stop, topics=topics, inclusive_of_start=False
            )
        table = recorder.events_table_name

        def select(after: int, stop: int, topics: Sequence[str]) -> Sequence[Notification | Row]:
            marks = ",".join("?" * len(topics))
            statement = (  # the recorder's table name and placeholders only
                f"SELECT rowid, topic, state FROM {table} WHERE rowid>? AND rowid<=? "  # noqa: S608
                f"AND topic IN ({marks}) ORDER BY rowid LIMIT ?"
            )
            with recorder.datastore.transaction(commit=False) as c:
                c.execute(statement, [after, stop, *topics, _PAGE])
                return [Row(r[0], r[1], r[2]) for r in c.fetchall()]

        return select

    def _topics(self, runs: Iterable[_Run]) -> list[str]:
        return sorted({topic_of(kind) for r in runs for kind in r.projection.events})

    def catch_up(self, names: Iterable[str] | None = None, progress: Progress | None = None) -> int:
        """Fold the events recorded since each projection's position into its live copy;
        rebuild a projection whose live copy is missing or of another version. Returns
        the number of events read."""
        with self._lock:
            runs: list[_Run] = []
            stale: list[Projection[Any]] = []
            for p in self._named(names):
                live = self.recorder.live(p.name)
                if live is None or live.version != p.version:
                    stale.append(p)
                    continue
                runs.append(_Run(p, live.slot, self.recorder.position(live.slot)))
            if stale:
                self._rebuild(*stale, progress=progress)
            return self._advance(runs, progress)

    def _advance(self, runs: list[_Run], progress: Progress | None, flush: int = _FLUSH) -> int:
        """Bring every run to the head of the log, writing each page's changes with the
        new positions in one transaction."""
        if not runs:
            return 0
        head = self._head()
        start = min(r.position for r in runs)
        if head <= start:
            return 0
        collecting = gc.isenabled()
        gc.disable()  # views hold no cycles; scanning them page after page is wasted time
        try:
            read = self._fold_pages(runs, start, head, progress, flush)
        finally:
            if collecting:
                gc.enable()
        return read

    def _fold_pages(
        self, runs: list[_Run], start: int, head: int, progress: Progress | None, flush: int
    ) -> int:
        read = since_flush = 0
        for batch in self._pages(start, head, self._topics(runs)):
            for run in runs:
                behind = batch and batch[0].position <= run.position
                ahead = [f for f in batch if f.position > run.position] if behind else batch
                if not run.fresh and (missing := run.missing(ahead)):
                    for key, body in self.recorder.rows(run.slot, missing).items():
                        run.views[key] = _load(run.projection, body)
                run.fold(ahead)
            read += len(batch)
            since_flush += len(batch)
            last = batch[-1].position if batch else head
            if progress:
                progress(last - start, head - start)
            if since_flush >= flush:
                # Memory stays flat: write what changed, forget every view, and load the
                # few the next pages touch back from the store.
                if not self._write(runs, last):
                    return read  # another process is ahead: its views stand
                for run in runs:
                    run.views.clear()
                    run.fresh = False
                since_flush = 0
        self._write(runs, head)
        if progress:
            progress(head - start, head - start)
        return read

    def _write(self, runs: list[_Run], position: int) -> bool:
        """Write what the runs changed; False when another process got there first."""
        writes = [r.write(position) for r in runs if r.position < position]
        if not writes:
            return True
        try:
            self.recorder.write(writes)
        except IntegrityError:
            # Another process wrote these positions first; its views are as good as ours.
            log.info("another process caught up %s first", ", ".join(w.slot for w in writes))
            return False
        return True

    def rebuild(self, names: Iterable[str] | None = None, progress: Progress | None = None) -> None:
        """Build each projection afresh from the first event beside its live copy, all
        in one pass over the log (each event read and decoded once, whichever
        projections fold it), then make each new copy live in one transaction."""
        with self._lock:
            self._rebuild(*self._named(names), progress=progress)

    def _rebuild(self, *projections: Projection[Any], progress: Progress | None) -> None:
        started = time.perf_counter()
        runs = [
            _Run(p, f"{p.name}.v{p.version}.{uuid4().hex[:12]}", 0, fresh=True) for p in projections
        ]
        read = self._advance(runs, progress)
        for run in runs:
            projection, slot = run.projection, run.slot
            if run.position == 0:  # an empty log: still mark the copy as current to 0
                self.recorder.write([Write(slot=slot, rows={}, position=0)])
            old = self.recorder.live(projection.name)
            self.recorder.swap(projection.name, Live(slot, projection.version), old)
            if old is not None:
                self.recorder.drop(old.slot)
        log.info(
            "rebuilt %s from %d events in %.2fs",
            ", ".join(p.name for p in projections),
            read,
            time.perf_counter() - started,
        )
