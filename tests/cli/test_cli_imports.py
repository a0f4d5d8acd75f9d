"""What a fresh process imports: `import peernet` and a command that reads leave the heavy
optional modules (charts, property testing, a browser, PostgreSQL's driver on a SQLite
store, the demo's simulation) unimported, so a command starts printing soon. Checked in a
process of its own by the modules it holds, never by a clock."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from peernet.cli import cli

#: modules no read of a SQLite store needs; each is imported only where it is used (a
#: progress bar only by the long jobs that show one)
HEAVY = (
    "plotly",
    "hypothesis",
    "selenium",
    "psycopg",
    "eventsourcing.postgres",
    "peernet.demo",
    "peernet.testing",
    "peernet.reports.page",
    "rich.progress",
)
#: also left out of `import peernet`: the command line's libraries, and asyncio (for
#: `AsyncNetwork`, imported by whoever awaits it)
NOT_FOR_EMBEDDERS = (*HEAVY, "click", "rich", "asyncio")

#: runs the command line on the arguments given as JSON, then prints on stderr, as its
#: last line, the modules the process imported
RUN_AND_LIST = """
import json, sys
from peernet.cli import main
sys.argv = ["peernet", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported(among: tuple[str, ...], modules: list[str]) -> list[str]:
    """Those of `among` that `modules` holds (a package counts by any of its modules)."""
    return [m for m in among if any(n == m or n.startswith(f"{m}.") for n in modules)]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('imports') / 'network.db'}"
    assert 0 == CliRunner().invoke(cli, ["demo", "--years", "1", "--db", url]).exit_code
    return url


def test_import_peernet_leaves_the_optional_modules_out() -> None:
    """`import peernet` in a fresh process imports no chart, test, browser, PostgreSQL,
    command-line or asyncio module."""
    listed = subprocess.run(
        [sys.executable, "-c", "import json, sys, peernet; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert [] == imported(NOT_FOR_EMBEDDERS, json.loads(listed.stdout))


@pytest.mark.parametrize(
    "words",
    [
        ["audit", "trail"],
        ["audit", "trail", "--group", "HTG 1", "--format", "csv"],
        ["groups"],
        ["roster", "HTG 1"],
        ["report"],
        ["audit", "verify"],
    ],
    ids=" ".join,
)
def test_a_command_that_reads_leaves_the_optional_modules_out(
    store: str, words: list[str], tmp_path: Path
) -> None:
    """A command reading a SQLite store in a fresh process imports none of `HEAVY`, and of
    the command line only its own area's module and the shared options."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, json.dumps([*words, "--db", store])],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    modules = json.loads(done.stderr.splitlines()[-1])
    areas = {m for m in modules if m.startswith("peernet.cli.")}

    assert [] == imported(HEAVY, modules)
    assert 3 == len(areas), sorted(areas)  # the root, the options, the command's area


def test_help_still_lists_every_command_with_its_short_help() -> None:
    """The root's commands are imported only when asked for, and `--help` asks for all:
    every command is listed with the first line of its own help."""
    context = cli.make_context("peernet", ["--help"], resilient_parsing=True)
    shown = CliRunner().invoke(cli, ["--help"]).output

    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        assert command is not None, name
        assert f"  {name} " in shown
        assert " ".join(command.get_short_help_str(limit=200).split()[:3]) in shown
