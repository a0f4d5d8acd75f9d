"""An archived store, copied read-only, read and verified by another user.

The demo store (encrypted, so readers need its key and the verifier does not) is copied
into a folder, file and folder made read-only, and every read command runs on it in a
process of its own as `nobody` (when the tests run as root: the process loads peernet,
then gives up root with `os.setuid` before the command runs; else as this user, who
cannot write there either). Each exits 0 and the folder is left byte for byte as it was:
no write-ahead log, no shared-memory file, no table created.
"""

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from peernet.adapters.keys import new_key
from peernet.cli import cli

KEY = new_key()


#: the command line, run as `nobody` once loaded when started as root (the interpreter
#: may live where `nobody` cannot read: everything is imported before the switch, every
#: command's module too, which the command line imports only when it runs)
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
    assert os.geteuid() == 65534
sys.argv[0] = "peernet"
main()
"""


def peernet(*args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command line, in a process of its own, as another user."""
    env = {k: v for k, v in os.environ.items() if k not in ("PEERNET_KEY", "PEERNET_DB")}
    env["HOME"] = "/"
    if key is not None:
        env["PEERNET_KEY"] = key
    return subprocess.run(
        [sys.executable, "-c", AS_NOBODY, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of the folder and the sha256 of its bytes."""
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def archive() -> Iterator[Path]:
    """The demo store, encrypted, copied into a read-only folder as a read-only file."""
    built = Path(tempfile.mkdtemp(prefix="peernet-build-"))
    db = built / "network.db"
    result = CliRunner().invoke(
        cli, ["demo", "--db", f"sqlite:///{db}", "--years", "3"], env={"PEERNET_KEY": KEY}
    )
    assert 0 == result.exit_code, result.output
    folder = Path(tempfile.mkdtemp(prefix="peernet-archive-"))
    shutil.copy(db, folder / "network.db")
    (folder / "network.db").chmod(0o444)
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder)
    shutil.rmtree(built)


def url(archive: Path) -> str:
    return f"sqlite:///{archive / 'network.db'}"


def test_the_archive_is_read_only_to_whoever_reads_it(archive: Path) -> None:
    """The test's premise: file and folder carry no write permission for anyone."""
    modes = [stat.S_IMODE(p.stat().st_mode) for p in (archive, archive / "network.db")]

    assert [0o555, 0o444] == modes


def test_another_user_verifies_the_archive_without_its_key(archive: Path) -> None:
    """`audit verify` needs no key and writes nothing: exit 0, the folder unchanged."""
    before = snapshot(archive)

    result = peernet("audit", "verify", "--db", url(archive))

    assert (0, "") == (result.returncode, result.stderr)
    assert result.stdout.startswith("verified ")
    assert before == snapshot(archive)


READS = [
    ("groups",),
    ("roster", "HTG 1"),
    ("companies",),
    ("goals", "HTG 1"),
    ("motions", "HTG 1"),
    ("meetings", "HTG 1"),
    ("turnover",),
    ("report",),
    ("projections", "status"),
    ("audit", "trail", "--group", "HTG 1"),
    ("audit", "verify", "--json"),
]


@pytest.mark.parametrize("command", READS, ids=" ".join)
def test_every_read_command_runs_on_the_archive_as_another_user(
    archive: Path, command: tuple[str, ...]
) -> None:
    """With the key, each read command exits 0 on the read-only copy and writes nothing."""
    before = snapshot(archive)

    result = peernet(*command, "--db", url(archive), key=KEY)

    assert (0, "") == (result.returncode, result.stderr)
    assert before == snapshot(archive)


def test_a_reader_without_the_key_is_told_it_is_needed(archive: Path) -> None:
    """Reading confidential fields needs the key: one line, exit 2, nothing written."""
    result = peernet("groups", "--db", url(archive))

    assert 2 == result.returncode
    assert "set PEERNET_KEY" in result.stderr
    assert 1 == len(result.stderr.splitlines())


@pytest.mark.parametrize(
    "command", [("projections", "rebuild"), ("demo", "--years", "1")], ids=" ".join
)
def test_a_write_on_the_archive_is_refused_in_one_line(
    archive: Path, command: tuple[str, ...]
) -> None:
    """A command that writes says the store is read-only: exit 2, the folder unchanged."""
    before = snapshot(archive)

    result = peernet(*command, "--db", url(archive), key=KEY)

    assert 2 == result.returncode, result.stderr
    assert "read-only" in result.stderr
    assert 1 == len(result.stderr.splitlines())
    assert before == snapshot(archive)
