"""End-to-end tests of `peernet report --html FILE` on the demo network (built once for
the module): one self-contained page, the terminal report's figures in its tables, and
each group's P2P activity only for a reader inside the group. The browser's view of the
page is tested in tests/integration/test_report_browser.py."""

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from peernet import Network
from peernet.cli import cli
from peernet.reports import CHARTS
from peernet.testing import founding, some_id

pytestmark = pytest.mark.slow


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


class Page(HTMLParser):
    """The tables of a page (by id, rows of cell texts), its charts, every tag that would
    fetch something (`src` or `href`) and its links within itself."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.charts: list[str] = []
        self.fetches: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        self.fetches += [
            (tag, str(found[a]))
            for a in ("src", "href")
            if found.get(a) and not str(found[a]).startswith("#")  # a link within the page
        ]
        if str(found.get("href", "")).startswith("#"):
            self.links.append(str(found["href"]))
        if tag == "figure" and found.get("class") == "chart":
            self.charts.append(str(found["data-chart"]))
        if tag == "table":
            self._table = str(found["id"])
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def rows(self, table: str) -> list[list[str]]:
        """The body rows of a table (its header row left out)."""
        return self.tables[table][1:]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'network.db'}"
    assert 0 == run("demo", "--db", url, "--json").exit_code
    return url


def write(demo: str, path: Path, *options: str) -> Page:
    result = run("report", "--db", demo, "--html", str(path), *options)
    assert 0 == result.exit_code, result.output
    assert result.stdout.startswith(f"wrote {path} ")
    return Page(path.read_text(encoding="utf-8"))


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def test_the_page_carries_its_charting_library_and_fetches_nothing(
    demo: str, tmp_path: Path
) -> None:
    """plotly.js is inline; no script, style sheet or image is fetched from anywhere."""
    page_path = tmp_path / "report.html"

    page = write(demo, page_path)

    text = page_path.read_text(encoding="utf-8")
    assert [] == page.fetches
    assert [] == [link for link in page.links if link.removeprefix("#") not in page.ids]
    assert "Plotly.newPlot" in text
    assert text.count("<script") == 1 + len(page.charts)  # the library, then one per chart


def test_an_auditor_reads_every_chart(demo: str, tmp_path: Path) -> None:
    """The default reader, an auditor, sees every chart the page can hold."""
    page = write(demo, tmp_path / "report.html")

    assert list(CHARTS) == page.charts


def test_the_table_of_groups_holds_the_terminal_reports_figures(demo: str, tmp_path: Path) -> None:
    """Group by group, the page's table says what `peernet report --json` says."""
    page = write(demo, tmp_path / "report.html")
    found = json.loads(run("report", "--db", demo, "--json").stdout)

    expected = [
        [
            g["name"],
            f"{g['active']}/{g['capacity']}",
            str(g["waitlisted"]),
            pct(g["turnover"]),
            str(g["departures"]),
            f"{round(g['goal_completion'] * g['goals_due'])}/{g['goals_due']}"
            if g["goals_due"]
            else "",
            pct(g["attendance"]) if g["meetings"] else "",
        ]
        for g in found["groups"]
    ]
    assert expected == page.rows("groups")


def test_a_year_of_the_page_is_the_terminal_report_of_that_year(demo: str, tmp_path: Path) -> None:
    """The row for 2008 holds the figures `peernet report` gives for 2008."""
    page = write(demo, tmp_path / "report.html")
    year = json.loads(
        run("report", "--db", demo, "--from", "2008-01-01", "--to", "2008-12-31", "--json").stdout
    )["network"]

    (row,) = [r for r in page.rows("years") if r[0] == "2008"]

    assert [
        f"{year['active']}/{year['capacity']}",
        str(year["waitlisted"]),
        pct(year["turnover"]),
        pct(year["retention"]),
        pct(year["attendance"]),
        f"{year['goals_met']}/{year['goals_due']}",
    ] == row[1:7]


def test_staff_read_no_groups_p2p_activity(demo: str, tmp_path: Path) -> None:
    """Staff see the network's figures, and a note where each group's P2P would be."""
    page = write(demo, tmp_path / "report.html", "--as", "staff:Sam")

    assert "groups-p2p" not in page.charts
    assert "groups-p2p" not in page.tables
    assert "p2p-confidential" in page.ids
    assert {"membership", "p2p", "groups-fill", "timeline"} <= set(page.charts)


def test_a_member_reads_its_own_groups_p2p_activity_only(demo: str, tmp_path: Path) -> None:
    """A member company reads its group's P2P line, and no other group's."""
    page = write(demo, tmp_path / "report.html", "--as", "member:Bridgewater Computing")

    assert ["HTG 1"] == [row[0] for row in page.rows("groups-p2p")]


def test_a_facilitator_reads_the_p2p_activity_of_the_groups_it_facilitates(
    demo: str, tmp_path: Path
) -> None:
    groups = json.loads(run("groups", "--db", demo, "--json").stdout)
    facilitator = groups[0]["facilitator"]

    page = write(demo, tmp_path / "report.html", "--as", f"facilitator:{facilitator}")

    assert [g["name"] for g in groups if g["facilitator"] == facilitator] == [
        row[0] for row in page.rows("groups-p2p")
    ]


def test_the_roster_timeline_draws_the_group_named(demo: str, tmp_path: Path) -> None:
    path = tmp_path / "report.html"

    write(demo, path, "--roster", "htg 3")

    assert "Roster timeline of HTG 3" in path.read_text(encoding="utf-8")


def test_a_page_that_cannot_be_written_is_a_one_line_error(demo: str, tmp_path: Path) -> None:
    result = run("report", "--db", demo, "--html", str(tmp_path / "missing" / "report.html"))

    assert 2 == result.exit_code
    assert result.stderr.startswith("peernet: error: cannot write ")
    assert 1 == len(result.stderr.splitlines())


def test_a_young_network_gets_its_page_too(tmp_path: Path) -> None:
    """A group of two formed this year, with no meeting, goal or deal yet: every chart
    but the P2P of groups (it has none to show), and n/a where a rate has no base."""
    url = f"sqlite:///{tmp_path / 'young.db'}"
    with Network(url) as network:
        at = datetime(2001, 3, 1, tzinfo=UTC)
        for command in founding(some_id("circle"), some_id("acme"), some_id("bolt"), at=at):
            network.execute(command)

    page = write(url, tmp_path / "report.html")

    assert [["Group", "2/12", "0", "0.0%", "0", "", ""]] == page.rows("groups")
    assert [["2001 (to 01 Mar)", "2/12", "0", "0.0%", "n/a", "n/a", "0/0", "0", "withheld"]] == (
        page.rows("years")
    )
    assert "timeline" in page.charts


def test_html_and_json_together_are_refused(tmp_path: Path) -> None:
    result = run("report", "--html", str(tmp_path / "r.html"), "--json")

    assert 2 == result.exit_code
    assert "give one of them" in result.stderr
