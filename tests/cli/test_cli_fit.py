"""How the command line fits a table to a terminal (`peernet.cli.options.fit_table`,
through the console `make_console` gives): no line wider than the terminal, no header
cut, no line ending in spaces; columns left out by priority and named."""

import io

import pytest
from hypothesis import given, settings, strategies as st
from rich.console import Console
from rich.table import Table

from peernet.cli.options import leave_out_first, make_console

WORD = st.text(alphabet="abcdefghij", min_size=1, max_size=12)
CELL = st.lists(WORD, min_size=0, max_size=4).map(" ".join)


def printed(table: Table, width: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lines `table` prints as on a terminal `width` columns wide, piped."""
    monkeypatch.setenv("COLUMNS", str(width))
    console = make_console()
    console.file = io.StringIO()
    console.print(table)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue().splitlines()


def a_table(headers: list[str], rows: list[list[str]]) -> Table:
    table = Table(title="a table", title_justify="left")
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    return table


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    headers = draw(st.lists(WORD, min_size=1, max_size=9, unique=True))
    rows = draw(st.lists(st.lists(CELL, min_size=len(headers), max_size=len(headers))))
    return headers, rows


@settings(max_examples=60, deadline=None)
@given(tables(), st.integers(min_value=40, max_value=160))
def test_any_table_fits_any_terminal(drawn: tuple[list[str], list[list[str]]], width: int) -> None:
    """Whatever the words and the width (down to 40), every line fits, none ends in
    spaces, and each header still shown is whole."""
    headers, rows = drawn
    with pytest.MonkeyPatch.context() as patch:
        lines = printed(a_table(headers, rows), width, patch)

    assert [] == [line for line in lines if len(line) > width or line != line.rstrip()]
    header_text = " ".join(line for line in lines if "┃" in line)
    assert "…" not in header_text


def test_a_table_that_fits_is_printed_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Room enough: every column, nothing said about leaving any out."""
    table = a_table(["company", "since"], [["Acme Managed IT", "2001-03-01"]])

    lines = printed(table, 80, monkeypatch)

    assert "Acme Managed IT" in "\n".join(lines)
    assert not any("left out" in line for line in lines)


def test_columns_named_first_are_left_out_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Too narrow for all: the columns the table names go, in its order, and the lines
    under the table say which; the first column stays, its names on one line."""
    headers = ["company", "territory", "business lines", "since", "notes"]
    row = ["Liberty Business Software", "US/north carolina", "crm, web", "2007-06-20", "x"]
    table = leave_out_first(a_table(headers, [row]), "notes", "territory")

    lines = printed(table, 60, monkeypatch)

    assert "left out to fit 60 columns: notes, territory" in "\n".join(lines)
    assert any("Liberty Business Software" in line for line in lines)
    assert "since" in lines[2]


def test_an_empty_column_goes_before_any_other(monkeypatch: pytest.MonkeyPatch) -> None:
    """A column no row fills is the first to go (the audit trail's empty 'why')."""
    headers = ["#", "event", "actor", "why"]
    rows = [["1", "MembershipApplied", "Landmark Systems network office", ""]] * 3
    lines = printed(a_table(headers, rows), 50, monkeypatch)

    assert "left out to fit 50 columns: why" in "\n".join(lines)
    assert "actor" in lines[2]


def test_piped_lines_end_without_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain line and a table's title are not padded to the console's width."""
    monkeypatch.delenv("COLUMNS", raising=False)
    console = make_console()
    console.file = io.StringIO()
    console.print("a line")
    console.print(a_table(["a"], [["b"]]))
    assert isinstance(console.file, io.StringIO)

    assert [] == [line for line in console.file.getvalue().splitlines() if line != line.rstrip()]
    assert isinstance(console, Console)
