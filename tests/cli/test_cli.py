"""End-to-end tests of the `peernet` command line, on SQLite files in a temporary folder.

The demo is built once per module (it is the slowest step) and read by the other tests.
"""

import json
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner, Result

from peernet import AlreadyApplied, Network
from peernet.adapters.cli import _PeerNetGroup, cli


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


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
    """19 in-person groups, 5 online groups and a companion group by 2009."""
    result = run("groups", "--db", url)

    assert 0 == result.exit_code, result.output
    assert "25 groups in" in result.stdout
    for name in ("HTG 1 ", "HTG 19", "HTG Online 5", "HTG Marketing Managers"):
        assert name in result.stdout


def test_groups_json_lists_summaries(url: str) -> None:
    """--json gives every group's summary, machine-readable."""
    result = run("groups", "--db", url, "--json")

    groups = json.loads(result.stdout)
    assert 25 == len(groups)
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

    assert 25 == len(json.loads(result.stdout))


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

    result = run("demo", "--db", f"sqlite:///{target}", "--fresh", "--years", "1", "--json")

    assert 0 == result.exit_code, result.output
    assert [2001] == [year["year"] for year in json.loads(result.stdout)["years"]]


def test_a_usage_error_exits_2_with_one_line() -> None:
    """click's usage errors follow the same one-line rule."""
    result = run("groups", "--no-such-option")

    assert 2 == result.exit_code
    assert "No such option" in one_error_line(result)


def test_a_refused_command_exits_1_with_one_line() -> None:
    """A rule's refusal is exit 1 and names the rule."""
    group = _PeerNetGroup()

    @group.command()
    def refuse() -> None:
        raise AlreadyApplied(UUID(int=1), UUID(int=2), UUID(int=3))

    result = CliRunner().invoke(group, ["refuse"])

    assert 1 == result.exit_code
    assert "refused (one_open_membership_per_group)" in one_error_line(result)


def test_an_unexpected_failure_exits_3_with_one_line() -> None:
    """A bug still prints one line, never a traceback."""
    group = _PeerNetGroup()

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
    for command in ("demo", "groups", "roster", "companies", "company"):
        assert command in result.stdout
