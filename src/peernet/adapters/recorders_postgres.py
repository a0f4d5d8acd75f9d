"""eventsourcing's PostgreSQL process recorder, whose write is one statement: one round
trip to the server per command.

eventsourcing writes in a pipelined transaction (BEGIN, ``SET LOCAL lock_timeout``, ``LOCK
TABLE``, ``NOTIFY``, the insert, a sync, COMMIT): the client waits on the server twice or
more a write, and each wait is most of a command's time on PostgreSQL. Here the whole
write is one call of a PL/pgSQL function, in autocommit, so the call's own implicit
transaction is the write's: it takes the table lock, checks that the log still ends where
the writer last saw it (``after``, `peernet.adapters.recorders`), writes a follower's
position (``tracking``), inserts the events, notifies listeners and returns their
positions. This is the mechanism eventsourcing's own DCB recorder uses for its conditional
append (``eventsourcing.dcb.postgres_tt``); its process recorder's optional function
(``POSTGRES_ENABLE_DB_FUNCTIONS``) takes no table lock, so positions could commit out of
order, and knows neither ``after`` nor ``tracking``: hence one of peernet's own.

The function is created with the tables by `create_table` (``CREATE OR REPLACE``, under
an advisory lock so that processes opening one store at once do not collide), named for
the events table and versioned (``peernet_events_append_v1``): a later version gets a new
name, so processes of two releases can write to one store during an upgrade. A write that
finds it missing (a store made before it existed, opened without creating tables, or a
function dropped) creates it and writes again.

Imported only for a PostgreSQL store (the `postgres` extra).
"""

import logging
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from eventsourcing.utils import retry
from psycopg import Connection, Cursor
from psycopg.errors import UndefinedFunction
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from peernet.adapters import links
from peernet.adapters.recorders import Indexed, Stale

log = logging.getLogger(__name__)

#: the version of the append function; a change to its signature or body takes a new one
APPEND_VERSION = 1

#: the append function: every row of one write, in one statement: the events, a
#: follower's position, and the links the events add (`peernet.adapters.links`), each
#: link naming its event by index in `new_events` (NULL arrays: a write that knows no
#: links, which leaves the links table's position behind for the next writer to fill).
CREATE_APPEND_FUNCTION = SQL("""
CREATE OR REPLACE FUNCTION {schema}.{function}(
    new_events {schema}.{event_type}[],
    after_position bigint,
    lock_timeout_seconds integer,
    tracking_name text,
    tracking_position bigint,
    link_index integer[],
    link_relation text[],
    link_owner uuid[],
    link_member uuid[],
    link_kind text[]
) RETURNS SETOF bigint
LANGUAGE plpgsql AS $$
DECLARE
    positions bigint[];
BEGIN
    -- Writers take turns, so that positions commit in their order: a reader that has
    -- seen position N never later finds an event below N (eventsourcing's _lock_table).
    PERFORM set_config('lock_timeout', lock_timeout_seconds || 's', true);
    LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE;

    -- The log moved on since the writer looked: write nothing, return nothing (Stale).
    IF after_position IS NOT NULL AND after_position <>
        (SELECT coalesce(max(notification_id), 0) FROM {schema}.{events}) THEN
        RETURN;
    END IF;

    -- A follower's position, only ever forward (eventsourcing's single-row tracking).
    IF tracking_name IS NOT NULL THEN
        INSERT INTO {schema}.{tracking} AS t (application_name, notification_id)
        VALUES (tracking_name, tracking_position)
        ON CONFLICT (application_name) DO UPDATE
        SET notification_id = excluded.notification_id
        WHERE t.notification_id < excluded.notification_id;
        IF NOT FOUND THEN
            RAISE unique_violation USING MESSAGE = format(
                'Failed to record tracking for %s %s', tracking_name, tracking_position);
        END IF;
    END IF;

    WITH inserted AS (
        INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state)
        SELECT originator_id, originator_version, topic, state FROM unnest(new_events)
        RETURNING notification_id
    )
    SELECT array_agg(notification_id ORDER BY notification_id) INTO positions FROM inserted;

    -- The links these events add, at the positions their events landed; the table is
    -- complete up to this write's last event if it was up to the event before its first.
    IF link_index IS NOT NULL THEN
        INSERT INTO {schema}.peernet_links (relation, owner, member, kind, position)
        SELECT l.relation, l.owner, l.member, l.kind, positions[l.i]
        FROM unnest(link_index, link_relation, link_owner, link_member, link_kind)
            AS l(i, relation, owner, member, kind)
        ON CONFLICT DO NOTHING;
        UPDATE {schema}.peernet_links_position
        SET position = greatest(position, positions[cardinality(positions)])
        WHERE position >= (SELECT coalesce(max(notification_id), 0) FROM {schema}.{events}
                           WHERE notification_id < positions[1]);
    END IF;

    NOTIFY {channel};
    RETURN QUERY SELECT unnest(positions);
END
$$
""")

APPEND = SQL(
    "SELECT notification_id FROM {schema}.{function}("
    "new_events => %(events)s::{schema}.{event_type}[],"
    " after_position => %(after)s,"
    " lock_timeout_seconds => %(lock_timeout)s,"
    " tracking_name => %(tracking_name)s,"
    " tracking_position => %(tracking_position)s,"
    " link_index => %(link_index)s, link_relation => %(link_relation)s,"
    " link_owner => %(link_owner)s, link_member => %(link_member)s,"
    " link_kind => %(link_kind)s"
    ") AS appended(notification_id)"
)

#: one creator of a store's tables at a time (two processes opening it at once)
CREATING = SQL("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))")


class PostgresRecorder(PostgresProcessRecorder):
    """eventsourcing's PostgreSQL process recorder, writing in one statement, whose write
    may say where the log ended when the command was decided (``after``)."""

    #: a write can check that the log still ends where the writer last saw it
    checks_position = True

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.append_function_name = f"{self.events_table_name}_append_v{APPEND_VERSION}"
        self.check_identifier_length(self.append_function_name)
        names = {
            "schema": Identifier(datastore.schema),
            "function": Identifier(self.append_function_name),
            "event_type": Identifier(self.stored_event_type_name),
            "events": Identifier(self.events_table_name),
            "tracking": Identifier(self.tracking_table_name),
            "channel": Identifier(self.channel_name),
        }
        self.create_append_function_statement: Composed = CREATE_APPEND_FUNCTION.format(**names)
        # rendered once: psycopg would compose a `Composed` into bytes at every call
        self.append_statement: bytes = APPEND.format(**names).as_bytes(None)
        self.sql_create_statements.extend(links.postgres_create(datastore.schema or "public"))
        self.sql_create_statements.append(self.create_append_function_statement)
        self.creating_key = f"peernet create {datastore.schema}.{self.events_table_name}"

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        """Create the tables and the append function, one process at a time: two
        processes creating one function at once would fail ("tuple concurrently
        updated"), as two creating one table may."""
        curs.execute(CREATING, (self.creating_key,))
        super()._create_table(curs)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Write `stored_events` (with a follower's ``tracking`` position, when given) in
        one statement; `Stale` when ``after`` is given and the log has moved past it.

        A tracking position alone, and one kept in eventsourcing's legacy multi-row
        tracking table, go through eventsourcing's own write."""
        tracking: Tracking | None = kwargs.get("tracking")
        after: int | None = kwargs.get("after")
        multi_row = tracking is not None and not self.datastore.single_row_tracking
        if not stored_events or (multi_row and after is None):
            found: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return found
        arguments = self.append_arguments(stored_events, after, tracking, kwargs.get("links"))
        positions: list[int] = self._append(arguments)
        if after is not None and not positions:
            raise Stale(f"the log moved past {after} before this write")
        return positions

    def append_arguments(
        self,
        stored_events: Sequence[StoredEvent],
        after: int | None,
        tracking: Tracking | None,
        added: Sequence[Indexed] | None,
    ) -> dict[str, Any]:
        """The append function's arguments, by name."""
        known = added is not None
        added = added or ()
        return {
            "events": [
                self.construct_pg_stored_event(
                    e.originator_id, e.originator_version, e.topic, e.state
                )
                for e in stored_events
            ],
            "after": after,
            "lock_timeout": self.datastore.lock_timeout,
            "tracking_name": None if tracking is None else tracking.application_name,
            "tracking_position": None if tracking is None else tracking.notification_id,
            # PostgreSQL arrays count from 1
            "link_index": [i + 1 for i, _ in added] if known else None,
            "link_relation": [k.relation for _, k in added] if known else None,
            "link_owner": [k.owner for _, k in added] if known else None,
            "link_member": [k.member for _, k in added] if known else None,
            "link_kind": [k.kind for _, k in added] if known else None,
        }

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _append(self, arguments: dict[str, Any]) -> list[int]:
        """Call the append function in autocommit (its statement is the transaction), and
        return the positions of the events written; create the function if missing."""
        with self.datastore.get_connection() as connection, connection.cursor() as curs:
            try:
                curs.execute(self.append_statement, arguments, prepare=True)
            except UndefinedFunction:
                log.warning("%s was missing; creating it", self.append_function_name)
                self.create_append_function(connection)
                curs.execute(self.append_statement, arguments, prepare=True)
            return [row["notification_id"] for row in curs.fetchall()]

    def create_append_function(self, connection: Connection[DictRow]) -> None:
        """Create (or replace) the append function, as `create_table` does."""
        with connection.transaction(), connection.cursor() as curs:
            curs.execute(CREATING, (self.creating_key,))
            curs.execute(self.create_append_function_statement, prepare=False)
