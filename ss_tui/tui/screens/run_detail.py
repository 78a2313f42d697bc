"""One run's projects (import_items): status, counts, warnings, error."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from ss_tui.queries import runs as q
from ss_tui.tui.failure import describe
from ss_tui.tui.messages import ShowErrors
from ss_tui.tui.safe import lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.columns import Column, FittedColumns
from ss_tui.tui.widgets.format import (
    counts_text,
    duration,
    options_text,
    plural,
    status_text,
    when,
)
from ss_tui.tui.widgets.key_footer import KeyFooter

# Below 130 columns the project id goes and the rest shrink (long errors wrap).
COLUMNS = (
    Column("project", "Project", 30, 22),
    Column("id", "Id", 14, None),
    Column("status", "Status", 10, 10),
    Column("counts", "Written", 34, 22),
    Column("warnings", "Warnings", 8, 8),
    Column("error", "Error", 40, 24),
)


class RunDetailScreen(BaseScreen):
    TITLE = "Import run"
    HELP = "The projects of one run. **e** shows the run's errors, **escape** goes back."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="run.back", tooltip="Back to history"),
        Binding("e", "run_errors", "Run errors", id="run.errors",
                tooltip="Show this run's sync errors"),
    ]

    def __init__(self, run: q.RunRow) -> None:
        super().__init__()
        self.run = run
        self.fitted = FittedColumns(*COLUMNS)

    def compose(self) -> ComposeResult:
        r = self.run
        yield Header(show_clock=not self.ctx.frozen)
        summary = Text(f"Run {r.id}\n", style="bold")
        summary.append(f"Started {when(r.started_at)} by ")
        summary.append_text(lit(r.started_by, empty="—"))
        if r.account_name:  # History leaves the account out below 130 columns
            summary.append(" on ")
            summary.append_text(lit(r.account_name, max_len=40))
        summary.append(f"  ·  {duration(r.duration_s)}  ·  ")
        summary.append_text(status_text(r.status))
        written = counts_text(r.counts.get("written", r.counts))
        summary.append(f"\nOptions: {options_text(r.options)}\nWritten: {written}"
                       f"  ·  API requests {r.api_requests}  ·  errors {r.errors}")
        yield Static(summary, id="run-summary", classes="summary")
        yield DataTable(id="items", cursor_type="row", zebra_stripes=True)
        yield Static("", id="items-status", classes="status-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.fitted.fit(self.query_one("#items", DataTable), self.app.size.width)
        self.load()

    def on_resize(self) -> None:
        if self.fitted.fit(self.query_one("#items", DataTable), self.app.size.width):
            self.load()

    @work(exclusive=True, group="run-items", exit_on_error=False)
    async def load(self) -> None:
        status = self.query_one("#items-status", Static)
        try:
            items = await q.run_items(self.ctx.db_engine, self.run.id)
        except Exception as exc:  # shown in place of the list; the app stays up
            status.update(lit(describe(exc, self.ctx, "Loading the run's projects"), "red"))
            return
        status.update(Text(plural(len(items), "project") if items else
                           "No project in this run: it stopped before the first one, or "
                           "found nothing to import. e shows its errors."))
        table = self.query_one("#items", DataTable)
        table.clear()
        for i in items:
            cells = {
                "project": lit(i.title, max_len=50, empty="(untitled)"),
                "id": lit(i.project_external_id),
                "status": status_text(i.status),
                "counts": Text(counts_text(i.counts.get("written", i.counts))),
                "warnings": Text(str(len(i.warnings))),
                "error": lit(i.error, max_len=120, empty=""),
            }
            table.add_row(*self.fitted.cells(cells), height=None)

    def action_back(self) -> None:
        self.dismiss()

    def action_run_errors(self) -> None:
        self.request(ShowErrors(self.run.id))
