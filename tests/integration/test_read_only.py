"""A store opened to read or to verify, on every backend: queries and verify answer as on
a store opened to write, nothing is created or written, a write is refused in one line;
verifying needs no key; a PostgreSQL role that may only SELECT reads and verifies."""

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

from peernet import (
    FormGroup,
    InvalidValue,
    KeyRequired,
    Network,
    Reader,
    ReadOnlyStore,
    StoreUnavailable,
)
from peernet.adapters.keys import new_key
from peernet.adapters.readmodels import ReadModels
from peernet.cli import cli
from peernet.demo import build_demo
from peernet.projections import Period
from peernet.testing import T0

OpenNetwork = Callable[..., Network]


def files(url: str) -> dict[str, str]:
    """The SQLite store's files and the sha256 of each (nothing for other backends),
    leaving out the shared-memory index SQLite makes for any reader of a WAL database
    in a folder it can write (it holds no data)."""
    if not url.startswith("sqlite"):
        return {}
    folder = Path(url.removeprefix("sqlite:///")).parent
    found = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}
    found.pop("peernet.db-shm", None)
    if found.get("peernet.db-wal") == hashlib.sha256(b"").hexdigest():
        del found["peernet.db-wal"]  # an empty log: nothing written
    return found


@pytest.fixture
def written(durable_url: str) -> str:
    """Two years of the demo in a store, closed, its read models built."""
    with Network(durable_url) as network:
        build_demo(network, years=2)
        ReadModels(network).catch_up()
    return durable_url


def test_a_reader_answers_as_the_writer_does(written: str) -> None:
    """Groups, rosters and the log read the same opened to read as opened to write."""
    with Network(written) as writer, Network(written, access="read") as reader:
        group = writer.groups()[0].group_id

        assert (writer.groups(), writer.roster(group)) == (reader.groups(), reader.roster(group))
        assert list(writer.recorded()) == list(reader.recorded())


def test_a_reader_reads_the_p2p_figures_as_the_writer_does(written: str) -> None:
    """The P2P figures fold their read models in memory on a store opened to read (as
    `peernet report --html` reads them), and equal the writer's."""
    with Network(written) as writer, Network(written, access="read") as reader:
        group = writer.groups()[0].group_id
        last = writer.last_recorded()
        assert last is not None
        year, auditor = Period.year(last.event.at.year), Reader.auditor("a")

        assert (
            writer.p2p_figures(year),
            writer.group_p2p(group, year, reader=auditor),
        ) == (reader.p2p_figures(year), reader.group_p2p(group, year, reader=auditor))


def test_a_reader_writes_nothing(written: str) -> None:
    """Queries, verify and the read models on a store opened to read leave its files as
    they were."""
    before = files(written)

    with Network(written, access="read") as reader:
        reader.groups()
        reader.verify()
        ReadModels(reader).views("group_histories")

    assert before == files(written)


def test_a_command_on_a_store_opened_to_read_is_refused(store_url: str) -> None:
    """`execute` refuses before deciding anything: ReadOnlyStore, invalid input."""
    Network(store_url).close()  # the tables exist
    with Network(store_url, access="read") as reader, pytest.raises(ReadOnlyStore) as refused:
        reader.execute(FormGroup(name="HTG 1", actor="office", at=T0))

    assert ("writable_store", True) == (refused.value.rule, "opened to read" in str(refused.value))


def test_read_models_of_a_reader_are_folded_in_memory_and_equal_the_kept_ones(
    written: str,
) -> None:
    """The live copy and the events since, folded without writing, give the same views."""
    with Network(written) as writer, Network(written, access="read") as reader:
        kept = ReadModels(writer).views("group_histories")

        assert kept == ReadModels(reader).views("group_histories")


def test_a_reader_refuses_to_rebuild_read_models(written: str) -> None:
    """Rebuilding writes: refused on a store opened to read."""
    with Network(written, access="read") as reader, pytest.raises(ReadOnlyStore):
        ReadModels(reader).rebuild()


def test_an_encrypted_store_verifies_without_its_key(durable_url: str) -> None:
    """The chain covers the ciphertext: verifying reads no key, and finds it sound."""
    key = new_key()
    with Network(durable_url, key=key) as writer:
        build_demo(writer, years=2)
        head = writer.verify().head

    with Network(durable_url, access="verify") as auditor:
        assert (True, head) == (auditor.verify().ok, auditor.verify().head)


def test_an_encrypted_store_read_without_its_key_is_refused(durable_url: str) -> None:
    """Reading opens confidential fields: without the key, KeyRequired at once."""
    with Network(durable_url, key=new_key()) as writer:
        writer.execute(FormGroup(name="HTG 1", actor="office", at=T0))

    with pytest.raises(KeyRequired):
        Network(durable_url, access="read")


def test_an_encrypted_store_is_read_with_its_key_without_writing(durable_url: str) -> None:
    """With the key, a reader opens the key table without creating or changing it."""
    key = new_key()
    with Network(durable_url, key=key) as writer:
        build_demo(writer, years=2)
        expected = writer.groups()
    before = files(durable_url)

    with Network(durable_url, key=key, access="read") as reader:
        assert expected == reader.groups()
    assert before == files(durable_url)


def test_a_missing_store_is_not_created_by_a_reader(tmp_path: Path) -> None:
    """Opened to read, a SQLite file that does not exist is named, not made."""
    with pytest.raises(Exception, match="no store at"):
        Network(f"sqlite:///{tmp_path / 'none.db'}", access="read")

    assert [] == list(tmp_path.iterdir())


def test_a_file_that_holds_no_store_is_named(tmp_path: Path) -> None:
    """An empty file opened to read holds no events table: StoreUnavailable says so."""
    (tmp_path / "empty.db").write_bytes(b"")

    with pytest.raises(StoreUnavailable, match="holds no peernet store"):
        Network(f"sqlite:///{tmp_path / 'empty.db'}", access="read")


def test_an_unknown_access_is_refused() -> None:
    """Access is write, read or verify: anything else is an InvalidValue naming them."""
    with pytest.raises(InvalidValue, match="'write', 'read', 'verify'"):
        Network("memory://", access="peek")  # type: ignore[arg-type]


# --- a PostgreSQL role that may only SELECT -----------------------------------------------


def _server() -> "psycopg.Connection[tuple[object, ...]]":
    return psycopg.connect(host="127.0.0.1", user="postgres", dbname="test", autocommit=True)


@pytest.fixture
def select_only(pg_url: str) -> Iterator[str]:
    """The demo in a schema, and a URL naming it as a role that may only SELECT there."""
    with Network(pg_url) as network:
        build_demo(network, years=2)
        ReadModels(network).catch_up()
    schema = pg_url.rpartition("schema=")[2]
    role = f"reader_{uuid4().hex[:12]}"
    with _server() as server:
        server.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        server.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(schema), sql.Identifier(role)
            )
        )
        server.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
                sql.Identifier(schema), sql.Identifier(role)
            )
        )
    yield pg_url.replace("postgres@", f"{role}@", 1)
    with _server() as server:
        server.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        server.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.mark.parametrize(
    "command",
    [("groups",), ("report",), ("turnover",), ("projections", "status"), ("audit", "verify")],
    ids=" ".join,
)
def test_a_select_only_role_runs_every_read_command(
    select_only: str, command: tuple[str, ...]
) -> None:
    """A role that may only SELECT runs the read commands: exit 0, nothing on stderr."""
    result = CliRunner().invoke(cli, [*command, "--db", select_only])

    assert (0, "") == (result.exit_code, result.stderr)


def test_a_select_only_role_is_told_it_cannot_write(select_only: str) -> None:
    """A rebuild needs to write: one line naming the cause, exit 2."""
    result = CliRunner().invoke(cli, ["projections", "rebuild", "--db", select_only])

    assert 2 == result.exit_code
    assert 1 == len(result.stderr.splitlines())
    assert "permission denied" in result.stderr
