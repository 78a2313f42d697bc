"""The dashboard's side of the error boundary (``ss_tui.failures``): a failure shown as its
cause and next step, never SQL or a traceback (those go to the log file), and the screen the
app opens on when its database cannot be used at all."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ss_tui.failures import EXIT_DATABASE, Failure, record
from ss_tui.logs import current_log_file
from ss_tui.tui.messages import CheckDatabase

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from ss_tui.tui.services import Parts


def database_url(engine: AsyncEngine) -> str | None:
    url = getattr(engine, "url", None)
    return url.render_as_string(hide_password=True) if url is not None else None


def failure_of(exc: BaseException, ctx: Parts, doing: str) -> Failure:
    """Classify and log ``exc`` (the log file keeps the details)."""
    return record(
        exc, database_url=database_url(ctx.db_engine), api_base_url=ctx.api_base_url, doing=doing
    )


def describe(exc: BaseException, ctx: Parts, doing: str) -> str:
    """``"<doing> failed: <cause> <next step>"``: one short notification."""
    failure = failure_of(exc, ctx, doing)
    text = f"{doing} failed: {failure.in_dashboard()}"
    log_file = current_log_file()
    if failure.internal and log_file is not None:
        text += f" Details: {log_file}"
    return text


async def database_problem(ctx: Parts) -> tuple[Failure | None, Failure | None]:
    """(blocking, warning): what stops the dashboard from using its database at all (not a
    database, not migrated, unreachable…), and what only stops it from writing (read-only)."""
    from ss_tui.db.migrate import head
    from ss_tui.queries.health import probe_write, schema_revision

    engine = ctx.db_engine
    try:
        revision = await schema_revision(engine)
    except Exception as exc:
        return failure_of(exc, ctx, "Opening the database"), None
    expected = head()
    if revision != expected:
        url = getattr(engine, "url", None)  # a SQLite file by its path, as people name it
        where = ((url.database if url is not None and url.get_backend_name() == "sqlite"
                  else None) or database_url(engine) or "the database")
        return Failure(
            "db_not_migrated",
            f"The database {where} does not have ss-tui's current tables "
            f"(revision {revision or 'none'}, expected {expected}).",
            "Quit and run `ss-tui db upgrade` with the same database.",
            EXIT_DATABASE,
        ), None
    try:
        await probe_write(engine)
    except Exception as exc:
        failure = failure_of(exc, ctx, "Checking that the database accepts changes")
        if failure.cause == "db_locked":  # busy with another writer: nothing to report
            return None, None
        return (None, failure) if failure.cause == "db_read_only" else (failure, None)
    return None, None


class DatabaseProblemScreen(Screen[None]):
    """Shown instead of the dashboard while its database cannot be used."""

    DEFAULT_CSS = """
    DatabaseProblemScreen #database-problem { padding: 1 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "check_again", "Check again", id="problem.check",
                tooltip="Try the database again (after fixing it)"),
        Binding("ctrl+q", "app.quit", "Quit", id="problem.quit", priority=True),
    ]

    def __init__(self, failure: Failure) -> None:
        super().__init__()
        self.failure = failure

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="database-problem"):
            yield Static(id="problem-text")
        yield Footer()

    def on_mount(self) -> None:
        self.show(self.failure)

    def show(self, failure: Failure) -> None:
        self.failure = failure
        text = Text("The database cannot be used\n\n", style="bold red")
        text.append(failure.message + "\n\n")  # our words, not the driver's: no markup
        text.append(failure.next_step_here, style="bold")
        text.append("\n\nPress r to check again once it is fixed, ctrl+q to quit.", style="dim")
        log_file = current_log_file()
        if log_file is not None:
            text.append(f"\nDetails: {log_file}", style="dim")
        self.query_one("#problem-text", Static).update(text)

    async def action_check_again(self) -> None:
        self.app.post_message(CheckDatabase())
