"""A PostgreSQL store that cannot be opened says why, at once: the driver missing, the
connection refused, an unknown host, role or database; and a server that goes away
mid-use is one line, not a driver's traceback."""

import subprocess
import sys
import time

import psycopg
import pytest
from click.testing import CliRunner

from peernet import FormGroup, Network, StoreUnavailable
from peernet.adapters.opening import postgres_cause
from peernet.cli import cli
from peernet.testing import T0

SERVER = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def _server(pg_url: str) -> None:
    """These tests need the server (for the cases it answers), marked `postgres`."""


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        pytest.param(
            "postgresql://postgres@127.0.0.1:5999/test",
            "nothing accepts connections at 127.0.0.1:5999",
            id="refused",
        ),
        pytest.param(
            "postgresql://no_such_role@127.0.0.1:5432/test",
            "has no role 'no_such_role'",
            id="unknown role",
        ),
        pytest.param(
            "postgresql://postgres@127.0.0.1:5432/no_such_database",
            "has no database 'no_such_database'",
            id="unknown database",
        ),
        pytest.param(
            "postgresql://postgres@no-such-host.invalid:5432/test",
            "unknown host 'no-such-host.invalid'",
            id="unknown host",
        ),
    ],
)
def test_a_store_that_cannot_be_reached_names_the_cause(url: str, cause: str) -> None:
    """StoreUnavailable says what is wrong, in the server's words turned into ours."""
    with pytest.raises(StoreUnavailable) as refused:
        Network(url)

    assert cause in str(refused.value)
    assert 1 == len(str(refused.value).splitlines())


def test_the_cause_is_named_within_two_seconds() -> None:
    """A refused connection is named at once, not after the pool's connect timeout."""
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        Network("postgresql://postgres@127.0.0.1:5999/test")

    assert time.monotonic() - started < 2


def test_the_command_line_says_the_cause_in_one_line() -> None:
    """exit 2 and one line naming the missing database."""
    result = CliRunner().invoke(cli, ["groups", "--db", f"{SERVER.rsplit('/', 1)[0]}/nope"])

    assert 2 == result.exit_code
    (line,) = result.stderr.splitlines()
    assert "has no database 'nope'" in line


def test_without_the_driver_the_store_says_which_extra_to_install() -> None:
    """psycopg missing (the `postgres` extra not installed): install peernet[postgres]."""
    script = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from peernet import Network, StoreUnavailable\n"
        "try:\n"
        f"    Network({SERVER!r})\n"
        "except StoreUnavailable as error:\n"
        "    print(error)\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )

    assert "pip install 'peernet[postgres]'" in done.stdout, done.stderr


def test_a_store_gone_mid_use_is_one_line(pg_url: str) -> None:
    """Its schema dropped while the network is open (its connections kept), the store's
    next use is StoreUnavailable, one line, and nothing is recorded."""
    network = Network(pg_url)
    network.execute(FormGroup(name="HTG 1", actor="office", at=T0))
    schema = pg_url.rpartition("schema=")[2]
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="test", autocommit=True) as db:
        db.execute(f'DROP SCHEMA "{schema}" CASCADE')
        db.execute(f'CREATE SCHEMA "{schema}"')

    with pytest.raises(StoreUnavailable) as refused:
        network.execute(FormGroup(name="HTG 2", actor="office", at=T0))

    assert 1 == len(str(refused.value).splitlines())
    network.close()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("connection failed: FATAL:  password authentication failed for user", "password"),
        ("connection timeout expired", "no answer from h:1 in time"),
        ("something else\nand more", "something else"),
    ],
)
def test_other_driver_messages_are_put_in_a_few_words(said: str, expected: str) -> None:
    """A refused password and a timeout are named; anything else is its first line."""
    assert expected in postgres_cause(said, "h", "1", "u", "d")
