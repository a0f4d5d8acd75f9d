"""The privacy commands of the `peernet` command line: `forget`, `key new` and
`key rotate`. They share the helpers of `peernet.cli.options`: one error line, the exit
codes, --db.

`forget COMPANY` checks that the store is encrypted, then asks before it destroys the
company's key (``--yes`` for scripts): it cannot be undone. On a store kept in the clear
it refuses, exit 2, saying why, before asking anything; a company forgotten already is
said so in one line, exit 0.

`key rotate` wraps every company's data key under a new master key, read from a file
(``--new-key-file``) or the ``PEERNET_NEW_KEY`` environment variable, never from the
command line, where other users of the machine could read it. The old key is the one
the store opens with (``PEERNET_KEY`` or ``?key_file=``). The rotation is one
transaction: interrupted, the store still opens with the old key, and running the command
again finishes it; run on a store already under the new key, it says so.
"""

import os
from datetime import UTC, datetime
from pathlib import Path

import click

from peernet import CompanyView, EncryptionOff, ForgetCompany, InvalidInput, Network, WrongKey
from peernet.adapters.keys import new_key
from peernet.adapters.storage import redact
from peernet.cli.options import (
    company_named,
    db_option,
    open_network,
    plural,
)
from peernet.domain.common import is_forgotten

NEW_KEY_ENV_VAR = "PEERNET_NEW_KEY"


def _forgettable(network: Network, key: str) -> CompanyView:
    """The company `key` names; a name that matches none may be a forgotten company's,
    which can no longer be matched: say so."""
    try:
        return company_named(network, key)
    except InvalidInput:
        forgotten = sum(1 for c in network.companies() if is_forgotten(c.name))
        if not forgotten:
            raise
        raise InvalidInput(
            f"no company {key!r}; a forgotten company's name can no longer be matched "
            f"({plural(forgotten, 'company', 'companies')} forgotten): name it by id"
        ) from None


@click.command()
@click.argument("company")
@db_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.option(
    "--by",
    "actor",
    default="operator",
    show_default=True,
    help="Who records the forgetting: a person or role of the network office, kept in the clear.",
)
def forget(company: str, url: str | None, yes: bool, actor: str) -> None:
    """Forget COMPANY (its id or name): destroy its encryption key, so that its name, its
    representatives, its people's names as actors, its free text and its financial
    figures can never be read again. Every count, rate, tally and the audit chain stay as
    they were. It cannot be undone. Copies made before (backups, a PostgreSQL server's
    write-ahead log) keep the sealed key until they expire: see docs/confidentiality.md."""
    network = open_network(url, create=False)
    found = _forgettable(network, company)
    if not network.encrypted:
        raise EncryptionOff(company_id=found.company_id)
    if is_forgotten(found.name):
        click.echo(f"company {found.company_id} was forgotten already; nothing to do")
        return
    if not yes and not click.confirm(
        f"Forget {found.name} ({found.company_id})? Its confidential data will be "
        "unreadable for good",
        default=False,
    ):
        click.echo("nothing was forgotten")
        return
    network.execute(ForgetCompany(company_id=found.company_id, actor=actor, at=datetime.now(UTC)))
    click.echo(f"forgot company {found.company_id}: its key is destroyed")


@click.group()
def key() -> None:
    """Encryption keys for confidential fields (see docs/confidentiality.md)."""


@key.command("new")
def key_new() -> None:
    """Print a new random master key, for PEERNET_KEY or a key file."""
    click.echo(new_key())


def _new_key(key_file: Path | None) -> str:
    if key_file is not None:
        try:
            return key_file.expanduser().read_text()
        except OSError as error:
            raise InvalidInput(
                f"cannot read the new key from {key_file}: {error.strerror or error}"
            ) from None
    found = os.environ.get(NEW_KEY_ENV_VAR, "").strip()
    if not found:
        raise InvalidInput(
            f"name the new master key: --new-key-file PATH, or {NEW_KEY_ENV_VAR} "
            "(`peernet key new` makes one)"
        )
    return found


@key.command("rotate")
@db_option
@click.option(
    "--new-key-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"A file holding the new master key (else ${NEW_KEY_ENV_VAR}).",
)
def key_rotate(url: str | None, new_key_file: Path | None) -> None:
    """Wrap every company's data key under a new master key; no event is touched.

    The store opens with its current key (PEERNET_KEY or ?key_file=); the new key comes
    from --new-key-file or PEERNET_NEW_KEY. One transaction: interrupted, the store opens
    with the old key and running this again finishes; afterwards it opens with the new
    key only.
    """
    new = _new_key(new_key_file)
    try:
        network = open_network(url, create=False)
    except WrongKey:
        if _opens_with(url, new):
            click.echo("the store is sealed under the new key already; nothing to do")
            return
        raise
    count = network.rotate_key(new)
    click.echo(
        f"rewrapped {plural(count, 'key row')} in {redact(network.url)} under the new master "
        "key: open it with the new key from now on"
    )


def _opens_with(url: str | None, key_text: str) -> bool:
    """Whether the store opens with `key_text` as its master key."""
    try:
        Network(url, key=key_text).close()
    except WrongKey:
        return False
    return True
