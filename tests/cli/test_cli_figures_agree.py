"""One source for every figure: each figure the demo prints for a year is the one
`peernet report` gives for that year, on the demo's own store."""

import io
import json
import re
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from peernet import Network, Reader
from peernet.adapters.codec import converter
from peernet.cli import cli
from peernet.demo import DemoSummary
from peernet.demo.printing import print_story
from peernet.projections import Period


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, DemoSummary]:
    """The whole demo in a SQLite file, and the story it told (`peernet demo --json`)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'network.db'}"
    result = run("demo", "--db", url, "--json")
    assert 0 == result.exit_code, result.output
    return url, converter.structure(json.loads(result.stdout), DemoSummary)


@pytest.fixture(scope="module")
def reports(demo: tuple[str, DemoSummary]) -> dict[int, dict[str, Any]]:
    """`peernet report --json` for each calendar year of the demo."""
    url, summary = demo
    found = {}
    for year in range(summary.first_year, summary.last_year + 1):
        result = run("report", "--db", url, "--from", f"{year}-01-01", "--to", f"{year}-12-31")
        assert 0 == result.exit_code, result.output
        as_json = run(
            "report", "--db", url, "--from", f"{year}-01-01", "--to", f"{year}-12-31", "--json"
        )
        found[year] = json.loads(as_json.stdout)["network"]
    return found


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def test_every_figure_of_the_demos_year_table_is_the_reports(
    demo: tuple[str, DemoSummary], reports: dict[int, dict[str, Any]]
) -> None:
    """Groups, seats, wait-list, departures, turnover, members and companies at the end."""
    _, summary = demo
    for year in summary.years:
        report = reports[year.year]
        groups = report["groups_open"]
        expected = {
            "in-person groups": groups.get("in-person", 0),
            "online groups": groups.get("virtual", 0),
            "joined": report["seated"],
            "wait-listed": report["waitlisted_in_period"],
            "departed": report["departures"],
            "departures": report["departures_by_reason"],
            "turnover": pct(report["turnover"]),
            "members at year end": report["active"],
            "companies at year end": report["growth"]["quarters"][-1]["companies"],
            "waiting at year end": report["waitlisted"],
        }
        shown = {
            "in-person groups": year.in_person_groups,
            "online groups": year.virtual_groups,
            "joined": year.joined,
            "wait-listed": year.waitlisted,
            "departed": year.departed,
            "departures": year.departures,
            "turnover": pct(year.turnover),
            "members at year end": year.active_members,
            "companies at year end": year.active_companies,
            "waiting at year end": year.waiting,
        }
        assert (year.year, expected) == (year.year, shown)


def test_every_goal_and_attendance_figure_of_the_demo_is_the_reports(
    demo: tuple[str, DemoSummary], reports: dict[int, dict[str, Any]]
) -> None:
    """Goals due and met, completion, meetings held, expected attendances and the rate."""
    _, summary = demo
    for year in summary.years:
        report = reports[year.year]
        expected = {
            "goals due": report["goals_due"],
            "goals met": report["goals_met"],
            "completion": pct(report["goal_completion"]),
            "meetings": report["meetings"],
            "expected attendances": report["expected_attendances"],
            "attendance": pct(report["attendance"]),
        }
        shown = {
            "goals due": sum(year.goals_due.values()),
            "goals met": sum(year.goals_met.values()),
            "completion": pct(year.completion),
            "meetings": year.meetings,
            "expected attendances": sum(year.attendance.values()),
            "attendance": pct(year.attendance_rate),
        }
        assert (year.year, expected) == (year.year, shown)


def test_the_printed_year_table_shows_the_reports_turnover_and_members(
    demo: tuple[str, DemoSummary], reports: dict[int, dict[str, Any]]
) -> None:
    """The text the demo prints, row by row: the report's turnover, members and waiting."""
    url, summary = demo
    out = io.StringIO()
    print_story(Console(file=out, width=200), summary, url)
    rows = {}
    for line in out.getvalue().splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line) if c.strip()]
        if cells and re.fullmatch(r"\d{4}", cells[0]) and len(cells) == 10:
            rows[int(cells[0])] = cells
    assert sorted(rows) == sorted(reports)
    for year, cells in rows.items():
        report = reports[year]
        expected = [pct(report["turnover"]), str(report["active"]), str(report["waitlisted"])]
        assert (year, expected) == (year, cells[7:10])


def test_the_2008_attendance_reads_late_as_the_charter_says(
    reports: dict[int, dict[str, Any]],
) -> None:
    """The demo's charters keep the default partial_miss (1/2): late counts half."""
    report = reports[2008]
    assert report["attended"] < report["expected_attendances"]
    assert report["attended"] == pytest.approx(
        report["attendance"] * report["expected_attendances"]
    )


def test_the_demo_and_audit_verify_count_the_same_store_and_name_both_counts(
    demo: tuple[str, DemoSummary],
) -> None:
    """The demo's events and ledger entries add up to what verify checks; both say so."""
    url, summary = demo
    result = run("audit", "verify", "--db", url, "--json")
    verified = json.loads(result.stdout)
    out = io.StringIO()
    print_story(Console(file=out, width=300), summary, url)
    text = run("audit", "verify", "--db", url).stdout

    assert (summary.events, summary.ledger) == (
        verified["network_events"],
        verified["ledger_entries"],
    )
    assert summary.events + summary.ledger == verified["events"]
    assert f"{summary.ledger:,} command-ledger entries" in out.getvalue()
    assert f"checks all {verified['events']:,}" in out.getvalue()
    assert f"{summary.events:,} of the network and {summary.ledger:,} command-ledger" in text


def test_the_benchmarks_example_in_its_help_returns_data_on_the_demo(
    demo: tuple[str, DemoSummary],
) -> None:
    """The example `peernet benchmarks --help` gives shows every network median."""
    url, _ = demo
    help_text = " ".join(run("benchmarks", "--help").stdout.split())
    example = re.search(r'peernet (benchmarks --quarter \S+ "[^"]+")', help_text)
    assert example is not None
    args = re.findall(r'"[^"]*"|\S+', example.group(1))
    result = run(*(a.strip('"') for a in args), "--db", url, "--json")

    assert 0 == result.exit_code, result.output
    metrics = json.loads(result.stdout)["metrics"]
    assert [] == [m["metric"] for m in metrics if m["network_median"] is None]
    assert all(m["quartiles"] for m in metrics)


def test_the_api_gives_the_reports_figures(
    demo: tuple[str, DemoSummary], reports: dict[int, dict[str, Any]]
) -> None:
    """`Network.figures` reads the same projections: the report's numbers, to the digit."""
    url, _ = demo
    with Network(url, access="read") as network:
        found = network.figures(Period.year(2008), reader=Reader.auditor("Ada"))
    report = reports[2008]

    assert report["turnover"] == round(float(found.turnover.rate or 0), 6)
    assert report["retention"] == round(float(found.retention.rate or 0), 6)
    assert report["attendance"] == round(float(found.attendance.rate or 0), 6)
    assert (report["active"], report["goals_due"], report["meetings"]) == (
        found.fill.active,
        len(found.goals.due),
        found.attendance.meetings,
    )
    assert all(g.goals is not None for g in found.groups)
