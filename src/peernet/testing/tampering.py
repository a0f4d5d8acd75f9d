"""A hostile hand on a store: change, delete, move and add stored rows behind peernet's
back, the way an intruder with the database file or a database login would.

For tests of what peernet makes of a store it did not write: `audit verify` naming the
place of each change (docs/auditing.md has the table), and every command refusing, in
one line, what it cannot read. SQLite files are changed with `sqlite3`, PostgreSQL
schemas with psycopg; a memory store has no rows anyone else can reach.

>>> hand = Intruder("sqlite:///network.db")            # doctest: +SKIP
>>> hand.change(12, lambda state: state.replace(b"Acme", b"Acne"))  # doctest: +SKIP
"""

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from peernet.adapters.storage import settings_for


class StoredRow(NamedTuple):
    """One stored event as the table holds it."""

    position: int
    stream_id: str
    version: int
    topic: str
    state: bytes


class Intruder:
    """Rows of the events table of the store `url` (SQLite or PostgreSQL), changed by
    hand, each change in a transaction of its own."""

    def __init__(self, url: str) -> None:
        settings = settings_for(url)
        self.module = settings["PERSISTENCE_MODULE"]
        if self.module == "eventsourcing.sqlite":
            self.path = settings["SQLITE_DBNAME"]
        elif self.module == "eventsourcing.postgres":
            parts = urlsplit(url)
            self.dsn = " ".join(
                f"{key}='{value}'"
                for key, value in (
                    ("host", parts.hostname),
                    ("port", parts.port or 5432),
                    ("user", unquote(parts.username or "")),
                    ("dbname", unquote(parts.path.lstrip("/"))),
                    ("password", unquote(parts.password or "")),
                )
                if value
            )
            schema = parse_qs(parts.query).get("schema", ["public"])[0]
            self.table = f'"{schema}"."peernet_events"'
        else:
            raise ValueError(f"no rows to tamper with in {url}: memory stores are not reachable")

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[Any]:
        if self.module == "eventsourcing.sqlite":
            with contextlib.closing(sqlite3.connect(self.path)) as db, db:
                cursor = db.cursor()
                try:
                    yield cursor
                finally:
                    cursor.close()
            return
        import psycopg  # noqa: PLC0415 - the `postgres` extra, for a PostgreSQL store only

        with psycopg.connect(self.dsn) as server, server.cursor() as pg_cursor:
            yield pg_cursor

    def _sql(self, statement: str) -> str:
        """A statement written for SQLite (`rowid`, `?`), said for the store's backend."""
        if self.module == "eventsourcing.sqlite":
            return statement.replace("{table}", "stored_events")
        return (
            statement.replace("{table}", self.table)
            .replace("rowid", "notification_id")
            .replace("?", "%s")
        )

    def rows(self) -> list[StoredRow]:
        """Every stored event, in log order."""
        with self._cursor() as c:
            c.execute(
                self._sql(
                    "SELECT rowid, originator_id, originator_version, topic, state "
                    "FROM {table} ORDER BY rowid"
                )
            )
            return [StoredRow(r[0], str(r[1]), r[2], r[3], bytes(r[4])) for r in c.fetchall()]

    def positions(self, topic: str | None = None, stream_id: str | None = None) -> list[int]:
        """The positions of the events of `topic` (and of `stream_id`), in log order."""
        return [
            r.position
            for r in self.rows()
            if (topic is None or r.topic == topic)
            and (stream_id is None or r.stream_id.replace("-", "") == stream_id.replace("-", ""))
        ]

    def change(self, position: int, change: Callable[[bytes], bytes]) -> None:
        """Rewrite the state of the event at `position`."""
        with self._cursor() as c:
            c.execute(self._sql("SELECT state FROM {table} WHERE rowid=?"), (position,))
            (state,) = c.fetchone()
            c.execute(
                self._sql("UPDATE {table} SET state=? WHERE rowid=?"),
                (change(bytes(state)), position),
            )

    def set(self, position: int, column: str, value: object) -> None:
        """Set one column (`topic`, `originator_version`, `originator_id`...) of a row."""
        assert column in ("topic", "originator_version", "originator_id", "state")
        statement = f"UPDATE {{table}} SET {column}=? WHERE rowid=?"  # noqa: S608 - checked
        with self._cursor() as c:
            c.execute(self._sql(statement), (value, position))

    def delete(self, *positions: int) -> None:
        """Delete the events at `positions`."""
        with self._cursor() as c:
            for position in positions:
                c.execute(self._sql("DELETE FROM {table} WHERE rowid=?"), (position,))

    def move(self, position: int, to: int) -> None:
        """Give the event at `position` the free position `to`."""
        with self._cursor() as c:
            c.execute(self._sql("UPDATE {table} SET rowid=? WHERE rowid=?"), (to, position))

    def swap(self, first: int, second: int) -> None:
        """Swap two events' places in the log."""
        with self._cursor() as c:
            update = self._sql("UPDATE {table} SET rowid=? WHERE rowid=?")
            c.execute(update, (-1, first))
            c.execute(update, (first, second))
            c.execute(update, (second, -1))

    def shift(self, start: int, by: int = 1) -> None:
        """Move every event from position `start` on `by` places later, leaving a hole."""
        with self._cursor() as c:
            c.execute(
                self._sql("SELECT rowid FROM {table} WHERE rowid>=? ORDER BY rowid DESC"), (start,)
            )
            for (position,) in c.fetchall():
                c.execute(
                    self._sql("UPDATE {table} SET rowid=? WHERE rowid=?"), (position + by, position)
                )

    def insert(self, row: StoredRow) -> None:
        """Add a stored event at `row.position` (which must be free)."""
        with self._cursor() as c:
            stream = row.stream_id
            if self.module == "eventsourcing.sqlite":
                stream = stream.replace("-", "")
            c.execute(
                self._sql(
                    "INSERT INTO {table} (rowid, originator_id, originator_version, topic, state) "
                    "VALUES (?, ?, ?, ?, ?)"
                ),
                (row.position, stream, row.version, row.topic, row.state),
            )
