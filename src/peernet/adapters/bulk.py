"""Bulk writes of a history into an empty store: the rows of an export, a page at a time,
each page in one transaction with the import's progress, so that an import killed in the
middle resumes where its last page ended (`peernet.application.archive`).

- SQLite: one ``executemany`` a page, positions numbered from 1 in the file's order
  (SQLite numbers its events without holes: `audit verify` reads a hole as a removal).
- PostgreSQL: one ``COPY`` a page, under eventsourcing's table lock, positions kept as
  the file has them (PostgreSQL may leave holes), the position sequence moved past the
  last one.

The import's progress is a row of the table ``peernet_import``: which export, how many
lines are written, and whether the import wrote the store's key check row. It is written
in the page's own transaction and removed by the last one.

A store's encryption keys are copied as stored: each company's data key sealed under the
master key, which is never in a store or an export.
"""

import sqlite3
from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteApplicationRecorder

from peernet.adapters import links
from peernet.adapters.keys import CHECK_ID
from peernet.domain.errors import InvalidInput

# --- the store: importing a history ------------------------------------------------------


class UnreadableExport(InvalidInput):
    """A line of an export file that cannot be imported: not JSON, not a line of an
    export, or a chain that does not check out. Nothing of the file stays written."""

    rule = "sound_export"
    says = "{file}, line {line}: {why}"


class StoreNotEmpty(InvalidInput):
    rule = "import_into_empty_store"
    says = (
        "store {url} is not empty ({what}): an import writes only into an empty store "
        "(a new SQLite file, or a new PostgreSQL schema)"
    )


class ImportUnsupported(InvalidInput):
    rule = "import_into_sqlite_or_postgresql"
    says = "store {url} is {kind}: an import writes into SQLite or PostgreSQL"


#: an event as a SQLite import writes it: position, stream id in hex, version, topic, state
SQLiteRow = tuple[int, str, int, str, bytes]
#: an event as a PostgreSQL import writes it: stream id, version, topic, state, position
PostgresRow = tuple[UUID, int, str, bytes, int]


class Progress(NamedTuple):
    """An unfinished import: the export it copies, how many of the file's lines are
    written, and whether the import wrote the key check row."""

    export_id: str
    lines: int
    own_check: bool


def _is_postgres(recorder: Any) -> bool:
    return any(cls.__module__ == "eventsourcing.postgres" for cls in type(recorder).__mro__)


def bulk_kind(recorder: Any) -> str | None:
    """``sqlite`` or ``postgresql`` when a history can be imported into the store, else None."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return "sqlite"
    if _is_postgres(recorder):
        return "postgresql"
    return None


#: the tracking record eventsourcing keeps for its own migrations, not a follower's
_MIGRATION = "__migration__"


def tracking_rows(recorder: Any) -> list[tuple[str, int]]:
    """Every tracking record's name and last position (each follower's place in the
    log: `peernet.application.followers`); none when the store keeps none."""
    kind = bulk_kind(recorder)
    if kind == "sqlite":
        with recorder.datastore.transaction(commit=False) as c:
            c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='tracking'")
            if c.fetchone() is None:
                return []
            c.execute(
                "SELECT application_name, MAX(notification_id) FROM tracking "
                "WHERE application_name<>? GROUP BY application_name ORDER BY application_name",
                (_MIGRATION,),
            )
            return [(str(r[0]), int(r[1])) for r in c.fetchall()]
    if kind == "postgresql":
        schema, table = recorder.datastore.schema or "public", recorder.tracking_table_name
        with recorder.datastore.transaction(commit=False) as c:
            c.execute("SELECT to_regclass(%s) AS t", (f'"{schema}"."{table}"',))
            if c.fetchone()["t"] is None:
                return []
            c.execute(
                _pg(
                    "SELECT application_name AS name, MAX(notification_id) AS position FROM {} "
                    "WHERE application_name<>%s GROUP BY application_name ORDER BY 1",
                    schema,
                    table,
                ),
                (_MIGRATION,),
            )
            return [(str(r["name"]), int(r["position"])) for r in c.fetchall()]
    return []


def key_rows(recorder: Any) -> list[tuple[UUID, bytes]]:
    """Every row of the store's key table as stored (sealed data keys, tombstones, the
    check row), the check row first; none when the store was never encrypted."""
    if bulk_kind(recorder) == "sqlite":
        with recorder.datastore.transaction(commit=False) as c:
            c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='peernet_keys'")
            if c.fetchone() is None:
                return []
            c.execute("SELECT company_id, sealed FROM peernet_keys ORDER BY company_id")
            rows = [(UUID(r[0]), bytes(r[1])) for r in c.fetchall()]
    elif bulk_kind(recorder) == "postgresql":
        schema = recorder.datastore.schema or "public"
        with recorder.datastore.transaction(commit=False) as c:
            c.execute("SELECT to_regclass(%s) AS t", (f'"{schema}".peernet_keys',))
            if c.fetchone()["t"] is None:
                return []
            c.execute(_pg("SELECT company_id, sealed FROM {} ORDER BY company_id", schema))
            rows = [(r["company_id"], bytes(r["sealed"])) for r in c.fetchall()]
    else:
        return []
    return sorted(rows, key=lambda row: row[0] != CHECK_ID)


def _pg(statement: str, schema: str, table: str = "peernet_keys") -> Any:
    from psycopg.sql import SQL, Identifier  # noqa: PLC0415 - the `postgres` extra

    return SQL(statement).format(SQL("{}.{}").format(Identifier(schema), Identifier(table)))


#: SQLite's synchronous=NORMAL
_NORMAL = 1
_CREATE_PROGRESS = (
    "CREATE TABLE IF NOT EXISTS {} "
    "(export_id TEXT PRIMARY KEY, lines BIGINT NOT NULL, own_check INTEGER NOT NULL)"
)


class BulkWriter:
    """Writes pages of an export into one store (SQLite or PostgreSQL)."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.kind = bulk_kind(recorder)
        self.table = recorder.events_table_name
        postgres = self.kind == "postgresql"
        self.schema = (recorder.datastore.schema or "public") if postgres else ""
        self._create()

    def _create(self) -> None:
        keys = "CREATE TABLE IF NOT EXISTS {} (company_id {}, sealed {} NOT NULL)"
        with self.recorder.datastore.transaction(commit=True) as c:
            if self.kind == "sqlite":
                c.execute(_CREATE_PROGRESS.format("peernet_import"))
                c.execute(keys.format("peernet_keys", "TEXT PRIMARY KEY", "BLOB"))
            else:
                c.execute(_pg(_CREATE_PROGRESS, self.schema, "peernet_import"))
                c.execute(
                    _pg(
                        "CREATE TABLE IF NOT EXISTS {} "
                        "(company_id uuid PRIMARY KEY, sealed bytea NOT NULL)",
                        self.schema,
                    )
                )

    def progress(self) -> Progress | None:
        """The unfinished import the store holds, if any."""
        with self.recorder.datastore.transaction(commit=False) as c:
            if self.kind == "sqlite":
                c.execute("SELECT export_id, lines, own_check FROM peernet_import")
                row = c.fetchone()
                return None if row is None else Progress(row[0], int(row[1]), bool(row[2]))
            c.execute(
                _pg("SELECT export_id, lines, own_check FROM {}", self.schema, "peernet_import")
            )
            found = c.fetchone()
        if found is None:
            return None
        return Progress(found["export_id"], int(found["lines"]), bool(found["own_check"]))

    def key_rows(self) -> list[tuple[UUID, bytes]]:
        """The store's key rows as stored."""
        return key_rows(self.recorder)

    def write(
        self,
        events: Sequence[Any],
        keys: Sequence[tuple[UUID, bytes]],
        progress: Progress,
        *,
        done: bool,
        linked: Sequence[links.Placed],
    ) -> None:
        """Write a page of events (each a `SQLiteRow` or a `PostgresRow`), the links they
        add, keys, and the import's progress (removed when `done`), in one transaction."""
        if self.kind == "sqlite":
            self._sqlite(events, keys, progress, done=done, linked=linked)
        else:
            self._postgres(events, keys, progress, done=done, linked=linked)

    def _sqlite(
        self,
        events: Sequence[Any],
        keys: Sequence[tuple[UUID, bytes]],
        progress: Progress,
        *,
        done: bool,
        linked: Sequence[links.Placed],
    ) -> None:
        insert = (  # the recorder's own table name
            f"INSERT INTO {self.table} "  # noqa: S608
            "(rowid, originator_id, originator_version, topic, state) VALUES (?,?,?,?,?)"
        )
        with self.recorder.datastore.get_connection(commit=True) as connection:
            raw: sqlite3.Connection = connection._sqlite_conn
            durable = raw.execute("PRAGMA synchronous").fetchone()[0]
            # A page but the last commits at NORMAL: a power loss may lose the last pages
            # written, never leave a page half-written (WAL), and the import's progress
            # goes with its page, so running the import again resumes. The last is durable.
            raw.execute(f"PRAGMA synchronous={durable if done else _NORMAL}")
            try:
                with connection.transaction(commit=True) as c:
                    c.executemany(insert, events)
                    if events:
                        links.write_sqlite(c, self.table, linked, events[0][0], events[-1][0])
                    c.executemany(
                        "INSERT INTO peernet_keys (company_id, sealed) VALUES (?, ?)",
                        [(str(company_id), sealed) for company_id, sealed in keys],
                    )
                    c.execute("DELETE FROM peernet_import")
                    if not done:
                        c.execute(
                            "INSERT INTO peernet_import (export_id, lines, own_check) "
                            "VALUES (?, ?, ?)",
                            (progress.export_id, progress.lines, int(progress.own_check)),
                        )
            finally:
                raw.execute(f"PRAGMA synchronous={int(durable)}")

    def _postgres(
        self,
        events: Sequence[Any],
        keys: Sequence[tuple[UUID, bytes]],
        progress: Progress,
        *,
        done: bool,
        linked: Sequence[links.Placed],
    ) -> None:
        copy = _pg(
            "COPY {} (originator_id, originator_version, topic, state, notification_id) "
            "FROM STDIN (FORMAT BINARY)",
            self.schema,
            self.table,
        )
        with self.recorder.datastore.transaction(commit=True) as c:
            for statement in self.recorder.lock_table_statements:
                c.execute(statement)
            if events:
                with c.copy(copy) as out:
                    out.set_types(["uuid", "int8", "text", "bytea", "int8"])
                    for row in events:
                        out.write_row(row)
                sequence = f'"{self.schema}"."{self.table}"'
                c.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)",
                    (sequence, events[-1][-1]),
                )
                first, last = events[0][-1], events[-1][-1]
                links.write_postgres(c, self.schema, self.table, linked, first, last)
            if keys:
                c.executemany(
                    _pg("INSERT INTO {} (company_id, sealed) VALUES (%s, %s)", self.schema),
                    list(keys),
                )
            c.execute(_pg("DELETE FROM {}", self.schema, "peernet_import"))
            if not done:
                c.execute(
                    _pg(
                        "INSERT INTO {} (export_id, lines, own_check) VALUES (%s, %s, %s)",
                        self.schema,
                        "peernet_import",
                    ),
                    (progress.export_id, progress.lines, int(progress.own_check)),
                )

    def track(self, name: str, position: int) -> None:
        """Place the follower `name` at `position`, unless it is there already (an
        import resumed after it was placed)."""
        if (self.recorder.max_tracking_id(name) or 0) < position:
            self.recorder.insert_events([], tracking=Tracking(name, position))

    def clear(self, *, keep_check: bool) -> None:
        """Remove every event, key (the check row kept when `keep_check`) and the
        import's progress: the store is empty again, as it was before the import."""
        with self.recorder.datastore.transaction(commit=True) as c:
            if self.kind == "sqlite":
                c.execute(f"DELETE FROM {self.table}")  # noqa: S608 - the recorder's table
                keep = "WHERE company_id<>?" if keep_check else "WHERE ?=?"
                c.execute(
                    f"DELETE FROM peernet_keys {keep}",  # noqa: S608 - one of two literals
                    (str(CHECK_ID),) if keep_check else (1, 1),
                )
                c.execute("DELETE FROM peernet_import")
                c.execute("DELETE FROM peernet_links")
                c.execute("UPDATE peernet_links_position SET position = 0")
            else:
                for statement in self.recorder.lock_table_statements:
                    c.execute(statement)
                c.execute(_pg("DELETE FROM {}", self.schema, self.table))
                c.execute(
                    _pg("DELETE FROM {} WHERE company_id<>%s OR NOT %s", self.schema),
                    (CHECK_ID, keep_check),
                )
                c.execute(_pg("DELETE FROM {}", self.schema, "peernet_import"))
                c.execute(_pg("DELETE FROM {}", self.schema, "peernet_links"))
                c.execute(_pg("UPDATE {} SET position = 0", self.schema, "peernet_links_position"))
