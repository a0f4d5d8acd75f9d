"""The domain stays pure: the standard library, attrs and its siblings, and no clock or dice."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import peernet.domain

DOMAIN = Path(peernet.domain.__file__).parent
MODULES = sorted(DOMAIN.rglob("*.py"))

#: top-level packages a domain module may import besides the standard library
ALLOWED_PACKAGES = {"attrs"}
#: standard-library modules that bring the clock or randomness into a decision
IMPURE_MODULES = {"random", "time", "secrets"}
#: calls that read the clock or draw random ids
IMPURE_CALLS = {"now", "today", "utcnow", "time", "uuid1", "uuid4"}


def imported_modules(tree: ast.Module) -> list[str]:
    """Every absolute module name a module imports; relative imports stay in the package."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.append("peernet.domain")
            elif node.module:
                names.append(node.module)
    return names


def foreign_imports(source: str) -> list[str]:
    """Imports from outside the standard library, attrs and peernet.domain."""
    return [
        name
        for name in imported_modules(ast.parse(source))
        if not (
            name.split(".")[0] in sys.stdlib_module_names
            or name.split(".")[0] in ALLOWED_PACKAGES
            or name == "peernet.domain"
            or name.startswith("peernet.domain.")
        )
    ]


def impure_imports(source: str) -> list[str]:
    """Imports of modules that read the clock or draw random numbers."""
    return [
        name for name in imported_modules(ast.parse(source)) if name.split(".")[0] in IMPURE_MODULES
    ]


def impure_calls(source: str) -> list[str]:
    """Calls that read the clock or draw random ids (`datetime.now()`, `uuid4()`...)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in IMPURE_CALLS:
            found.append(f"{name}() at line {node.lineno}")
    return found


def test_the_domain_package_holds_the_aggregates() -> None:
    """The checks below read the real domain modules, not an empty folder."""
    expected = {
        "charters",
        "common",
        "companies",
        "groups",
        "memberships",
        "network",
        "seats",
        "situation",
    }

    assert expected <= {module.stem for module in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.stem)
def test_a_domain_module_imports_only_the_standard_library_attrs_and_the_domain(
    module: Path,
) -> None:
    """No eventsourcing, cattrs, orjson, sqlite3... only stdlib, attrs and peernet.domain."""
    assert [] == foreign_imports(module.read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.stem)
def test_a_domain_module_imports_no_clock_or_randomness(module: Path) -> None:
    """No random, time or secrets: decisions take their time from the command."""
    assert [] == impure_imports(module.read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.stem)
def test_a_domain_module_never_reads_the_clock_or_draws_an_id(module: Path) -> None:
    """No .now(), .today() or uuid4() call: uuid4 is only a field's default factory."""
    assert [] == impure_calls(module.read_text(encoding="utf-8"))


def test_the_import_check_catches_a_foreign_import() -> None:
    """The checker itself reports an adapter import and accepts stdlib, attrs and siblings."""
    source = (
        "import json\nimport attrs\nfrom . import common\nfrom peernet.domain import groups\n"
        "import eventsourcing.persistence\nfrom cattrs import Converter\n"
        "from peernet.adapters import codec\n"
    )

    assert ["eventsourcing.persistence", "cattrs", "peernet.adapters"] == foreign_imports(source)


def test_the_purity_check_catches_the_clock_and_randomness() -> None:
    """The checker itself reports random/time imports and now()/today()/uuid4() calls."""
    source = (
        "import random\nfrom time import monotonic\nfrom datetime import datetime, date\n"
        "from uuid import uuid4\n"
        "a = datetime.now()\nb = date.today()\nc = uuid4()\nd = attrs.field(factory=uuid4)\n"
    )

    assert (["random", "time"], ["now() at line 5", "today() at line 6", "uuid4() at line 7"]) == (
        impure_imports(source),
        impure_calls(source),
    )


def test_the_command_line_and_facade_load_without_the_postgres_extra() -> None:
    """`pip install .` brings no psycopg: nothing but a PostgreSQL store may need it."""
    script = (
        "import sys; sys.modules['psycopg'] = None; "
        "import peernet, peernet.cli, peernet.adapters.readmodels; "
        "from peernet.adapters.readmodels import ReadModels; "
        "network = peernet.Network('memory://'); ReadModels(network).catch_up(); print('ok')"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )

    assert "ok" == done.stdout.strip(), done.stderr
