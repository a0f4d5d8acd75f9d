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
event. `rebuild` folds the whole log into the projection's other slot beside the live one
and swaps the live pointer to it in one transaction once it is complete (dropping the old
slot's rows and tracking row in the same transaction); a reader reads the pointer and the
rows in one statement, so it sees the old copy or the new, never half of one. A
projection whose `version` differs from the live copy's is rebuilt on the next catch-up.

Slots are named, not random: each projection version has two, ``NAME.vN.a`` and
``NAME.vN.b``, live and next. A rebuild killed before its swap left the next slot
consistent up to its tracked position, so the next rebuild resumes from there; any other
slot (an older version's, or one a former peernet named at random) is dropped by the
next catch-up or rebuild. The tracking rows stay at two a projection at most, however
many rebuilds run.

A store opened to read (`Network(url, access="read")`) is never written: its read
models are folded in memory from the live copy's position (or from the first event) and
returned, and nothing is persisted (docs/projections.md).

PostgreSQL: eventsourcing's recorder takes ``LOCK TABLE ... IN EXCLUSIVE MODE`` in every
transaction that inserts events, so notification ids are handed out in commit order: once
an id is visible, no transaction can still commit a lower one. A catch-up that reads up to
the largest visible id therefore never passes over an event committed late; ids may have
holes (a rolled-back insert), which is harmless since the position is "read up to", not
"count of".
"""

import contextlib
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

import attrs
import orjson
from eventsourcing.persistence import IntegrityError, Notification, PersistenceError

from peernet.adapters import telemetry
from peernet.adapters.codec import SEALED, UNKNOWN_TOPIC, PeerNetMapper, converter, upcast
from peernet.adapters.errors import ReadOnlyStore, UnknownProjection, UnreadableEvent
from peernet.adapters.logrows import Row, page
from peernet.adapters.storage import redact, unavailable
from peernet.adapters.viewrecorder import (
    Live,
    MemoryViewRecorder,
    SQLiteViewRecorder,
    ViewRecorder,
    Write,
)
from peernet.domain.errors import InvalidInput
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

    @property
    def access(self) -> str: ...

    @property
    def url(self) -> str: ...


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


_NOT_AN_EVENT = "its state is not an event as peernet stores one"
#: the bytes every sealed value's JSON holds (`peernet.adapters.codec.SEALED`)
_SEALED_MARK = f'"{SEALED}"'.encode()


def unreadable_row(row: Row | Notification, why: str) -> UnreadableEvent:
    """The refusal of a stored event a reader cannot read, naming its stream and version."""
    stream = row.stream_id if isinstance(row, Row) else row.originator_id
    return UnreadableEvent(
        version=row.originator_version, stream_id=stream, topic=row.topic, why=why
    )


def facts(codec: PeerNetMapper, rows: Iterable[Notification | Row]) -> Iterator[Fact]:
    """Facts read straight from stored bytes: JSON, deciphered and decompressed as the
    mapper would, confidential fields opened (or "forgotten"), upcast when stored under an
    older schema, never structured into attrs classes (the fold reads the few fields it
    needs). A row that cannot be read (unknown topic, bad bytes, a payload of the wrong
    shape, a newer schema) is refused with `UnreadableEvent`, naming it."""
    cipher, compressor, types = codec.cipher, codec.compressor, codec.types
    for n in rows:
        kind = types.get(n.topic)
        if kind is None:
            raise unreadable_row(n, UNKNOWN_TOPIC)
        try:
            state = n.state
            if cipher:
                state = cipher.decrypt(state)
            if compressor:
                state = compressor.decompress(state)
            payload = orjson.loads(state)
            if not isinstance(payload, dict) or not isinstance(payload.get("event"), dict):
                raise ValueError(_NOT_AN_EVENT)
            data = payload["event"]
            # without a key, only a state holding a sealed value has anything to open (or
            # to refuse for want of a key): the rest skip the walk over confidential fields
            if codec.keys is not None or _SEALED_MARK in state:
                data, _ = codec.unseal(n.topic, data)
            fact = Fact(position=n.id, kind=kind, data=upcast(n.topic, kind, data, payload))
        except UnreadableEvent:
            raise
        except Exception as error:  # bad bytes, a wrong shape, a newer schema
            raise unreadable_row(n, f"{type(error).__name__}: {error}") from None
        yield fact


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


def _dumper(projection: Projection[Any]) -> Callable[[Any], bytes]:
    """The function writing a view of `projection` as JSON bytes: the converter's hook
    for its class looked up once, not for every view a flush writes."""
    unstructure = converter.get_unstructure_hook(projection.view_type)
    dumps = orjson.dumps

    def dump(view: Any) -> bytes:
        # orjson hands back its whole working buffer (4 KB at least), however short the
        # JSON: a flush holds tens of thousands of views, so each is kept as a copy of
        # its own size
        return memoryview(dumps(unstructure(view))).tobytes()

    return dump


def _load(projection: Projection[Any], body: bytes) -> Any:
    return converter.structure(orjson.loads(body), projection.view_type)


class _BadFact(Exception):
    """A fact a projection could not fold: its shape is not the event's."""

    def __init__(self, fact: Fact, error: Exception) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.fact = fact


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

    def keyed(self, batch: Sequence[Fact]) -> list[tuple[str, Fact]]:
        """The facts of `batch` this projection folds, each with the key of its view:
        worked out once, for finding the views to load and for folding."""
        p = self.projection
        events, key_of = p.events, p.key
        found = []
        for fact in batch:
            if fact.kind in events:
                try:
                    key = key_of(fact)
                except Exception as error:  # a fact of the wrong shape, from a hostile store
                    raise _BadFact(fact, error) from None
                if key is not None:
                    found.append((key, fact))
        return found

    def fold(self, keyed: Sequence[tuple[str, Fact]]) -> None:
        project, views, dirty = self.projection.project, self.views, self.dirty
        for key, fact in keyed:
            try:
                view = project(views.get(key), fact)
            except Exception as error:  # a fact of the wrong shape, from a hostile store
                raise _BadFact(fact, error) from None
            if view is not None:
                views[key] = view
                dirty.add(key)

    def missing(self, keyed: Sequence[tuple[str, Fact]]) -> set[str]:
        """The keys `keyed` folds into whose views are not loaded."""
        views = self.views
        return {key for key, _ in keyed if key not in views}

    def write(self, position: int) -> Write:
        # in key order: the store's index on (slot, key) then takes the rows in its own
        # order, page after page, rather than each at a random place
        dump, views = _dumper(self.projection), self.views
        rows = {k: dump(views[k]) for k in sorted(self.dirty)}
        self.dirty = set()
        self.position = position
        return Write(slot=self.slot, rows=rows, position=position)


def _next_slot(projection: Projection[Any], old: Live | None) -> str:
    """The slot a rebuild writes: of the two its version has, the one not live."""
    first, second = slots_of(projection)
    return second if old is not None and old.slot == first else first


def slots_of(projection: Projection[Any]) -> tuple[str, str]:
    """The two slots a version of a projection is built in, by turns."""
    base = f"{projection.name}.v{projection.version}"
    return f"{base}.a", f"{base}.b"


class ReadModels:
    """The persisted read models of one network: catch up, rebuild, read.

    Safe to use from many processes at once: writes are guarded by the tracked position.
    One `ReadModels` is not meant to be shared by threads. On a store opened to read,
    `views` folds in memory and nothing is written; `catch_up` and `rebuild` refuse."""

    def __init__(
        self, source: Source, projections: Iterable[Projection[Any]] | None = None
    ) -> None:
        self.source = source
        self.projections: dict[str, Projection[Any]] = {
            p.name: p for p in (PROJECTIONS.values() if projections is None else projections)
        }
        #: whether the read models may be written: the store was opened to write
        self.persist = getattr(source, "access", "write") == "write"
        with self._errors():
            self.recorder = view_recorder(source)
        self._lock = threading.Lock()
        #: the rows of the page being folded (to name one a fold could not read)
        self._rows: list[Row] = []

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """A store's failure as one line (`StoreUnavailable`), as the facade says it."""
        try:
            yield
        except IntegrityError:
            raise
        except (PersistenceError, OSError) as error:
            said = f"{type(error).__name__}: {error}"
            raise unavailable(self.source.url, said) from None

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

    def _live(self, name: str) -> Live | None:
        """The live copy of a projection; None when none is built (on a store read
        without writing, the read models' tables may not exist at all)."""
        try:
            return self.recorder.live(name)
        except PersistenceError:
            if self.persist:
                raise
            return None

    def status(self) -> list[Status]:
        with self._errors():
            head = self._head()
            found = []
            for p in self.projections.values():
                live = self._live(p.name)
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

    def tracked(self) -> int:
        """How many tracking rows the read models hold (two a projection at most)."""
        with self._errors():
            return self.recorder.tracked()

    def views(self, name: str) -> dict[str, Any]:
        """Every view of the live copy of projection `name`, by key, after a catch-up
        (folded in memory, and not kept, on a store opened to read)."""
        (projection,) = self._named([name])
        if not self.persist:
            return self._folded(projection)
        self.catch_up([name])
        with self._errors():
            rows = self.recorder.live_rows(name)
        return {k: _load(projection, b) for k, b in rows.items()}

    def _folded(self, projection: Projection[Any]) -> dict[str, Any]:
        """The views of `projection` up to the head of the log, from its live copy when it
        is current to a position, folded in memory; nothing is written."""
        with self._lock, self._errors():
            live = self._live(projection.name)
            run = _Run(projection, "", 0, fresh=True)
            if live is not None and live.version == projection.version:
                run.position = self.recorder.position(live.slot)
                rows = self.recorder.rows(live.slot)
                run.views = {k: _load(projection, b) for k, b in rows.items()}
            self._advance([run], None, persist=False)
            return run.views

    def _pages(self, after: int, stop: int, topics: Sequence[str]) -> Iterator[list[Fact]]:
        """Pages of facts of `topics`; a row of a topic peernet does not know is refused
        here, as a reader of every event would refuse it (`peernet.adapters.logrows`)."""
        codec = self.source.codec
        recorder = self.source.recorder
        while after < stop:
            with self._errors():
                rows, after = page(
                    recorder, after, stop, topics=topics, known=codec.types, limit=_PAGE
                )
            self._rows = rows
            yield list(facts(codec, rows))

    def _topics(self, runs: Iterable[_Run]) -> list[str]:
        return sorted({topic_of(kind) for r in runs for kind in r.projection.events})

    def _check_writable(self, doing: str) -> None:
        if not self.persist:
            raise ReadOnlyStore(url=redact(self.source.url), access="read", doing=doing)

    def catch_up(self, names: Iterable[str] | None = None, progress: Progress | None = None) -> int:
        """Fold the events recorded since each projection's position into its live copy;
        rebuild a projection whose live copy is missing or of another version. Returns
        the number of events read. Logged and traced as ``catch_up``."""
        self._check_writable("catch up the read models")
        chosen = list(names) if names is not None else None
        return telemetry.observe(
            log,
            "catch_up",
            "read models",
            lambda: self._catch_up(chosen, progress),
            fields=lambda: {"projections": chosen or "all"},
            after=lambda read: {"events": read},
        )

    def _catch_up(self, names: Iterable[str] | None, progress: Progress | None) -> int:
        with self._lock, self._errors():
            self._reclaim()
            runs: list[_Run] = []
            stale: list[Projection[Any]] = []
            for p in self._named(names):
                live = self.recorder.live(p.name)
                if live is None or live.version != p.version:
                    stale.append(p)
                    continue
                runs.append(_Run(p, live.slot, self.recorder.position(live.slot)))
            if stale:
                self._rebuild(stale, progress)
            return self._advance(runs, progress)

    def _advance(self, runs: list[_Run], progress: Progress | None, *, persist: bool = True) -> int:
        """Bring every run to the head of the log, writing each page's changes with the
        new positions in one transaction (unless not `persist`: then the views stay in
        memory, and nothing is written)."""
        if not runs:
            return 0
        head = self._head()
        start = min(r.position for r in runs)
        if head <= start:
            return 0
        collecting = gc.isenabled()
        gc.disable()  # views hold no cycles; scanning them page after page is wasted time
        try:
            read = self._fold_pages(runs, start, head, progress, _FLUSH if persist else None)
        except _BadFact as bad:
            row = next(r for r in self._rows if r.id == bad.fact.position)
            why = f"its fields are not a {bad.fact.kind.__name__}'s: {bad}"
            raise unreadable_row(row, why) from None
        finally:
            if collecting:
                gc.enable()
        return read

    def _fold_pages(
        self, runs: list[_Run], start: int, head: int, progress: Progress | None, flush: int | None
    ) -> int:
        """Fold the pages from `start` to `head` into the runs; every `flush` events (and
        at the end) write what changed; `flush` None: write nothing."""
        read = since_flush = 0
        for batch in self._pages(start, head, self._topics(runs)):
            for run in runs:
                behind = batch and batch[0].position <= run.position
                ahead = [f for f in batch if f.position > run.position] if behind else batch
                keyed = run.keyed(ahead)
                if not run.fresh and (missing := run.missing(keyed)):
                    for key, body in self.recorder.rows(run.slot, missing).items():
                        run.views[key] = _load(run.projection, body)
                run.fold(keyed)
            read += len(batch)
            since_flush += len(batch)
            last = batch[-1].position if batch else head
            if progress:
                progress(last - start, head - start)
            if flush is not None and since_flush >= flush:
                # Memory stays flat: write what changed, forget every view, and load the
                # few the next pages touch back from the store.
                if not self._write(runs, last):
                    return read  # another process is ahead: its views stand
                for run in runs:
                    run.views.clear()
                    run.fresh = False
                since_flush = 0
        if flush is not None:
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
        """Build each projection afresh from the first event beside its live copy (or
        resume the rebuild a killed process left), all in one pass over the log (each
        event read and decoded once, whichever projections fold it), then make each new
        copy live in one transaction. Logged and traced as ``rebuild``."""
        self._check_writable("rebuild the read models")
        with self._lock, self._errors():
            self._reclaim()
            projections = self._named(names)
            telemetry.observe(
                log,
                "rebuild",
                ", ".join(p.name for p in projections),
                lambda: self._rebuild(projections, progress),
                level=logging.INFO,
            )

    def _rebuild(self, projections: list[Projection[Any]], progress: Progress | None) -> None:
        olds = [self.recorder.live(p.name) for p in projections]
        slots = [_next_slot(p, old) for p, old in zip(projections, olds, strict=True)]
        started = time.perf_counter()
        read = 0
        while True:
            # Each slot from where it stands: 0 for a fresh one, else where a rebuild that
            # was killed (or another process's, running beside this one) got to.
            runs = [self._resume(p, slot) for p, slot in zip(projections, slots, strict=True)]
            read += self._advance(runs, progress)
            for run in runs:
                if self.recorder.position(run.slot) == 0:  # an empty log: mark it current
                    self.recorder.write([Write(slot=run.slot, rows={}, position=0)])
            head = self._head()
            if all(self.recorder.position(r.slot) >= head or r.position >= head for r in runs):
                break
        for p, slot, old in zip(projections, slots, olds, strict=True):
            if not self.recorder.swap(p.name, Live(slot, p.version), old):
                log.info("another process made a copy of %s live first", p.name)
        log.info(
            "rebuilt %s from %d events in %.2fs",
            ", ".join(p.name for p in projections),
            read,
            time.perf_counter() - started,
        )

    def _resume(self, projection: Projection[Any], slot: str) -> _Run:
        position = self.recorder.position(slot)
        return _Run(projection, slot, position, fresh=position == 0)

    def _reclaim(self) -> None:
        """Drop every slot of these projections that is neither live nor one of the two
        of its current version: what an older version, or a former naming, left."""
        keep = {slot for p in self.projections.values() for slot in slots_of(p)}
        keep |= {live.slot for p in self.projections if (live := self.recorder.live(p))}
        names = tuple(f"{name}." for name in self.projections)
        for slot in self.recorder.slots() - keep:
            if slot.startswith(names):
                log.info("dropping the read model slot %s, which no copy uses", slot)
                self.recorder.drop(slot)
