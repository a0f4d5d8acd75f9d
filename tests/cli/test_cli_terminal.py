"""What people see on a terminal: every table command on the demo store fits 80 and 120
columns (no line longer, no header cut with an ellipsis, no line ending in spaces when
piped), and every example in a command's --help answers with data on the demo store."""

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import orjson
import pytest
from click.testing import CliRunner, Result

from peernet.cli import cli

#: a company of HTG 3, the group the examples below read
MEMBER = "Landmark Systems"


@pytest.fixture(scope="module")
def demo_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    """The whole demo (seed 2001, 2001-2009) in a SQLite file, and what it said."""
    url = f"sqlite:///{tmp_path_factory.mktemp('terminal') / 'demo.db'}"
    built = CliRunner().invoke(cli, ["demo", "--db", url, "--json"])
    assert 0 == built.exit_code, built.output
    return url, orjson.loads(built.stdout)


@pytest.fixture(scope="module")
def demo_url(demo_built: tuple[str, Any]) -> str:
    return demo_built[0]


def run(url: str, args: list[str], columns: int = 80) -> Result:
    return CliRunner().invoke(
        cli, [*args, "--db", url], env={"COLUMNS": str(columns), "PEERNET_DB": None}
    )


def read_json(url: str, *args: str) -> Any:
    result = run(url, [*args, "--json"])
    assert 0 == result.exit_code, result.output
    return orjson.loads(result.stdout)


def table_commands(url: str) -> dict[str, list[str]]:
    """Every command that prints tables, with arguments naming data of the demo."""
    motion = read_json(url, "motions", "HTG 3")["motions"][0]["motion_id"]
    meeting = read_json(url, "meetings", "HTG 3")["meetings"][-1]["meeting_id"]
    deal = read_json(url, "deals")["deals"][0]["deal_id"]
    return {
        "groups": ["groups"],
        "roster": ["roster", "HTG 3"],
        "companies": ["companies"],
        "company": ["company", MEMBER],
        "goals": ["goals", "HTG 3"],
        "motions": ["motions", "HTG 3"],
        "motion": ["motion", motion],
        "meetings": ["meetings", "HTG 3"],
        "meeting": ["meeting", meeting],
        "account": ["account", MEMBER],
        "financials": ["financials", MEMBER],
        "benchmarks": ["benchmarks", "--quarter", "2009Q3", "HTG 3"],
        "turnover": ["turnover", "HTG 3", "--explain"],
        "report": ["report"],
        "projections status": ["projections", "status"],
        "audit trail": ["audit", "trail", "--group", "HTG 3"],
        "history": ["history", MEMBER],
        "committee": ["committee"],
        "resolutions": ["resolutions"],
        "vendors": ["vendors"],
        "vendor": ["vendor", "Microsoft"],
        "people": ["people", MEMBER],
        "programme": ["programme"],
        "deals": ["deals"],
        "deal": ["deal", deal],
        "referrals": ["referrals"],
        "partners": ["partners", MEMBER],
        "scorecard": ["scorecard", MEMBER, "--quarter", "2009Q3"],
        "p2p": ["p2p"],
        "p2p of a group": ["p2p", "HTG 3"],
        "competitions": ["competitions"],
        "awards": ["awards"],
        "demo": ["demo"],
    }


def misfits(output: str, columns: int) -> list[str]:
    """The lines of `output` wider than `columns`, ending in spaces, or holding a header
    cut with an ellipsis (a table's header rows are drawn with heavy lines: ┃)."""
    return [
        line
        for line in output.splitlines()
        if len(line) > columns or line != line.rstrip() or ("┃" in line and "…" in line)
    ]


@pytest.mark.parametrize("columns", [80, 120])
def test_every_table_fits_the_terminal(demo_url: str, columns: int) -> None:
    """At 80 and at 120 columns, piped: no line wider, none ending in spaces, no header
    cut; each command answers (exit 0) with its table."""
    found = {}
    for name, args in table_commands(demo_url).items():
        result = run(demo_url, args, columns)
        assert 0 == result.exit_code, (name, result.output)
        bad = misfits(result.stdout, columns)
        if bad:
            found[name] = bad[:3]
    assert {} == found


def test_a_narrow_terminal_names_the_columns_it_left_out(demo_url: str) -> None:
    """The group list at 80 columns leaves some columns out, and says which."""
    wide = run(demo_url, ["groups"], 200).stdout
    narrow = run(demo_url, ["groups"], 80).stdout

    assert "left out" not in wide
    assert "left out to fit 80 columns: closed" in narrow
    assert "facilitator" in wide.splitlines()[2]


def test_the_demo_at_80_columns_keeps_its_turnover(demo_url: str) -> None:
    """The demo's year table leaves out its counts of groups and applicants first, and
    keeps turnover and members at year end."""
    told = run(demo_url, ["demo"], 80).stdout
    year_table = told.split("The network year by year", 1)[1].split("members at year end:")[0]

    assert "turnover" in year_table
    assert "at year end" in year_table
    assert "left out to fit 80 columns: groups online" in year_table


def test_ids_in_tables_are_shortened_and_the_short_id_is_accepted(demo_url: str) -> None:
    """A listing shows the first 8 characters of a motion's id, which `motion` takes."""
    motion = read_json(demo_url, "motions", "HTG 3")["motions"][0]["motion_id"]
    listed = run(demo_url, ["motions", "HTG 3"]).stdout

    assert motion[:8] in listed
    assert motion not in listed
    assert 0 == run(demo_url, ["motion", motion[:8]]).exit_code


def _commands(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            assert sub is not None, name
            yield from _commands(sub, (*path, name))
    else:
        yield path


def all_commands() -> list[tuple[str, ...]]:
    """Every command of the command line, as the words that call it."""
    return list(_commands(cli, ()))


def test_the_readme_lists_every_command() -> None:
    """Each command (from click's own tree) has a row of the README's command table,
    and each row names a command that exists."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `peernet ")]
    listed = {name for row in rows for name in _first(row)}
    commands = {" ".join(words) for words in all_commands()}

    assert set() == commands - listed, "commands missing from README.md's command table"
    assert set() == listed - commands, "rows of README.md naming no command"


def _first(row: str) -> list[str]:
    """The commands named in the first cell of a README row: `peernet a B`, `b C`."""
    cell = row.split(" | ", maxsplit=1)[0].removeprefix("| ")
    named = re.findall(r"`(?:peernet )?([a-z0-9][a-z0-9 -]*?)(?: [-A-Z\[].*?)?`", cell)
    return [name.strip() for name in named]


def peernet(*args: str) -> "subprocess.Popen[bytes]":
    """`peernet ARGS` in a process of its own, its output on a pipe."""
    env = {k: v for k, v in os.environ.items() if k != "PEERNET_DB"}
    return subprocess.Popen(
        [sys.executable, "-m", "peernet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def test_a_bare_peernet_prints_its_help() -> None:
    """No command: the help as --help prints it, line by line, and exit 0."""
    bare = CliRunner().invoke(cli, [])
    helped = CliRunner().invoke(cli, ["--help"])

    assert (0, helped.stdout) == (bare.exit_code, bare.stdout)
    assert "Commands:" in bare.stdout.splitlines()


@pytest.mark.parametrize("fmt", ["table", "jsonl", "csv"])
def test_a_reader_who_stops_reading_is_no_failure(demo_url: str, fmt: str) -> None:
    """`peernet audit trail ... | head -1`: the pipe closes after a line; exit 0 and
    nothing on stderr (1 would say a rule refused)."""
    with peernet("audit", "trail", "--group", "HTG 3", "--format", fmt, "--db", demo_url) as p:
        assert p.stdout is not None
        assert p.stderr is not None
        assert p.stdout.readline()
        p.stdout.close()
        said = p.stderr.read()

    assert (0, b"") == (p.returncode, said)


def test_verbose_says_what_a_read_command_read_and_how_long_it_took(demo_url: str) -> None:
    """`peernet -v roster`: the store, the events its log holds and how many were read
    by stream, and the seconds it took, on stderr; the roster alone on stdout."""
    with peernet("-v", "roster", "HTG 3", "--db", demo_url) as process:
        out, err = process.communicate(timeout=120)
    said = err.decode()
    quiet = run(demo_url, ["roster", "HTG 3"], 120)

    assert 0 == process.returncode
    assert re.search(
        r"peernet roster read sqlite:///\S+ \(its log holds [\d,]+ events\): "
        r"[1-9][\d,]* streams, [1-9][\d,]* events, in \d+\.\d\d s",
        said,
    ), said
    assert "catch_up" in said
    assert "" == quiet.stderr
    assert "HTG 3" in out.decode()


#: what opens an example block in a command's help; its lines start `peernet `
EXAMPLES = "Examples (on the demo's store):"


def examples(command: click.Command) -> list[str]:
    """The example lines of a command's help."""
    text = command.help or ""
    if EXAMPLES not in text:
        return []
    found = []
    for line in (each.strip() for each in text.split(EXAMPLES, 1)[1].splitlines()):
        if line.startswith("peernet "):
            found.append(line)
        elif found and line:  # the block ends at the first line that is no example
            break
    return found


def every_example() -> list[str]:
    """The examples of every command's help."""
    return [line for words in all_commands() for line in examples(_command(words))]


#: the commands that write (a store or a history's file, or only print a key): no example
#: of theirs runs on the demo
WRITERS = {"demo", "export", "forget", "import", "key new", "key rotate", "projections rebuild"}
#: the commands whose one argument is an id the demo draws: `peernet motions` lists them
BY_ID = {"motion", "meeting", "deal"}


def test_every_command_that_reads_has_examples() -> None:
    """Each read command's --help shows how to call it, in lines a user can paste."""
    without = {
        " ".join(words)
        for words in all_commands()
        if " ".join(words) not in WRITERS | BY_ID and not examples(_command(words))
    }

    assert set() == without


def _command(words: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for word in words:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), word)
        assert found is not None, word
        command = found
    return command


def answers_with_data(output: str) -> bool:
    """Whether `output` holds data: a table with a row not all withheld, or (without a
    table) a line that does not say there is nothing."""
    lines = [line for line in output.splitlines() if line.strip()]
    if any(line.startswith("No ") for line in lines):
        return False
    rows = [line for line in lines if line.startswith("│")]
    if any(line.startswith(("┏", "┌")) for line in lines):
        return any("withheld" not in row for row in rows)
    return bool(lines)


@pytest.mark.parametrize("example", every_example())
def test_each_example_of_the_help_answers_with_data(demo_url: str, example: str) -> None:
    """Pasted on the demo's store, each example of a command's --help answers (exit 0)
    with data: not an error, not an empty table, not figures all withheld."""
    words = shlex.split(example)
    assert "peernet" == words[0]

    result = run(demo_url, words[1:], 100)

    assert 0 == result.exit_code, result.output
    assert answers_with_data(result.stdout), result.stdout


@pytest.mark.parametrize(
    ("moment", "says"),
    [
        (
            ["--as-of", "1900-01-01"],
            "group HTG 3 has no roster then: it was formed on 2003-03-02, after --as-of 1900-01-01",
        ),
        (
            ["--known-at", "2005-01-01"],
            "group HTG 3 has no roster then: its formation was recorded on ",
        ),
    ],
)
def test_a_roster_before_its_group_names_the_group(
    demo_url: str, moment: list[str], says: str
) -> None:
    """A roster asked for before the group existed names the group the user typed and
    when it was formed, not its id (exit 2)."""
    result = run(demo_url, ["roster", "HTG 3", *moment])

    assert 2 == result.exit_code
    assert says in result.stderr
    assert re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", result.stderr) is None


def test_the_audit_trail_gives_its_room_to_the_actor_not_an_empty_why(demo_url: str) -> None:
    """A trail whose events give no reason leaves the empty 'why' out at 80 columns, and
    the actor's name stays on one line."""
    args = ["audit", "trail", "--company", MEMBER, "--from", "2009-06-01", "--to", "2009-07-01"]
    lines = run(demo_url, args, 80).stdout.splitlines()

    left_out = next(line for line in lines if line.startswith("left out to fit 80 columns: "))
    assert "why" in left_out
    assert "in" not in left_out.split(": ")[1].split(", ")
    assert any(f" {MEMBER}" in line for line in lines if "Reported" in line)
    assert all(len(line) <= 80 for line in lines)


def test_financials_write_quartiles_apart_from_quarters(demo_url: str) -> None:
    """A quartile beside a metric reads '(2nd)', explained under the table, never 'Q2'
    beside quarters such as 2008Q2."""
    said = run(demo_url, ["financials", MEMBER, "--quarter", "2009Q3"], 120).stdout

    assert re.search(r"\d% \((1st|2nd|3rd|4th)\)", said), said
    assert "(Q" not in said
    assert "its quartile in its group that quarter; 4th is the top" in said


@pytest.mark.parametrize(
    ("args", "names_of"),
    [
        (["roster", "HTG 3"], lambda data: [s["company"] for s in data["members"]]),
        (["deals"], lambda data: [d["company"] for d in data["deals"]]),
    ],
)
def test_names_stay_on_one_line_at_80_columns(
    demo_url: str, args: list[str], names_of: Any
) -> None:
    """Every company a roster or the deals list names is whole on a line at 80
    columns: another column is left out before a name is wrapped."""
    names = set(names_of(read_json(demo_url, *args)))
    printed = run(demo_url, args, 80).stdout

    assert names
    assert set() == {name for name in names if f"│ {name} " not in printed}
