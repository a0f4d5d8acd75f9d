"""The shape of the source tree holds: the layer contracts (import-linter, configured in
pyproject.toml), no import cycle between any two modules, no private name imported from
another module, and rooms small enough to read in one sitting."""

import ast
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import peernet

SRC = Path(peernet.__file__).parent.parent
MODULES = {
    ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__"): path
    for path in sorted((SRC / "peernet").rglob("*.py"))
}
#: a file past this many lines is a room doing two jobs
MOST_LINES = 600
#: each part of the facade reads in one sitting
MOST_LINES_OF_A_FACADE_PART = 400


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, those under `if TYPE_CHECKING:` left out."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            for other in node.orelse:
                yield from _imports(other)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def _owner(name: str) -> str | None:
    """The peernet module a dotted name lives in (the name itself, or its parent)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, source: str) -> tuple[set[str], list[str]]:
    """The peernet modules `module` imports, and the private names it imports from others."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    private: list[str] = []
    for node in _imports(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {o for a in node.names if (o := _owner(a.name)) and o != module}
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        if not base.startswith("peernet"):
            continue
        for alias in node.names:
            full = f"{base}.{alias.name}"
            owner = full if full in MODULES else _owner(base)
            if owner and owner != module:
                found.add(owner)
            if (
                alias.name.startswith("_")
                and not alias.name.startswith("__")
                and full not in MODULES
            ):
                private.append(f"{module} imports {base}.{alias.name}")
    return found, private


def graph() -> tuple[dict[str, set[str]], list[str]]:
    edges: dict[str, set[str]] = {}
    private: list[str] = []
    for module, path in MODULES.items():
        edges[module], found = imports_of(module, path.read_text(encoding="utf-8"))
        private += found
    return edges, private


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_source_tree_is_read_whole() -> None:
    """The checks below see every package (they cannot pass on an empty tree)."""
    packages = {"peernet.domain.decisions", "peernet.application", "peernet.cli", "peernet.demo"}
    assert packages <= set(MODULES)


def test_no_two_modules_import_each_other_even_through_others() -> None:
    """No import cycle between any modules of src/ (imports for type checking aside)."""
    assert [] == cycles(graph()[0])


def test_no_module_imports_a_private_name_of_another() -> None:
    """`from peernet.x import _name` would tie a module to another's insides."""
    assert [] == graph()[1]


def test_the_checks_catch_a_cycle_and_a_private_name() -> None:
    """The checkers themselves report a two-module cycle and a private import."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    found, private = imports_of(
        "peernet.cli.app", "from peernet.cli.options import _hidden\nimport peernet.domain\n"
    )

    assert [["a", "b", "c"]] == cycles(edges)
    assert ({"peernet.cli.options", "peernet.domain"}, 1) == (found, len(private))


@pytest.mark.parametrize("module", sorted(MODULES), ids=str)
def test_no_file_is_a_room_doing_two_jobs(module: str) -> None:
    """No file under src/ is longer than 600 lines; no part of the facade than 400."""
    most = MOST_LINES_OF_A_FACADE_PART if module.startswith("peernet.application") else MOST_LINES
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())

    assert lines <= most, f"{module} has {lines} lines"


@pytest.mark.skipif(shutil.which("lint-imports") is None, reason="import-linter is not installed")
def test_the_layer_contracts_are_kept() -> None:
    """import-linter's contracts in pyproject.toml: entry points, facade, adapters, core."""
    done = subprocess.run(
        ["lint-imports", "--no-cache"],
        cwd=SRC.parent,
        capture_output=True,
        text=True,
        check=False,
    )

    assert 0 == done.returncode, done.stdout[-2000:]
