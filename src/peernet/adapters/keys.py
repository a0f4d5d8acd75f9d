"""Encryption keys: the network's master key and one data key per company.

Envelope encryption. A company's confidential fields are sealed with AES-GCM under a
data key of its own (256 bits, random); that data key is kept in the table
``peernet_keys`` of the same store, itself sealed under the master key (the one given in
``PEERNET_KEY`` or a key file). The store alone therefore reveals no confidential field:
it holds ciphertext and keys that only the master key opens. Forgetting a company deletes
its row: from then on nothing can open its fields, not even the master key, while every
event, and the hash chain over its bytes, stays exactly as written (crypto-shredding).

Data keys are stored, not derived from the master key, because a derived key can always
be derived again: only a key that exists once can be destroyed. A forgotten company's row
becomes a tombstone (an empty value), so no later write can make it a new key.

The master key can be rotated (`KeyRing.rotate`): every data key is unwrapped with the
old master key and wrapped under the new one in a single transaction, so a crash leaves
a store that opens with exactly one of the two keys, and running the rotation again
finishes it. No event is touched: the data keys themselves do not change.

AES-GCM comes from ``cryptography`` (the ``encryption`` extra) rather than eventsourcing's
whole-event cipher: it takes associated data, so each sealed value is bound to its
company, its event type and its field, and cannot be moved to another without failing
to open. The row of `CHECK_ID` holds a value sealed under the master key: opening a store
with another key fails at once with `WrongKey`, never later on some event.
"""

import base64
import binascii
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from peernet.adapters.convert import as_uuid
from peernet.adapters.errors import (
    EncryptionUnavailable,
    InvalidKey,
    MasterKeyRotated,
    SameMasterKey,
    SealBroken,
    WrongKey,
)
from peernet.domain.errors import CompanyWasForgotten, InvalidInput

#: the row that proves which master key a store was encrypted with
CHECK_ID = UUID(int=0)
_CHECK = b"peernet master key check"
_NONCE = 12
KEY_ENV_VAR = "PEERNET_KEY"


def new_key() -> str:
    """A fresh master key, as the text `PEERNET_KEY` or a key file holds."""
    return base64.b64encode(os.urandom(32)).decode()


def parse_key(text: str | bytes, source: str) -> bytes:
    """The raw AES key a key's text stands for (base64 of 16, 24 or 32 bytes)."""
    raw = text.strip() if isinstance(text, bytes) else text.strip().encode()
    try:
        key = base64.b64decode(raw + b"=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        try:
            key = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidKey(source=source, why="it is not base64") from None
    if len(key) not in (16, 24, 32):
        raise InvalidKey(source=source, why=f"it decodes to {len(key)} bytes, not 16, 24 or 32")
    return key


def master_key(given: str | bytes | None, key_file: str | None) -> bytes | None:
    """The master key: `given`, else the key file the store URL names, else the
    `PEERNET_KEY` environment variable; None when none is set (no encryption)."""
    if given is not None:
        return parse_key(given, "the key argument")
    if key_file:
        path = Path(key_file).expanduser()
        try:
            text = path.read_bytes()
        except OSError as error:
            raise InvalidKey(source=f"key file {path}", why=error.strerror or str(error)) from None
        return parse_key(text, f"key file {path}")
    if found := os.environ.get(KEY_ENV_VAR, "").strip():
        return parse_key(found, KEY_ENV_VAR)
    return None


# --- where the sealed data keys are kept: one table per backend --------------------------

#: what a forgotten company's row holds instead of its sealed key: nothing, for good
TOMBSTONE = b""

#: changes one kept row (company id, sealed key) into what replaces it
Rewrap = Callable[[UUID, bytes], bytes]


class KeyTable:
    """The ``peernet_keys`` rows of a store: company id -> data key sealed under the
    master key, or `TOMBSTONE` once the company was forgotten (so no key is ever made
    for it again)."""

    def exists(self) -> bool:
        """Whether the store was ever opened with a key (its check row is there)."""
        raise NotImplementedError

    def create(self) -> None:
        raise NotImplementedError

    def get(self, company_id: UUID) -> bytes | None:
        """The company's row: its sealed key, `TOMBSTONE`, or None when it has none."""
        raise NotImplementedError

    def read_all(self) -> dict[UUID, bytes]:
        """Every row at once: what a reader of many companies' values reads in one query
        instead of one query a company (a table that cannot returns none: each row is
        then read by itself)."""
        return {}

    def add(self, company_id: UUID, sealed: bytes, check: bytes) -> bytes | None:
        """Keep `sealed` for the company unless a row is kept already (another process
        was first, or the company was forgotten); return the row kept. Nothing is added,
        and None returned, when the check row no longer holds `check` (the master key
        was rotated meanwhile)."""
        raise NotImplementedError

    def forget(self, company_id: UUID) -> None:
        """Replace the company's row by `TOMBSTONE` and leave no copy of the sealed key
        in the store's files."""
        raise NotImplementedError

    def rewrap(self, change: Rewrap, check: bytes) -> int | None:
        """In one transaction, with every other writer of keys held off: replace every
        row by `change(company_id, row)`; return how many rows. Nothing changes, and
        None is returned, when the check row no longer holds `check`."""
        raise NotImplementedError


class MemoryKeyTable(KeyTable):
    def __init__(self) -> None:
        self.rows: dict[UUID, bytes] = {}

    def exists(self) -> bool:
        return CHECK_ID in self.rows

    def create(self) -> None:
        pass

    def get(self, company_id: UUID) -> bytes | None:
        return self.rows.get(company_id)

    def add(self, company_id: UUID, sealed: bytes, check: bytes) -> bytes | None:
        if company_id != CHECK_ID and self.rows.get(CHECK_ID) != check:
            return None
        return self.rows.setdefault(company_id, sealed)

    def read_all(self) -> dict[UUID, bytes]:
        return dict(self.rows)

    def forget(self, company_id: UUID) -> None:
        self.rows[company_id] = TOMBSTONE

    def rewrap(self, change: Rewrap, check: bytes) -> int | None:
        if self.rows.get(CHECK_ID) != check:
            return None
        changed = {company_id: change(company_id, row) for company_id, row in self.rows.items()}
        self.rows.update(changed)
        return len(changed)


class SQLiteKeyTable(KeyTable):
    """On SQLite, a forgotten row is overwritten (``secure_delete``) and the write-ahead
    log is checkpointed and truncated, so the sealed key leaves the database files. A
    write begins by writing, so it holds SQLite's one write lock from its first
    statement: no other process adds or rewraps a key in between."""

    def __init__(self, datastore: Any) -> None:
        self.datastore = datastore

    def exists(self) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='peernet_keys'")
            if c.fetchone() is None:
                return False
            c.execute("SELECT 1 FROM peernet_keys WHERE company_id=?", (str(CHECK_ID),))
            return c.fetchone() is not None

    def create(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "CREATE TABLE IF NOT EXISTS peernet_keys "
                "(company_id TEXT PRIMARY KEY, sealed BLOB NOT NULL)"
            )

    def get(self, company_id: UUID) -> bytes | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT sealed FROM peernet_keys WHERE company_id=?", (str(company_id),))
            row = c.fetchone()
        return None if row is None else bytes(row[0])

    def read_all(self) -> dict[UUID, bytes]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT company_id, sealed FROM peernet_keys")
            return {as_uuid(r[0]): bytes(r[1]) for r in c.fetchall()}

    def add(self, company_id: UUID, sealed: bytes, check: bytes) -> bytes | None:
        with self.datastore.transaction(commit=True) as c:
            if company_id == CHECK_ID:
                c.execute(
                    "INSERT OR IGNORE INTO peernet_keys (company_id, sealed) VALUES (?, ?)",
                    (str(company_id), sealed),
                )
            else:
                c.execute(
                    "INSERT OR IGNORE INTO peernet_keys (company_id, sealed) SELECT ?, ? "
                    "WHERE EXISTS (SELECT 1 FROM peernet_keys WHERE company_id=? AND sealed=?)",
                    (str(company_id), sealed, str(CHECK_ID), check),
                )
            c.execute("SELECT sealed FROM peernet_keys WHERE company_id=?", (str(company_id),))
            row = c.fetchone()
        return None if row is None else bytes(row[0])

    def forget(self, company_id: UUID) -> None:
        with self.datastore.get_connection(commit=True) as connection:
            raw: sqlite3.Connection = connection._sqlite_conn
            raw.execute("PRAGMA secure_delete = ON")
            with connection.transaction(commit=True) as c:
                c.execute("DELETE FROM peernet_keys WHERE company_id=?", (str(company_id),))
                c.execute(
                    "INSERT INTO peernet_keys (company_id, sealed) VALUES (?, ?)",
                    (str(company_id), TOMBSTONE),
                )
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def rewrap(self, change: Rewrap, check: bytes) -> int | None:
        with self.datastore.get_connection(commit=True) as connection:
            raw: sqlite3.Connection = connection._sqlite_conn
            raw.execute("PRAGMA secure_delete = ON")  # the old wrappings leave the pages
            with connection.transaction(commit=True) as c:
                # a write first: the transaction holds the write lock from here on
                c.execute(
                    "UPDATE peernet_keys SET sealed=sealed WHERE company_id=?", (str(CHECK_ID),)
                )
                c.execute("SELECT company_id, sealed FROM peernet_keys")
                rows = {UUID(r[0]): bytes(r[1]) for r in c.fetchall()}
                if rows.get(CHECK_ID) != check:
                    return None
                for company_id, row in rows.items():
                    c.execute(
                        "UPDATE peernet_keys SET sealed=? WHERE company_id=?",
                        (change(company_id, row), str(company_id)),
                    )
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(rows)


class PostgresKeyTable(KeyTable):
    """On PostgreSQL, the table is vacuumed after a key is forgotten, so the dead row's
    space is reclaimed (its copies in the server's write-ahead log and backups are not:
    see docs/confidentiality.md). Adding a key reads the check row ``FOR SHARE``, and
    rewrapping locks the table ``IN EXCLUSIVE MODE``: the two never pass each other."""

    def __init__(self, datastore: Any) -> None:
        # psycopg comes with the `postgres` extra: imported only for a PostgreSQL store
        from psycopg.sql import SQL, Identifier  # noqa: PLC0415

        self.datastore = datastore
        self.sql = SQL
        self.schema = datastore.schema or "public"
        self.table = SQL("{}.peernet_keys").format(Identifier(self.schema))

    def exists(self) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT to_regclass(%s) AS t", (f'"{self.schema}".peernet_keys',))
            if c.fetchone()["t"] is None:
                return False
            c.execute(
                self.sql("SELECT 1 FROM {} WHERE company_id=%s").format(self.table), (CHECK_ID,)
            )
            return c.fetchone() is not None

    def create(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                self.sql(
                    "CREATE TABLE IF NOT EXISTS {} "
                    "(company_id uuid PRIMARY KEY, sealed bytea NOT NULL)"
                ).format(self.table)
            )

    def get(self, company_id: UUID) -> bytes | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                self.sql("SELECT sealed FROM {} WHERE company_id=%s").format(self.table),
                (company_id,),
            )
            row = c.fetchone()
        return None if row is None else bytes(row["sealed"])

    def read_all(self) -> dict[UUID, bytes]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.sql("SELECT company_id, sealed FROM {}").format(self.table))
            return {r["company_id"]: bytes(r["sealed"]) for r in c.fetchall()}

    def add(self, company_id: UUID, sealed: bytes, check: bytes) -> bytes | None:
        select = self.sql("SELECT sealed FROM {} WHERE company_id=%s").format(self.table)
        with self.datastore.transaction(commit=True) as c:
            if company_id != CHECK_ID:
                c.execute(select + self.sql(" FOR SHARE"), (CHECK_ID,))
                found = c.fetchone()
                if found is None or bytes(found["sealed"]) != check:
                    return None
            c.execute(
                self.sql(
                    "INSERT INTO {} (company_id, sealed) VALUES (%s, %s) "
                    "ON CONFLICT (company_id) DO NOTHING"
                ).format(self.table),
                (company_id, sealed),
            )
            c.execute(select, (company_id,))
            return bytes(c.fetchone()["sealed"])

    def forget(self, company_id: UUID) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                self.sql(
                    "INSERT INTO {} (company_id, sealed) VALUES (%s, %s) "
                    "ON CONFLICT (company_id) DO UPDATE SET sealed = EXCLUDED.sealed"
                ).format(self.table),
                (company_id, TOMBSTONE),
            )
        with self.datastore.cursor() as c:  # VACUUM runs outside a transaction
            c.execute(self.sql("VACUUM {}").format(self.table))

    def rewrap(self, change: Rewrap, check: bytes) -> int | None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql("LOCK TABLE {} IN EXCLUSIVE MODE").format(self.table))
            c.execute(self.sql("SELECT company_id, sealed FROM {}").format(self.table))
            rows = {r["company_id"]: bytes(r["sealed"]) for r in c.fetchall()}
            if rows.get(CHECK_ID) != check:
                return None
            update = self.sql("UPDATE {} SET sealed=%s WHERE company_id=%s").format(self.table)
            for company_id, row in rows.items():
                c.execute(update, (change(company_id, row), company_id))
        with self.datastore.cursor() as c:  # the old wrappings leave the table's pages
            c.execute(self.sql("VACUUM {}").format(self.table))
        return len(rows)


def key_table(recorder: Any) -> KeyTable:
    """The key table beside the events of the store `recorder` writes to (eventsourcing's
    recorder, or peernet's own subclass of it)."""
    modules = [cls.__module__ for cls in type(recorder).__mro__]
    module = next((m for m in modules if m.startswith("eventsourcing.")), modules[0])
    if module == "eventsourcing.sqlite":
        return SQLiteKeyTable(recorder.datastore)
    if module == "eventsourcing.postgres":
        return PostgresKeyTable(recorder.datastore)
    if module == "eventsourcing.popo":
        return MemoryKeyTable()
    raise InvalidInput(f"encryption keys are kept on memory, SQLite or PostgreSQL, not {module}")


# --- the ring: sealing and opening with each company's key --------------------------------


class KeyRing:
    """The master key and the store's key table: seals and opens values with the data
    key of the company they belong to. Data keys are cached once opened; `forget` drops
    a company's key from the cache and leaves a tombstone in the table; `rotate` wraps
    every data key under a new master key."""

    def __init__(self, master: bytes, table: KeyTable, store: str) -> None:
        try:
            from cryptography.exceptions import InvalidTag  # noqa: PLC0415
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415
        except ImportError:  # the `encryption` extra is not installed
            raise EncryptionUnavailable() from None

        self._aead = AESGCM
        #: what a value that does not open under its key raises
        self._broken = InvalidTag
        self.master = AESGCM(master)
        self.table = table
        self.store = store
        self._keys: dict[UUID, Any] = {}
        #: every row of the key table as one query read it, for readers: None until a
        #: value is first opened (a row added since is read by itself)
        self._rows: dict[UUID, bytes] | None = None
        #: the check row as this ring found it: a key is added only while it is unchanged
        self._check = b""

    def open_store(self) -> None:
        """Create the key table and its check row, or verify the check row: a wrong key
        fails here, with `WrongKey`."""
        self.table.create()
        sealed = self.table.get(CHECK_ID)
        if sealed is None:
            sealed = self.table.add(CHECK_ID, self._wrap(CHECK_ID, _CHECK), b"")
        assert sealed is not None
        if self._unwrap(CHECK_ID, sealed) != _CHECK:
            raise WrongKey(store=self.store)
        self._check = sealed

    def _wrap(self, company_id: UUID, key: bytes, master: Any = None) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + (master or self.master).encrypt(nonce, key, company_id.bytes)

    def _unwrap(self, company_id: UUID, sealed: bytes) -> bytes:
        found = self._unwrap_with(self.master, company_id, sealed)
        if found is None:
            raise WrongKey(store=self.store)
        return found

    def _key(self, company_id: UUID, *, create: bool) -> Any:
        if (found := self._keys.get(company_id)) is not None:
            return found
        sealed = None
        if not create:
            # A reader opens many companies' values: every row in one query, the first
            # time, rather than one query a company; each key is unwrapped once.
            if self._rows is None:
                self._rows = self.table.read_all()
            sealed = self._rows.get(company_id)
        if sealed is None:
            sealed = self.table.get(company_id)
        if sealed is None and create:
            sealed = self.table.add(company_id, self._wrap(company_id, os.urandom(32)), self._check)
            if sealed is None:
                raise MasterKeyRotated(store=self.store)
        if sealed == TOMBSTONE and create:
            raise CompanyWasForgotten(company_id=company_id)
        if not sealed:
            return None  # never had a key, or forgotten
        key = self._aead(self._unwrap(company_id, sealed))
        self._keys[company_id] = key
        return key

    def seal(self, company_id: UUID, plain: bytes, context: bytes) -> str:
        """`plain` sealed with the company's key (made on first use), bound to `context`;
        as base64 text: nonce, ciphertext and tag. A forgotten company's key is never
        made again: `CompanyWasForgotten`."""
        nonce = os.urandom(_NONCE)
        sealed = self._key(company_id, create=True).encrypt(nonce, plain, context)
        return base64.b64encode(nonce + sealed).decode()

    def open(self, company_id: UUID, sealed: str, context: bytes) -> bytes | None:
        """What `seal` sealed; None when the company was forgotten (its key is gone)."""
        key = self._key(company_id, create=False)
        if key is None:
            return None
        raw = binascii.a2b_base64(sealed)
        try:
            return bytes(key.decrypt(raw[:_NONCE], raw[_NONCE:], context))
        except self._broken:
            raise SealBroken(company_id=company_id) from None

    def forgotten(self, company_id: UUID) -> bool:
        """Whether the company was forgotten: its row is a tombstone."""
        return company_id not in self._keys and self.table.get(company_id) == TOMBSTONE

    def forget(self, company_id: UUID) -> None:
        """Destroy the company's key, in this process and in the store, and leave a
        tombstone so that no key is ever made for it again (another process, or an
        earlier attempt, may have done it already)."""
        self._keys.pop(company_id, None)
        if self._rows is not None:
            self._rows[company_id] = TOMBSTONE
        if self.table.get(company_id) != TOMBSTONE:
            self.table.forget(company_id)

    def rotate(self, new_master: bytes) -> int:
        """Wrap every data key (and the check row) under `new_master`, in one transaction:
        the store opens with the old key until it commits and with the new one after.
        Events are not touched: their values stay sealed under the same data keys.
        Returns how many rows were rewrapped, tombstones included."""
        new = self._aead(new_master)
        if self._unwrap_with(new, CHECK_ID, self._check) == _CHECK:
            raise SameMasterKey(store=self.store)

        def change(company_id: UUID, row: bytes) -> bytes:
            if row == TOMBSTONE:
                return row
            return self._wrap(company_id, self._unwrap(company_id, row), master=new)

        count = self.table.rewrap(change, self._check)
        if count is None:
            raise MasterKeyRotated(store=self.store)
        self.master = new
        self._rows = None
        sealed = self.table.get(CHECK_ID)
        assert sealed is not None
        self._check = sealed
        return count

    def opens_check(self, sealed: bytes) -> bool:
        """Whether `sealed`, a check row of some store, was sealed under this ring's master
        key (an import copies data keys only into a store opened with their master key)."""
        return self._unwrap_with(self.master, CHECK_ID, sealed) == _CHECK

    def _unwrap_with(self, master: Any, company_id: UUID, sealed: bytes) -> bytes | None:
        from cryptography.exceptions import InvalidTag  # noqa: PLC0415 - extra

        try:
            return bytes(master.decrypt(sealed[:_NONCE], sealed[_NONCE:], company_id.bytes))
        except InvalidTag:
            return None

    def drop_cache(self) -> None:
        """Forget every cached key (another process may have forgotten a company)."""
        self._keys.clear()
        self._rows = None
