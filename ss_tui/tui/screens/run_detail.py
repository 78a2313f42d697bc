"""One run's projects (import_items): status, counts, warnings, error."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from ss_tui.queries import runs as q
from ss_tui.tui.messages import ShowErrors
from ss_tui.tui.safe import lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.format import counts_text, duration, options_text, status_text, when
from ss_tui.tui.widgets.key_footer import KeyFooter


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

    def compose(self) -> ComposeResult:
        r = self.run
        yield Header(show_clock=not self.ctx.frozen)
        summary = Text(f"Run {r.id}\n", style="bold")
        summary.append(f"Started {when(r.started_at)} by ")
        summary.append_text(lit(r.started_by, empty="—"))
        summary.append(f"  ·  {duration(r.duration_s)}  ·  ")
        summary.append_text(status_text(r.status))
        written = counts_text(r.counts.get("written", r.counts))
        summary.append(f"\nOptions: {options_text(r.options)}\nWritten: {written}"
                       f"  ·  API requests {r.api_requests}  ·  errors {r.errors}")
        yield Static(summary, id="run-summary", classes="summary")
        yield DataTable(id="items", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#items", DataTable)
        table.add_column("Project", key="project", width=30)
        table.add_column("Id", key="id", width=14)
        table.add_column("Status", key="status", width=10)
        table.add_column("Written", key="counts", width=34)
        table.add_column("Warnings", key="warnings", width=8)
        table.add_column("Error", key="error", width=40)
        self.load()

    @work(exclusive=True, group="run-items", exit_on_error=False)
    async def load(self) -> None:
        items = await q.run_items(self.ctx.db_engine, self.run.id)
        table = self.query_one("#items", DataTable)
        for i in items:
            table.add_row(
                lit(i.title, max_len=50, empty="(untitled)"),
                lit(i.project_external_id),
                status_text(i.status),
                Text(counts_text(i.counts.get("written", i.counts))),
                Text(str(len(i.warnings))),
                lit(i.error, max_len=120, empty=""),
            )

    def action_back(self) -> None:
        self.dismiss()

    def action_run_errors(self) -> None:
        self.request(ShowErrors(self.run.id))
