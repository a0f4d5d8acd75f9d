"""The privacy commands of the `peernet` command line: `forget` and `key new`. They
share the helpers of `peernet.cli.options`: one error line, the exit codes, --db.

`forget COMPANY` asks before it destroys the company's key (``--yes`` for scripts): it
cannot be undone. It needs an encrypted store (``PEERNET_KEY`` or ``?key_file=PATH``);
on a store kept in the clear it refuses, exit 2, saying why.
"""

from datetime import UTC, datetime

import click

from peernet import ForgetCompany
from peernet.adapters.keys import new_key
from peernet.cli.options import (
    company_named,
    db_option,
    open_network,
)


@click.command()
@click.argument("company")
@db_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.option(
    "--by", "actor", default="operator", show_default=True, help="Who records the forgetting."
)
def forget(company: str, url: str | None, yes: bool, actor: str) -> None:
    """Forget COMPANY (its id or name): destroy its encryption key, so its name,
    representatives and financial figures can never be read again. Every count, rate,
    tally and the audit chain stay as they were. It cannot be undone."""
    network = open_network(url, create=False)
    found = company_named(network, company)
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
