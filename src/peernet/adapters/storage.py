"""Storage is a URL. Each maps onto one of eventsourcing's own persistence modules.

- ``memory://``: eventsourcing.popo, for tests and trials; gone when the process ends.
- ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``: eventsourcing.sqlite,
  the embedded default, in WAL mode. ``?lock_timeout=SECONDS`` waits for a busy writer.
- ``postgresql://user[:password]@host[:port]/database``: eventsourcing.postgres, for many
  processes and machines. ``?schema=NAME`` keeps several networks in one database,
  ``?connect_timeout=SECONDS`` (default 5), ``?pool_size=N``, ``?lock_timeout=SECONDS``
  (how long a writer waits for the table lock; default 0, no limit).

Every URL takes ``?key_file=PATH``: the file holding the master key that confidential
fields are encrypted under (else the ``PEERNET_KEY`` environment variable; see
docs/confidentiality.md).

Any other eventsourcing setting can still be given through `env` or the environment.
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from peernet.domain.common import InvalidInput

DEFAULT_URL = "sqlite:///peernet.db"
#: the URL option naming the master key's file, and the setting it becomes
_KEY = {"key_file": "KEY_FILE"}
ENV_VAR = "PEERNET_DB"


class InvalidStoreURL(InvalidInput):
    rule = "store_url"
    says = "bad store URL {url!r}: {why}"

    def __init__(self, *, url: str, why: str) -> None:
        super().__init__(url=redact(url), why=why)


class StoreUnavailable(InvalidInput):
    rule = "store_reachable"
    says = "cannot open store {url}: {why}"

    def __init__(self, *, url: str, why: str) -> None:
        super().__init__(url=redact(url), why=(why.strip().splitlines() or ["unknown error"])[0])


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
            raise InvalidStoreURL(url=url, why=f"unknown option {key!r} (known: {known})")
        if not value.strip():
            raise InvalidStoreURL(url=url, why=f"option {key!r} has no value")
        settings[allowed[key]] = value
    return settings


def settings_for(url: str) -> dict[str, str]:
    """eventsourcing settings for a store URL; raises InvalidStoreURL on a malformed one."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidStoreURL(url=str(url), why="it is empty")
    try:
        parts = urlsplit(url.strip())
    except ValueError as error:
        raise InvalidStoreURL(url=url, why=str(error)) from None
    scheme = parts.scheme.lower()
    if scheme == "memory":
        if parts.netloc or parts.path not in ("", "/"):
            raise InvalidStoreURL(url=url, why="memory:// takes no path")
        return {"PERSISTENCE_MODULE": "eventsourcing.popo", **_options(url, parts.query, _KEY)}
    if scheme == "sqlite":
        return _sqlite(url, parts.netloc, parts.path, parts.query)
    if scheme in ("postgresql", "postgres"):
        return _postgres(url)
    raise InvalidStoreURL(url=url, why="use memory://, sqlite:///PATH or postgresql://USER@HOST/DB")


def _sqlite(url: str, netloc: str, path: str, query: str) -> dict[str, str]:
    if netloc:
        raise InvalidStoreURL(
            url=url, why="a SQLite URL has three slashes: sqlite:///path/to/file.db"
        )
    file = unquote(path[1:] if path.startswith("/") else path)
    if not file:
        raise InvalidStoreURL(url=url, why="no file named; use sqlite:///path/to/file.db")
    folder = Path(file).expanduser().resolve().parent
    if not folder.is_dir():
        raise StoreUnavailable(url=url, why=f"folder {folder} does not exist")
    settings = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(Path(file).expanduser()),
        "SQLITE_LOCK_TIMEOUT": "10",
    }
    settings.update(_options(url, query, {"lock_timeout": "SQLITE_LOCK_TIMEOUT", **_KEY}))
    return settings


def _postgres(url: str) -> dict[str, str]:
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        raise InvalidStoreURL(url=url, why="the port is not a number") from None
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not database or not parts.username:
        raise InvalidStoreURL(url=url, why="a PostgreSQL URL names user, host and database")
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
                **_KEY,
            },
        )
    )
    return settings
