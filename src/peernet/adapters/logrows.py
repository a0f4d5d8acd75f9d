"""Pages of the log, as rows: every row, or, for readers that want a few topics, the rows
of those topics and every row of a topic peernet does not know.

A reader that asks the store only for the topics it folds would pass over an event it
cannot read (a topic written by a newer peernet, or by no peernet at all) without a
word, while a reader that reads every event would refuse it: the same store would answer
a query on one path and refuse it on the other. So every filtered read also returns the
rows of unknown topics, in the same query (SQLite and PostgreSQL have no index on the
topic: the filter costs the same scan either way), and the reader refuses them as it
would refuse them unfiltered. "One of `topics`, or none peernet knows" is asked as
"none of the known topics left out" (`left_out`): one list to test each row against,
not two, which takes a third off reading a page on SQLite.

Rows keep the stream id as the store holds it (text on SQLite): a fold never needs a
stream's id, and making a UUID of every row costs a rebuild more than a tenth of its
time. A row whose stream id is not a UUID (a SQLite row changed by hand) belongs to no
stream: whoever decodes it refuses it, a fold that needs no stream id folds it, and a
filtered read does not look for it (testing every id would cost a filtered read twice
its time), so a query that reads its stream by id never meets it, whatever path it took.
"""

from collections.abc import Collection, Sequence
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.sqlite import SQLiteApplicationRecorder

from peernet.adapters.convert import uuid_of_text


class Row(NamedTuple):
    """One stored event as a page reads it."""

    id: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes

    @property
    def stream_id(self) -> UUID | str:
        """The stream's id, as a UUID when it is one."""
        found = self.originator_id
        if isinstance(found, UUID):
            return found
        try:
            return uuid_of_text(str(found))
        except ValueError:
            return str(found)


class Page(NamedTuple):
    """The rows of one page, and the position the next page starts after."""

    rows: list[Row]
    after: int


def page(
    recorder: Any,
    after: int,
    stop: int,
    *,
    topics: Sequence[str] | None,
    known: Collection[str],
    limit: int,
) -> Page:
    """The next rows after position `after`, up to `stop`, whose topic is one of
    `topics` (every row when `topics` is None) or none of `known`; at most `limit` rows
    are scanned."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _sqlite(recorder, after, stop, topics=topics, known=known, limit=limit)
    if any(cls.__module__ == "eventsourcing.postgres" for cls in type(recorder).__mro__):
        # psycopg comes with the `postgres` extra: imported only for a PostgreSQL store
        return _postgres(recorder, after, stop, topics=topics, known=known, limit=limit)
    scanned = recorder.select_notifications(
        start=after, limit=limit, stop=stop, inclusive_of_start=False
    )
    rows = [
        Row(n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for n in scanned
        if topics is None or n.topic in topics or n.topic not in known
    ]
    return Page(rows, scanned[-1].id if len(scanned) == limit else stop)


def _marks(count: int) -> str:
    return ",".join("?" * count)


def left_out(topics: Sequence[str] | None, known: Collection[str]) -> list[str]:
    """The known topics a read of `topics` passes over: a row is read when its topic is
    one of `topics` or none of `known`, that is, when it is none of these."""
    if topics is None:
        return []
    wanted = set(topics)
    return sorted(topic for topic in known if topic not in wanted)


def _sqlite(
    recorder: SQLiteApplicationRecorder,
    after: int,
    stop: int,
    *,
    topics: Sequence[str] | None,
    known: Collection[str],
    limit: int,
) -> Page:
    wanted, params = "", list[object]([after, stop])
    if skipped := left_out(topics, known):
        wanted = f"AND topic NOT IN ({_marks(len(skipped))}) "
        params += skipped
    statement = (  # the recorder's table name and placeholders only
        "SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608
        f"FROM {recorder.events_table_name} WHERE rowid>? AND rowid<=? {wanted}"
        "ORDER BY rowid LIMIT ?"
    )
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(statement, [*params, limit])
        rows = [Row(r[0], r[1], r[2], r[3], r[4]) for r in c.fetchall()]
    return Page(rows, rows[-1].id if len(rows) == limit else stop)


def _postgres(
    recorder: Any,
    after: int,
    stop: int,
    *,
    topics: Sequence[str] | None,
    known: Collection[str],
    limit: int,
) -> Page:
    from psycopg.sql import SQL, Identifier  # noqa: PLC0415 - the `postgres` extra

    wanted, params = SQL(""), list[object]([after, stop])
    if skipped := left_out(topics, known):
        wanted = SQL("AND NOT topic = ANY(%s) ")
        params.append(skipped)
    statement = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {}.{} WHERE notification_id > %s AND notification_id <= %s {}"
        "ORDER BY notification_id LIMIT %s"
    ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name), wanted)
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(statement, [*params, limit])
        rows = [
            Row(
                r["notification_id"],
                r["originator_id"],
                r["originator_version"],
                r["topic"],
                bytes(r["state"]),
            )
            for r in c.fetchall()
        ]
    return Page(rows, rows[-1].id if len(rows) == limit else stop)
