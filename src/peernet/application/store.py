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

from peernet.adapters.codec import PeerNetMapper
from peernet.adapters.keys import KeyRing, key_table, master_key, parse_key
from peernet.adapters.storage import default_url, redact, settings_for, unavailable
from peernet.domain.errors import KeyRequired, NotEncrypted, PeerNetError

log = logging.getLogger(__name__)

NAME = "peernet"
PAGE = 1000
_OPEN_ATTEMPTS = 5


class Store:
    """One network's store: where its events are recorded and read back.

    `url`: `memory://`, `sqlite:///path` or `postgresql://...` (see
    `peernet.adapters.storage`); `env`: more eventsourcing settings; `key`: the master
    key confidential fields are sealed under (else ``?key_file=`` or ``PEERNET_KEY``).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        key: str | bytes | None = None,
    ) -> None:
        self.url = default_url() if url is None else url
        settings = settings_for(self.url)
        master = master_key(key, settings.pop("KEY_FILE", None))
        settings.update(env or {})
        # eventsourcing reads PEERNET_<KEY> before <KEY>: name the URL's settings both ways,
        # so no stray environment variable can point the network at another store.
        settings |= {f"{NAME.upper()}_{key}": value for key, value in settings.items()}
        environment = Environment(NAME, {**os.environ, **settings})
        self.lock = threading.RLock()
        self.factory, self.recorder = _open(self.url, environment)
        self.codec: PeerNetMapper = self.factory.mapper(mapper_class=PeerNetMapper)  # type: ignore[assignment]
        with self.errors():
            self._open_keys(master)
        log.debug("opened %s", redact(self.url))

    def _open_keys(self, master: bytes | None) -> None:
        """Seal confidential fields under `master` (checked against the store's), or
        refuse a store that was encrypted when no key is given."""
        table = key_table(self.recorder)
        if master is None:
            if table.exists():
                raise KeyRequired(store=redact(self.url))
            return
        ring = KeyRing(master, table, redact(self.url))
        ring.open_store()
        self.codec.keys = ring

    def rotate_key(self, new_key: str | bytes) -> int:
        """Wrap every company's data key under the master key `new_key` (see
        `KeyRing.rotate`); from then on the store opens with `new_key` only. Returns how
        many rows were rewrapped."""
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
        except (PersistenceError, ConnectionPoolClosedError) as error:
            raise unavailable(self.url, f"{type(error).__name__}: {error}") from None

    def top(self) -> int:
        """The position of the last event recorded (0 for an empty store)."""
        return self.recorder.max_notification_id() or 0

    def log(
        self,
        after: int = 0,
        page: int = PAGE,
        *,
        stop: int | None = None,
        topics: tuple[str, ...] = (),
    ) -> Iterator[Notification]:
        """Every stored event after position `after` (up to `stop`), ledger entries too,
        in log order; the lock is held while a page is read, never while the caller works
        on it."""
        while stop is None or after < stop:
            with self.lock, self.errors():
                batch = self.recorder.select_notifications(
                    start=after, limit=page, stop=stop, topics=topics, inclusive_of_start=False
                )
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1].id

    def stream(
        self, stream_id: UUID, *, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        """The stored events of one stream after version `after`."""
        with self.lock, self.errors():
            return list(self.recorder.select_events(stream_id, gt=after or None, limit=limit))

    def last(self, stream_id: UUID) -> StoredEvent | None:
        """The last stored event of a stream (None for an empty stream)."""
        with self.lock, self.errors():
            found = self.recorder.select_events(stream_id, desc=True, limit=1)
        return found[0] if found else None

    def exists(self, stream_id: UUID, version: int) -> bool:
        with self.lock, self.errors():
            return bool(self.recorder.select_events(stream_id, gt=version - 1, lte=version))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.factory.close()


def _open(url: str, environment: Environment) -> tuple[InfrastructureFactory, ProcessRecorder]:
    """eventsourcing's factory and recorder for the store, tables created; one clear line
    when it cannot be opened. The recorder is eventsourcing's process recorder (the
    application recorder's tables, and a tracking table), so a follower's position is
    written with the events its handler decided (`peernet.application.followers`)."""
    for attempt in range(1, _OPEN_ATTEMPTS + 1):
        try:
            factory = InfrastructureFactory.construct(environment)
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
            raise unavailable(url, str(error)) from None
        else:
            return factory, recorder
    raise AssertionError("unreachable")
