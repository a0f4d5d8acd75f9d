"""A hostile store gets a clear answer and loses nothing.

One stored row is made unreadable by hand (garbage bytes, JSON of the wrong shape, a
topic peernet does not know, a schema newer than this peernet reads, a stream id that is
not a UUID) and every read command runs on the store, read as a small store (every new
event folded) and as a large one (only the events that name streams read up front). Each
answers exit 0, or exit 2 with one line naming the event it could not read; the small and
the large store answer alike; the store is left as it was. A locked store, a full disk
and a store gone mid-use are one line too.
"""

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from peernet import FormGroup, Network
from peernet.adapters.errors import UnreadableEvent
from peernet.application import replica
from peernet.cli import cli
from peernet.testing import T0
from peernet.testing.tampering import Intruder, StoredRow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two years of the demo in a SQLite file, built once."""
    path = tmp_path_factory.mktemp("hostile") / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "--db", f"sqlite:///{path}", "--years", "2"])
    assert 0 == result.exit_code, result.output
    return path


def first(hand: Intruder, topic: str) -> int:
    return hand.positions(topic=topic)[0]


def garbage_in_a_group(hand: Intruder) -> None:
    hand.change(first(hand, "peernet.MemberJoined"), lambda _: b"\x00\xff\xfe garbage")


def garbage_in_a_company(hand: Intruder) -> None:
    hand.change(first(hand, "peernet.CompanyRegistered"), lambda _: b"\x00\xff\xfe garbage")


def wrong_shape(hand: Intruder) -> None:
    hand.change(first(hand, "peernet.SeatOffered"), lambda _: b'{"event": {"at": 5}}')


def not_an_envelope(hand: Intruder) -> None:
    hand.change(first(hand, "peernet.GroupFormed"), lambda _: b"[1, 2, 3]")


def unknown_topic(hand: Intruder) -> None:
    last = hand.rows()[-1]
    hand.insert(
        StoredRow(last.position + 1, "0" * 31 + "1", 1, "peernet.FromTheFuture", last.state)
    )


def newer_schema(hand: Intruder) -> None:
    hand.change(
        first(hand, "peernet.MemberJoined"),
        lambda state: state.replace(b'"actor":', b'"schema":9,"actor":', 1),
    )


def stream_id_not_a_uuid(hand: Intruder) -> None:
    hand.set(first(hand, "peernet.MemberJoined"), "originator_id", "not-a-uuid")


CORRUPTIONS: dict[str, Callable[[Intruder], None]] = {
    "garbage bytes in a group's event": garbage_in_a_group,
    "garbage bytes in a company's registration": garbage_in_a_company,
    "JSON of the wrong shape": wrong_shape,
    "a state that is not an event": not_an_envelope,
    "a topic peernet does not know": unknown_topic,
    "a schema newer than this peernet's": newer_schema,
    "a stream id that is not a UUID": stream_id_not_a_uuid,
}

READS: list[tuple[str, ...]] = [
    ("groups",),
    ("roster", "HTG 1"),
    ("companies",),
    ("goals", "HTG 1"),
    ("motions", "HTG 1"),
    ("meetings", "HTG 1"),
    ("turnover",),
    ("turnover", "--json"),
    ("report",),
    ("projections", "status"),
    ("audit", "trail", "--group", "HTG 1"),
    ("audit", "verify"),
]


def run(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(params=sorted(CORRUPTIONS))
def corrupted(request: pytest.FixtureRequest, demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo store with one row made unreadable."""
    path = tmp_path / "demo.db"
    shutil.copy(demo, path)
    CORRUPTIONS[request.param](Intruder(f"sqlite:///{path}"))
    return path


@pytest.mark.parametrize("command", READS, ids=" ".join)
def test_a_read_command_on_a_hostile_store_answers_alike_on_small_and_large_stores(
    corrupted: Path, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 0, 1 (verify naming the change) or 2 with one line naming the event; the
    same answer whether the store is read as small or as large; the store unchanged."""
    before = digest(corrupted)
    args = [*command, "--db", f"sqlite:///{corrupted}"]

    small = run(args)
    monkeypatch.setattr(replica, "_TAIL_LIMIT", 0)
    large = run(args)

    assert (small.exit_code, small.stderr) == (large.exit_code, large.stderr)
    assert small.exit_code in (0, 1, 2), small.output
    assert len(small.stderr.splitlines()) == (0 if small.exit_code == 0 else 1)
    if small.exit_code == 2:
        assert "cannot read event" in small.stderr or "malformed" in small.stderr
    assert before == digest(corrupted)


def test_a_newer_schema_is_refused_never_read_as_an_older_one(demo: Path, tmp_path: Path) -> None:
    """An event stored under a schema above the one this peernet reads: the roster
    that reads it refuses, naming the schema, instead of showing the old field."""
    path = tmp_path / "demo.db"
    shutil.copy(demo, path)
    newer_schema(Intruder(f"sqlite:///{path}"))

    result = run(["roster", "HTG 1", "--db", f"sqlite:///{path}"])

    assert 2 == result.exit_code
    assert "stored under schema 9, newer than the 1 this peernet reads" in result.stderr


def test_an_unknown_topic_refuses_queries_on_small_and_large_stores_alike(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new stream of a topic peernet does not know stops every query, whatever the
    size of the store, naming the event."""
    path = tmp_path / "demo.db"
    shutil.copy(demo, path)
    unknown_topic(Intruder(f"sqlite:///{path}"))
    url = f"sqlite:///{path}"

    with Network(url, access="read") as small, pytest.raises(UnreadableEvent) as on_small:
        small.groups()
    monkeypatch.setattr(replica, "_TAIL_LIMIT", 0)
    with Network(url, access="read") as large, pytest.raises(UnreadableEvent) as on_large:
        large.groups()

    assert str(on_small.value) == str(on_large.value)
    assert "peernet.FromTheFuture): unknown topic" in str(on_small.value)


def test_a_locked_store_is_one_line_and_records_nothing(tmp_path: Path) -> None:
    """Another process holds the write lock past lock_timeout: exit 2, one line."""
    path = tmp_path / "locked.db"
    with Network(f"sqlite:///{path}") as network:
        network.execute(FormGroup(name="HTG 1", actor="office", at=T0))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = run(["projections", "rebuild", "--db", f"sqlite:///{path}?lock_timeout=1"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert 2 == result.exit_code
    (line,) = result.stderr.splitlines()
    assert "database is locked" in line


FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))
from peernet.cli import main
sys.argv[0] = "peernet"
main()
"""


def test_a_full_disk_is_one_line(tmp_path: Path) -> None:
    """Writes beyond what the disk takes (a file size limit stands for a full disk):
    exit 2, one line naming the disk."""
    path = tmp_path / "full.db"
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, "demo", "--db", f"sqlite:///{path}", "--years", "2"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    assert 2 == done.returncode, done.stderr
    (line,) = done.stderr.splitlines()
    assert "disk" in line
