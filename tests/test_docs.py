"""The documentation is tested: README.md and docs/**/*.md run, and name what they must.

Every ```python block of a page runs, in order, in one namespace per page, in a fresh
working directory (a page may open `sqlite:///file.db`). A block whose info string is
`python no-run` is shown, not run. Tracebacks point at the page's own line numbers.
"""

import ast
import inspect
import re
import runpy
import tempfile
import traceback
from pathlib import Path
from typing import Any

import attrs
import pytest

import peernet
import peernet.testing.strategies
from peernet import Charter, Event, InvalidInput, RuleViolation
from peernet.adapters.codec import event_types

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: the pages the site's build writes (docs/gen/): linked to, but not in the repository
GENERATED = {
    ROOT / "docs" / runpy.run_path(str(ROOT / "docs/gen/errors.py"), run_name="errors")["PATH"]
}
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
LINK = re.compile(r"\]\((?P<target>[^)\s#]+)(?:#[^)]*)?\)")
STREAMS = {
    "company_id": "company",
    "group_id": "group",
    "goal_id": "goal",
    "motion_id": "motion",
    "meeting_id": "meeting",
    "gathering_id": "gathering",
    "financials_id": "financials",
    "ledger_id": "ledger",
    "network_id": "network",
    "vendor_id": "vendor",
    # the partner economy
    "deal_id": "deal",
    "referral_id": "referral",
    "competition_id": "competition",
}


@attrs.frozen
class Block:
    page: Path
    line: int
    code: str


def python_blocks(page: Path) -> list[Block]:
    """The runnable ```python blocks of a page, with the line each one's code starts on."""
    text = page.read_text(encoding="utf-8")
    return [
        Block(page, text.count("\n", 0, match.start("body")) + 1, match.group("body"))
        for match in FENCE.finditer(text)
        if match.group("info").strip() == "python"
    ]


def first_failure(blocks: list[Block]) -> str | None:
    """Execute blocks in order in one namespace; the traceback of the first that fails."""
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for block in blocks:
        padded = "\n" * (block.line - 1) + block.code
        try:
            exec(compile(padded, str(block.page), "exec"), namespace)  # noqa: S102 - the docs' code
        except Exception:  # any failure of a block is reported with its traceback
            return f"{block.page.name}, block at line {block.line}:\n{traceback.format_exc()}"
    return None


def peernet_events() -> dict[str, type[Event]]:
    """Every event topic peernet itself defines (test modules may define more)."""
    return {
        topic: cls for topic, cls in event_types().items() if cls.__module__.startswith("peernet.")
    }


def section(text: str, heading: str) -> str:
    """The text under a `### heading` line, up to the next heading."""
    marker = f"\n### {heading}\n"
    if marker not in text:
        return ""
    start = text.index(marker) + len(marker)
    following = re.search(r"^#{1,3} ", text[start:], re.MULTILINE)
    return text[start : start + following.start()] if following else text[start:]


RUNNABLE = [page for page in PAGES if python_blocks(page)]


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", RUNNABLE, ids=page_id)
def test_every_python_block_of_a_page_runs_in_order(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page's code blocks run top to bottom as one script, in a fresh directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("PEERNET_DB", raising=False)

    failure = first_failure(python_blocks(page))

    assert None is failure, failure


def test_the_tutorial_can_be_followed_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from the top a second time in the same place, the tutorial works again."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("PEERNET_DB", raising=False)
    blocks = python_blocks(ROOT / "docs" / "tutorial.md")

    assert (None, None) == (first_failure(blocks), first_failure(blocks))


def test_the_readme_and_the_tutorial_hold_runnable_code() -> None:
    """The pages whose examples must run are found by the block extractor."""
    expected = {"README.md", "tutorial.md", "testing.md", "events.md"}

    assert expected <= {page.name for page in RUNNABLE}


def test_every_charter_field_is_named_in_the_rules_page() -> None:
    """docs/rules.md names every Charter parameter, in backticks."""
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")

    missing = [f.name for f in attrs.fields(Charter) if f"`{f.name}`" not in text]

    assert [] == missing


def test_every_charter_default_is_stated_in_the_rules_page() -> None:
    """docs/rules.md shows each Charter parameter's default on the parameter's table row."""
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", text, re.MULTILINE)}
    charter = Charter()

    def shown(value: object) -> str:
        return ", ".join(value) if isinstance(value, tuple) else str(value)

    wrong = [
        f.name
        for f in attrs.fields(Charter)
        if shown(getattr(charter, f.name)) not in rows.get(f.name, "")
    ]

    assert [] == wrong


def test_every_refusal_peernet_exports_is_named_in_the_rules_page() -> None:
    """docs/rules.md names every RuleViolation and InvalidInput class of the public API."""
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    errors = [
        name
        for name in peernet.__all__
        if isinstance(getattr(peernet, name), type)
        and issubclass(getattr(peernet, name), RuleViolation | InvalidInput)
    ]

    missing = [name for name in errors if f"`{name}`" not in text]

    assert [] == missing


def test_every_event_topic_has_a_section_in_the_events_page() -> None:
    """docs/events.md has a `### peernet.<Event>` section for every stored topic."""
    text = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")

    missing = [topic for topic in peernet_events() if f"\n### `{topic}`\n" not in text]

    assert [] == missing


def test_every_event_section_names_its_stream_and_fields() -> None:
    """Each event's section states its stream and names every one of its fields."""
    text = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    wrong = []
    for topic, cls in peernet_events().items():
        body = section(text, f"`{topic}`")
        if f"Stream: {STREAMS[cls.home]}" not in body:
            wrong.append(f"{topic}: stream")
        wrong += [f"{topic}: {f.name}" for f in attrs.fields(cls) if f"`{f.name}`" not in body]

    assert [] == wrong


def test_every_event_is_listed_under_event_schema_in_the_changelog() -> None:
    """CHANGELOG.md's "Event schema" sections name every stored event class."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    listed = "".join(section(text, "Event schema") for text in text.split("\n## "))

    missing = [
        cls.__name__ for cls in peernet_events().values() if f"`{cls.__name__}`" not in listed
    ]

    assert [] == missing


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_of_a_page_points_at_a_file(page: Path) -> None:
    """Links between the README and the docs pages lead somewhere."""
    targets = [m.group("target") for m in LINK.finditer(page.read_text(encoding="utf-8"))]

    broken = [
        target
        for target in targets
        if "://" not in target
        and not (page.parent / target).exists()
        and (page.parent / target).resolve() not in GENERATED
    ]

    assert [] == broken


def test_the_testing_page_checks_a_users_rule_with_the_public_tools() -> None:
    """docs/testing.md names every public strategy and the state machine, and its code
    (run above) checks a rule of the user's own with `charters`, `profiles` and a
    `NetworkMachine` given a rule of its own."""
    page = ROOT / "docs" / "testing.md"
    text = page.read_text(encoding="utf-8")
    code = ast.parse("\n".join(block.code for block in python_blocks(page)))
    strategies = [
        name
        for name, value in vars(peernet.testing.strategies).items()
        if inspect.isfunction(value)
        and value.__module__ == peernet.testing.strategies.__name__
        and not name.startswith("_")
    ]
    called = {
        node.func.id
        for node in ast.walk(code)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    classes = {
        node.name: ({b.id for b in node.bases if isinstance(b, ast.Name)}, node)
        for node in ast.walk(code)
        if isinstance(node, ast.ClassDef)
    }
    own_rules = [name for name, (bases, _) in classes.items() if "RuleViolation" in bases]
    machines_with_a_rule = [
        name
        for name, (bases, node) in classes.items()
        if "NetworkMachine" in bases
        and any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "rule"
            for f in node.body
            if isinstance(f, ast.FunctionDef)
            for d in f.decorator_list
        )
    ]

    assert [] == [name for name in strategies if f"`{name}()`" not in text]
    assert [] == [name for name in ("`NetworkMachine`", "`network_machine(") if name not in text]
    assert {"charters", "profiles"} <= called
    assert own_rules
    assert machines_with_a_rule
