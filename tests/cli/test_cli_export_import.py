"""End-to-end tests of `peernet export` and `peernet import` on the demo network: the
import of an export verifies to the head `audit verify` prints for the original (SQLite
to SQLite and to PostgreSQL), nothing but the file goes to stdout and no progress bar
when piped; a file cut short, a line of bad JSON, a broken chain, a store not empty and
a read-only store are each one line on stderr, exit 2, and leave the store as it was."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from click.testing import CliRunner, Result
from psycopg import sql
from tests.conftest import PG_SERVER, require_postgres

from peernet import Network
from peernet.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Two years of the demo in a SQLite file, built once."""
    path = tmp_path_factory.mktemp("export") / "demo.db"
    assert 0 == run("demo", "--db", f"sqlite:///{path}", "--years", "2").exit_code
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def history(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "history.jsonl"
    result = run("export", "--db", demo, str(path))
    assert 0 == result.exit_code, result.output
    return path


def head_of(url: str) -> str:
    result = run("audit", "verify", "--db", url)
    assert 0 == result.exit_code, result.output
    return result.stdout.split("head ")[-1].strip()


def refused(result: Result) -> str:
    """The one line of a refusal, after checking it is one line and exit 2."""
    assert 2 == result.exit_code, result.output
    lines = result.stderr.splitlines()
    assert 1 == len(lines), result.stderr
    return lines[0]


def test_an_import_of_the_demo_verifies_to_its_head(
    demo: str, history: Path, tmp_path: Path
) -> None:
    """SQLite to SQLite: `audit verify` prints the same head on both stores."""
    target = f"sqlite:///{tmp_path / 'copy.db'}"

    result = run("import", "--db", target, str(history))

    assert 0 == result.exit_code, result.output
    assert head_of(demo) == head_of(target)
    assert head_of(demo) in result.stdout
    assert "" == result.stderr  # piped: no progress bar


@pytest.fixture
def pg_target() -> Iterator[str]:
    require_postgres()
    schema = f"t_{uuid4().hex}"
    with psycopg.connect(PG_SERVER, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    yield f"{PG_SERVER}?schema={schema}"
    with psycopg.connect(PG_SERVER, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.mark.postgres
def test_the_demo_moves_from_sqlite_to_postgresql(demo: str, history: Path, pg_target: str) -> None:
    """SQLite to PostgreSQL: the same head, the same roster of groups."""
    result = run("import", "--db", pg_target, str(history))

    assert 0 == result.exit_code, result.output
    assert head_of(demo) == head_of(pg_target)
    assert (
        run("groups", "--json", "--db", demo).stdout
        == run("groups", "--json", "--db", pg_target).stdout
    )


def test_an_export_to_stdout_is_the_file_and_nothing_else(demo: str, history: Path) -> None:
    """Piped: the lines on stdout, one summary line on stderr, no progress bar."""
    result = run("export", "--db", demo)

    assert 0 == result.exit_code, result.output
    assert len(history.read_bytes().splitlines()) == len(result.stdout.splitlines())
    assert 1 == len(result.stderr.splitlines())
    assert result.stderr.startswith("exported ")


def test_an_export_to_a_file_says_so_on_stdout(demo: str, tmp_path: Path) -> None:
    """Written to a file: the summary is the command's output, stderr stays empty."""
    result = run("export", "--db", demo, str(tmp_path / "history.jsonl"))

    assert 0 == result.exit_code, result.output
    assert result.stdout.startswith("exported ")
    assert f"to {tmp_path / 'history.jsonl'}; head " in result.stdout
    assert "" == result.stderr


def test_a_range_exports_from_and_to_positions(demo: str) -> None:
    """--from 10 --to 19: ten events between the header, the key and follower lines,
    and the closing line."""
    result = run("export", "--db", demo, "--from", "10", "--to", "19")

    assert 0 == result.exit_code, result.output
    lines = result.stdout.splitlines()
    closing = json.loads(lines[-1])
    assert 10 == closing["events"]
    assert 2 + closing["keys"] + closing["followers"] + 10 == len(lines)


def spoil(history: Path, tmp_path: Path, change: str) -> Path:
    rows = history.read_bytes().splitlines(keepends=True)
    if change == "cut short":
        rows = rows[: len(rows) // 2]
        rows[-1] = rows[-1][:40]
    elif change == "bad JSON":
        rows[100] = b'{"position": 99, "stream\n'
    elif change == "broken chain":
        rows[100] = rows[100].replace(b"+00:00", b"+01:00", 1)
    path = tmp_path / "spoilt.jsonl"
    path.write_bytes(b"".join(rows))
    return path


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("cut short", "cut short"),
        ("bad JSON", "line 101: it is not JSON"),
        ("broken chain", "line 101: stream "),
    ],
)
def test_a_spoilt_file_is_one_line_and_leaves_the_store_empty(
    history: Path, tmp_path: Path, change: str, says: str
) -> None:
    """Exit 2, one line naming the line; then the sound file imports into the same store."""
    target = f"sqlite:///{tmp_path / 'copy.db'}"

    line = refused(run("import", "--db", target, str(spoil(history, tmp_path, change))))

    assert says in line
    assert 0 == run("import", "--db", target, str(history)).exit_code


def test_a_store_that_is_not_empty_is_refused(demo: str, history: Path) -> None:
    """Importing into the demo store itself: refused, its head unchanged."""
    before = head_of(demo)

    line = refused(run("import", "--db", demo, str(history)))

    assert "is not empty" in line
    assert before == head_of(demo)


def test_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    """No such file: one line, exit 2."""
    target = f"sqlite:///{tmp_path / 'copy.db'}"

    assert "cannot be read" in refused(run("import", "--db", target, str(tmp_path / "none")))


#: the command line, run as `nobody` once loaded when started as root (root writes to a
#: read-only file); every command's module is imported before the switch, as the
#: interpreter may live where `nobody` cannot read
AS_NOBODY = """
import os, sys
import click
from peernet.cli import cli, main
context = click.Context(cli)
for name in cli.list_commands(context):
    cli.get_command(context, name)
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
sys.argv[0] = "peernet"
main()
"""


def test_a_read_only_store_is_refused_and_left_as_it_was(history: Path) -> None:
    """An empty store in a read-only folder: exit 2, one line, its bytes unchanged."""
    folder = Path(tempfile.mkdtemp(prefix="peernet-readonly-"))
    try:
        empty = folder / "empty.db"
        Network(f"sqlite:///{empty}").close()
        shutil.copy(history, folder / "history.jsonl")
        for file in folder.iterdir():
            file.chmod(0o444)
        folder.chmod(0o555)
        before = hashlib.sha256(empty.read_bytes()).hexdigest()
        env = {k: v for k, v in os.environ.items() if k not in ("PEERNET_KEY", "PEERNET_DB")}
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                AS_NOBODY,
                "import",
                "--db",
                f"sqlite:///{empty}",
                str(folder / "history.jsonl"),
            ],
            capture_output=True,
            text=True,
            env={**env, "HOME": "/"},
            check=False,
            timeout=120,
        )

        assert 2 == result.returncode, result.stderr
        assert 1 == len(result.stderr.splitlines()), result.stderr
        assert "read-only" in result.stderr
        assert before == hashlib.sha256(empty.read_bytes()).hexdigest()
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_an_export_to_a_folder_that_does_not_exist_is_bad_input(demo: str, tmp_path: Path) -> None:
    """One line naming the file, exit 2, no file left behind."""
    target = tmp_path / "missing" / "history.jsonl"

    assert "cannot write" in refused(run("export", "--db", demo, str(target)))
    assert not target.parent.exists()
