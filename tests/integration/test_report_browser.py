"""The report page in a real browser: `peernet report --html` on the demo network, opened
from its file in headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium) with every host name unresolvable, so that anything the page tried to fetch
would fail. Every chart must be drawn and the console must show no error.

Without /usr/bin/chromium the test is skipped, saying why; under
PEERNET_REQUIRE_BROWSER=1 (as in .ci/run) its absence is a failure.

Run as a script, it writes the screenshot of the demo's report shown in the docs:
`python tests/integration/test_report_browser.py docs/images/report.png`.
"""

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from peernet.cli import cli
from peernet.reports import CHARTS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REQUIRED = "PEERNET_REQUIRE_BROWSER"

pytestmark = pytest.mark.slow

#: per chart on the page: its name, the traces it was given, the traces drawn, the marks
#: (bars, lines, points) drawn and its SVG layers
_DRAWN = """
return [...document.querySelectorAll('figure.chart')].map(figure => {
  const plot = figure.querySelector('.js-plotly-plot');
  return {
    chart: figure.dataset.chart,
    traces: plot && plot.data ? plot.data.length : 0,
    drawn: figure.querySelectorAll('.cartesianlayer .trace, .heatmaplayer .hm').length,
    marks: figure.querySelectorAll(
      '.bars path, .scatterlayer .js-line, .scatterlayer .point, .heatmaplayer image'
    ).length,
    svg: figure.querySelectorAll('svg.main-svg').length,
  };
});
"""


def require_browser() -> None:
    """Skip without Chromium and its driver, or fail under PEERNET_REQUIRE_BROWSER=1."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        why = f"no {' or '.join(missing)} (apt-get install chromium chromium-driver)"
        if os.environ.get(REQUIRED) == "1":
            pytest.fail(f"{REQUIRED}=1 and {why}")
        pytest.skip(why)


def browser(width: int = 1280, height: int = 900) -> webdriver.Chrome:
    """Headless Chromium that resolves no host name, logging its console."""
    require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def demo_page(folder: Path, *options: str) -> Path:
    """The demo network's report page, written in `folder`."""
    url = f"sqlite:///{folder / 'network.db'}"
    runner = CliRunner()
    assert 0 == runner.invoke(cli, ["demo", "--db", url, "--json"]).exit_code
    page = folder / "report.html"
    result = runner.invoke(cli, ["report", "--db", url, "--html", str(page), *options])
    assert 0 == result.exit_code, result.output
    return page


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_browser()  # before the demo is built
    return demo_page(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def opened(page: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The page opened once: what each chart drew, and the console's messages."""
    driver = browser()
    try:
        driver.get(page.as_uri())
        drawn: list[dict[str, Any]] = driver.execute_script(_DRAWN)
        console: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
    finally:
        driver.quit()
    return drawn, console


def test_every_chart_of_the_page_is_drawn(
    opened: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    """Each chart the page holds has its SVG, every trace it was given drawn, and marks."""
    drawn, _ = opened

    assert list(CHARTS) == [chart["chart"] for chart in drawn]
    undrawn = [
        chart
        for chart in drawn
        if not (chart["svg"] and chart["traces"] and chart["drawn"] == chart["traces"])
        or not chart["marks"]
    ]
    assert [] == undrawn


def test_the_console_shows_no_error(
    opened: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    """No script error, and nothing the page tried to fetch (every fetch would fail)."""
    _, console = opened

    errors = [entry for entry in console if entry["level"] in ("SEVERE", "WARNING")]

    assert [] == errors


def test_without_chromium_the_test_skips_unless_a_browser_is_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Skipped, naming what is missing; a failure under PEERNET_REQUIRE_BROWSER=1."""
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "chromium")
    monkeypatch.setattr(sys.modules[__name__], "CHROMEDRIVER", tmp_path / "chromedriver")
    monkeypatch.delenv(REQUIRED, raising=False)
    with pytest.raises(
        pytest.skip.Exception, match=r"no .*/chromium or .*/chromedriver \(apt-get install"
    ):
        require_browser()

    monkeypatch.setenv(REQUIRED, "1")
    with pytest.raises(pytest.fail.Exception, match=r"PEERNET_REQUIRE_BROWSER=1 and no "):
        require_browser()


def screenshot(target: Path) -> None:
    """The top of the demo's report (the summary and the year-by-year charts)."""
    with tempfile.TemporaryDirectory() as folder:
        page = demo_page(Path(folder))
        driver = browser(1280, 1180)
        try:
            driver.get(page.as_uri())
            driver.save_screenshot(str(target))
        finally:
            driver.quit()


if __name__ == "__main__":
    screenshot(Path(sys.argv[1]))
