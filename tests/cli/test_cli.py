"""End-to-end tests of the `peernet` command line, on SQLite files in a temporary folder.

The demo is built once per module (it is the slowest step) and read by the other tests.
"""

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner, Result

from peernet import AlreadyApplied, Network
from peernet.cli import PeerNetGroup, cli


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def lines(text: str) -> list[str]:
    """The lines of `text`, stripped: a table's title is a line of its own."""
    return [line.strip() for line in text.splitlines()]


def one_error_line(result: Result) -> str:
    lines = result.stderr.splitlines()
    assert 1 == len(lines), result.stderr
    assert lines[0].startswith("peernet: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Result]:
    """The demo network in a SQLite file, and what `peernet demo` printed building it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'network.db'}"
    return url, run("demo", "--db", url)


@pytest.fixture
def url(built: tuple[str, Result]) -> str:
    return built[0]


def test_demo_tells_the_story_year_by_year_and_shows_rosters(built: tuple[str, Result]) -> None:
    """The demo prints every year from 2001 to 2009, what happened, and group rosters."""
    _, result = built

    assert 0 == result.exit_code, result.output
    story = result.stdout
    years = [y for y in range(2000, 2011) if f"│ {y} │" in story]
    assert list(range(2001, 2010)) == years
    assert "What happened" in story
    assert "HTG 1  in-person core group" in story
    assert "Refused by the rules, nothing recorded" in story


def test_demo_writes_nothing_to_stderr_when_it_is_not_a_terminal(
    built: tuple[str, Result],
) -> None:
    """The progress bar is for terminals only; captured output stays clean."""
    assert "" == built[1].stderr


def test_demo_run_again_records_nothing_new_and_tells_the_same_story(
    built: tuple[str, Result],
) -> None:
    """Every demo command carries a deterministic id: a second build is a no-op."""
    url, first = built
    before = sum(1 for _ in Network(url).recorded())

    again = run("demo", "--db", url)

    assert 0 == again.exit_code, again.output
    assert before == sum(1 for _ in Network(url).recorded())
    assert "(0 new; the store already held the rest)" in " ".join(again.stdout.split())
    assert first.stdout.split("\n\n", 1)[1] == again.stdout.split("\n\n", 1)[1]


def test_groups_lists_every_group_in_a_table(url: str) -> None:
    """19 in-person groups, 5 online groups, a companion group, the SBS online programme
    and the managed-services special-interest group by 2009."""
    result = run("groups", "--db", url)

    assert 0 == result.exit_code, result.output
    assert "27 groups in" in result.stdout
    for name in ("HTG 1 ", "HTG 19", "HTG Online 5", "HTG Marketing Managers", "HTG SBS Online"):
        assert name in result.stdout


def test_groups_json_lists_summaries(url: str) -> None:
    """--json gives every group's summary, machine-readable."""
    result = run("groups", "--db", url, "--json")

    groups = json.loads(result.stdout)
    assert 27 == len(groups)
    assert {"name": "HTG 1", "format": "in-person", "kind": "core", "capacity": 12} == {
        key: groups[0][key] for key in ("name", "format", "kind", "capacity")
    }


def test_roster_finds_a_group_by_name_whatever_the_case(url: str) -> None:
    """`peernet roster "htg 1"` shows HTG 1 with its members table."""
    result = run("roster", "htg 1", "--db", url)

    assert 0 == result.exit_code, result.output
    assert result.stdout.startswith("HTG 1  in-person core group, charter v2")
    assert "members" in result.stdout


def test_roster_json_has_members_offers_waitlist_and_open_seats(url: str) -> None:
    """--json unstructures the roster and adds capacity and open seats."""
    result = run("roster", "HTG 1", "--db", url, "--json")

    roster = json.loads(result.stdout)
    assert "HTG 1" == roster["name"]
    assert (
        roster["capacity"] - len(roster["members"]) - len(roster["offers"]) == roster["open_seats"]
    )
    assert {"members", "offers", "waitlist", "facilitator", "charter_version"} <= set(roster)


def test_roster_finds_a_group_by_id(url: str) -> None:
    """A group id names the same group as its name."""
    group_id = json.loads(run("groups", "--db", url, "--json").stdout)[1]["group_id"]

    result = run("roster", group_id, "--db", url, "--json")

    assert UUID(group_id) == UUID(json.loads(result.stdout)["group_id"])


def test_roster_of_an_unknown_group_exits_2_with_one_line(url: str) -> None:
    """An unknown group is bad input: exit 2, one line on stderr, nothing on stdout."""
    result = run("roster", "HTG 99", "--db", url)

    assert 2 == result.exit_code
    assert "no group 'HTG 99'" in one_error_line(result)
    assert "" == result.stdout


def test_company_shows_profile_and_memberships(url: str) -> None:
    """`peernet company NAME` shows the company's memberships, found by name."""
    name = json.loads(run("companies", "--db", url, "--json").stdout)[0]["profile"]["name"]

    result = run("company", name.upper(), "--db", url)

    assert 0 == result.exit_code, result.output
    assert result.stdout.startswith(name)
    assert "HTG 1" in result.stdout


def test_companies_lists_every_registered_company(url: str) -> None:
    """The companies table counts every company the demo registered."""
    count = len(json.loads(run("companies", "--db", url, "--json").stdout))

    result = run("companies", "--db", url)

    assert f"{count} companies in" in result.stdout


def test_the_store_comes_from_peernet_db_when_db_is_not_given(url: str) -> None:
    """PEERNET_DB names the store when --db is absent."""
    result = run("groups", "--json", env={"PEERNET_DB": url})

    assert 27 == len(json.loads(result.stdout))


def test_a_bad_store_url_exits_2_with_one_line() -> None:
    """A URL peernet cannot read is bad input."""
    result = run("groups", "--db", "nosuch://where")

    assert 2 == result.exit_code
    assert "bad store URL" in one_error_line(result)


def test_a_file_that_is_not_a_database_exits_2_with_one_line(tmp_path: Path) -> None:
    """Opening a text file as a store fails in one line, without a traceback."""
    junk = tmp_path / "notes.db"
    junk.write_text("these are not the events you are looking for\n" * 100)

    result = run("groups", "--db", f"sqlite:///{junk}")

    assert 2 == result.exit_code
    assert "cannot open store" in one_error_line(result)


def test_reading_a_missing_sqlite_file_exits_2_and_creates_nothing(tmp_path: Path) -> None:
    """A query never creates a store; it says how to build one."""
    missing = tmp_path / "missing.db"

    result = run("groups", "--db", f"sqlite:///{missing}")

    assert 2 == result.exit_code
    assert "peernet demo" in one_error_line(result)
    assert not missing.exists()


def test_demo_fresh_replaces_whatever_the_file_held(tmp_path: Path) -> None:
    """--fresh deletes the SQLite file first, even one that is not a database."""
    target = tmp_path / "network.db"
    target.write_text("not a database")

    result = run(
        "demo", "--db", f"sqlite:///{target}", "--fresh", "--yes", "--years", "1", "--json"
    )

    assert 0 == result.exit_code, result.output
    assert [2001] == [year["year"] for year in json.loads(result.stdout)["years"]]


def test_a_usage_error_exits_2_with_one_line() -> None:
    """click's usage errors follow the same one-line rule."""
    result = run("groups", "--no-such-option")

    assert 2 == result.exit_code
    assert "No such option" in one_error_line(result)


def test_a_refused_command_exits_1_with_one_line() -> None:
    """A rule's refusal is exit 1 and names the rule."""
    group = PeerNetGroup()

    @group.command()
    def refuse() -> None:
        raise AlreadyApplied(
            company_id=UUID(int=1), group_id=UUID(int=2), membership_id=UUID(int=3)
        )

    result = CliRunner().invoke(group, ["refuse"])

    assert 1 == result.exit_code
    assert "refused (one_open_membership_per_group)" in one_error_line(result)


def test_an_unexpected_failure_exits_3_with_one_line() -> None:
    """A bug still prints one line, never a traceback."""
    group = PeerNetGroup()

    @group.command()
    def crash() -> None:
        raise ZeroDivisionError("boom")

    result = CliRunner().invoke(group, ["crash"])

    assert 3 == result.exit_code
    assert "unexpected ZeroDivisionError: boom" in one_error_line(result)


def test_the_installed_entry_point_shows_help() -> None:
    """The `peernet` console script is installed and lists its commands."""
    script = Path(sys.executable).parent / "peernet"

    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, check=False, timeout=60
    )

    assert 0 == result.returncode, result.stderr
    for command in ("demo", "groups", "roster", "companies", "company", "goals", "motions"):
        assert command in result.stdout


# --- accountability: goals and motions ---------------------------------------------------

VOTE_OFF = re.compile(r"Motion in (.+?) to remove .+? \(missed goals\)")


@pytest.fixture(scope="module")
def vote_off(built: tuple[str, Result]) -> tuple[str, dict[str, Any]]:
    """The group whose member the demo votes off, and that removal motion (as JSON)."""
    url, result = built
    found = VOTE_OFF.search(" ".join(result.stdout.split()))
    assert found is not None, result.stdout
    group = found.group(1)
    motions = json.loads(run("motions", group, "--db", url, "--json").stdout)["motions"]
    return group, next(m for m in motions if m["cause"] == "missed goals")


def test_demo_tells_of_goals_the_vote_off_and_the_refill(built: tuple[str, Result]) -> None:
    """From 2008 the story counts goals by category, and tells who was voted off and who
    took the seat."""
    story = " ".join(built[1].stdout.split())

    assert "Goals year by year, by category" in story
    assert "voted off the island on" in story
    assert "the seat was offered to" in story
    assert "signed and took the seat on" in story
    assert "quorum not reached" in story


def test_goals_shows_open_goals_by_category_then_decided_and_each_record(
    url: str, vote_off: tuple[str, dict[str, Any]]
) -> None:
    """`peernet goals GROUP` reads as auditor:operator by default and prints three tables."""
    result = run("goals", vote_off[0], "--db", url)

    assert 0 == result.exit_code, result.output
    assert "read as auditor operator" in result.stdout
    for title in ("open goals, by category", "decided goals, latest first", "each member's record"):
        assert title in result.stdout
    assert "(voted off)" in result.stdout


def test_goals_json_lists_open_goals_first_and_records_with_completion(
    url: str, vote_off: tuple[str, dict[str, Any]]
) -> None:
    """--json gives the goals, open ones first, and per member counts and completion rate."""
    result = run("goals", vote_off[0], "--db", url, "--json")

    data = json.loads(result.stdout)
    statuses = [g["status"] for g in data["goals"]]
    opened = statuses.count("open")
    assert ["open"] * opened == statuses[:opened]
    assert {"met", "missed", "withdrawn"} == set(statuses[opened:])
    for record in data["records"]:
        due = record["met"] + record["missed"]
        expected = round(record["met"] / due, 4) if due else None
        assert expected == record["completion_rate"]
    assert {"role": "auditor", "name": "operator", "membership_id": None} == data["reader"]


def test_goals_read_by_an_active_member_of_the_group(
    url: str, vote_off: tuple[str, dict[str, Any]]
) -> None:
    """member:COMPANY reads through the company's membership of the group."""
    records = json.loads(run("goals", vote_off[0], "--db", url, "--json").stdout)["records"]
    member = next(r for r in records if r["membership"] == "active")

    result = run("goals", vote_off[0], "--db", url, "--json", "--as", f"member:{member['company']}")

    assert 0 == result.exit_code, result.output
    assert member["membership_id"] == json.loads(result.stdout)["reader"]["membership_id"]


def test_goals_as_network_staff_are_refused_with_exit_1(
    url: str, vote_off: tuple[str, dict[str, Any]]
) -> None:
    """Staff may not read a group's goals: AccessDenied, one line, exit 1, nothing printed."""
    result = run("goals", vote_off[0], "--db", url, "--as", "staff:bob")

    assert 1 == result.exit_code
    line = one_error_line(result)
    assert "refused (confidential_to_the_group)" in line
    assert f"staff bob may not read the goals of group {vote_off[0]}" in line
    assert "" == result.stdout


def test_goals_as_the_member_voted_off_are_refused(
    url: str, vote_off: tuple[str, dict[str, Any]]
) -> None:
    """A member who left keeps no access to the group's goals."""
    group, motion = vote_off
    subject = motion["subject_company"]

    result = run("goals", group, "--db", url, "--as", f"member:{subject}")

    assert 1 == result.exit_code
    assert f"member {subject} may not read the goals" in one_error_line(result)


def test_a_reader_of_no_known_role_is_a_usage_error(url: str) -> None:
    """--as takes ROLE:NAME with a role peernet knows."""
    result = run("goals", "HTG 1", "--db", url, "--as", "boss:x")

    assert 2 == result.exit_code
    assert "is not ROLE:NAME" in one_error_line(result)


def test_motions_lists_the_removal_with_its_tally_and_outcome(
    url: str, vote_off: tuple[str, dict[str, Any]]
) -> None:
    """`peernet motions GROUP` shows the removal carried, and who voted how below."""
    group, motion = vote_off

    result = run("motions", group, "--db", url)

    assert 0 == result.exit_code, result.output
    assert f"removal of {motion['subject_company']}" in result.stdout
    assert "carried" in result.stdout
    assert f"{motion['motion_id'][:8]}  for: " in result.stdout


def test_motion_json_shows_each_ballot_to_an_auditor(
    url: str, vote_off: tuple[str, dict[str, Any]]
) -> None:
    """An auditor sees every ballot; the tally counts them."""
    motion_id = vote_off[1]["motion_id"]

    result = run("motion", motion_id, "--db", url, "--json", "--as", "auditor:x")

    data = json.loads(result.stdout)
    tally = data["tally"]
    assert "carried" == data["outcome"]
    assert tally["in_favour"] == sum(1 for b in data["ballots"] if b["in_favour"])
    assert tally["against"] == sum(1 for b in data["ballots"] if not b["in_favour"])
    assert tally["quorum_needed"] <= len(data["ballots"]) <= tally["electorate"]


def test_motion_json_hides_the_ballots_from_staff(
    url: str, vote_off: tuple[str, dict[str, Any]]
) -> None:
    """Staff see the counts, never who voted how."""
    motion = vote_off[1]

    result = run("motion", motion["motion_id"], "--db", url, "--json", "--as", "staff:bob")

    data = json.loads(result.stdout)
    assert data["ballots"] is None
    assert motion["tally"] == data["tally"]


def test_motion_table_says_why_the_ballots_are_hidden(
    url: str, vote_off: tuple[str, dict[str, Any]]
) -> None:
    """Without the ballots, a note says who may see them."""
    motion_id = vote_off[1]["motion_id"]

    hidden = run("motion", motion_id, "--db", url, "--as", "staff:bob")
    shown = run("motion", motion_id, "--db", url, "--as", "auditor:x")

    assert "counts only: staff bob may not see who voted how" in hidden.stdout
    assert "ballots" not in lines(hidden.stdout)
    assert "ballots" in lines(shown.stdout)
    assert "counts only" not in shown.stdout


def test_a_motion_is_found_by_the_first_characters_of_its_id(
    url: str, vote_off: tuple[str, dict[str, Any]]
) -> None:
    """The short id `peernet motions` prints names the motion."""
    motion_id = vote_off[1]["motion_id"]

    result = run("motion", motion_id[:8], "--db", url, "--json")

    assert motion_id == json.loads(result.stdout)["motion_id"]


def test_an_unknown_motion_id_exits_2_with_one_line(url: str) -> None:
    """A motion id nobody raised is bad input."""
    result = run("motion", str(UUID(int=5)), "--db", url)

    assert 2 == result.exit_code
    assert f"no motion {UUID(int=5)} was raised" in one_error_line(result)
    assert "" == result.stdout


# --- meetings and money ----------------------------------------------------------------------


def test_demo_tells_of_meetings_the_summit_and_the_money(built: tuple[str, Result]) -> None:
    story = " ".join(built[1].stdout.split())

    assert re.search(r"\d+ meetings held: [\d,]+ of [\d,]+ expected attendances", story)
    assert "HTG Summit 2008 at Orlando, Florida" in story
    assert "absentees paying their share; dues charged" in story


@pytest.fixture(scope="module")
def a_meeting(built: tuple[str, Result]) -> dict[str, Any]:
    """A closed meeting of HTG 1 with costs shared, as `meetings --json` lists it."""
    listed = json.loads(run("meetings", "HTG 1", "--db", built[0], "--json").stdout)["meetings"]
    return next(m for m in listed if m["status"] == "closed" and m["costs"]["shares"])


def test_meetings_lists_a_groups_meetings_with_attendance_and_cost(url: str) -> None:
    result = run("meetings", "htg 1", "--db", url)

    assert 0 == result.exit_code, result.output
    assert re.search(r"\d+ meetings of HTG 1", result.stdout)
    assert "closed" in result.stdout
    assert "scheduled" in result.stdout  # the next one


def test_meeting_prints_a_cost_sheet_whose_shares_sum_to_the_net_cost(
    url: str, a_meeting: dict[str, Any]
) -> None:
    short = a_meeting["meeting_id"][:8]

    result = run("meeting", short, "--db", url)
    shown = json.loads(run("meeting", short, "--db", url, "--json").stdout)

    assert 0 == result.exit_code, result.output
    for title in ("attendance and prep", "cost sheet", "net cost", "shares of"):
        assert title in result.stdout
    net = shown["costs"]["net"]
    total = sum(Decimal(s["amount"]["amount"]) for s in shown["costs"]["shares"])
    assert Decimal(net["amount"]) == total
    assert re.search(rf"total\W+{total:,.2f} {net['currency']}", result.stdout)


def test_prep_work_is_shown_only_inside_the_group(url: str, built: tuple[str, Result]) -> None:
    listed = json.loads(run("meetings", "HTG 1", "--db", url, "--json").stdout)["meetings"]
    with_prep = next(m for m in listed if m["prep"])
    key = with_prep["meeting_id"]

    auditor = json.loads(run("meeting", key, "--db", url, "--json").stdout)
    staff = json.loads(run("meeting", key, "--db", url, "--json", "--as", "staff:ops").stdout)

    assert all(p["summary"] for p in auditor["prep"])
    assert all(p["summary"] is None for p in staff["prep"])


def test_account_lists_dues_shares_and_payments_and_the_balance(
    url: str, a_meeting: dict[str, Any]
) -> None:
    company = a_meeting["costs"]["shares"][0]["company_id"]

    result = run("account", company, "--db", url)
    shown = json.loads(run("account", company, "--db", url, "--json").stdout)

    assert 0 == result.exit_code, result.output
    assert "balance:" in result.stdout
    kinds = {e["kind"] for e in shown["entries"]}
    assert {"dues", "meeting costs"} <= kinds
    total = sum(Decimal(e["amount"]["amount"]) for e in shown["entries"])
    assert [str(total)] == [b["amount"] for b in shown["balances"]]


def test_an_unknown_meeting_id_exits_2_with_one_line(url: str) -> None:
    result = run("meeting", "ffffffff", "--db", url)

    assert 2 == result.exit_code
    assert "no meeting id starts with 'ffffffff'" in one_error_line(result)
