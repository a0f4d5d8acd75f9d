"""The read models' recorder on PostgreSQL (needs psycopg, the `postgres` extra)."""

from collections.abc import Iterable, Sequence
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL, Identifier

from peernet.adapters.viewrecorder import TRACKING, Live, ViewRecorder, Write


class PostgresViewRecorder(PostgresTrackingRecorder, ViewRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = Identifier(self.datastore.schema)
        self._t_rows = SQL("{}.peernet_view_rows").format(schema)
        self._t_live = SQL("{}.peernet_view_live").format(schema)
        self._t_tracking = SQL("{}.{}").format(schema, Identifier(self.tracking_table_name))
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (slot text, key text, body bytea, "
                "PRIMARY KEY (slot, key))"
            ).format(self._t_rows),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (projection text PRIMARY KEY, slot text, "
                "version integer)"
            ).format(self._t_live),
        ]

    def live(self, projection: str) -> Live | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                SQL("SELECT slot, version FROM {} WHERE projection=%s").format(self._t_live),
                (projection,),
            )
            row = c.fetchone()
        return None if row is None else Live(row["slot"], row["version"])

    def rows(self, slot: str, keys: Iterable[str] | None = None) -> dict[str, bytes]:
        with self.datastore.transaction(commit=False) as c:
            if keys is None:
                c.execute(
                    SQL("SELECT key, body FROM {} WHERE slot=%s").format(self._t_rows), (slot,)
                )
            else:
                c.execute(
                    SQL("SELECT key, body FROM {} WHERE slot=%s AND key = ANY(%s)").format(
                        self._t_rows
                    ),
                    (slot, list(keys)),
                )
            return {r["key"]: bytes(r["body"]) for r in c.fetchall()}

    def live_rows(self, projection: str) -> dict[str, bytes]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                SQL(
                    "SELECT r.key, r.body FROM {} r JOIN {} l ON r.slot = l.slot "
                    "WHERE l.projection=%s"
                ).format(self._t_rows, self._t_live),
                (projection,),
            )
            return {r["key"]: bytes(r["body"]) for r in c.fetchall()}

    def write(self, writes: Sequence[Write]) -> None:
        with self.datastore.transaction(commit=True) as c:
            for w in writes:
                c.executemany(
                    SQL(
                        "INSERT INTO {} (slot, key, body) VALUES (%s, %s, %s) "
                        "ON CONFLICT (slot, key) DO UPDATE SET body = EXCLUDED.body"
                    ).format(self._t_rows),
                    [(w.slot, k, v) for k, v in w.rows.items()],
                )
                self._insert_tracking(c, Tracking(TRACKING + w.slot, w.position))

    def swap(self, projection: str, live: Live, old: Live | None) -> bool:
        with self.datastore.transaction(commit=True) as c:
            c.execute(SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(self._t_live))
            c.execute(
                SQL("SELECT slot, version FROM {} WHERE projection=%s").format(self._t_live),
                (projection,),
            )
            row = c.fetchone()
            if (None if row is None else Live(row["slot"], row["version"])) != old:
                return False
            c.execute(
                SQL(
                    "INSERT INTO {} (projection, slot, version) VALUES (%s, %s, %s) "
                    "ON CONFLICT (projection) DO UPDATE "
                    "SET slot = EXCLUDED.slot, version = EXCLUDED.version"
                ).format(self._t_live),
                (projection, live.slot, live.version),
            )
            if old is not None and old.slot != live.slot:
                self._drop(c, old.slot)
            return True

    def drop(self, slot: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._drop(c, slot)

    def _drop(self, c: Any, slot: str) -> None:
        c.execute(SQL("DELETE FROM {} WHERE slot=%s").format(self._t_rows), (slot,))
        c.execute(
            SQL("DELETE FROM {} WHERE application_name=%s").format(self._t_tracking),
            (TRACKING + slot,),
        )

    def slots(self) -> set[str]:
        with self.datastore.transaction(commit=False) as c:
            # hop from one slot to the next through the primary key's index, where
            # DISTINCT would read every view (a catch-up of one event runs this)
            c.execute(
                SQL(
                    "WITH RECURSIVE s(slot) AS ("
                    "SELECT (SELECT MIN(slot) FROM {0}) UNION ALL "
                    "SELECT (SELECT MIN(slot) FROM {0} WHERE slot > s.slot) "
                    "FROM s WHERE s.slot IS NOT NULL) SELECT slot FROM s WHERE slot IS NOT NULL"
                ).format(self._t_rows)
            )
            found = {r["slot"] for r in c.fetchall()}
            c.execute(
                SQL(
                    "SELECT application_name FROM {} WHERE starts_with(application_name, %s)"
                ).format(self._t_tracking),
                (TRACKING,),
            )
            return found | {r["application_name"].removeprefix(TRACKING) for r in c.fetchall()}

    def tracked(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                SQL("SELECT count(*) AS n FROM {} WHERE starts_with(application_name, %s)").format(
                    self._t_tracking
                ),
                (TRACKING,),
            )
            row = c.fetchone()
            return int(row["n"]) if row else 0
