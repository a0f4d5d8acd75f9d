"""The store's links table: which streams exist and which belong together
(`peernet.domain.links`), kept beside the events and written in the same transaction as
the events that add them, so a process opening a large store asks the table for the
links it needs instead of reading every directory event of the log (an inline
projection, as Marten and Emmett call it).

``peernet_links`` holds one row a link (relation, owner, member, kind, and the log
position of the event that added it); ``peernet_links_position`` the position up to
which the table holds every link of the log. A write advances that position only when
the table was complete up to the write's first event, so events recorded without their
links (by a peernet before this table, or by hand) leave it behind, and the next writer
to open the store fills the table from there (`peernet.application.directory`). Ids only:
no personal data is kept here, so forgetting a company has nothing to shred in it.

eventsourcing has no table of this kind (its projections are followers with a tracked
position, read after the write, not in its transaction): hence this module.
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol
from uuid import UUID

from peernet.domain.links import Link

#: a link and the log position of the event that added it
Placed = tuple[int, Link]

SQLITE_CREATE = [
    "CREATE TABLE IF NOT EXISTS peernet_links (relation TEXT NOT NULL, owner BLOB NOT NULL, "
    "member BLOB NOT NULL, kind TEXT NOT NULL, position INTEGER NOT NULL, "
    "PRIMARY KEY (relation, owner, member)) WITHOUT ROWID",
    # made with its one row in one statement, which writes nothing when the table is
    # there: processes opening a store at once must not queue for SQLite's write lock
    "CREATE TABLE IF NOT EXISTS peernet_links_position AS SELECT CAST(0 AS INTEGER) AS position",
]
_SQLITE_INSERT = "INSERT OR IGNORE INTO peernet_links VALUES (?, ?, ?, ?, ?)"
#: advance the position when the table held every link up to the write's first event
_SQLITE_ADVANCE = (
    "UPDATE peernet_links_position SET position = max(position, ?) WHERE position >= "
    "(SELECT coalesce(max(rowid), 0) FROM {events} WHERE rowid < ?)"
)
_SQLITE_MEMBERS = (
    "SELECT member, kind FROM peernet_links WHERE relation=? AND owner=? ORDER BY position"
)


class LinkTable(Protocol):
    """The links table of one store, as the directory reads and fills it."""

    def position(self) -> int | None:
        """The position up to which the table holds every link; None: no table."""

    def members(self, relation: str, owner: UUID) -> list[tuple[UUID, str]]:
        """The members (and kinds) of `owner` in `relation`, in log order."""

    def fill(self, links: Sequence[Placed], after: int, upto: int) -> None:
        """Add links read from the log between `after` and `upto`, in one transaction,
        and say the table is complete up to `upto` if it was up to `after`."""


def link_table(recorder: Any) -> LinkTable | None:
    """The links table of the store `recorder` writes to; None on the memory store,
    whose directory is kept whole in memory."""
    modules = {cls.__module__ for cls in type(recorder).__mro__}
    if "eventsourcing.sqlite" in modules:
        return SQLiteLinks(recorder)
    if "eventsourcing.postgres" in modules:
        return PostgresLinks(recorder)
    return None


def write_sqlite(c: Any, events_table: str, links: Sequence[Placed], first: int, last: int) -> None:
    """Insert the links of a write at positions `first`..`last`, in its transaction."""
    c.executemany(
        _SQLITE_INSERT,
        [(k.relation, k.owner.bytes, k.member.bytes, k.kind, at) for at, k in links],
    )
    c.execute(_SQLITE_ADVANCE.format(events=events_table), (last, first))


class SQLiteLinks:
    def __init__(self, recorder: Any) -> None:
        self.datastore = recorder.datastore
        self.events = recorder.events_table_name
        #: peernet's recorder reads on a connection it keeps (`SQLiteRecorder.read`)
        self.read: Callable[[str, Sequence[Any]], list[Any]] = getattr(
            recorder, "read", self._pooled
        )

    def position(self) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT name FROM sqlite_master WHERE type='table' "
                "AND name='peernet_links_position'"
            )
            if c.fetchone() is None:
                return None
            c.execute("SELECT position FROM peernet_links_position")
            row = c.fetchone()
        return None if row is None else int(row[0])

    def members(self, relation: str, owner: UUID) -> list[tuple[UUID, str]]:
        rows = self.read(_SQLITE_MEMBERS, (relation, owner.bytes))
        return [(UUID(bytes=bytes(r[0])), str(r[1])) for r in rows]

    def _pooled(self, statement: str, parameters: Sequence[Any]) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, parameters)
            return list(c.fetchall())

    def fill(self, links: Sequence[Placed], after: int, upto: int) -> None:
        with self.datastore.transaction(commit=True) as c:
            write_sqlite(c, self.events, links, after + 1, upto)


def _sql(statement: str, schema: str, **tables: str) -> Any:
    from psycopg.sql import SQL, Identifier  # noqa: PLC0415 - the `postgres` extra

    named = {k: SQL("{}.{}").format(Identifier(schema), Identifier(v)) for k, v in tables.items()}
    return SQL(statement).format(**named)


def postgres_create(schema: str) -> list[Any]:
    """The statements that create the links tables on PostgreSQL."""
    tables = {"links": "peernet_links", "position": "peernet_links_position"}
    return [
        _sql(
            "CREATE TABLE IF NOT EXISTS {links} (relation text NOT NULL, owner uuid NOT NULL, "
            "member uuid NOT NULL, kind text NOT NULL, position bigint NOT NULL, "
            "PRIMARY KEY (relation, owner, member))",
            schema,
            **tables,
        ),
        _sql(
            "CREATE TABLE IF NOT EXISTS {position} "
            "(one int PRIMARY KEY CHECK (one = 1), position bigint NOT NULL)",
            schema,
            **tables,
        ),
        _sql("INSERT INTO {position} VALUES (1, 0) ON CONFLICT DO NOTHING", schema, **tables),
    ]


def write_postgres(  # noqa: PLR0917 - the write's cursor, where, and what
    curs: Any, schema: str, events_table: str, links: Sequence[Placed], first: int, last: int
) -> None:
    """Insert the links of a write at positions `first`..`last`, in its transaction (the
    writer holds eventsourcing's table lock, so no other write passes it)."""
    tables = {"links": "peernet_links", "position": "peernet_links_position"}
    if links:
        curs.execute(
            _sql(
                "INSERT INTO {links} SELECT * FROM unnest(%s::text[], %s::uuid[], %s::uuid[], "
                "%s::text[], %s::bigint[]) ON CONFLICT DO NOTHING",
                schema,
                **tables,
            ),
            (
                [k.relation for _, k in links],
                [k.owner for _, k in links],
                [k.member for _, k in links],
                [k.kind for _, k in links],
                [at for at, _ in links],
            ),
        )
    curs.execute(
        _sql(
            "UPDATE {position} SET position = greatest(position, %s) WHERE position >= "
            "(SELECT coalesce(max(notification_id), 0) FROM {events} WHERE notification_id < %s)",
            schema,
            events=events_table,
            **tables,
        ),
        (last, first),
    )


class PostgresLinks:
    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.datastore = recorder.datastore
        self.schema = recorder.datastore.schema or "public"
        self.events = recorder.events_table_name

    def position(self) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT to_regclass(%s) AS t", (f'"{self.schema}".peernet_links_position',))
            if c.fetchone()["t"] is None:
                return None
            c.execute(_sql("SELECT position FROM {p}", self.schema, p="peernet_links_position"))
            row = c.fetchone()
        return None if row is None else int(row["position"])

    def members(self, relation: str, owner: UUID) -> list[tuple[UUID, str]]:
        """One statement on an autocommit connection: one round trip, no transaction."""
        with self.datastore.get_connection() as connection, connection.cursor() as c:
            c.execute(
                _sql(
                    "SELECT member, kind FROM {links} WHERE relation=%s AND owner=%s "
                    "ORDER BY position",
                    self.schema,
                    links="peernet_links",
                ),
                (relation, owner),
                prepare=True,
            )
            return [(r["member"], str(r["kind"])) for r in c.fetchall()]

    def fill(self, links: Sequence[Placed], after: int, upto: int) -> None:
        with self.datastore.transaction(commit=True) as c:
            for statement in self.recorder.lock_table_statements:
                c.execute(statement)
            write_postgres(c, self.schema, self.events, links, after + 1, upto)
