"""A history exported and imported, on every backend: the import of an export verifies to
the original's head and answers the same queries (memory, SQLite or PostgreSQL into
SQLite or PostgreSQL); a sealed history reads the same under the same key; an import
killed in the middle resumes to the same store; a file cut short, a line of bad JSON, a
broken chain or moved lines, a store not empty, each stop the import with one line
naming the line (and the stream), and leave the store as empty as it was."""

import contextlib
import io
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import orjson
import psycopg
import pytest
from psycopg import sql
from tests.conftest import PG_SERVER, require_postgres

from peernet import (
    ApplyForMembership,
    CompanyRegistered,
    ForgetCompany,
    FormGroup,
    ImportUnsupported,
    Network,
    RegisterCompany,
    Resign,
    SignAgreement,
    StoreNotEmpty,
    TakeSeat,
    UnreadableExport,
    is_forgotten,
)
from peernet.adapters.codec import GENESIS, link, unchain
from peernet.adapters.keys import new_key
from peernet.testing import profile, some_id

RECORDED = datetime(2008, 7, 1, 9, tzinfo=UTC)
AT = datetime(2008, 6, 30, 17, tzinfo=UTC)
GROUP = some_id("group")
KEY = new_key()
Open = Callable[..., Network]


def build(network: Network, companies: int = 4) -> None:
    """Companies register, apply, sign and take their seats in one group; one resigns."""
    n = 0

    def run(command_type: type, **fields: object) -> None:
        nonlocal n
        n += 1
        network.execute(command_type(actor="office", at=AT, command_id=some_id(f"c{n}"), **fields))

    run(FormGroup, name="HTG 4", group_id=GROUP)
    for i in range(companies):
        name = f"Company {i}"
        run(RegisterCompany, profile=profile(name, region=name), company_id=some_id(name))
        membership = some_id(f"{name} membership")
        run(ApplyForMembership, company_id=some_id(name), group_id=GROUP, membership_id=membership)
        run(SignAgreement, membership_id=membership)
        run(TakeSeat, membership_id=membership)
    run(Resign, membership_id=some_id("Company 0 membership"))


def exported(network: Network, path: Path, after: int = 0, upto: int | None = None) -> Path:
    with path.open("wb") as out:
        network.export_history(out, after=after, upto=upto)
    return path


def lines(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def write(path: Path, rows: list[bytes]) -> Path:
    path.write_bytes(b"".join(row + b"\n" for row in rows))
    return path


def what_it_answers(network: Network) -> object:
    return (list(network.companies()), list(network.groups()), network.roster(GROUP))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def target_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store to import into, apart from the source's, on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'target.db'}"
        return
    require_postgres()
    schema = f"t_{uuid4().hex}"
    with psycopg.connect(PG_SERVER, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    yield f"{PG_SERVER}?schema={schema}"
    with psycopg.connect(PG_SERVER, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def source(store_url: str, open_network: Open) -> Network:
    network = open_network(store_url, clock=lambda: RECORDED)
    build(network)
    return network


@pytest.fixture
def history(source: Network, tmp_path: Path) -> Path:
    return exported(source, tmp_path / "history.jsonl")


def test_an_import_of_an_export_verifies_to_the_original_head(
    source: Network, history: Path, target_url: str, open_network: Open
) -> None:
    """Every backend into SQLite and PostgreSQL: the same head, the same answers."""
    target = open_network(target_url)

    done = target.import_history(history)

    assert source.verify().head == done.head == target.verify().head
    assert what_it_answers(source) == what_it_answers(target)


def test_an_export_closes_with_the_head_verify_prints(source: Network, history: Path) -> None:
    """The closing line holds the count and the head of the whole log."""
    closing = lines(history)[-1]

    assert (source.verify().events, source.verify().head) == (closing["events"], closing["head"])


def test_a_sealed_history_reads_the_same_under_the_same_key(
    tmp_path: Path, target_url: str, open_network: Open
) -> None:
    """Ciphertext and sealed keys are copied as stored; the master key is not in the file."""
    source = open_network(f"sqlite:///{tmp_path / 'sealed.db'}", key=KEY, clock=lambda: RECORDED)
    build(source)
    history = exported(source, tmp_path / "sealed.jsonl")

    open_network(target_url).import_history(history)
    target = open_network(target_url, key=KEY)

    assert KEY.encode() not in history.read_bytes()
    assert b"Company 1" not in history.read_bytes()
    assert what_it_answers(source) == what_it_answers(target)
    assert source.verify().head == target.verify().head


def test_a_sealed_history_is_refused_by_a_store_opened_with_another_key(
    tmp_path: Path, target_url: str, open_network: Open
) -> None:
    """Keys sealed under another master key would never open: refused, nothing written."""
    source = open_network(f"sqlite:///{tmp_path / 'sealed.db'}", key=KEY, clock=lambda: RECORDED)
    build(source)
    history = exported(source, tmp_path / "sealed.jsonl")
    target = open_network(target_url, key=new_key())

    with pytest.raises(UnreadableExport, match="another master key"):
        target.import_history(history)
    assert 0 == target.verify().events


class Killed(Exception):
    """The process dying in the middle of an import."""


def test_an_interrupted_import_resumes_to_the_same_store(
    source: Network, history: Path, target_url: str, open_network: Open
) -> None:
    """Killed after its second page, run again on the same file: the same head."""
    pages: list[int] = []

    def die_after_two_pages(done: int, total: int) -> None:
        pages.append(done)
        if len(pages) == 2:
            raise Killed

    with pytest.raises(Killed):
        open_network(target_url).import_history(history, page=7, progress=die_after_two_pages)
    halfway = open_network(target_url).verify().events
    done = open_network(target_url).import_history(history, page=7)

    assert 0 < halfway < done.events
    assert source.verify().head == open_network(target_url).verify().head


def test_a_range_exports_its_events_with_the_chain_each_starts_from(
    source: Network, tmp_path: Path
) -> None:
    """--from/--to: the events in the range; each stream's first one past its version 1
    carries the chain it links to, and every chain of the range checks from the file."""
    path = exported(source, tmp_path / "range.jsonl", after=5, upto=12)

    events = [line for line in lines(path) if "position" in line]
    chains: dict[object, str] = {}
    linked = []
    for e in events:
        previous = chains.get(e["stream"]) or e.get("previous") or GENESIS
        body, chain = unchain(str(e["state"]).encode())
        linked.append(
            chain
            == link(str(previous), str(e["topic"]), str(e["stream"]), int(str(e["version"])), body)
        )
        chains[e["stream"]] = str(chain)

    assert list(range(6, 13)) == [e["position"] for e in events]
    assert any("previous" in e for e in events)
    assert all(linked)


def test_a_range_starting_after_the_first_event_cannot_make_a_store(
    source: Network, tmp_path: Path, target_url: str, open_network: Open
) -> None:
    """Its streams would start in the middle: refused in one line."""
    path = exported(source, tmp_path / "range.jsonl", after=5)

    with pytest.raises(UnreadableExport, match="line 1: the export starts after position 5"):
        open_network(target_url).import_history(path)


def cut_short(rows: list[bytes]) -> list[bytes]:
    return rows[: len(rows) // 2]


def bad_json(rows: list[bytes]) -> list[bytes]:
    return [*rows[:5], rows[5][:-7], *rows[6:]]


def changed_byte(rows: list[bytes]) -> list[bytes]:
    return [*rows[:6], rows[6].replace(b"T17:00", b"T18:00", 1), *rows[7:]]


def moved(rows: list[bytes]) -> list[bytes]:
    return [*rows[:5], rows[6], rows[5], *rows[7:]]


def removed(rows: list[bytes]) -> list[bytes]:
    return [*rows[:5], *rows[6:]]


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (cut_short, "cut short"),
        (bad_json, "line 6: it is not JSON"),
        (changed_byte, "line 7: stream "),
        (moved, "line 7: stream .* lines were moved"),
        (removed, "line 41: it counts 40 events .* the file holds 39"),
    ],
    ids=["cut short", "bad JSON", "changed byte", "moved lines", "removed line"],
)
def test_a_spoilt_file_is_refused_in_one_line_and_leaves_the_store_empty(  # noqa: PLR0917 - fixtures
    history: Path,
    tmp_path: Path,
    target_url: str,
    open_network: Open,
    spoil: Callable[[list[bytes]], list[bytes]],
    says: str,
) -> None:
    """One line naming the line; the store empty after, so the sound file then imports."""
    spoilt = write(tmp_path / "spoilt.jsonl", spoil(history.read_bytes().splitlines()))
    target = open_network(target_url)

    with pytest.raises(UnreadableExport, match=says) as refused:
        target.import_history(spoilt, page=3)

    assert 1 == len(str(refused.value).splitlines())
    assert 0 == open_network(target_url).verify().events
    assert open_network(target_url).import_history(history).events > 0


def test_a_store_holding_events_is_refused(
    history: Path, target_url: str, open_network: Open
) -> None:
    """An import writes only into an empty store."""
    target = open_network(target_url, clock=lambda: RECORDED)
    build(target, companies=1)
    before = target.verify().head

    with pytest.raises(StoreNotEmpty, match="not empty"):
        target.import_history(history)
    assert before == target.verify().head


def test_a_memory_store_is_refused(history: Path, open_network: Open) -> None:
    """A memory store is gone when the process ends: nothing to import into."""
    with pytest.raises(ImportUnsupported):
        open_network("memory://").import_history(history)


def test_an_export_to_a_stream_needs_no_key(tmp_path: Path, open_network: Open) -> None:
    """Opened to verify (no key), a sealed store exports its ciphertext."""
    url = f"sqlite:///{tmp_path / 'sealed.db'}"
    build(open_network(url, key=KEY, clock=lambda: RECORDED))
    out = io.BytesIO()

    done = open_network(url, access="verify").export_history(out)

    assert done.keys > 1
    assert done.events == len(out.getvalue().splitlines()) - 2 - done.keys


#: an import in a process of its own, a page of 20 lines at a time, slowed down so that
#: it can be killed in the middle
SLOW_IMPORT = """
import sys, time
from peernet import Network
Network(sys.argv[1]).import_history(sys.argv[2], page=20, progress=lambda *_: time.sleep(0.2))
"""


def written_lines(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as db:
        try:
            found = db.execute("SELECT lines FROM peernet_import").fetchone()
        except sqlite3.OperationalError:
            return 0
    return int(found[0]) if found else 0


def test_an_import_killed_with_sigkill_resumes_to_the_same_store(
    tmp_path: Path, open_network: Open
) -> None:
    """kill -9 in the middle of an import, run it again: the original's head."""
    source = open_network(f"sqlite:///{tmp_path / 'source.db'}", clock=lambda: RECORDED)
    build(source, companies=12)
    history = exported(source, tmp_path / "history.jsonl")
    target = tmp_path / "target.db"
    importing = subprocess.Popen(
        [sys.executable, "-c", SLOW_IMPORT, f"sqlite:///{target}", str(history)]
    )
    try:
        deadline = time.monotonic() + 60
        while written_lines(target) < 40 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        importing.send_signal(signal.SIGKILL)
        importing.wait()

    halfway = written_lines(target)
    done = open_network(f"sqlite:///{target}").import_history(history)

    assert -signal.SIGKILL == importing.returncode
    assert 40 <= halfway < len(history.read_bytes().splitlines())
    assert source.verify().head == done.head == open_network(f"sqlite:///{target}").verify().head


def test_a_forgotten_company_stays_forgotten_after_the_move(
    tmp_path: Path, target_url: str, open_network: Open
) -> None:
    """Its tombstone is copied, not a key: its name reads forgotten in the new store."""
    source = open_network(f"sqlite:///{tmp_path / 'sealed.db'}", key=KEY, clock=lambda: RECORDED)
    build(source)
    forgotten = some_id("Company 0")  # it resigned: it may be forgotten
    source.execute(ForgetCompany(company_id=forgotten, actor="office", at=AT))
    history = exported(source, tmp_path / "sealed.jsonl")

    target = open_network(target_url, key=KEY)
    target.import_history(history)

    names = {c.company_id: c.name for c in open_network(target_url, key=KEY).companies()}
    assert is_forgotten(names[forgotten])
    assert "Company 1" == names[some_id("Company 1")]


def test_an_interrupted_sealed_import_resumes_under_its_key(
    tmp_path: Path, target_url: str, open_network: Open
) -> None:
    """Opened without a key, killed after a page: run again with the key, it finishes."""
    source = open_network(f"sqlite:///{tmp_path / 'sealed.db'}", key=KEY, clock=lambda: RECORDED)
    build(source)
    history = exported(source, tmp_path / "sealed.jsonl")

    def die(done: int, total: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        open_network(target_url).import_history(history, page=7, progress=die)
    open_network(target_url, key=KEY).import_history(history, page=7)

    target = open_network(target_url, key=KEY)
    assert what_it_answers(source) == what_it_answers(target)
    assert source.verify().head == target.verify().head


def test_the_imported_store_records_on_after_its_history(
    source: Network, history: Path, target_url: str, open_network: Open
) -> None:
    """The next command is written after the last imported position, and verifies."""
    target = open_network(target_url, clock=lambda: RECORDED)
    done = target.import_history(history)

    target.execute(
        RegisterCompany(
            profile=profile("Initech", region="Initech"),
            company_id=some_id("Initech"),
            actor="office",
            at=AT,
        )
    )

    after = target.verify()
    assert after.ok
    assert done.events < after.events
    assert [r.event for r in target.recorded(after=int(done.head.split("@")[1].split(":")[0]))]


def test_a_follower_carries_on_where_it_stopped_after_the_move(
    durable_url: str, tmp_path: Path, target_url: str, open_network: Open
) -> None:
    """A follower's place is exported with the log: in the new store it handles only
    what was recorded after it stopped (SQLite and PostgreSQL keep followers' places)."""
    source = open_network(durable_url, clock=lambda: RECORDED)
    build(source)
    source.follow("mailer", lambda r: None).run_once()
    history = exported(source, tmp_path / "followed.jsonl")
    target = open_network(target_url, clock=lambda: RECORDED)
    target.import_history(history)
    target.execute(
        RegisterCompany(
            profile=profile("Initech", region="Initech"),
            company_id=some_id("Initech"),
            actor="office",
            at=AT,
        )
    )
    seen: list[object] = []

    target.follow("mailer", lambda r: seen.append(type(r.event))).run_once()

    assert [CompanyRegistered] == seen


@pytest.mark.postgres
def test_a_history_with_holes_moves_from_postgresql_to_sqlite(
    pg_url: str, tmp_path: Path, open_network: Open
) -> None:
    """PostgreSQL may skip positions; SQLite numbers 1, 2, 3...: the same count and
    digest at another last position, and a follower placed at the same event."""
    source = open_network(pg_url, clock=lambda: RECORDED)
    build(source, companies=1)
    schema = pg_url.split("schema=")[1]
    with psycopg.connect(PG_SERVER, autocommit=True) as connection:
        connection.execute(  # a refused write's number: a hole in the positions
            "SELECT nextval(pg_get_serial_sequence(%s, 'notification_id'))",
            (f'"{schema}"."peernet_events"',),
        )
    for name in ("Late 1", "Late 2", "Late 3"):
        source.execute(
            RegisterCompany(
                profile=profile(name, region=name), company_id=some_id(name), actor="office", at=AT
            )
        )
    source.follow("mailer", lambda r: None).run_once()
    history = exported(source, tmp_path / "holes.jsonl")
    target_url = f"sqlite:///{tmp_path / 'target.db'}"

    done = open_network(target_url).import_history(history)

    before, after = source.verify().head, open_network(target_url).verify()
    assert after.ok
    assert before.split("@")[0] == after.head.split("@")[0] == str(done.events)
    assert before.split(":")[1] == after.head.split(":")[1]
    assert before.split("@")[1] != after.head.split("@")[1]
    seen: list[object] = []
    open_network(target_url).follow("mailer", seen.append).run_once()
    assert [] == seen
