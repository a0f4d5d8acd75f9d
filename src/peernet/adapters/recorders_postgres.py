"""eventsourcing's PostgreSQL process recorder, whose write may check that nobody wrote
since the writer last looked at the log (`peernet.adapters.recorders`): its insert is
conditional on the last position, read under the table lock every writer takes, in the
same round trip; when the log moved on, nothing is inserted and the write is `Stale`.
Imported only for a PostgreSQL store (the `postgres` extra)."""

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from peernet.adapters import links
from peernet.adapters.recorders import Indexed, Stale


class PostgresRecorder(PostgresProcessRecorder):
    """eventsourcing's PostgreSQL process recorder, whose write may say where the log
    ended when the command was decided (``after``)."""

    #: a write can check that the log still ends where the writer last saw it
    checks_position = True

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.insert_after_statement = SQL(
            "INSERT INTO {schema}.{table} AS t (originator_id, originator_version, topic, state)"
            " SELECT originator_id, originator_version, topic, state"
            " FROM unnest(%s::{schema}.{stored_event_type}[])"
            " WHERE (SELECT coalesce(max(notification_id), 0) FROM {schema}.{table}) = %s"
            " RETURNING notification_id"
        ).format(
            schema=Identifier(datastore.schema),
            table=Identifier(self.events_table_name),
            stored_event_type=Identifier(self.stored_event_type_name),
        )
        self.sql_create_statements.extend(links.postgres_create(datastore.schema or "public"))

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        after: int | None = kwargs.get("after")
        if after is None:
            super()._insert_stored_events(curs, stored_events, **kwargs)
            return
        self._lock_table(curs)
        self._notify_channel(curs)
        rows = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        curs.execute(self.insert_after_statement, (rows, after), prepare=True)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        found = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        after: int | None = kwargs.get("after")
        if after is not None and stored_events and not found:
            raise Stale(f"the log moved past {after} before this write")
        self._insert_links(curs, found, kwargs.get("links"))
        return found

    def _insert_links(
        self,
        curs: Cursor[DictRow],
        positions: Sequence[int] | None,
        added: Sequence[Indexed] | None,
    ) -> None:
        """Insert the links a write's events add, in its transaction (see
        `peernet.adapters.links`), once their positions are known."""
        if added is None or not positions:
            return
        placed = [(positions[i], link) for i, link in added]
        schema = self.datastore.schema or "public"
        links.write_postgres(
            curs, schema, self.events_table_name, placed, positions[0], positions[-1]
        )
