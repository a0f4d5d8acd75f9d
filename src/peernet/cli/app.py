"""The root of the `peernet` command line: the `cli` group, its error handling and the
console script `main`. This is the one module that knows every area of the command line:
it names each area's commands in `COMMANDS`; no area module imports it.

An area's module is imported only when one of its commands runs (click's lazy group, as
click's documentation shows it): `peernet audit trail` never pays for the report's charts
or the demo's simulation, and starts printing sooner. `peernet --help` imports them all,
to list every command with its own short help.
"""

import contextlib
import errno
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from peernet import PeerNetError, RuleViolation
from peernet.adapters.storage import driver_failure
from peernet.cli.options import EXIT_BAD_INPUT, EXIT_BUG, EXIT_INTERRUPTED, EXIT_REFUSED, fail

#: every command of the root group by its name: the module and the name it is defined
#: under, imported when the command is first asked for
COMMANDS: dict[str, str] = {
    # the directory
    "groups": "peernet.cli.directory:groups",
    "roster": "peernet.cli.directory:roster",
    "companies": "peernet.cli.directory:companies",
    "company": "peernet.cli.directory:company",
    # accountability
    "goals": "peernet.cli.accountability:goals",
    "motions": "peernet.cli.accountability:motions",
    "motion": "peernet.cli.accountability:motion",
    # meetings and money
    "meetings": "peernet.cli.meetings:meetings",
    "meeting": "peernet.cli.meetings:meeting",
    "account": "peernet.cli.meetings:account",
    # financials
    "financials": "peernet.cli.financials:financials",
    "benchmarks": "peernet.cli.financials:benchmarks",
    # reports and the read models they are read from
    "turnover": "peernet.cli.reports:turnover_command",
    "report": "peernet.cli.reports:report",
    "projections": "peernet.cli.projections:projections",
    # the audit
    "audit": "peernet.cli.audit:audit",
    "history": "peernet.cli.audit:history",
    # a history to a file and back
    "export": "peernet.cli.archive:export_command",
    "import": "peernet.cli.archive:import_command",
    # privacy
    "forget": "peernet.cli.privacy:forget",
    "key": "peernet.cli.privacy:key",
    # the demo
    "demo": "peernet.cli.demo:demo",
    # the network's own bodies
    "committee": "peernet.cli.bodies:committee",
    "resolutions": "peernet.cli.bodies:resolutions",
    "vendors": "peernet.cli.bodies:vendors",
    "vendor": "peernet.cli.bodies:vendor",
    "people": "peernet.cli.bodies:people",
    "programme": "peernet.cli.bodies:programme",
    # the partner economy
    "deals": "peernet.cli.deals:deals_command",
    "deal": "peernet.cli.deals:deal_command",
    "referrals": "peernet.cli.deals:referrals_command",
    "partners": "peernet.cli.p2p:partners_command",
    "scorecard": "peernet.cli.p2p:scorecard_command",
    "p2p": "peernet.cli.p2p:p2p_command",
    "competitions": "peernet.cli.deals:competitions_command",
    "awards": "peernet.cli.deals:awards_command",
}


class PeerNetGroup(click.Group):
    """A click group whose every failure is one line on stderr and a documented exit code,
    and whose commands (`COMMANDS`) are imported when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command named, its module imported now (once: Python keeps it). It is not
        added to `commands`, which keeps only the commands added by hand: a reader of
        that dict (mkdocs-click) then asks `list_commands` for them all."""
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, name = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command), COMMANDS[cmd_name]
        return command

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(
                args, prog_name or "peernet", complete_var, standalone_mode=False, **extra
            )
        except click.exceptions.NoArgsIsHelpError as error:
            if error.ctx is not None:  # a bare `peernet`: its help, as --help prints it
                click.echo(error.ctx.get_help())
            sys.exit(0)
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            fail(error.format_message() + hint, EXIT_BAD_INPUT)
        except click.ClickException as error:
            fail(error.format_message(), error.exit_code)
        except click.Abort:
            fail("interrupted", EXIT_INTERRUPTED)
        except RuleViolation as error:
            fail(f"refused ({error.rule}): {error}", EXIT_REFUSED)
        except PeerNetError as error:
            fail(str(error), EXIT_BAD_INPUT)
        except Exception as error:
            if os.environ.get("PEERNET_DEBUG"):
                raise
            if driver_failure(error):
                # A store failing where no part of peernet turned it into one line yet.
                fail(f"the store failed: {type(error).__name__}: {error}", EXIT_BAD_INPUT)
            fail(
                f"unexpected {type(error).__name__}: {error} (PEERNET_DEBUG=1 shows the traceback)",
                EXIT_BUG,
            )
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a reader who stopped reading (`peernet audit trail | head -1`)
        is no failure: what was left unwritten is dropped and the exit is 0."""
        try:
            return super().invoke(ctx)
        except OSError as error:
            if error.errno != errno.EPIPE:
                raise
            _drop_stdout()
            raise click.exceptions.Exit(0) from None


def _drop_stdout() -> None:
    """Point stdout at the null device, so the output still buffered is not flushed
    into a closed pipe at exit."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@click.group(cls=PeerNetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="peernet", prog_name="peernet")
@click.option("-v", "--verbose", is_flag=True, help="Log what peernet does to stderr.")
def cli(verbose: bool) -> None:
    """peernet: the record of a network of business peer groups.

    \b
    Exit codes: 0 done; 1 a rule refused; 2 bad input or usage;
    3 an unexpected failure (PEERNET_DEBUG=1 shows the traceback).
    """
    if verbose:
        said = logging.StreamHandler(sys.stderr)
        said.setFormatter(_WithFields("%(name)s: %(message)s"))
        logging.basicConfig(level=logging.INFO, handlers=[said])
        # a read command catches up with the log: say how many events that read, how fast
        logging.getLogger("peernet.application.replica").setLevel(logging.DEBUG)


#: what every log record holds; anything else on a record is a field peernet added
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class _WithFields(logging.Formatter):
    """A log line followed by the fields peernet put on it (`events=120, duration_ms=4.2`)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if not fields:
            return line
        return f"{line} ({', '.join(f'{k}={v}' for k, v in fields.items())})"


def main() -> None:
    """The `peernet` console script."""
    cli.main(prog_name="peernet")
