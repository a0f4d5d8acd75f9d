"""The documentation site (mkdocs.yml) is built, strictly, and checked as a reader finds it.

The site is built once for this module with `mkdocs build --strict` (about 10-20 s):
a broken link, anchor or cross-reference fails the build. The tests then read the
built pages: every internal link and anchor leads somewhere, the generated references
(errors, commands, the Python API) list everything the code has, and every page in
docs/ is in the navigation.
"""

import inspect
import os
import re
import runpy
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import click
import pytest
import yaml

from peernet import Network
from peernet.cli.app import cli
from peernet.domain import errors

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
#: the generator of the errors page (run by mkdocs-gen-files at build time)
GENERATOR = runpy.run_path(str(DOCS / "gen" / "errors.py"), run_name="errors")


class Page(HTMLParser):
    """A built page's links (href of every `a`), anchors (every `id`) and text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.anchors: set[str] = set()
        self.words: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.anchors.add(str(found["id"]))
        if tag == "a" and found.get("name"):
            self.anchors.add(str(found["name"]))
        if tag == "a" and found.get("href") is not None:
            self.links.append(str(found["href"]))

    def handle_data(self, data: str) -> None:
        self.words.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.words).split())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built strictly into a temporary folder, as CI builds it."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert 0 == build.returncode, build.stderr[-4000:]
    return out


def built(site: Path, page: str) -> Page:
    """A page of the built site by its source path in docs/ (`reference/errors.md`)."""
    html = site / page.removesuffix(".md").removesuffix("index") / "index.html"
    return Page(html.read_text(encoding="utf-8"))


def nav_pages(entries: Any) -> Iterator[str]:
    """Every page the `nav` of mkdocs.yml names, at any depth."""
    if isinstance(entries, str):
        yield entries
    elif isinstance(entries, list):
        for entry in entries:
            yield from nav_pages(entry)
    elif isinstance(entries, dict):
        for entry in entries.values():
            yield from nav_pages(entry)


def declared_errors() -> list[type[errors.PeerNetError]]:
    """Every error class declared in peernet's catalogues of refusals."""
    return [
        cls
        for module in GENERATOR["catalogues"]()
        for cls in vars(module).values()
        if isinstance(cls, type)
        and issubclass(cls, errors.PeerNetError)
        and cls.__module__ == module.__name__
    ]


def command_paths(group: click.Group, prefix: str) -> Iterator[str]:
    """`peernet`, `peernet audit`, `peernet audit trail`...: every command's path."""
    yield prefix
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            yield from command_paths(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}"


def test_every_page_in_docs_is_in_the_navigation() -> None:
    """A page added to docs/ must be given its place in mkdocs.yml's `nav`."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = set(nav_pages(config["nav"]))

    missing = [str(p.relative_to(DOCS)) for p in sorted(DOCS.rglob("*.md"))]

    assert [] == [page for page in missing if page not in listed]


def test_the_navigation_names_only_pages_that_exist_or_are_generated() -> None:
    """Every page of `nav` is a file in docs/ or the page the errors generator writes."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))

    unknown = [
        page
        for page in nav_pages(config["nav"])
        if not (DOCS / page).exists() and page != GENERATOR["PATH"]
    ]

    assert [] == unknown


def test_the_errors_page_lists_every_error_with_its_rule_and_family() -> None:
    """The generated page has a row for each error: class, family, rule, message."""
    rows = {
        match["name"]: match["row"]
        for match in re.finditer(
            r"^\| \[?`(?:[\w.]+\.)?(?P<name>\w+)`.*?(?P<row>\|.*)$", GENERATOR["page"](), re.M
        )
    }

    wrong = [
        cls.__name__
        for cls in declared_errors()
        if cls.__name__ not in rows or f"`{cls.rule}`" not in rows[cls.__name__]
    ]

    assert [] == wrong


def test_the_errors_page_gives_each_refusal_its_family_and_exit_code() -> None:
    """A RuleViolation's row says exit 1, an InvalidInput's exit 2."""
    page = GENERATOR["page"]()

    rows = [
        line
        for line in page.splitlines()
        if f"`{errors.GroupAtCapacity.__name__}`]" in line
        or f"`{errors.UnknownGroup.__name__}`]" in line
    ]

    unknown, full = errors.UnknownGroup, errors.GroupAtCapacity
    assert [
        "| [`UnknownGroup`][peernet.UnknownGroup] | `InvalidInput`, exit 2 "
        f"| `{unknown.rule}` | ``{unknown.says}`` |",
        "| [`GroupAtCapacity`][peernet.GroupAtCapacity] | `RuleViolation`, exit 1 "
        f"| `{full.rule}` | ``{full.says}`` |",
    ] == rows


@pytest.mark.slow
def test_the_built_errors_page_shows_every_error(site: Path) -> None:
    """The errors page as built names every error class and its rule."""
    text = built(site, GENERATOR["PATH"]).text

    missing = [
        cls.__name__
        for cls in declared_errors()
        if cls.__name__ not in text or cls.rule not in text
    ]

    assert [] == missing


@pytest.mark.slow
def test_the_command_reference_shows_every_command(site: Path) -> None:
    """Every click command of `peernet`, nested ones too, has a section."""
    anchors = built(site, "reference/commands.md").anchors

    missing = [
        path for path in command_paths(cli, "peernet") if path.replace(" ", "-") not in anchors
    ]

    assert [] == missing


@pytest.mark.slow
def test_the_api_reference_shows_every_public_method_of_network(site: Path) -> None:
    """Network's methods, the ones it inherits from its parts included, each have a
    section in the `peernet` API page, with their docstring."""
    page = built(site, "reference/api/peernet.md")
    public = [name for name in dir(Network) if not name.startswith("_")]

    def shown(name: str) -> bool:
        doc = inspect.getdoc(getattr(Network, name)) or ""
        first = " ".join(doc.replace("`", "").split()[:4])
        return f"peernet.Network.{name}" in page.anchors and first in page.text

    assert [] == [name for name in public if not shown(name)]


@pytest.mark.slow
def test_no_page_of_the_site_has_a_broken_internal_link_or_anchor(site: Path) -> None:
    """Every relative link of every built page leads to a file, and its #anchor to an
    id on that page."""
    pages = {path: Page(path.read_text(encoding="utf-8")) for path in site.rglob("*.html")}
    broken = []
    for path, page in pages.items():
        if path.name == "404.html":  # served at any depth: its links start at the root
            continue
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            anchor = unquote(parts.fragment)
            if not target.exists() or (
                anchor and target in pages and anchor not in pages[target].anchors
            ):
                broken.append(f"{path.relative_to(site)}: {link}")

    assert [] == broken
