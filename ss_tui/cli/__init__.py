"""The ``ss-tui`` command. Each group lives in its own module; the TUI is imported
lazily so headless commands never load Textual. Every command runs inside the error
boundary (``cli/boundary.py``): no traceback on the terminal, one exit-code table."""

from __future__ import annotations

import click

from ss_tui import __version__
from ss_tui.cli import connect as connect_cli
from ss_tui.cli import db as db_cli
from ss_tui.cli import discovery as discovery_cli
from ss_tui.cli import errors as errors_cli
from ss_tui.cli import importing as importing_cli
from ss_tui.cli import jobs as jobs_cli
from ss_tui.cli import plans as plans_cli
from ss_tui.cli import projects as projects_cli
from ss_tui.cli import runs as runs_cli
from ss_tui.cli import simulator as simulator_cli
from ss_tui.cli import tui as tui_cli
from ss_tui.cli.boundary import VERBOSE_KEY, GuardedGroup


@click.group(cls=GuardedGroup)
@click.version_option(__version__, prog_name="ss-tui")
@click.option(
    "-v", "--verbose", is_flag=True,
    help="Log at DEBUG: the log file keeps every failure's full details (tracebacks).",
)
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Import Session Studio songs into Jovie's discography database."""
    from ss_tui.config import load_settings
    from ss_tui.logs import configure_logging
    from ss_tui.sessionstudio.redaction import install_log_redaction

    ctx.meta[VERBOSE_KEY] = verbose
    # The dashboard owns the terminal: there, nothing may fall back to printing on it.
    full_screen = ctx.invoked_subcommand in ("tui", "demo")
    configure_logging(load_settings(), verbose=verbose, terminal_fallback=not full_screen)
    install_log_redaction()  # no log record can carry a token


for module in (db_cli, simulator_cli, connect_cli, importing_cli, errors_cli, runs_cli,
               projects_cli, plans_cli, jobs_cli, tui_cli, discovery_cli):
    module.register(cli)


def main() -> None:
    from ss_tui.heap import own_the_process

    own_the_process()  # one command, then the process ends: its start-up heap may be frozen
    cli(prog_name="ss-tui")
