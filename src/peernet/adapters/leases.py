"""Leases: at most one runner of a named follower at a time, per store, across threads
and processes; a lease is let go when its holder stops or its process dies.

- ``memory://``: a lock in the process (the store lives in one process anyway);
- SQLite: an exclusive `flock` on a file beside the database, ``<db>.follower-<hash>.lock``
  (the kernel lets go of it when the holding process ends, however it ends);
- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a connection of the
  lease's own, keyed by the schema and the follower's name (the server lets go of it
  when the connection drops).

Why a lease of our own: eventsourcing's tracking rows already make a handler's writes
happen once (a second writer of the same position fails and records nothing); the lease
keeps a second process from calling the handler at all, so an e-mail is not sent twice by
two processes racing for the same event.
"""

import fcntl
import hashlib
import os
import threading
from typing import Any

from peernet.adapters.storage import settings_for

_LOCAL: dict[tuple[str, str], threading.Lock] = {}
_LOCAL_GUARD = threading.Lock()


class Lease:
    """The right to run one follower; `acquire` never blocks."""

    def __init__(self, key: str, name: str) -> None:
        with _LOCAL_GUARD:
            self._local = _LOCAL.setdefault((key, name), threading.Lock())
        self.held = False

    def acquire(self) -> bool:
        """Take the lease if nobody holds it; whether this holder has it now."""
        if self.held:
            return True
        if not self._local.acquire(blocking=False):
            return False
        try:
            self.held = self._take()
        finally:
            if not self.held:
                self._local.release()
        return self.held

    def release(self) -> None:
        if self.held:
            self.held = False
            try:
                self._give_back()
            finally:
                self._local.release()

    def _take(self) -> bool:
        return True

    def _give_back(self) -> None:
        return None


class FileLease(Lease):
    """A lease held as an exclusive `flock` on a file beside a SQLite database."""

    def __init__(self, database: str, name: str) -> None:
        super().__init__(os.path.abspath(database), name)
        digest = hashlib.sha256(name.encode()).hexdigest()[:16]
        self.path = f"{database}.follower-{digest}.lock"
        self._fd: int | None = None

    def _take(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _give_back(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class AdvisoryLease(Lease):
    """A lease held as a PostgreSQL session advisory lock on a connection of its own."""

    def __init__(self, settings: dict[str, str], name: str) -> None:
        self._settings = settings
        schema = settings.get("POSTGRES_SCHEMA", "public")
        where = f"{settings['POSTGRES_HOST']}:{settings['POSTGRES_PORT']}/"
        where += f"{settings['POSTGRES_DBNAME']}/{schema}"
        super().__init__(where, name)
        digest = hashlib.sha256(f"peernet.follower/{schema}/{name}".encode()).digest()
        self.key = int.from_bytes(digest[:8], "big", signed=True)
        self._connection: Any = None

    def _take(self) -> bool:
        import psycopg  # noqa: PLC0415 - the `postgres` extra, for a PostgreSQL store only

        s = self._settings
        connection = psycopg.connect(
            host=s["POSTGRES_HOST"],
            port=int(s["POSTGRES_PORT"]),
            dbname=s["POSTGRES_DBNAME"],
            user=s["POSTGRES_USER"],
            password=s.get("POSTGRES_PASSWORD") or None,
            connect_timeout=int(s.get("POSTGRES_CONNECT_TIMEOUT", "5")),
            autocommit=True,
        )
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        if not (row and row[0]):
            connection.close()
            return False
        self._connection = connection
        return True

    def _give_back(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            finally:
                connection.close()


def lease_for(url: str, name: str, *, local_key: str) -> Lease:
    """The lease on follower `name` of the store at `url` (`local_key` tells stores of the
    same URL apart within a process, for ``memory://``)."""
    settings = settings_for(url)
    module = settings["PERSISTENCE_MODULE"]
    if module == "eventsourcing.sqlite":
        return FileLease(settings["SQLITE_DBNAME"], name)
    if module == "eventsourcing.postgres":
        return AdvisoryLease(settings, name)
    return Lease(local_key, name)
