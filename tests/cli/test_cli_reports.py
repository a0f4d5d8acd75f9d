"""End-to-end tests of `peernet turnover`, `peernet report` and `peernet projections`,
on a small scripted store and on the demo network (built once for the module)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from peernet import (
    ApplyForMembership,
    Charter,
    FormGroup,
    Network,
    RegisterCompany,
    Resign,
    SignAgreement,
    TakeSeat,
)
from peernet.cli import cli
from peernet.testing import profile, some_id


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def day(month: int, dom: int = 1) -> datetime:
    return datetime(2001, month, dom, tzinfo=UTC)


@pytest.fixture
def small(tmp_path: Path) -> str:
    """One group of two seats: Acme and Bolt join in January, Core waits; Bolt resigns
    on 2 July (half of 2001 later) and Core takes its seat."""
    url = f"sqlite:///{tmp_path / 'small.db'}"
    network = Network(url)
    group = some_id("group")
    network.execute(
        FormGroup(actor="t", at=day(1), name="Dallas", charter=Charter(capacity=2), group_id=group)
    )
    for name in ("Acme", "Bolt", "Core"):
        network.execute(
            RegisterCompany(
                actor="t", at=day(1), profile=profile(name, lines=(name,)), company_id=some_id(name)
            )
        )
        network.execute(
            ApplyForMembership(
                actor="t",
                at=day(1, 2),
                company_id=some_id(name),
                group_id=group,
                membership_id=some_id(f"m {name}"),
            )
        )
    for name in ("Acme", "Bolt"):
        network.execute(SignAgreement(actor="t", at=day(1, 2), membership_id=some_id(f"m {name}")))
        network.execute(TakeSeat(actor="t", at=day(1, 2), membership_id=some_id(f"m {name}")))
    network.execute(Resign(actor="t", at=day(7, 2), membership_id=some_id("m Bolt")))
    network.execute(SignAgreement(actor="t", at=day(7, 3), membership_id=some_id("m Core")))
    network.execute(TakeSeat(actor="t", at=day(7, 3), membership_id=some_id("m Core")))
    network.execute(
        Resign(actor="t", at=day(12, 31), membership_id=some_id("m Acme"), reason="retired")
    )
    network.close()
    return url


def test_turnover_of_the_network_over_a_period_in_json(small: str) -> None:
    """Nobody left before Bolt on 2 July: no departure over an average of two members."""
    result = run("turnover", "--db", small, "--from", "2001-01-02", "--to", "2001-07-01", "--json")

    assert 0 == result.exit_code, result.output
    data = json.loads(result.stdout)
    assert (0, 2.0, 0.0) == (data["departures"], data["average_members"], data["rate"])


def test_turnover_explains_the_departures_and_member_days(small: str) -> None:
    """--explain lists who left, when and why, and the member-days behind the average."""
    result = run("turnover", "Dallas", "--db", small, "--from", "2001-01-01", "--to", "2001-12-31")
    explained = run(
        "turnover", "dallas", "--db", small, "--from", "2001-01-01", "--to", "2001-12-31",
        "--explain", "--json",
    )  # fmt: skip

    assert 0 == result.exit_code, result.output
    assert "Turnover of Dallas, 2001-01-01 to 2001-12-31" in result.stdout
    data = json.loads(explained.stdout)
    assert ["Bolt", "Acme"] == [d["company"] for d in data["departure_events"]]
    assert ["resigned", "resigned"] == [d["reason"] for d in data["departure_events"]]
    assert ["Acme", "Bolt", "Core"] == [m["company"] for m in data["member_days"]]
    assert 2 == data["departures"]


def test_turnover_of_an_unknown_group_is_bad_input(small: str) -> None:
    """One line on stderr, exit 2."""
    result = run("turnover", "Paris", "--db", small)

    assert 2 == result.exit_code
    assert "no group 'Paris'" in result.stderr


def test_a_period_that_ends_before_it_starts_is_bad_input(small: str) -> None:
    result = run("turnover", "--db", small, "--from", "2001-05-01", "--to", "2001-04-01")

    assert 2 == result.exit_code
    assert "comes before" in result.stderr


def test_report_shows_fill_wait_list_turnover_and_goals(small: str) -> None:
    """At the end of June: both seats filled, Core waiting."""
    result = run("report", "--db", small, "--from", "2001-01-01", "--to", "2001-06-30")
    as_json = run("report", "--db", small, "--from", "2001-01-01", "--to", "2001-06-30", "--json")

    assert 0 == result.exit_code, result.output
    assert "seats: 2 of 2 filled (100.0%); 1 applicant waiting" in result.stdout
    data = json.loads(as_json.stdout)
    assert (2, 2, 1) == tuple(data["network"][k] for k in ("active", "capacity", "waitlisted"))
    assert ["Dallas"] == [g["name"] for g in data["groups"]]


def test_projections_status_then_rebuild(small: str) -> None:
    """Before any report the read models are not built; a rebuild makes them current."""
    before = json.loads(run("projections", "status", "--db", small, "--json").stdout)
    rebuilt = run("projections", "rebuild", "--db", small)
    after = json.loads(run("projections", "status", "--db", small, "--json").stdout)

    assert [None] * 6 == [s["live_version"] for s in before]
    assert 0 == rebuilt.exit_code, rebuilt.output
    assert "rebuilt group_histories, goal_entries, meeting_rolls" in rebuilt.stdout
    assert "deal_entries, referral_entries, member_marks" in rebuilt.stdout
    assert [0] * 6 == [s["behind"] for s in after]
    # one group; no goals, meetings, deals, referrals or marks
    assert [1, 0, 0, 0, 0, 0] == [s["views"] for s in after]


def test_rebuilding_an_unknown_projection_is_a_usage_error(small: str) -> None:
    result = run("projections", "rebuild", "rosters", "--db", small)

    assert 2 == result.exit_code
    assert "rosters" in result.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'network.db'}"
    assert 0 == run("demo", "--db", url, "--json").exit_code
    return url


def test_the_demo_networks_report_reads_like_htg(demo: str) -> None:
    """2008 on the demo: turnover in single figures, most goals due were met, most
    members came to their meetings."""
    result = run("report", "--db", demo, "--from", "2008-01-01", "--to", "2008-12-31", "--json")

    assert 0 == result.exit_code, result.output
    network = json.loads(result.stdout)["network"]
    assert 0 < network["turnover"] < 0.1
    assert network["goals_due"] > 0
    assert 0.8 < network["attendance"] < 1
    assert network["meetings"] > 0
    assert network["growth"]["quarters"][-1]["quarter"] == "2008Q4"
    text = run("report", "--db", demo, "--from", "2008-01-01", "--to", "2008-12-31")
    assert "HTG 1" in text.stdout
