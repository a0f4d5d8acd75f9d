"""Encryption keys: the network's master key and one data key per company.

Envelope encryption. A company's confidential fields are sealed with AES-GCM under a
data key of its own (256 bits, random); that data key is kept in the table
``peernet_keys`` of the same store, itself sealed under the master key (the one given in
``PEERNET_KEY`` or a key file). The store alone therefore reveals no confidential field:
it holds ciphertext and keys that only the master key opens. Forgetting a company deletes
its row: from then on nothing can open its fields, not even the master key, while every
event, and the hash chain over its bytes, stays exactly as written (crypto-shredding).

Data keys are stored, not derived from the master key, because a derived key can always
be derived again: only a key that exists once can be destroyed.

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
from pathlib import Path
from typing import Any
from uuid import UUID

from peernet.domain.errors import (
    EncryptionUnavailable,
    InvalidInput,
    InvalidKey,
    SealBroken,
    WrongKey,
)

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


class KeyTable:
    """The ``peernet_keys`` rows of a store: company id -> data key sealed under the
    master key."""

    def exists(self) -> bool:
        """Whether the store was ever opened with a key (its check row is there)."""
        raise NotImplementedError

    def create(self) -> None:
        raise NotImplementedError

    def get(self, company_id: UUID) -> bytes | None:
        raise NotImplementedError

    def add(self, company_id: UUID, sealed: bytes) -> bytes:
        """Keep `sealed` for the company unless a key is kept already (another process
        was first); return the one kept."""
        raise NotImplementedError

    def delete(self, company_id: UUID) -> None:
        """Remove the company's row and leave no copy of it in the store's files."""
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

    def add(self, company_id: UUID, sealed: bytes) -> bytes:
        return self.rows.setdefault(company_id, sealed)

    def delete(self, company_id: UUID) -> None:
        self.rows.pop(company_id, None)


class SQLiteKeyTable(KeyTable):
    """On SQLite, a deleted row is overwritten (``secure_delete``) and the write-ahead log
    is checkpointed and truncated, so the row's bytes leave the database files."""

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

    def add(self, company_id: UUID, sealed: bytes) -> bytes:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "INSERT OR IGNORE INTO peernet_keys (company_id, sealed) VALUES (?, ?)",
                (str(company_id), sealed),
            )
            c.execute("SELECT sealed FROM peernet_keys WHERE company_id=?", (str(company_id),))
            return bytes(c.fetchone()[0])

    def delete(self, company_id: UUID) -> None:
        with self.datastore.get_connection(commit=True) as connection:
            raw: sqlite3.Connection = connection._sqlite_conn
            raw.execute("PRAGMA secure_delete = ON")
            with connection.transaction(commit=True) as c:
                c.execute("DELETE FROM peernet_keys WHERE company_id=?", (str(company_id),))
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class PostgresKeyTable(KeyTable):
    """On PostgreSQL, the table is vacuumed after a delete, so the dead row's bytes are
    reclaimed (its copies in the server's write-ahead log and backups are not: see
    docs/confidentiality.md)."""

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

    def add(self, company_id: UUID, sealed: bytes) -> bytes:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                self.sql(
                    "INSERT INTO {} (company_id, sealed) VALUES (%s, %s) "
                    "ON CONFLICT (company_id) DO NOTHING"
                ).format(self.table),
                (company_id, sealed),
            )
            c.execute(
                self.sql("SELECT sealed FROM {} WHERE company_id=%s").format(self.table),
                (company_id,),
            )
            return bytes(c.fetchone()["sealed"])

    def delete(self, company_id: UUID) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                self.sql("DELETE FROM {} WHERE company_id=%s").format(self.table), (company_id,)
            )
        with self.datastore.cursor() as c:  # VACUUM runs outside a transaction
            c.execute(self.sql("VACUUM {}").format(self.table))


def key_table(recorder: Any) -> KeyTable:
    """The key table beside the events of the store `recorder` writes to."""
    module = type(recorder).__module__
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
    a company's key from the cache and the table."""

    def __init__(self, master: bytes, table: KeyTable, store: str) -> None:
        try:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415
        except ImportError:  # the `encryption` extra is not installed
            raise EncryptionUnavailable() from None

        self._aead = AESGCM
        self.master = AESGCM(master)
        self.table = table
        self.store = store
        self._keys: dict[UUID, Any] = {}

    def open_store(self) -> None:
        """Create the key table and its check row, or verify the check row: a wrong key
        fails here, with `WrongKey`."""
        self.table.create()
        sealed = self.table.get(CHECK_ID)
        if sealed is None:
            sealed = self.table.add(CHECK_ID, self._wrap(CHECK_ID, _CHECK))
        if self._unwrap(CHECK_ID, sealed) != _CHECK:
            raise WrongKey(store=self.store)

    def _wrap(self, company_id: UUID, key: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self.master.encrypt(nonce, key, company_id.bytes)

    def _unwrap(self, company_id: UUID, sealed: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag  # noqa: PLC0415 - extra

        try:
            return bytes(self.master.decrypt(sealed[:_NONCE], sealed[_NONCE:], company_id.bytes))
        except InvalidTag:
            raise WrongKey(store=self.store) from None

    def _key(self, company_id: UUID, *, create: bool) -> Any:
        if (found := self._keys.get(company_id)) is not None:
            return found
        sealed = self.table.get(company_id)
        if sealed is None:
            if not create:
                return None
            sealed = self.table.add(company_id, self._wrap(company_id, os.urandom(32)))
        key = self._aead(self._unwrap(company_id, sealed))
        self._keys[company_id] = key
        return key

    def seal(self, company_id: UUID, plain: bytes, context: bytes) -> str:
        """`plain` sealed with the company's key (made on first use), bound to `context`;
        as base64 text: nonce, ciphertext and tag."""
        nonce = os.urandom(_NONCE)
        sealed = self._key(company_id, create=True).encrypt(nonce, plain, context)
        return base64.b64encode(nonce + sealed).decode()

    def open(self, company_id: UUID, sealed: str, context: bytes) -> bytes | None:
        """What `seal` sealed; None when the company was forgotten (its key is gone)."""
        key = self._key(company_id, create=False)
        if key is None:
            return None
        from cryptography.exceptions import InvalidTag  # noqa: PLC0415 - extra

        raw = base64.b64decode(sealed)
        try:
            return bytes(key.decrypt(raw[:_NONCE], raw[_NONCE:], context))
        except InvalidTag:
            raise SealBroken(company_id=company_id) from None

    def forget(self, company_id: UUID) -> None:
        """Destroy the company's key: in this process and in the store (when still there:
        another process, or an earlier attempt, may have destroyed it already)."""
        self._keys.pop(company_id, None)
        if self.table.get(company_id) is not None:
            self.table.delete(company_id)

    def drop_cache(self) -> None:
        """Forget every cached key (another process may have forgotten a company)."""
        self._keys.clear()
