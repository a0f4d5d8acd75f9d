"""The store: eventsourcing's recorder and peernet's mapper, opened from a URL, with the
keys that seal confidential fields, and every failure to reach it turned into one line.

peernet holds eventsourcing's parts (its infrastructure factory, its application
recorder, a mapper of its own) rather than inheriting `eventsourcing.Application`,
whose `save()` and `repository` speak eventsourcing's aggregates, not peernet's events.
"""

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from uuid import UUID

from eventsourcing.persistence import (
    ConnectionPoolClosedError,
    InfrastructureFactory,
    IntegrityError,
    InternalError,
    Notification,
    PersistenceError,
    ProcessRecorder,
    StoredEvent,
)
from eventsourcing.utils import Environment

from peernet.adapters import recorders
from peernet.adapters.codec import PeerNetMapper
from peernet.adapters.errors import KeyRequired, NotEncrypted, ReadOnlyStore
from peernet.adapters.keys import KeyRing, KeyTable, Rewrap, key_table, master_key, parse_key
from peernet.adapters.logrows import Row, page as rows_of
from peernet.adapters.opening import (
    Access,
    access_of,
    durability,
    missing_tables,
    probe_postgres,
    read_only_sessions,
    settings_to,
)
from peernet.adapters.storage import default_url, redact, settings_for, unavailable
from peernet.domain.errors import PeerNetError

log = logging.getLogger(__name__)

NAME = "peernet"
PAGE = 1000
#: past the last position any store gives
_END = 2**63 - 1
_OPEN_ATTEMPTS = 5


class Store:
    """One network's store: where its events are recorded and read back.

    `url`: `memory://`, `sqlite:///path` or `postgresql://...` (see
    `peernet.adapters.storage`); `env`: more eventsourcing settings; `key`: the master
    key confidential fields are sealed under (else ``?key_file=`` or ``PEERNET_KEY``);
    `access`: ``"write"`` (the default), ``"read"`` (nothing is created or written) or
    ``"verify"`` (read, and no key is read: see `peernet.adapters.opening`).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        key: str | bytes | None = None,
        access: Access = "write",
    ) -> None:
        self.url = default_url() if url is None else url
        self.access: Access = access_of(access)
        settings = settings_for(self.url)
        master = master_key(key, settings.pop("KEY_FILE", None)) if access != "verify" else None
        settings = settings_to(self.url, settings, self.access)
        if (topic := recorders.TOPICS.get(settings["PERSISTENCE_MODULE"])) is not None:
            settings["PROCESS_RECORDER_TOPIC"] = topic
        settings.update(env or {})
        if settings.get("PERSISTENCE_MODULE") == "eventsourcing.postgres" and not any(
            "POSTGRES_GET_PASSWORD_TOPIC" in where for where in (settings, os.environ)
        ):  # a password from a function of the app's own: only eventsourcing can connect
            probe_postgres(self.url, settings)
        # eventsourcing reads PEERNET_<KEY> before <KEY>: name the URL's settings both ways,
        # so no stray environment variable can point the network at another store.
        settings |= {f"{NAME.upper()}_{key}": value for key, value in settings.items()}
        environment = Environment(NAME, {**os.environ, **settings})
        self.lock = threading.RLock()
        self.factory, self.recorder = _open(self.url, environment, self.access, settings)
        self.codec: PeerNetMapper = self.factory.mapper(mapper_class=PeerNetMapper)  # type: ignore[assignment]
        if access != "verify":
            with self.errors():
                self._open_keys(master)
        log.debug("opened %s to %s", redact(self.url), self.access)

    @property
    def dense(self) -> bool:
        """Whether the store numbers its events without holes (SQLite, memory), so that
        an empty position is where events were removed. PostgreSQL may leave a hole where
        a refused write consumed a number."""
        return type(self.factory).__module__ in ("eventsourcing.sqlite", "eventsourcing.popo")

    @property
    def checks_position(self) -> bool:
        """Whether a write can check that the log still ends where the writer last saw
        it (`peernet.adapters.recorders`), so a command need not ask before deciding."""
        return bool(getattr(self.recorder, "checks_position", False))

    @property
    def writable(self) -> bool:
        """Whether commands may be recorded: the store was opened to write."""
        return self.access == "write"

    def check_writable(self, doing: str) -> None:
        """Refuse `doing` on a store opened to read or verify."""
        if not self.writable:
            raise ReadOnlyStore(url=redact(self.url), access=self.access, doing=doing)

    def _open_keys(self, master: bytes | None) -> None:
        """Seal confidential fields under `master` (checked against the store's), or
        refuse a store that was encrypted when no key is given. A reader reads the key
        table and never writes it."""
        table = key_table(self.recorder)
        if master is None:
            if table.exists():
                raise KeyRequired(store=redact(self.url))
            return
        if not self.writable:
            if not table.exists():
                return  # never encrypted: nothing sealed to open
            table = ReadOnlyKeys(table)
        ring = KeyRing(master, table, redact(self.url))
        ring.open_store()
        self.codec.keys = ring

    def rotate_key(self, new_key: str | bytes) -> int:
        """Wrap every company's data key under the master key `new_key` (see
        `KeyRing.rotate`); from then on the store opens with `new_key` only. Returns how
        many rows were rewrapped."""
        self.check_writable("rotate the master key")
        ring = self.codec.keys
        if ring is None:
            raise NotEncrypted(store=redact(self.url))
        new = parse_key(new_key, "the new key")
        with self.lock, self.errors():
            return ring.rotate(new)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn a store's failure into one line (`StoreUnavailable`); a lost race
        (`IntegrityError`) passes through for the command side to decide again."""
        try:
            yield
        except IntegrityError:
            raise
        except (PersistenceError, ConnectionPoolClosedError, OSError) as error:
            raise unavailable(self.url, f"{type(error).__name__}: {error}") from None

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Read rows under the lock, a store's failure as one line, and a row eventsourcing
        cannot turn into a stored event (a stream id that is not a UUID) refused."""
        with self.lock, self.errors():
            try:
                yield
            except (ValueError, TypeError) as error:
                why = f"a stored event is malformed ({type(error).__name__}: {error})"
                raise unavailable(self.url, why) from None

    def top(self) -> int:
        """The position of the last event recorded (0 for an empty store)."""
        with self.reading():
            return self.recorder.max_notification_id() or 0

    def log(
        self,
        after: int = 0,
        page: int = PAGE,
        *,
        stop: int | None = None,
        topics: tuple[str, ...] | None = None,
    ) -> Iterator[Notification]:
        """Every stored event after position `after` (up to `stop`), ledger entries too,
        in log order, as eventsourcing's notifications; `rows` says the rest."""
        for row in self.rows(after, page, stop=stop, topics=topics):
            yield Notification(
                id=row.id,
                originator_id=row.stream_id,
                originator_version=row.originator_version,
                topic=row.topic,
                state=row.state,
            )

    def rows(
        self,
        after: int = 0,
        page: int = PAGE,
        *,
        stop: int | None = None,
        topics: tuple[str, ...] | None = None,
    ) -> Iterator[Row]:
        """Every stored event after position `after` (up to `stop`), ledger entries too,
        in log order, as the page read it (a reader that decodes every row need not
        make a notification of each first); with `topics`, the events of those topics
        and every event of a topic peernet does not know (for the reader to refuse, as
        a reader of every event would: `peernet.adapters.logrows`). A row whose stream
        id is not a UUID keeps it as text: decoding it is refused. The lock is held
        while a page is read, never while the caller works on it."""
        known, stop = self.codec.types, _END if stop is None else stop
        while after < stop:
            with self.lock, self.errors():
                found = rows_of(self.recorder, after, stop, topics=topics, known=known, limit=page)
            after = found.after
            yield from found.rows

    def stream(
        self, stream_id: UUID, *, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        """The stored events of one stream after version `after`."""
        with self.reading():
            return list(self.recorder.select_events(stream_id, gt=after or None, limit=limit))

    def last(self, stream_id: UUID) -> StoredEvent | None:
        """The last stored event of a stream (None for an empty stream)."""
        with self.reading():
            found = self.recorder.select_events(stream_id, desc=True, limit=1)
        return found[0] if found else None

    def exists(self, stream_id: UUID, version: int) -> bool:
        with self.reading():
            return bool(self.recorder.select_events(stream_id, gt=version - 1, lte=version))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if (close_writer := getattr(self.recorder, "close_writer", None)) is not None:
                close_writer()
            self.factory.close()


class ReadOnlyKeys(KeyTable):
    """A store's key table as a reader sees it: read, never created or written (a
    forgotten company's key is destroyed by a writer; a reader only stops using it)."""

    def __init__(self, table: KeyTable) -> None:
        self.table = table

    def exists(self) -> bool:
        return self.table.exists()

    def create(self) -> None:
        pass

    def get(self, company_id: UUID) -> bytes | None:
        return self.table.get(company_id)

    def read_all(self) -> dict[UUID, bytes]:
        return self.table.read_all()

    def add(self, company_id: UUID, sealed: bytes, check: bytes) -> bytes | None:
        raise ReadOnlyStore(url="the key table", access="read", doing="keep a new key")

    def forget(self, company_id: UUID) -> None:
        pass

    def rewrap(self, change: Rewrap, check: bytes) -> int | None:
        raise ReadOnlyStore(url="the key table", access="read", doing="rotate the master key")


def _open(
    url: str, environment: Environment, access: Access, settings: dict[str, str]
) -> tuple[InfrastructureFactory, ProcessRecorder]:
    """eventsourcing's factory and recorder for the store, tables created when it is
    opened to write; one clear line when it cannot be opened. The recorder is
    eventsourcing's process recorder (the application recorder's tables, and a tracking
    table), so a follower's position is written with the events its handler decided
    (`peernet.application.followers`)."""
    for attempt in range(1, _OPEN_ATTEMPTS + 1):
        try:
            factory = InfrastructureFactory.construct(environment)
            if access != "write":
                read_only_sessions(factory)
            durability(factory, settings)
            recorder = factory.process_recorder()
            recorder.max_notification_id()
        except PeerNetError:
            raise
        except (IntegrityError, InternalError) as error:
            # Processes opening a new store at once race to create its tables.
            if attempt == _OPEN_ATTEMPTS:
                raise unavailable(url, str(error)) from None
            log.info("creating the tables raced with another process; opening again")
            time.sleep(0.05 * attempt)
        except Exception as error:  # any driver's failure to open becomes one clear line
            raise missing_tables(url, error) or unavailable(url, opening_error(error)) from None
        else:
            return factory, recorder
    raise AssertionError("unreachable")


def opening_error(error: BaseException) -> str:
    """What went wrong opening a store, in words: a read-only file or folder named so."""
    said = str(error) or type(error).__name__
    if "readonly database" in said or "read-only" in said:
        return f"it is read-only ({said}); a command that only reads opens it read-only"
    return said
