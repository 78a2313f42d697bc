"""What every command that runs the engine shares: settings, database and service around a
body (``_run``), the progress bar fed by engine events, Ctrl-C as a cancel, the exit codes of
a run's status, and the common options. ``importing`` and ``plans`` both build on it."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import click

from ss_tui.config import load_settings
from ss_tui.failures import (
    EXIT_AUTH,
    EXIT_CANCELLED,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
)
from ss_tui.text import visible

if TYPE_CHECKING:
    from types import TracebackType

    from rich.console import Console
    from rich.progress import Progress, TaskID

    from ss_tui.config import Settings
    from ss_tui.engine.events import EngineEvent
    from ss_tui.engine.run import RunControl
    from ss_tui.engine.service import ImportService

STATUS_EXIT = {
    "succeeded": EXIT_OK,
    "partial": EXIT_PARTIAL,
    "failed": EXIT_FAILED,
    "cancelled": EXIT_CANCELLED,
}

url_option = click.option(
    "--database-url", default=None, metavar="URL", help="Database (default: SS_TUI_DATABASE_URL)."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


def _run(
    body: Callable[[ImportService, Settings], Awaitable[int]], database_url: str | None
) -> None:
    """Build settings + engine + service, run ``body(service, settings)``, exit with its code."""
    from ss_tui.db.engine import create_engine
    from ss_tui.discovery import discovery_step
    from ss_tui.engine.service import ImportService
    from ss_tui.heap import freeze_start_up
    from ss_tui.sessionstudio.errors import AuthError

    settings = load_settings(**({"database_url": database_url} if database_url else {}))

    async def main() -> int:
        # IMMEDIATE: apply transactions read then write; a second writer then waits its turn
        # (busy timeout) instead of failing on a lock upgrade.
        engine = create_engine(settings.database_url, sqlite_begin="IMMEDIATE")
        try:
            service = ImportService(settings, engine, discovery=discovery_step)
            freeze_start_up()  # full collections scan only what the run allocates (heap.py)
            return await body(service, settings)
        finally:
            await engine.dispose()

    try:  # database and network failures: the CLI's error boundary explains them
        code = asyncio.run(main())
    except (KeyError, IndexError):
        raise  # a bug, not an unknown id
    except LookupError as exc:
        from ss_tui.engine.service import NotConnected

        click.secho(str(exc.args[0] if exc.args else exc), fg="red", err=True)
        code = EXIT_AUTH if isinstance(exc, NotConnected) else EXIT_USAGE
    except AuthError as exc:
        click.secho(visible(f"{exc.message}\n{exc.suggested_action}"), fg="red", err=True)
        code = EXIT_AUTH
    sys.exit(code)


def _console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


class _Progress:
    """Events → a rich progress bar on a terminal (nothing otherwise)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.failures = 0
        self.importing = False
        self.description = "Fetching"
        self.waiting = ""  # " · waiting 20s: …" while Session Studio holds requests back

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=_console(),
                transient=False,
            )
            self.progress.__enter__()
            self.task = self.progress.add_task("Fetching", total=None)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.progress is not None:
            self.progress.__exit__(exc_type, exc, tb)

    async def __call__(self, event: EngineEvent) -> None:
        from ss_tui.engine import events as ev

        progress, task = self.progress, self.task
        if progress is None or task is None:
            return
        if isinstance(event, ev.ApiWaiting):  # a long wait shows as one, with its reason
            self.waiting = "" if event.reason == "resumed" else (
                f" · waiting {event.seconds:.0f}s: {WAIT_REASONS.get(event.reason, event.reason)}"
            )
            progress.update(task, description=self.description + self.waiting)
            return
        if isinstance(event, ev.FetchProgress):
            if not self.importing:
                self.description = f"Fetching ({event.fetched})"
                progress.update(task, description=self.description + self.waiting)
            else:  # the listing streams on while importing: the total grows with it
                total = progress.tasks[0].total or 0
                progress.update(task, total=max(total, event.total or event.fetched))
        elif isinstance(event, ev.RunStarted):
            self.importing, self.description = True, "Importing"
            progress.update(
                task, total=event.total_projects, completed=0,
                description=self.description + self.waiting,
            )
        elif isinstance(event, ev.ProjectFinished):
            progress.advance(task)
        elif isinstance(event, ev.ItemFailed):
            self.failures += 1
            self.description = f"Importing ({self.failures} errors)"
            progress.update(task, description=self.description + self.waiting)
        elif isinstance(event, ev.RateLimited) and event.paused_for_s and not self.waiting:
            pause = f" · rate limited {event.paused_for_s:.0f}s"
            progress.update(task, description=self.description + pause)


WAIT_REASONS = {
    "rate_limited": "rate limit (Retry-After)",
    "retrying": "no answer, retrying",
    "circuit_open": "Session Studio failing, calls paused",
}


def _install_cancel(control: RunControl) -> None:
    """First Ctrl-C: stop at the next project boundary. Second: the default (abort)."""
    loop = asyncio.get_running_loop()

    def first() -> None:
        click.secho(
            "\nCancelling after what is being written… (Ctrl-C again to abort)",
            fg="yellow",
            err=True,
        )
        control.cancel()
        loop.remove_signal_handler(signal.SIGINT)

    try:
        loop.add_signal_handler(signal.SIGINT, first)
    except (NotImplementedError, RuntimeError):  # not the main thread / Windows
        pass
