"""A roster shows the group's next meeting (API, --json and text), and a roster asked
for before its group existed says so in the words the user typed."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from peernet import (
    CancelMeeting,
    CloseMeeting,
    FormGroup,
    Network,
    RegisterCompany,
    ScheduleMeeting,
)
from peernet.cli import cli
from peernet.testing import joining, membership_of, profile, some_id

DALLAS, ACME = some_id("Dallas"), some_id("Acme")
FIRST, SECOND, THIRD, FOURTH = (some_id(n) for n in ("first", "second", "third", "fourth"))


def at(month: int, day: int = 1) -> datetime:
    return datetime(2008, month, day, 9, tzinfo=UTC)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def store(tmp_path: Path) -> str:
    """Dallas, formed 1 January 2008 with Acme: a meeting in March (held), one in June
    (cancelled), one in September (still to hold) and one in December at Acme's."""
    url = f"sqlite:///{tmp_path / 'roster.db'}"
    with Network(url) as network:
        network.execute(FormGroup(name="Dallas", group_id=DALLAS, actor="staff", at=at(1)))
        network.execute(
            RegisterCompany(profile=profile("Acme"), company_id=ACME, actor="staff", at=at(1))
        )
        for command in joining(DALLAS, ACME, at=at(1)):
            network.execute(command)
        for meeting, month, venue in (
            (FIRST, 3, "Hilton"),
            (SECOND, 6, "Hyatt"),
            (THIRD, 9, "Omni"),
        ):
            network.execute(
                ScheduleMeeting(
                    group_id=DALLAS,
                    starts=date(2008, month, 10),
                    ends=date(2008, month, 11),
                    venue=venue,
                    meeting_id=meeting,
                    actor="staff",
                    at=at(2),
                )
            )
        network.execute(
            ScheduleMeeting(
                group_id=DALLAS,
                starts=date(2008, 12, 10),
                ends=date(2008, 12, 10),
                host_id=membership_of(DALLAS, ACME),
                meeting_id=FOURTH,
                actor="staff",
                at=at(2),
            )
        )
        network.execute(CloseMeeting(meeting_id=FIRST, actor="staff", at=at(3, 12)))
        network.execute(CancelMeeting(meeting_id=SECOND, reason="storm", actor="staff", at=at(5)))
    return url


def test_the_roster_names_the_earliest_meeting_still_to_hold(store: str) -> None:
    """Held and cancelled meetings are past: the September meeting is next."""
    with Network(store) as network:
        nxt = network.roster(DALLAS).next_meeting

    assert nxt is not None
    assert (THIRD, date(2008, 9, 10), "Omni") == (nxt.meeting_id, nxt.starts, nxt.venue)


def test_a_roster_as_of_a_past_day_names_the_next_meeting_then(store: str) -> None:
    """On 1 March the March meeting was next; on 31 January none was scheduled yet."""
    with Network(store) as network:
        march = network.roster(DALLAS, as_of=date(2008, 3, 1)).next_meeting
        january = network.roster(DALLAS, as_of=date(2008, 1, 31)).next_meeting
        recorded = network.roster(DALLAS, known_at=datetime.now(UTC)).next_meeting

    assert march is not None
    assert FIRST == march.meeting_id
    assert None is january
    assert recorded is not None
    assert THIRD == recorded.meeting_id


def test_a_meeting_at_a_members_place_names_its_host(store: str) -> None:
    """Once September's is held, December's at Acme's is next, hosted by Acme."""
    with Network(store) as network:
        network.execute(CloseMeeting(meeting_id=THIRD, actor="staff", at=at(9, 12)))
    result = run("roster", "Dallas", "--db", store)

    assert "next meeting: 2008-12-10, hosted by Acme" in result.stdout


def test_the_roster_command_prints_the_next_meeting(store: str) -> None:
    """Text and --json both carry it."""
    text = run("roster", "dallas", "--db", store)
    as_json = run("roster", "Dallas", "--db", store, "--json")

    assert 0 == text.exit_code, text.output
    assert "next meeting: 2008-09-10 to 2008-09-11, Omni" in text.stdout
    assert "2008-09-10" == json.loads(as_json.stdout)["next_meeting"]["starts"]


def test_a_roster_before_the_group_was_formed_names_it_and_its_formation(store: str) -> None:
    """One line with the group's name and the day it was formed; no id."""
    result = run("roster", "dallas", "--as-of", "1900-01-01", "--db", store)
    by_id = run("roster", str(DALLAS), "--as-of", "1900-01-01", "--db", store)

    assert 2 == result.exit_code  # bad input
    message = result.stderr.strip()
    expected = (
        "group Dallas has no roster then: it was formed on 2008-01-01, after --as-of 1900-01-01"
    )
    assert expected in message
    assert str(DALLAS) not in message
    assert 1 == len(message.splitlines())
    assert f"group {DALLAS} (Dallas) has no roster then" in by_id.stderr


def test_a_roster_known_before_the_formation_was_recorded_says_when_it_was(store: str) -> None:
    """--known-at before the group's first record names the day it was recorded."""
    result = run("roster", "Dallas", "--known-at", "2005-01-01", "--db", store)

    assert 2 == result.exit_code  # bad input
    today = datetime.now(UTC).date().isoformat()
    assert f"its formation was recorded on {today}, after --known-at 2005-01-01" in result.stderr


def test_a_report_leaves_out_the_groups_formed_after_its_period(store: str) -> None:
    """A 2007 report of a network whose only group was formed in 2008 lists no group."""
    result = run("report", "--from", "2007-01-01", "--to", "2007-12-31", "--db", store, "--json")

    assert 0 == result.exit_code, result.output
    assert [] == json.loads(result.stdout)["groups"]
    later = run("report", "--from", "2008-01-01", "--to", "2008-12-31", "--db", store, "--json")
    assert ["Dallas"] == [g["name"] for g in json.loads(later.stdout)["groups"]]
