"""Opening a store for what the caller means to do with it: record, read, or verify.

- ``write`` (the default): eventsourcing's tables are created on first use, the key
  table on the first sealed value; commands are recorded.
- ``read``: nothing is created and nothing can be written. A SQLite file is opened
  through a read-only URI (``mode=ro``; ``immutable=1`` where the folder cannot hold the
  ``-shm`` file a reader of a WAL database needs, and no write-ahead log is waiting);
  PostgreSQL sessions are read-only (``default_transaction_read_only``), so a role that
  may only ``SELECT`` reads as well as the owner. A key is needed to open sealed fields.
- ``verify``: as ``read``, and no key is read at all: a chain covers the stored bytes,
  ciphertext included, so checking it needs no secret (docs/auditing.md).

PostgreSQL is probed with psycopg directly before eventsourcing's pool opens: the pool
retries a failed connection until its timeout and then says only that it could not get
one; the probe fails at once and says why (docs/storage.md, "Errors").
"""

import contextlib
import sqlite3
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import quote

from peernet.adapters.errors import StoreUnavailable
from peernet.adapters.storage import redact, unavailable
from peernet.domain.errors import InvalidInput, InvalidValue

Access = Literal["write", "read", "verify"]
ACCESSES: tuple[str, ...] = get_args(Access)
#: the PostgreSQL driver, as the extra that installs it names it
_DRIVER = "the PostgreSQL driver is not installed: pip install 'peernet[postgres]'"


def access_of(value: object) -> Access:
    """`value` if it names an access, else InvalidValue listing them."""
    if value not in ACCESSES:
        known = ", ".join(repr(a) for a in ACCESSES)
        raise InvalidValue(f"access is one of {known}, not {value!r}", field="access")
    found: Access = value  # type: ignore[assignment]  # checked just above
    return found


def settings_to(url: str, settings: dict[str, str], access: Access) -> dict[str, str]:
    """eventsourcing settings that open the store `url` for `access`: for reading and
    verifying, no table is created and a SQLite file is named by a read-only URI."""
    if access == "write":
        return settings
    settings = {**settings, "CREATE_TABLE": "no"}
    if settings["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        settings["SQLITE_DBNAME"] = sqlite_reader(url, Path(settings["SQLITE_DBNAME"]))
    return settings


def sqlite_reader(url: str, path: Path) -> str:
    """A URI that opens the SQLite file `path` read-only.

    ``mode=ro`` when it opens (a reader beside writers, the write-ahead log read); else,
    when no write-ahead log holds changes the file lacks, ``immutable=1`` (an archive in a
    folder this user cannot write: SQLite then takes no lock and creates no file)."""
    if not path.is_file():
        raise InvalidInput(f"no store at {path} ({redact(url)})")
    name = f"file:{quote(str(path.resolve()), safe='/')}"
    with contextlib.suppress(sqlite3.Error):
        with contextlib.closing(sqlite3.connect(f"{name}?mode=ro", uri=True)) as probe:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return f"{name}?mode=ro"
    wal = Path(f"{path}-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        raise unavailable(
            url,
            f"it is read-only and its write-ahead log {wal.name} holds changes not yet in "
            f"{path.name}; open it where {path.name}-shm can be created, or copy the three "
            "files to a folder you can write",
        )
    return f"{name}?mode=ro&immutable=1"


def read_only_sessions(factory: Any) -> None:
    """Keep eventsourcing's connections from writing (its pools connect lazily, so this
    comes before any connection). PostgreSQL: every session is read-only, so a write
    fails in the server whatever is asked. SQLite: the read-only URI forbids writes
    already; the pool is told the file's journal mode is settled, so it does not try to
    switch the file to WAL (a write, refused on a read-only file)."""
    module = type(factory).__module__
    if module == "eventsourcing.postgres":
        _postgres_option(factory, "default_transaction_read_only=on")
    elif module == "eventsourcing.sqlite":
        factory.datastore.pool.is_journal_mode_wal = True


def durability(factory: Any, settings: dict[str, str]) -> None:
    """Commit as the URL chose (`peernet.adapters.storage.DURABILITY`), before any
    connection is made: SQLite ``synchronous=NORMAL`` on each connection the pool opens,
    PostgreSQL ``synchronous_commit=off`` for each session. Nothing is set by default."""
    module = type(factory).__module__
    commit = settings.get("POSTGRES_SYNCHRONOUS_COMMIT")
    synchronous = settings.get("SQLITE_SYNCHRONOUS")
    if module == "eventsourcing.postgres" and commit is not None:
        _postgres_option(factory, f"synchronous_commit={commit}")
    elif module == "eventsourcing.sqlite" and synchronous is not None:
        _sqlite_pragma(factory, f"PRAGMA synchronous={synchronous.upper()}")


def _postgres_option(factory: Any, option: str) -> None:
    """Set a server option for every session of eventsourcing's PostgreSQL pool."""
    kwargs = factory.datastore.pool.kwargs
    kwargs["options"] = " ".join(filter(None, (kwargs.get("options"), f"-c {option}")))


def _sqlite_pragma(factory: Any, pragma: str) -> None:
    """Run `pragma` on every connection eventsourcing's SQLite pool opens (a pragma such
    as ``synchronous`` belongs to one connection)."""
    pool = factory.datastore.pool
    create = pool._create_connection

    def created() -> Any:
        connection = create()
        connection._sqlite_conn.execute(pragma)
        return connection

    pool._create_connection = created


def probe_postgres(url: str, settings: dict[str, str]) -> None:
    """Connect once with psycopg and close: a refused connection, an unknown host, role
    or database is named at once, not after eventsourcing's pool has waited its timeout."""
    try:
        import psycopg  # noqa: PLC0415 - the `postgres` extra, only for a PostgreSQL store
        import psycopg_pool  # noqa: F401, PLC0415 - eventsourcing's pool needs it too
    except ImportError:
        raise unavailable(url, _DRIVER) from None
    host, port = settings["POSTGRES_HOST"], settings["POSTGRES_PORT"]
    user, database = settings["POSTGRES_USER"], settings["POSTGRES_DBNAME"]
    try:
        timeout = max(1, int(settings.get("POSTGRES_CONNECT_TIMEOUT", "5")))
    except ValueError:
        raise unavailable(url, "connect_timeout is not a whole number of seconds") from None
    try:
        connection = psycopg.connect(
            host=host,
            port=port,
            user=user,
            dbname=database,
            password=settings.get("POSTGRES_PASSWORD") or None,
            connect_timeout=timeout,
        )
    except psycopg.Error as error:
        raise unavailable(url, postgres_cause(str(error), host, port, user, database)) from None
    connection.close()


def postgres_cause(said: str, host: str, port: str, user: str, database: str) -> str:
    """What the driver's message means, in a few words, naming what is at fault."""
    where = f"{host}:{port}"
    causes = (
        ("Connection refused", f"nothing accepts connections at {where} (is the server up?)"),
        ("does not exist", None),
        ("failed to resolve host", f"unknown host {host!r}"),
        ("could not translate host name", f"unknown host {host!r}"),
        ("password authentication failed", f"the server refused the password of role {user!r}"),
        ("no password supplied", f"role {user!r} needs a password"),
        ("timeout expired", f"no answer from {where} in time (connect_timeout)"),
        ("timed out", f"no answer from {where} in time (connect_timeout)"),
    )
    for marker, cause in causes:
        if marker not in said:
            continue
        if cause is not None:
            return cause
        if f'role "{user}"' in said:
            return f"the server at {where} has no role {user!r}"
        if f'database "{database}"' in said:
            return f"the server at {where} has no database {database!r}"
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    return lines[0] if lines else "the server could not be reached"


def missing_tables(url: str, error: BaseException) -> StoreUnavailable | None:
    """The refusal of a store that holds no peernet events table (read without creating
    it): an empty or foreign file, a schema never written to; None for other errors."""
    said = str(error)
    if "no such table" in said or ("relation" in said and "does not exist" in said):
        return unavailable(url, "it holds no peernet store (no events table): nothing to read")
    return None
