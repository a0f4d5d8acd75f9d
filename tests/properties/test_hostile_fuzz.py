"""A small hostile-input fuzzer: Hypothesis over the stored rows of a real SQLite store
and over the arguments of every command. The law, for every command and whatever the
store or the arguments hold: exit 0, 1 or 2; one line on stderr when not 0 (none when 0,
but for an export's summary when the history itself went to stdout);
the stored events as they were.

The normal run tries a few dozen examples of each (a few seconds); the "hostile"
Hypothesis profile tries thousands: ``HYPOTHESIS_PROFILE=hostile python -m pytest
tests/properties/test_hostile_fuzz.py``. What the fuzzer found is listed in CHANGELOG.md.
"""

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import click
import orjson
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, note, settings, strategies as st

from peernet.application import replica
from peernet.cli import cli
from peernet.testing.tampering import Intruder

#: examples per fuzzer in the normal run; the "hostile" profile's own count otherwise
_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
BUDGET = (
    settings(suppress_health_check=_CHECKS)
    if os.environ.get("HYPOTHESIS_PROFILE") == "hostile"
    else settings(max_examples=30, suppress_health_check=_CHECKS)
)

READS: list[tuple[str, ...]] = [
    ("groups",),
    ("groups", "--json"),
    ("roster", "HTG 1"),
    ("roster", "HTG 1", "--as-of", "2001-12-31"),
    ("companies",),
    ("goals", "HTG 1"),
    ("motions", "HTG 1"),
    ("meetings", "HTG 1"),
    ("turnover",),
    ("turnover", "--explain", "--json"),
    ("report",),
    ("projections", "status"),
    ("audit", "trail", "--group", "HTG 1"),
    ("audit", "verify"),
    ("audit", "verify", "--json"),
    ("projections", "rebuild"),
    ("demo", "--years", "1"),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One year of the demo in a SQLite file, built once; each example copies it."""
    path = tmp_path_factory.mktemp("fuzz") / "template.db"
    result = CliRunner().invoke(cli, ["demo", "--db", f"sqlite:///{path}", "--years", "1"])
    assert 0 == result.exit_code, result.output
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("examples")


@pytest.fixture
def fresh(template: Path, workdir: Path) -> Any:
    """A function giving a fresh copy of the template store for each example."""

    def copy() -> Path:
        path = workdir / "store.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copy(template, path)
        return path

    return copy


def events_of(path: Path) -> str:
    """A digest of every stored event, as the table holds it."""
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT rowid, * FROM stored_events ORDER BY rowid").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def exported_to_stdout(args: list[str], stdout: str) -> bool:
    """Whether an export wrote the history itself on stdout: its one summary line then
    goes to stderr, even on success."""
    return args[:1] == ["export"] and stdout.startswith('{"peernet":"export"')


def holds_the_law(args: list[str], path: Path, given_input: str = "n\n") -> None:
    """Run one command on the store at `path`: the law of the module holds."""
    before = events_of(path)

    result = CliRunner().invoke(cli, args, input=given_input)

    lines = result.stderr.splitlines()
    assert result.exit_code in (0, 1, 2), (args, result.output, result.exception)
    said = 0 if result.exit_code == 0 and not exported_to_stdout(args, result.stdout) else 1
    assert said == len(lines), (args, result.stderr)
    assert not result.stderr.startswith("peernet: error: unexpected "), result.stderr
    assert before == events_of(path), args


# --- corrupting stored rows ----------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def flip_bytes(state: bytes, data: st.DataObject) -> bytes:
    changed = bytearray(state)
    for _ in range(data.draw(st.integers(1, 4), label="bytes flipped")):
        at = data.draw(st.integers(0, len(changed) - 1), label="at")
        changed[at] ^= data.draw(st.integers(1, 255), label="xor")
    return bytes(changed)


def change_a_value(state: bytes, data: st.DataObject) -> bytes:
    """Replace one value of the stored JSON (envelope or event) by any JSON value."""
    envelope = orjson.loads(state)
    event = envelope["event"]
    where = data.draw(st.sampled_from(["envelope", "event"]), label="where")
    target = envelope if where == "envelope" else event
    key = data.draw(st.sampled_from(sorted(target)), label="key")
    target[key] = data.draw(JSON, label="value")
    return orjson.dumps(envelope)


@st.composite
def corruptions(draw: st.DrawFn) -> tuple[str, Any]:
    """What to do to one row: its bytes, its JSON, its topic, version or stream id."""
    kind = draw(
        st.sampled_from(
            [
                "flip bytes",
                "random bytes",
                "random JSON",
                "change a value",
                "topic",
                "version",
                "stream id",
                "delete",
            ]
        )
    )
    if kind == "random bytes":
        return kind, draw(st.binary(max_size=64))
    if kind == "random JSON":
        return kind, orjson.dumps(draw(JSON))
    if kind == "topic":
        return kind, draw(
            st.sampled_from(["peernet.MemberJoined", "peernet.GroupFormed", "peernet.Nope", ""])
            | st.text(max_size=30)
        )
    if kind == "version":
        return kind, draw(st.integers(-(2**63), 2**63 - 1))
    if kind == "stream id":
        return kind, draw(st.text(max_size=40) | st.uuids().map(lambda u: u.hex))
    return kind, None


def corrupt(path: Path, data: st.DataObject) -> str:
    """Make one row of the store hostile; what was done, in words."""
    hand = Intruder(f"sqlite:///{path}")
    rows = hand.rows()
    row = rows[data.draw(st.integers(0, len(rows) - 1), label="row")]
    kind, value = data.draw(corruptions(), label="corruption")
    try:
        if kind == "flip bytes":
            hand.change(row.position, lambda state: flip_bytes(state, data))
        elif kind == "change a value":
            hand.change(row.position, lambda state: change_a_value(state, data))
        elif kind in ("random bytes", "random JSON"):
            hand.set(row.position, "state", value)
        elif kind == "topic":
            hand.set(row.position, "topic", value)
        elif kind == "version":
            hand.set(row.position, "originator_version", value)
        elif kind == "stream id":
            hand.set(row.position, "originator_id", value)
        else:
            hand.delete(row.position)
    except sqlite3.IntegrityError:
        pass  # the table's own key refused it: the store stays as it was
    return f"{kind} at {row.position} ({row.topic})"


@BUDGET
@given(st.data(), st.sampled_from(READS), st.booleans())
def test_every_command_holds_the_law_on_a_store_with_a_hostile_row(
    fresh: Any, data: st.DataObject, command: tuple[str, ...], large: bool
) -> None:
    """Whatever was done to one row, a command exits 0, 1 or 2 with at most one line on
    stderr, and leaves the stored events as they were; read as a small store (every
    event folded) or as a large one (only those that name streams read up front)."""
    path = fresh()
    note(corrupt(path, data))
    kept = replica._TAIL_LIMIT
    replica._TAIL_LIMIT = 0 if large else kept
    try:
        holds_the_law([*command, "--db", f"sqlite:///{path}"], path)
    finally:
        replica._TAIL_LIMIT = kept


# --- hostile arguments ----------------------------------------------------------------------


def commands(
    group: click.Group = cli, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command of the command line, by the words that call it."""
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


WORDS = st.sampled_from(
    [
        "HTG 1",
        "HTG 99",
        "Acme",
        "2001-12-31",
        "2001-13-45",
        "9999-12-31",
        "0001-01-01",
        "2009Q4",
        "20",
        "-1",
        "0",
        "1e9",
        "",
        " ",
        "--",
        "-",
        "auditor:x",
        "member:Acme",
        "member:",
        "ffffffff",
        "00000000-0000-0000-0000-000000000000",
        "x" * 200,
        "é\u200b",
        "sqlite:///",
        "memory://",
        "postgresql://x@127.0.0.1:1/none",
    ]
) | st.text(max_size=12)


@st.composite
def arguments(draw: st.DrawFn, store: str) -> list[str]:
    """A command and arguments for it: its own options with any words as values,
    positional words, and the store (mostly the fuzzer's copy)."""
    words, command = draw(st.sampled_from(commands()))
    args = list(words)
    chosen = draw(st.lists(st.sampled_from(command.params), max_size=4)) if command.params else []
    for option in chosen:
        if isinstance(option, click.Option):
            args.append(draw(st.sampled_from(option.opts)))
            if not option.is_flag:
                args.append(draw(WORDS))
        else:
            args.append(draw(WORDS))
    if draw(st.booleans()):
        args.append(draw(WORDS))
    if "demo" in words:
        args += ["--years", "1"]  # the demo's story is the template's: nothing new
    args += [
        "--db",
        draw(st.just(store) | WORDS.filter(lambda w: w.startswith(("sqlite", "memory")))),
    ]
    return args


@BUDGET
@given(st.data())
def test_every_command_holds_the_law_on_any_arguments(fresh: Any, data: st.DataObject) -> None:
    """Whatever arguments a command is given, it exits 0, 1 or 2 with at most one line
    on stderr, and leaves the stored events as they were."""
    path = fresh()
    args = data.draw(arguments(f"sqlite:///{path}"), label="arguments")
    args = [arg for arg in args if arg != "--fresh"]  # deleting the store is its job

    holds_the_law(args, path)
