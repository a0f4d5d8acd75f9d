"""The root of the `peernet` command line: the `cli` group, its error handling and the
console script `main`. This is the one module that knows every area of the command line:
it imports each area's commands and adds them to the group; no area module imports it.
"""

import contextlib
import errno
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from peernet import PeerNetError, RuleViolation
from peernet.adapters.storage import driver_failure
from peernet.cli.accountability import goals, motion, motions
from peernet.cli.archive import export_command, import_command
from peernet.cli.audit import audit, history
from peernet.cli.bodies import committee, people, programme, resolutions, vendor, vendors
from peernet.cli.deals import (
    awards_command,
    competitions_command,
    deal_command,
    deals_command,
    referrals_command,
)
from peernet.cli.demo import demo
from peernet.cli.directory import companies, company, groups, roster
from peernet.cli.financials import benchmarks, financials
from peernet.cli.meetings import account, meeting, meetings
from peernet.cli.options import EXIT_BAD_INPUT, EXIT_BUG, EXIT_INTERRUPTED, EXIT_REFUSED, fail
from peernet.cli.p2p import p2p_command, partners_command, scorecard_command
from peernet.cli.privacy import forget, key
from peernet.cli.projections import projections
from peernet.cli.reports import report, turnover_command


class PeerNetGroup(click.Group):
    """A click group whose every failure is one line on stderr and a documented exit code."""

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


COMMANDS: tuple[click.Command, ...] = (
    # the directory
    groups,
    roster,
    companies,
    company,
    # accountability
    goals,
    motions,
    motion,
    # meetings and money
    meetings,
    meeting,
    account,
    # financials
    financials,
    benchmarks,
    # reports and the read models they are read from
    turnover_command,
    report,
    projections,
    # the audit
    audit,
    history,
    # a history to a file and back
    export_command,
    import_command,
    # privacy
    forget,
    key,
    # the demo
    demo,
    # the network's own bodies
    committee,
    resolutions,
    vendors,
    vendor,
    people,
    programme,
    # the partner economy
    deals_command,
    deal_command,
    referrals_command,
    partners_command,
    scorecard_command,
    p2p_command,
    competitions_command,
    awards_command,
)
for command in COMMANDS:
    cli.add_command(command)


def main() -> None:
    """The `peernet` console script."""
    cli.main(prog_name="peernet")
