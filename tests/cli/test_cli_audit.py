"""End-to-end tests of `peernet audit trail`, `audit verify`, `history` and `roster
--as-of`, on the demo network in a SQLite file built once for the module."""

import csv
import io
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from peernet import InvalidInput, Network
from peernet.audit import AuditEntry
from peernet.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audit") / "network.db"
    assert 0 == run("demo", "--db", f"sqlite:///{path}").exit_code
    return path


@pytest.fixture
def url(demo_db: Path, tmp_path: Path) -> str:
    """A copy of the demo store of this test's own, free to tamper with."""
    copy = tmp_path / "network.db"
    shutil.copy(demo_db, copy)
    return f"sqlite:///{copy}"


def test_verify_passes_on_the_demo_store_with_a_count_and_a_head(url: str) -> None:
    """Exit 0, the number of events checked and the head to write down."""
    result = run("audit", "verify", "--db", url)

    assert 0 == result.exit_code, result.output
    assert result.stdout.startswith("verified ")
    head = result.stdout.split("head ")[1].strip()
    assert 0 == run("audit", "verify", "--db", url, "--expect", head).exit_code


def test_verify_fails_naming_the_event_whose_byte_was_changed_by_hand(url: str) -> None:
    """One byte of one stored event changed in the SQLite file: exit 1, that event named."""
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        rowid, stream, version, state = db.execute(
            "SELECT rowid, originator_id, originator_version, state FROM stored_events "
            "WHERE topic = 'peernet.MemberJoined' ORDER BY rowid LIMIT 1 OFFSET 20"
        ).fetchone()
        changed = bytearray(state)
        changed[len(state) // 3] ^= 0x20
        db.execute("UPDATE stored_events SET state=? WHERE rowid=?", (bytes(changed), rowid))

    result = run("audit", "verify", "--db", url)

    assert 1 == result.exit_code
    line = result.stderr.strip()
    assert line.startswith(f"peernet: error: tampered: event {rowid} ")
    assert f"version {version}, peernet.MemberJoined" in line
    assert "bytes changed" in line
    assert stream.replace("-", "") in line.replace("-", "")


def test_verify_json_says_what_is_wrong_and_exits_1(url: str) -> None:
    """--json prints the verdict as JSON, and still exits 1 when the store was changed:
    the hole the deleted row left is named first, at the event after it."""
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM stored_events WHERE rowid = 100")

    result = run("audit", "verify", "--db", url, "--json")

    data = json.loads(result.stdout)
    assert (1, False, "removed", 101) == (
        result.exit_code,
        data["ok"],
        data["problem"]["fault"],
        data["problem"]["position"],
    )


def test_a_head_that_does_not_match_is_refused(url: str) -> None:
    """A head from another store fails verify with exit 1."""
    result = run("audit", "verify", "--db", url, "--expect", "10:" + "ab" * 32)

    assert 1 == result.exit_code
    assert "head differs" in result.stderr


def test_a_malformed_head_is_bad_input(url: str) -> None:
    result = run("audit", "verify", "--db", url, "--expect", "yesterday")

    assert 2 == result.exit_code


def test_the_trail_of_a_group_as_json_lines(url: str) -> None:
    """Every line is one event touching the group, in log order, with both times."""
    result = run("audit", "trail", "--group", "HTG 4", "--db", url, "--format", "jsonl")

    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert 0 == result.exit_code
    assert "GroupFormed" == rows[0]["event"]
    assert [r["position"] for r in rows] == sorted(r["position"] for r in rows)
    assert {"actor", "at", "recorded_at", "command_id", "reason"} <= rows[0].keys()


def test_the_trail_as_csv_narrowed_by_dates_and_actor(url: str) -> None:
    """--from, --to and --actor narrow the trail; CSV has a header row."""
    result = run(
        "audit", "trail", "--group", "HTG 4", "--from", "2008-06-01", "--to", "2008-06-30",
        "--actor", "network office", "--db", url, "--format", "csv",
    )  # fmt: skip

    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert 0 == result.exit_code, result.output
    assert rows
    assert {"network office"} == {r["actor"] for r in rows}
    assert all("2008-06-01" <= r["at"][:10] <= "2008-06-30" for r in rows)


def test_the_trail_as_a_table(url: str) -> None:
    result = run("audit", "trail", "--company", "Cedar Managed IT", "--db", url)

    assert 0 == result.exit_code, result.output
    assert "CompanyRegistered" in result.stdout


def test_the_trail_table_has_a_row_per_event_in_fixed_columns(url: str) -> None:
    """The table is printed as the trail is read, so its columns have fixed widths: each
    row's event name starts where the header's does, a long name is cut with an
    ellipsis, and the last line counts the rows (as many as the JSON Lines export)."""
    table = run("audit", "trail", "--group", "HTG 2", "--db", url)
    lines = run("audit", "trail", "--group", "HTG 2", "--db", url, "--format", "jsonl")

    assert 0 == table.exit_code, table.output
    header, _rule, *rows, total = table.stdout.splitlines()
    events = [json.loads(line) for line in lines.stdout.splitlines()]
    column = header.index("event")
    assert len(rows) == len(events)
    assert total.startswith(f"{len(events)} events in ")
    assert [r[column:].split(" ")[0] for r in rows] == [e["event"] for e in events]
    why = header.index("why")
    assert all(r[why - 1] == " " and r[why] != " " for r in rows if len(r) > why)
    assert any("\u2026" in r for r in rows)  # some company name is longer than its column


def test_the_trail_table_of_nothing_says_so(url: str) -> None:
    result = run("audit", "trail", "--actor", "nobody at all", "--db", url)

    assert 0 == result.exit_code, result.output
    assert "No events match." == result.stdout.strip()


def test_history_shows_a_company_and_its_memberships(url: str) -> None:
    """`peernet history NAME --json` lists the memberships with their dates."""
    result = run("history", "Cedar Managed IT", "--db", url, "--json")

    data = json.loads(result.stdout)
    assert 0 == result.exit_code
    assert "HTG 1" == data["memberships"][0]["group"]
    assert data["memberships"][0]["joined_at"].startswith("2001-08-20")


def test_history_as_of_a_date_before_the_company_joined(url: str) -> None:
    result = run("history", "Cedar Managed IT", "--as-of", "2001-08-10", "--db", url, "--json")

    assert ["offered"] == [m["status"] for m in json.loads(result.stdout)["memberships"]]


def test_roster_as_of_a_date_shows_the_group_then(url: str) -> None:
    """On 31 December 2001 HTG 1 had fewer members than today."""
    now = json.loads(run("roster", "HTG 1", "--db", url, "--json").stdout)
    then = json.loads(run("roster", "HTG 1", "--as-of", "2001-12-31", "--db", url, "--json").stdout)

    assert len(then["members"]) < len(now["members"])


def test_roster_known_at_a_time_before_the_store_was_written_is_unknown(url: str) -> None:
    """Nothing was recorded in 2001 (the demo was written today): exit 2, one line."""
    result = run("roster", "HTG 1", "--known-at", "2001-12-31T12:00", "--db", url)

    assert 2 == result.exit_code
    assert 1 == len(result.stderr.splitlines())


def test_a_bad_date_is_bad_input(url: str) -> None:
    result = run("roster", "HTG 1", "--as-of", "last june", "--db", url)

    assert 2 == result.exit_code


def test_the_trail_as_staff_redacts_what_is_confidential_to_the_group(url: str) -> None:
    """--as staff:Sam: HTG 3's goals are rows without reason or details, marked redacted;
    the default reader, an auditor, reads them whole."""
    staff = run("audit", "trail", "--group", "HTG 3", "--as", "staff:Sam", "--format", "csv",
                "--db", url)  # fmt: skip
    auditor = run("audit", "trail", "--group", "HTG 3", "--format", "csv", "--db", url)

    def goals(result: Result) -> list[dict[str, str]]:
        rows = csv.DictReader(io.StringIO(result.stdout))
        return [r for r in rows if r["event"] == "GoalSet"]

    assert (0, 0) == (staff.exit_code, auditor.exit_code), staff.output
    hidden, whole = goals(staff), goals(auditor)
    assert len(hidden) == len(whole) > 0
    assert {("yes", "")} == {(r["redacted"], r["details"]) for r in hidden}
    assert {""} == {r["redacted"] for r in whole}
    assert [r["actor"] for r in hidden] == [r["actor"] for r in whole]


def test_the_trail_table_prints_each_row_as_it_is_read(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row is printed as soon as its entry is read, before the next is: a trail that
    fails after its first entry has printed that entry's row (a table laid out once all
    rows are known would print none)."""
    first = next(iter(Network(url, access="read").trail()))

    def failing_after_one(self: Network, *_: object, **__: object) -> Iterator[AuditEntry]:
        yield first
        raise InvalidInput("the store went away")

    monkeypatch.setattr(Network, "trail", failing_after_one)

    result = run("audit", "trail", "--db", url)

    assert 2 == result.exit_code
    assert first.name in result.stdout
    assert "the store went away" in result.stderr
