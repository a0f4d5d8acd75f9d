"""The network's bodies keep their rules for any sequence of commands, valid or not, on
a real `Network`: `peernet.testing.machine.BodiesMachine` draws them and checks every
rule after every step; once in memory, and once more on SQLite files."""

import tempfile
from pathlib import Path

from hypothesis import settings

from peernet.testing.machine import BodiesMachine

TestBodies = BodiesMachine.TestCase
TestBodies.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)

_FILES = Path(tempfile.mkdtemp(prefix="peernet-bodies-"))
_RUNS = iter(range(1_000_000))


def _fresh_sqlite() -> str:
    return f"sqlite:///{_FILES / f'run-{next(_RUNS)}.db'}"


class BodiesOnSQLite(BodiesMachine):
    store = staticmethod(_fresh_sqlite)


TestBodiesOnSQLite = BodiesOnSQLite.TestCase
TestBodiesOnSQLite.settings = settings(max_examples=10, stateful_step_count=25, deadline=None)
