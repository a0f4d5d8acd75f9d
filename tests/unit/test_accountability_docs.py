"""docs/accountability.md is tested: its ```python blocks run, in order, as one script.

A block whose info string is `python no-run` is shown, not run. A failure reports the
page's own line numbers.
"""

import re
import traceback
from pathlib import Path
from typing import Any

import pytest

from peernet.domain import access, goals, motions
from peernet.domain.errors import PeerNetError

PAGE = Path(__file__).resolve().parents[2] / "docs" / "accountability.md"
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The runnable blocks of a page: (line the code starts on, code)."""
    return [
        (text.count("\n", 0, match.start("body")) + 1, match.group("body"))
        for match in FENCE.finditer(text)
        if match.group("info").strip() == "python"
    ]


def first_failure(text: str) -> str | None:
    """Run the blocks in order in one namespace; the traceback of the first that fails."""
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for line, code in python_blocks(text):
        padded = "\n" * (line - 1) + code
        try:
            exec(compile(padded, str(PAGE), "exec"), namespace)  # noqa: S102 - the page's code
        except Exception:  # any failure of a block is reported with its traceback
            return f"block at line {line}:\n{traceback.format_exc()}"
    return None


def test_the_worked_example_runs_top_to_bottom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every python block of the accountability page runs, and every assert in it holds."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEERNET_DB", raising=False)

    failure = first_failure(PAGE.read_text(encoding="utf-8"))

    assert None is failure, failure


def test_the_page_holds_the_worked_example() -> None:
    """The block extractor finds the example's blocks, so the test above is not vacuous."""
    blocks = python_blocks(PAGE.read_text(encoding="utf-8"))

    assert len(blocks) >= 8
    assert any('Network("memory://")' in code for _, code in blocks)


def test_a_no_run_block_is_shown_not_run() -> None:
    """```python no-run blocks are skipped; plain python blocks are kept."""
    text = "```python no-run\nraise SystemExit\n```\n\n```python\nx = 1\n```\n"

    assert [(6, "x = 1\n")] == python_blocks(text)


def test_the_page_names_every_accountability_refusal() -> None:
    """Each refusal of goals, motions and access is named on the page, in backticks."""
    text = PAGE.read_text(encoding="utf-8")
    errors = [
        name
        for module in (goals, motions, access)
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, PeerNetError)
        and value.__module__ == module.__name__
    ] + ["NotAnActiveMember", "NotPending", "AdmissionNotVoted"]

    missing = [name for name in errors if f"`{name}`" not in text]

    assert [] == missing
