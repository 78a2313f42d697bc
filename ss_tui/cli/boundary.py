"""The CLI's error boundary: every command runs inside it (README "When something goes
wrong"). A failure that escapes a command becomes its cause and next step in two or three
lines on stderr and the exit code of :mod:`ss_tui.failures`; the traceback goes to the log
file only (always for a bug, with ``-v`` for the rest)."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

import click

from ss_tui.failures import EXIT_CANCELLED, Failure, record
from ss_tui.logs import SHOWN

if TYPE_CHECKING:
    from collections.abc import Sequence

VERBOSE_KEY = "ss_tui.verbose"


class GuardedGroup(click.Group):
    """A click group whose subcommands' failures end as a short message and an exit code."""

    _argv: tuple[str, ...] = ()

    # click types main's extra parameters and both results Any; they pass through untouched.
    def main(self, args: Sequence[str] | None = None, *a: Any, **kw: Any) -> Any:
        self._argv = tuple(sys.argv[1:] if args is None else args)
        return super().main(args, *a, **kw)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.secho(
                "\nInterrupted. Nothing is half-written: run the same command again to continue.",
                fg="yellow",
                err=True,
            )
            ctx.exit(EXIT_CANCELLED)
        except Exception as exc:
            failure = record(
                exc,
                database_url=option_or_setting(self._argv, "--database-url", "database_url"),
                api_base_url=option_or_setting(self._argv, "--api-base-url", "api_base_url"),
                doing=" ".join(_command_words(self._argv)),
                logger=logging.getLogger(SHOWN),  # the log file's copy; stderr gets show()
            )
            show(failure, verbose=bool(ctx.meta.get(VERBOSE_KEY)))
            ctx.exit(failure.exit_code)


def show(failure: Failure, *, verbose: bool = False) -> None:
    """The failure on stderr: what is wrong, what to do, and where the details are."""
    from ss_tui.logs import current_log_file

    click.secho(failure.message, fg="red", err=True)
    if failure.next_step:
        click.echo(failure.next_step, err=True)
    log_file = current_log_file()
    if log_file is not None and (failure.internal or verbose):
        click.echo(f"Details: {log_file}", err=True)
    elif failure.internal:
        click.echo("Set SS_TUI_LOG_FILE to keep the details of failures.", err=True)


def option_or_setting(argv: tuple[str, ...], option: str, setting: str) -> str | None:
    """``--option VALUE`` / ``--option=VALUE`` from the command line, else the setting."""
    for i, arg in enumerate(argv):
        if arg == option and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    try:
        from ss_tui.config import load_settings

        return str(getattr(load_settings(), setting))
    except Exception:  # an invalid setting is the failure being reported
        return None


def _command_words(argv: tuple[str, ...]) -> list[str]:
    words: list[str] = []
    for arg in argv:
        if arg.startswith("-"):
            if words:
                break
            continue
        words.append(arg)
        if len(words) == 2:
            break
    return words
