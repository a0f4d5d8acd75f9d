"""eventsourcing's SQLite process recorder, with one check more in its write: that nobody
wrote since the writer last looked at the log.

A command is decided on the warm state of the replica. Asking the store before every
command whether another process wrote (a transaction of its own, to read the last
position) costs a command on SQLite as much as deciding it; instead, a command that
believes the log ends at `after` writes with ``insert_events(events, after=after)``,
and the write refuses itself (`Stale`, rolled back whole) when its first event does not
land at position ``after + 1``: SQLite numbers rows one past the last, inside the
write's own transaction, so a row written by anyone else in between shows here. The
command side then catches up and decides again, as after a lost race. PostgreSQL checks
the last position under the table lock, in the one statement that writes
(`peernet.adapters.recorders_postgres`).

A write may also carry the links its events add (``links=[(index, Link), ...]``): they
go into the links table in the same transaction (`peernet.adapters.links`).
"""

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteProcessRecorder,
)

from peernet.adapters import links
from peernet.domain.links import Link

#: the links a write adds, each with the index of its event among the write's events
Indexed = tuple[int, Link]

#: the setting that makes eventsourcing's factory build peernet's recorder, by module
TOPICS = {
    "eventsourcing.sqlite": "peernet.adapters.recorders:SQLiteRecorder",
    "eventsourcing.postgres": "peernet.adapters.recorders_postgres:PostgresRecorder",
}


class Stale(IntegrityError):
    """The log moved on since the writer last looked: decide again on what it holds."""


class SQLiteRecorder(SQLiteProcessRecorder):
    """eventsourcing's SQLite process recorder, whose write may say where the log ended
    when the command was decided (``after``)."""

    #: a write can check that the log still ends where the writer last saw it
    checks_position = True

    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self._writer: SQLiteConnection | None = None
        self._writing = threading.Lock()
        self._reader: SQLiteConnection | None = None
        self._reading = threading.Lock()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Write through one connection kept for writing (a file store), rather than
        taking one from the pool and giving it back at every command."""
        if self.datastore.pool.is_sqlite_memory_mode:
            return super().insert_events(stored_events, **kwargs)
        with self._writing:
            if self._writer is None:
                self._writer = self.datastore.pool._create_connection()
            with self._writer.transaction(commit=True) as c:
                return self._insert_events(c, stored_events, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        """eventsourcing's tables, and the links table beside them (`peernet.adapters.links`)."""
        return [*super().construct_create_table_statements(), *links.SQLITE_CREATE]

    def read(self, statement: str, parameters: Sequence[Any]) -> list[Any]:
        """The rows of one statement, read on a connection kept for it with no
        transaction around it (a lookup in the links table on the command path costs
        the statement alone, not a pooled connection's begin and end)."""
        if self.datastore.pool.is_sqlite_memory_mode:
            with self.datastore.transaction(commit=False) as c:
                c.execute(statement, parameters)
                return list(c.fetchall())
        with self._reading:
            if self._reader is None:
                self._reader = self.datastore.pool._create_connection()
            return self._reader._sqlite_conn.execute(statement, parameters).fetchall()

    def close_writer(self) -> None:
        """Close the connections kept for writing and reading (the pool closes the others)."""
        with self._writing:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        with self._reading:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        after: int | None = kwargs.get("after")
        if after is not None and positions and positions[0] != after + 1:
            raise Stale(f"the log moved past {after} before this write")
        added: Sequence[Indexed] | None = kwargs.get("links")
        if added is not None and positions:
            placed = [(positions[i], link) for i, link in added]
            links.write_sqlite(c, self.events_table_name, placed, positions[0], positions[-1])
        return positions
