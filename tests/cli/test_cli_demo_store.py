"""`peernet demo` never mixes its story with other records: it refuses a store holding
anything else (another seed's story, real records), saying how to point it elsewhere;
`--fresh` asks on a terminal, takes `--yes`, and refuses a read-only file."""

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from peernet import FormGroup, Network, NotTheDemoStore
from peernet.cli import cli, demo as demo_command
from peernet.demo import build_demo

AT = datetime(2001, 3, 1, 9, tzinfo=UTC)


def run(*args: str, given: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=given)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def events(path: Path) -> int:
    with sqlite3.connect(path) as db:
        (count,) = db.execute("SELECT count(*) FROM stored_events").fetchone()
    return int(count)


@pytest.fixture
def demo_store(tmp_path: Path) -> Path:
    """One year of the demo (seed 2001) in a SQLite file."""
    path = tmp_path / "demo.db"
    assert 0 == run("demo", "--db", f"sqlite:///{path}", "--years", "1", "--json").exit_code
    return path


@pytest.fixture
def real_store(tmp_path: Path) -> Path:
    """A store of real records: one group named as a demo group is."""
    path = tmp_path / "admin.db"
    with Network(f"sqlite:///{path}") as network:
        network.execute(FormGroup(name="HTG 1", actor="staff", at=AT))
    return path


def test_the_demo_built_again_on_its_own_store_records_nothing(demo_store: Path) -> None:
    """Same seed, same store: exit 0, not one event more."""
    before = events(demo_store)

    result = run("demo", "--db", f"sqlite:///{demo_store}", "--years", "1", "--json")

    assert (0, before, 0) == (
        result.exit_code,
        events(demo_store),
        json.loads(result.stdout)["new_events"],
    )


def test_the_demo_continues_its_own_shorter_story(demo_store: Path) -> None:
    """A run of more years on a store holding the first year adds the second."""
    before = events(demo_store)

    result = run("demo", "--db", f"sqlite:///{demo_store}", "--years", "2", "--json")

    assert 0 == result.exit_code, result.output
    assert events(demo_store) > before


def test_another_seed_is_refused_on_a_demo_store(demo_store: Path) -> None:
    """Another seed tells another story: refused in one line naming --db and --fresh,
    nothing recorded."""
    before = digest(demo_store)

    result = run("demo", "--db", f"sqlite:///{demo_store}", "--seed", "7", "--years", "1")

    assert 2 == result.exit_code
    (line,) = result.stderr.splitlines()
    assert "(seed 7) did not make" in line
    assert "--db" in line
    assert "--fresh" in line
    assert before == digest(demo_store)


def test_the_demo_is_refused_on_a_store_of_real_records(real_store: Path) -> None:
    """Real records are never mixed with fiction: refused, the store as it was, and its
    one group named HTG 1 still found by name."""
    before = digest(real_store)

    result = run("demo", "--db", f"sqlite:///{real_store}", "--years", "1")

    assert 2 == result.exit_code
    assert "position 1 (peernet.GroupFormed)" in result.stderr
    assert before == digest(real_store)
    assert 0 == run("roster", "HTG 1", "--db", f"sqlite:///{real_store}").exit_code


def test_build_demo_refuses_a_network_holding_other_records() -> None:
    """The API refuses as the command line does: NotTheDemoStore, before recording."""
    network = Network("memory://")
    network.execute(FormGroup(name="Texas MSPs", actor="staff", at=AT))

    with pytest.raises(NotTheDemoStore) as refused:
        build_demo(network, years=1)

    assert ("demo_in_a_store_of_its_own", 1) == (
        refused.value.rule,
        len(list(network.recorded())),
    )


def test_fresh_without_a_terminal_or_yes_deletes_nothing(real_store: Path) -> None:
    """Nobody can be asked: --fresh wants --yes; exit 2, the file untouched."""
    before = digest(real_store)

    result = run("demo", "--db", f"sqlite:///{real_store}", "--fresh", "--years", "1")

    assert 2 == result.exit_code
    assert "--yes" in result.stderr
    assert before == digest(real_store)


def test_fresh_asks_on_a_terminal_and_a_no_keeps_the_store(
    real_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal --fresh asks; answering no deletes nothing and builds nothing."""
    monkeypatch.setattr(demo_command, "interactive", lambda: True)
    before = digest(real_store)

    result = run("demo", "--db", f"sqlite:///{real_store}", "--fresh", "--years", "1", given="n\n")

    assert (0, True) == (result.exit_code, "nothing was deleted" in result.stdout)
    assert before == digest(real_store)


def test_fresh_asks_on_a_terminal_and_a_yes_starts_over(
    real_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answering yes deletes the store and builds the demo in its place."""
    monkeypatch.setattr(demo_command, "interactive", lambda: True)

    result = run("demo", "--db", f"sqlite:///{real_store}", "--fresh", "--years", "1", given="y\n")

    assert 0 == result.exit_code, result.output
    assert "Delete " in result.stdout
    assert 1 < events(real_store)


def test_fresh_refuses_a_read_only_file(real_store: Path) -> None:
    """A file made read-only is not deleted, even with --yes: exit 2, one line."""
    real_store.chmod(0o444)
    before = digest(real_store)

    result = run("demo", "--db", f"sqlite:///{real_store}", "--fresh", "--yes", "--years", "1")

    assert 2 == result.exit_code
    assert "read-only" in result.stderr
    assert (True, before) == (real_store.exists(), digest(real_store))
