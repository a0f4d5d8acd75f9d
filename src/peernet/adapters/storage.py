"""Storage is a URL. Each maps onto one of eventsourcing's own persistence modules.

- ``memory://``: eventsourcing.popo, for tests and trials; gone when the process ends.
- ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``: eventsourcing.sqlite,
  the embedded default, in WAL mode. ``?lock_timeout=SECONDS`` waits for a busy writer;
  ``?synchronous=normal`` trades a power loss's last commits for speed (`DURABILITY`).
- ``postgresql://user[:password]@host[:port]/database``: eventsourcing.postgres, for many
  processes and machines. ``?schema=NAME`` keeps several networks in one database,
  ``?connect_timeout=SECONDS`` (default 5), ``?pool_size=N``, ``?lock_timeout=SECONDS``
  (how long a writer waits for the table lock; default 0, no limit),
  ``?synchronous_commit=off`` (as ``synchronous=normal`` on SQLite: `DURABILITY`).

Every URL takes ``?key_file=PATH``: the file holding the master key that confidential
fields are encrypted under (else the ``PEERNET_KEY`` environment variable; see
docs/confidentiality.md).

Any other eventsourcing setting can still be given through `env` or the environment.
"""

import os
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from eventsourcing.persistence import PersistenceError

from peernet.adapters.errors import InvalidStoreURL, StoreUnavailable

DEFAULT_URL = "sqlite:///peernet.db"
#: the URL option naming the master key's file, and the setting it becomes
_KEY = {"key_file": "KEY_FILE"}
ENV_VAR = "PEERNET_DB"
#: the durability a URL may choose, by option: the values it takes (the first is the
#: default, durable on power loss) and the peernet setting it becomes. A crash of the
#: process loses nothing either way; a power loss may lose the last commits at the second.
DURABILITY = {
    "synchronous": (("full", "normal"), "SQLITE_SYNCHRONOUS"),
    "synchronous_commit": (("on", "off"), "POSTGRES_SYNCHRONOUS_COMMIT"),
}


def bad_url(url: str, why: str) -> InvalidStoreURL:
    """The refusal of a malformed store URL, naming it without its password."""
    return InvalidStoreURL(url=redact(url), why=why)


def unavailable(url: str, why: str) -> StoreUnavailable:
    """A store that cannot be reached, named without its password, with the first line
    of what the driver said."""
    return StoreUnavailable(url=redact(url), why=(why.strip().splitlines() or ["unknown"])[0])


def driver_failure(error: BaseException) -> bool:
    """Whether `error` is a store's driver failing (eventsourcing's persistence errors,
    sqlite3, psycopg, the disk), rather than a bug of peernet's."""
    if isinstance(error, PersistenceError | sqlite3.Error | OSError):
        return True
    return type(error).__module__.split(".")[0] in ("psycopg", "psycopg_pool")


def default_url() -> str:
    """The store named by PEERNET_DB, else peernet.db in the working directory."""
    return os.environ.get(ENV_VAR) or DEFAULT_URL


def redact(url: str) -> str:
    """The URL without its password, fit for a message or a log line."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _options(url: str, query: str, allowed: dict[str, str]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise bad_url(url, f"unknown option {key!r} (known: {known})")
        if not value.strip():
            raise bad_url(url, f"option {key!r} has no value")
        settings[allowed[key]] = _durability(url, key, value) if key in DURABILITY else value
    return settings


def _durability(url: str, key: str, value: str) -> str:
    """A durability option's value, lower-case, or the refusal naming the ones it takes."""
    chosen, choices = value.strip().lower(), DURABILITY[key][0]
    if chosen not in choices:
        raise bad_url(url, f"option {key!r} is {' or '.join(choices)}, not {chosen!r}")
    return chosen


def settings_for(url: str) -> dict[str, str]:
    """eventsourcing settings for a store URL; raises InvalidStoreURL on a malformed one."""
    if not isinstance(url, str) or not url.strip():
        raise bad_url(str(url), "it is empty")
    try:
        parts = urlsplit(url.strip())
    except ValueError as error:
        raise bad_url(url, str(error)) from None
    scheme = parts.scheme.lower()
    if scheme == "memory":
        if parts.netloc or parts.path not in ("", "/"):
            raise bad_url(url, "memory:// takes no path")
        return {"PERSISTENCE_MODULE": "eventsourcing.popo", **_options(url, parts.query, _KEY)}
    if scheme == "sqlite":
        return _sqlite(url, parts.netloc, parts.path, parts.query)
    if scheme in ("postgresql", "postgres"):
        return _postgres(url)
    raise bad_url(url, "use memory://, sqlite:///PATH or postgresql://USER@HOST/DB")


def _sqlite(url: str, netloc: str, path: str, query: str) -> dict[str, str]:
    if netloc:
        raise bad_url(url, "a SQLite URL has three slashes: sqlite:///path/to/file.db")
    file = unquote(path[1:] if path.startswith("/") else path)
    if not file:
        raise bad_url(url, "no file named; use sqlite:///path/to/file.db")
    folder = Path(file).expanduser().resolve().parent
    if not folder.is_dir():
        raise unavailable(url, f"folder {folder} does not exist")
    settings = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(Path(file).expanduser()),
        "SQLITE_LOCK_TIMEOUT": "10",
    }
    options = {"lock_timeout": "SQLITE_LOCK_TIMEOUT", "synchronous": "SQLITE_SYNCHRONOUS", **_KEY}
    settings.update(_options(url, query, options))
    return settings


def _postgres(url: str) -> dict[str, str]:
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        raise bad_url(url, "the port is not a number") from None
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not database or not parts.username:
        raise bad_url(url, "a PostgreSQL URL names user, host and database")
    settings = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": database,
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(port or 5432),
        "POSTGRES_USER": unquote(parts.username),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
    }
    settings.update(
        _options(
            url,
            parts.query,
            {
                "schema": "POSTGRES_SCHEMA",
                "connect_timeout": "POSTGRES_CONNECT_TIMEOUT",
                "pool_size": "POSTGRES_POOL_SIZE",
                "lock_timeout": "POSTGRES_LOCK_TIMEOUT",
                "synchronous_commit": "POSTGRES_SYNCHRONOUS_COMMIT",
                **_KEY,
            },
        )
    )
    return settings
