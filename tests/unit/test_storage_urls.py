"""Storage is a URL: each maps onto eventsourcing settings, or a one-line error."""

from pathlib import Path

import pytest

from peernet import InvalidInput, InvalidStoreURL, StoreUnavailable
from peernet.adapters.storage import redact, settings_for

# --- memory -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["memory://", "memory:///", " memory:// ", "MEMORY://"])
def test_memory_url_selects_the_in_process_store(url: str) -> None:
    """memory:// maps onto eventsourcing.popo and nothing else."""
    assert {"PERSISTENCE_MODULE": "eventsourcing.popo"} == settings_for(url)


# --- SQLite -------------------------------------------------------------------------------


def test_a_relative_sqlite_url_names_a_file_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sqlite:///data/peernet.db is data/peernet.db, relative to where peernet runs."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()

    assert {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": "data/peernet.db",
        "SQLITE_LOCK_TIMEOUT": "10",
    } == settings_for("sqlite:///data/peernet.db")


def test_an_absolute_sqlite_url_has_four_slashes(tmp_path: Path) -> None:
    """sqlite:////abs/path.db names the absolute path /abs/path.db."""
    file = tmp_path / "peernet.db"

    settings = settings_for(f"sqlite:///{file}")

    assert ("eventsourcing.sqlite", str(file)) == (
        settings["PERSISTENCE_MODULE"],
        settings["SQLITE_DBNAME"],
    )
    assert file.is_absolute()


def test_a_sqlite_url_takes_a_lock_timeout_option(tmp_path: Path) -> None:
    """?lock_timeout=SECONDS sets how long a writer waits for a busy database."""
    settings = settings_for(f"sqlite:///{tmp_path / 'peernet.db'}?lock_timeout=30")

    assert "30" == settings["SQLITE_LOCK_TIMEOUT"]


@pytest.mark.parametrize(("given", "setting"), [("normal", "normal"), ("FULL", "full")])
def test_a_sqlite_url_chooses_its_durability(tmp_path: Path, given: str, setting: str) -> None:
    """?synchronous=normal (or full, the default) becomes peernet's setting, lower-case;
    without the option nothing is set and SQLite's own default, FULL, holds."""
    file = tmp_path / "peernet.db"

    chosen = settings_for(f"sqlite:///{file}?synchronous={given}")

    assert (setting, None) == (
        chosen["SQLITE_SYNCHRONOUS"],
        settings_for(f"sqlite:///{file}").get("SQLITE_SYNCHRONOUS"),
    )


def test_a_postgresql_url_chooses_its_durability() -> None:
    """?synchronous_commit=off becomes peernet's setting; nothing is set without it."""
    chosen = settings_for("postgresql://u@h/db?synchronous_commit=Off")

    assert ("off", None) == (
        chosen["POSTGRES_SYNCHRONOUS_COMMIT"],
        settings_for("postgresql://u@h/db").get("POSTGRES_SYNCHRONOUS_COMMIT"),
    )


def test_a_sqlite_path_is_unquoted(tmp_path: Path) -> None:
    """Percent-escapes in the path are decoded: %20 is a space."""
    (tmp_path / "my data").mkdir()

    settings = settings_for(f"sqlite:///{tmp_path}/my%20data/peernet.db")

    assert str(tmp_path / "my data" / "peernet.db") == settings["SQLITE_DBNAME"]


def test_a_sqlite_file_in_a_missing_folder_is_unavailable(tmp_path: Path) -> None:
    """The folder must exist: StoreUnavailable (invalid input) says which, on one line."""
    url = f"sqlite:///{tmp_path}/missing/peernet.db"

    with pytest.raises(StoreUnavailable) as raised:
        settings_for(url)

    error = raised.value
    assert ("store_reachable", True, True) == (
        error.rule,
        str(tmp_path / "missing") in str(error),
        isinstance(error, InvalidInput),
    )
    assert 1 == len(str(error).splitlines())


# --- PostgreSQL ---------------------------------------------------------------------------


def test_a_postgresql_url_maps_every_part_onto_settings() -> None:
    """User, password (unquoted), host, port, database and options become settings."""
    url = (
        "postgresql://alice:p%40ss@db.example:6543/net?schema=team_a&connect_timeout=9&pool_size=3"
    )

    assert {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "net",
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "alice",
        "POSTGRES_PASSWORD": "p@ss",
        "POSTGRES_CONNECT_TIMEOUT": "9",
        "POSTGRES_SCHEMA": "team_a",
        "POSTGRES_POOL_SIZE": "3",
    } == settings_for(url)


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_postgresql_url_has_defaults_for_port_password_and_timeout(scheme: str) -> None:
    """Without them, port 5432, no password and a 5-second connect timeout."""
    assert {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "net",
        "POSTGRES_HOST": "db",
        "POSTGRES_PORT": "5432",
        "POSTGRES_USER": "alice",
        "POSTGRES_PASSWORD": "",
        "POSTGRES_CONNECT_TIMEOUT": "5",
    } == settings_for(f"{scheme}://alice@db/net")


# --- redaction ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://alice:s3cret@db:5432/net", "postgresql://alice:***@db:5432/net"),
        ("postgresql://alice:p%40ss@db/net?schema=a", "postgresql://alice:***@db/net?schema=a"),
        ("postgresql://alice@db/net", "postgresql://alice@db/net"),
        ("sqlite:///peernet.db", "sqlite:///peernet.db"),
        ("memory://", "memory://"),
    ],
)
def test_redact_hides_the_password_only(url: str, expected: str) -> None:
    """redact() replaces a password with *** and leaves every other URL as it was."""
    assert expected == redact(url)


def test_an_error_about_a_url_never_shows_its_password() -> None:
    """InvalidStoreURL reports the redacted URL, in its message and its ids."""
    with pytest.raises(InvalidStoreURL) as raised:
        settings_for("postgresql://alice:s3cret@db:notaport/net")

    error = raised.value
    assert (False, {"url": "postgresql://alice:***@db:notaport/net"}) == (
        "s3cret" in str(error),
        error.ids,
    )


# --- malformed URLs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        pytest.param("", "it is empty", id="empty"),
        pytest.param("peernet.db", "use memory://", id="no scheme"),
        pytest.param("mysql://u@h/db", "use memory://", id="mysql"),
        pytest.param("sqlite://x.db", "three slashes", id="two slashes"),
        pytest.param("sqlite:///", "no file named", id="sqlite without a file"),
        pytest.param("sqlite:///x.db?journal=wal", "unknown option 'journal'", id="unknown"),
        pytest.param("sqlite:///x.db?lock_timeout=", "has no value", id="empty option"),
        pytest.param("memory://store", "takes no path", id="memory with a path"),
        pytest.param("postgresql://u@h:port/db", "port is not a number", id="bad port"),
        pytest.param("postgresql://u@h", "names user, host and database", id="missing db"),
        pytest.param("postgresql://h/db", "names user, host and database", id="missing user"),
        pytest.param("postgresql://u@h/db?sslmode=require", "unknown option", id="pg option"),
        pytest.param(
            "sqlite:///x.db?synchronous=off", "'synchronous' is full or normal", id="sync off"
        ),
        pytest.param(
            "postgresql://u@h/db?synchronous_commit=local", "is on or off", id="pg commit"
        ),
        pytest.param("memory://?synchronous=normal", "unknown option", id="memory sync"),
        pytest.param(
            "postgresql://u@h/db?synchronous=normal", "unknown option", id="sqlite's on pg"
        ),
    ],
)
def test_a_malformed_url_is_refused_with_a_one_line_reason(url: str, why: str) -> None:
    """InvalidStoreURL (invalid input, rule store_url) says what is wrong on one line."""
    with pytest.raises(InvalidStoreURL) as raised:
        settings_for(url)

    error = raised.value
    assert (True, 1, "store_url", True) == (
        why in str(error),
        len(str(error).splitlines() or [""]),
        error.rule,
        isinstance(error, InvalidInput),
    )
