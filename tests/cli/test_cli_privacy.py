"""End-to-end tests of `peernet forget` and `peernet key new` on a small encrypted
SQLite store."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from peernet import Network, RegisterCompany, is_forgotten
from peernet.adapters.keys import new_key
from peernet.cli import cli
from peernet.testing import profile

AT = datetime(2009, 1, 5, tzinfo=UTC)


def run(*args: str, key: str | None = None, given: str | None = None) -> Result:
    env = {"PEERNET_KEY": key} if key else {"PEERNET_KEY": ""}
    return CliRunner().invoke(cli, list(args), env=env, input=given)


@pytest.fixture
def key() -> str:
    return new_key()


@pytest.fixture
def url(tmp_path: Path, key: str) -> str:
    """A store holding one company, Acme, registered with `key`."""
    found = f"sqlite:///{tmp_path / 'n.db'}"
    network = Network(found, key=key)
    network.execute(RegisterCompany(profile=profile("Acme"), actor="office", at=AT))
    network.close()
    return found


def acme_name(url: str, key: str) -> str:
    network = Network(url, key=key)
    try:
        return network.companies()[0].name
    finally:
        network.close()


def test_forget_with_yes_destroys_the_key_and_says_so(url: str, key: str) -> None:
    """Exit 0; the company then reads as forgotten."""
    result = run("forget", "Acme", "--yes", "--db", url, key=key)

    assert 0 == result.exit_code, result.output
    assert "its key is destroyed" in result.stdout
    assert is_forgotten(acme_name(url, key))


def test_forget_asks_first_and_a_no_forgets_nothing(url: str, key: str) -> None:
    """Answering no leaves the company as it was."""
    result = run("forget", "Acme", "--db", url, key=key, given="n\n")

    assert 0 == result.exit_code, result.output
    assert "nothing was forgotten" in result.stdout
    assert "Acme" == acme_name(url, key)


def test_forget_on_a_store_without_encryption_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """No key: refused, saying the store is not encrypted."""
    plain = f"sqlite:///{tmp_path / 'plain.db'}"
    network = Network(plain)
    network.execute(RegisterCompany(profile=profile("Acme"), actor="office", at=AT))
    network.close()

    result = run("forget", "Acme", "--yes", "--db", plain)

    assert 2 == result.exit_code
    assert 1 == len(result.stderr.splitlines())
    assert "not encrypted" in result.stderr


def test_a_wrong_or_missing_key_is_one_line_and_exit_2(url: str) -> None:
    """Reading an encrypted store with another key, or none, fails with one line."""
    wrong = run("companies", "--db", url, key=new_key())
    missing = run("companies", "--db", url)

    assert (2, 2) == (wrong.exit_code, missing.exit_code)
    assert "does not open store" in wrong.stderr
    assert "PEERNET_KEY" in missing.stderr
    assert [1, 1] == [len(wrong.stderr.splitlines()), len(missing.stderr.splitlines())]


def test_key_new_prints_a_usable_key(tmp_path: Path) -> None:
    """The printed key opens a new store."""
    result = run("key", "new")

    assert 0 == result.exit_code
    Network(f"sqlite:///{tmp_path / 'k.db'}", key=result.stdout.strip()).close()


def test_forget_checks_encryption_before_it_asks(tmp_path: Path) -> None:
    """On a store kept in the clear: refused at once, exit 2, no question asked."""
    plain = f"sqlite:///{tmp_path / 'plain.db'}"
    network = Network(plain)
    network.execute(RegisterCompany(profile=profile("Acme"), actor="office", at=AT))
    network.close()

    result = run("forget", "Acme", "--db", plain, given="")

    assert (2, "") == (result.exit_code, result.stdout)
    assert "not encrypted" in result.stderr


def test_forgetting_a_forgotten_company_says_so_in_one_line(url: str, key: str) -> None:
    """By id, the second forget answers that it was forgotten already, exit 0."""
    company_id = str(Network(url, key=key).companies()[0].company_id)
    run("forget", company_id, "--yes", "--db", url, key=key)

    again = run("forget", company_id, "--yes", "--db", url, key=key)

    assert 0 == again.exit_code, again.output
    assert [f"company {company_id} was forgotten already; nothing to do"] == (
        again.stdout.splitlines()
    )


def test_a_forgotten_name_cannot_be_found_and_the_error_says_why(url: str, key: str) -> None:
    """By its old name: one line, exit 2, pointing to the id."""
    run("forget", "Acme", "--yes", "--db", url, key=key)

    again = run("forget", "Acme", "--yes", "--db", url, key=key)

    assert 2 == again.exit_code
    assert 1 == len(again.stderr.splitlines())
    assert "name it by id" in again.stderr


def test_key_rotate_rewraps_under_the_new_key_and_a_rerun_says_it_is_done(
    url: str, key: str, tmp_path: Path
) -> None:
    """The new key comes from a file; afterwards only it opens the store; running the
    command again changes nothing and says so."""
    new = new_key()
    new_file = tmp_path / "new.key"
    new_file.write_text(new + "\n")

    first = run("key", "rotate", "--db", url, "--new-key-file", str(new_file), key=key)
    again = run("key", "rotate", "--db", url, "--new-key-file", str(new_file), key=key)

    assert 0 == first.exit_code, first.output
    assert "rewrapped 2 key rows" in first.stdout
    assert "Acme" == acme_name(url, new)
    assert 0 == again.exit_code, again.output
    assert "sealed under the new key already" in again.stdout
    assert 2 == run("companies", "--db", url, key=key).exit_code


def test_key_rotate_without_a_new_key_is_one_line_and_exit_2(url: str, key: str) -> None:
    """No --new-key-file and no PEERNET_NEW_KEY: it says how to name one."""
    result = run("key", "rotate", "--db", url, key=key)

    assert 2 == result.exit_code
    assert "PEERNET_NEW_KEY" in result.stderr
