"""Where persisted read models are kept: one `ViewRecorder` per backend, each an
eventsourcing tracking recorder (so a slot's position is tracked in the same
transaction as its rows) with operations of its own: rows, writes, the live pointer,
and dropping a slot whole (its rows and its tracking row, so neither outlives the copy
they belonged to). The PostgreSQL one is in `peernet.adapters.viewrecorder_postgres`."""

from collections.abc import Iterable, Mapping, Sequence
from typing import cast

import attrs
from eventsourcing.persistence import Tracking
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder

#: the name of a slot's row in eventsourcing's tracking table is this prefix and the slot
TRACKING = "peernet.view/"


@attrs.frozen
class Live:
    slot: str
    version: int


@attrs.frozen
class Write:
    """The views of one slot that changed, and the position they are now current to."""

    slot: str
    rows: Mapping[str, bytes]
    position: int


# --- the recorders: one per backend ---------------------------------------------------


class ViewRecorder:
    """What `ReadModels` needs of a store, beside eventsourcing's tracking."""

    def live(self, projection: str) -> Live | None:
        raise NotImplementedError

    def rows(self, slot: str, keys: Iterable[str] | None = None) -> dict[str, bytes]:
        raise NotImplementedError

    def live_rows(self, projection: str) -> dict[str, bytes]:
        """The rows of the live copy, read in one statement with its pointer."""
        raise NotImplementedError

    def write(self, writes: Sequence[Write]) -> None:
        """Rows and tracked positions of every write, in one transaction."""
        raise NotImplementedError

    def swap(self, projection: str, live: Live, old: Live | None) -> bool:
        """Make `live` the copy readers read and drop `old`'s slot, in one transaction,
        if `old` is still the live copy; False (and nothing done) when another process
        swapped first."""
        raise NotImplementedError

    def drop(self, slot: str) -> None:
        """Delete a slot's rows and its tracking row."""
        raise NotImplementedError

    def slots(self) -> set[str]:
        """Every slot that holds rows or a tracked position."""
        raise NotImplementedError

    def tracked(self) -> int:
        """How many tracking rows read models hold (one per slot with a position)."""
        raise NotImplementedError

    def position(self, slot: str) -> int:
        return cast(SQLiteTrackingRecorder, self).max_tracking_id(TRACKING + slot) or 0


class MemoryViewRecorder(POPOTrackingRecorder, ViewRecorder):
    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, dict[str, bytes]] = {}
        self._live: dict[str, Live] = {}

    def live(self, projection: str) -> Live | None:
        with self._database_lock:
            return self._live.get(projection)

    def rows(self, slot: str, keys: Iterable[str] | None = None) -> dict[str, bytes]:
        with self._database_lock:
            held = self._rows.get(slot, {})
            if keys is None:
                return dict(held)
            return {k: held[k] for k in keys if k in held}

    def live_rows(self, projection: str) -> dict[str, bytes]:
        with self._database_lock:
            live = self._live.get(projection)
            return dict(self._rows.get(live.slot, {})) if live else {}

    def write(self, writes: Sequence[Write]) -> None:
        with self._database_lock:
            # All or nothing, as a transaction: positions first, undone if one fails.
            before = dict(self._max_tracking_ids)
            try:
                for w in writes:
                    tracking = Tracking(TRACKING + w.slot, w.position)
                    self._assert_tracking_uniqueness(tracking)
                    self._insert_tracking(tracking)
            except BaseException:
                self._max_tracking_ids.clear()
                self._max_tracking_ids.update(before)
                raise
            for w in writes:
                self._rows.setdefault(w.slot, {}).update(w.rows)

    def swap(self, projection: str, live: Live, old: Live | None) -> bool:
        with self._database_lock:
            if self._live.get(projection) != old:
                return False
            self._live[projection] = live
            if old is not None and old.slot != live.slot:
                self.drop(old.slot)
            return True

    def drop(self, slot: str) -> None:
        with self._database_lock:
            self._rows.pop(slot, None)
            self._max_tracking_ids.pop(TRACKING + slot, None)

    def slots(self) -> set[str]:
        with self._database_lock:
            tracked = {n.removeprefix(TRACKING) for n in self._positions()}
            return set(self._rows) | tracked

    def tracked(self) -> int:
        with self._database_lock:
            return len(self._positions())

    def _positions(self) -> list[str]:
        return [
            name
            for name, position in self._max_tracking_ids.items()
            if name.startswith(TRACKING) and position is not None
        ]


class SQLiteViewRecorder(SQLiteTrackingRecorder, ViewRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS peernet_view_rows (slot TEXT, key TEXT, body BLOB, "
            "PRIMARY KEY (slot, key)) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS peernet_view_live "
            "(projection TEXT PRIMARY KEY, slot TEXT, version INTEGER)",
        ]

    def live(self, projection: str) -> Live | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT slot, version FROM peernet_view_live WHERE projection=?", (projection,)
            )
            row = c.fetchone()
        return None if row is None else Live(row[0], row[1])

    def rows(self, slot: str, keys: Iterable[str] | None = None) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self.datastore.transaction(commit=False) as c:
            if keys is None:
                c.execute("SELECT key, body FROM peernet_view_rows WHERE slot=?", (slot,))
                found.update((r[0], bytes(r[1])) for r in c.fetchall())
            else:
                wanted = list(keys)
                for i in range(0, len(wanted), 500):
                    chunk = wanted[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    c.execute(
                        "SELECT key, body FROM peernet_view_rows "  # noqa: S608 - placeholders only
                        f"WHERE slot=? AND key IN ({marks})",
                        (slot, *chunk),
                    )
                    found.update((r[0], bytes(r[1])) for r in c.fetchall())
        return found

    def live_rows(self, projection: str) -> dict[str, bytes]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT r.key, r.body FROM peernet_view_rows r JOIN peernet_view_live l "
                "ON r.slot = l.slot WHERE l.projection=?",
                (projection,),
            )
            return {r[0]: bytes(r[1]) for r in c.fetchall()}

    def write(self, writes: Sequence[Write]) -> None:
        with self.datastore.transaction(commit=True) as c:
            for w in writes:
                self._write_rows(c, w)
                self._insert_tracking(c, Tracking(TRACKING + w.slot, w.position))

    def _write_rows(self, c: SQLiteCursor, w: Write) -> None:
        c.executemany(
            "INSERT OR REPLACE INTO peernet_view_rows (slot, key, body) VALUES (?, ?, ?)",
            [(w.slot, k, v) for k, v in w.rows.items()],
        )

    def swap(self, projection: str, live: Live, old: Live | None) -> bool:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "SELECT slot, version FROM peernet_view_live WHERE projection=?", (projection,)
            )
            row = c.fetchone()
            if (None if row is None else Live(row[0], row[1])) != old:
                return False
            c.execute(
                "INSERT OR REPLACE INTO peernet_view_live (projection, slot, version) "
                "VALUES (?, ?, ?)",
                (projection, live.slot, live.version),
            )
            if old is not None and old.slot != live.slot:
                self._drop(c, old.slot)
            return True

    def drop(self, slot: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._drop(c, slot)

    def _drop(self, c: SQLiteCursor, slot: str) -> None:
        c.execute("DELETE FROM peernet_view_rows WHERE slot=?", (slot,))
        c.execute("DELETE FROM tracking WHERE application_name=?", (TRACKING + slot,))

    def slots(self) -> set[str]:
        with self.datastore.transaction(commit=False) as c:
            # hop from one slot to the next through the primary key: a few reads a slot,
            # where DISTINCT would scan every view (a catch-up of one event runs this)
            c.execute(
                "WITH RECURSIVE s(slot) AS ("
                "SELECT (SELECT MIN(slot) FROM peernet_view_rows) UNION ALL "
                "SELECT (SELECT MIN(slot) FROM peernet_view_rows WHERE slot > s.slot) "
                "FROM s WHERE s.slot IS NOT NULL) SELECT slot FROM s WHERE slot IS NOT NULL"
            )
            found = {r[0] for r in c.fetchall()}
            c.execute(
                "SELECT application_name FROM tracking WHERE substr(application_name, 1, ?) = ?",
                (len(TRACKING), TRACKING),
            )
            return found | {r[0].removeprefix(TRACKING) for r in c.fetchall()}

    def tracked(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT count(*) FROM tracking WHERE substr(application_name, 1, ?) = ?",
                (len(TRACKING), TRACKING),
            )
            found: int = c.fetchone()[0]
            return found
