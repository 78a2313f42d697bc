"""Past import runs: who, when, options, counts, duration; open a run's items and errors."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from ss_tui.queries import runs as q
from ss_tui.tui.messages import ShowErrors
from ss_tui.tui.safe import lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.format import counts_text, duration, options_text, status_text, when
from ss_tui.tui.widgets.key_footer import KeyFooter

PAGE_SIZE = 200  # newest runs shown


class HistoryScreen(BaseScreen):
    TITLE = "Import history"
    HELP = """\
Every import run, newest first: who ran it, when, with which options, what it wrote and
how long it took.

* **enter** opens the run: its projects with their status and counts.
* **e** shows the run's sync errors on the Errors screen.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_run", "Open run", id="history.open",
                tooltip="Show the run's projects"),
        Binding("e", "run_errors", "Run errors", id="history.errors",
                tooltip="Show this run's sync errors"),
        Binding("r", "reload", "Reload", id="history.reload", tooltip="Reload the list"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[str, q.RunRow] = {}

    def compose(self) -> ComposeResult:
        yield Header(show_clock=not self.ctx.frozen)
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static("", id="history-status", classes="status-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        # The first six columns fit 100 columns; long cells wrap onto a second line.
        table.add_column("Started", key="started", width=16)
        table.add_column("By", key="by", width=10)
        table.add_column("Account", key="account", width=12)
        table.add_column("Status", key="status", width=10)
        table.add_column("Approved", key="options", width=22)
        table.add_column("Projects", key="items", width=16)
        table.add_column("Rows written", key="counts", width=24)
        table.add_column("Errors", key="errors", width=6)
        table.add_column("Duration", key="duration", width=8)
        self.ctx.live.data_changed.subscribe(self, lambda _reason: self.action_reload())
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="history-load", exit_on_error=False)
    async def load(self) -> None:
        runs = await q.page_runs(self.ctx.db_engine, limit=PAGE_SIZE)
        # A short page is the whole history: count only when there may be more.
        total = len(runs) if len(runs) < PAGE_SIZE else await q.count_runs(self.ctx.db_engine)
        table = self.query_one("#runs", DataTable)
        table.clear()
        self.runs = {str(r.id): r for r in runs}
        for r in runs:
            label = Text(r.status)
            label.stylize(status_text(r.status).style)
            if r.dry_run:
                label.append(" (dry)", style="dim")
            table.add_row(
                Text(when(r.started_at)),
                lit(r.started_by, max_len=20),
                lit(r.account_name, max_len=24, empty="—"),
                label,
                lit(options_text(r.options), max_len=80),
                Text(counts_text(r.counts.get("items"))),
                Text(counts_text(r.counts.get("written", r.counts))),
                Text(str(r.errors), style="red" if r.errors else "dim"),
                Text(duration(r.duration_s)),
                key=str(r.id),
                height=None,
            )
        status = f"{len(runs)} of {total} runs" if total else "No import has run yet."
        self.query_one("#history-status", Static).update(Text(status))

    def _current(self) -> q.RunRow | None:
        return self.runs.get(self.cursor_key("runs") or "")

    @on(DataTable.RowSelected, "#runs")
    def _selected(self) -> None:
        self.action_open_run()

    def action_open_run(self) -> None:
        from ss_tui.tui.screens.run_detail import RunDetailScreen

        run = self._current()
        if run is not None:
            self.app.push_screen(RunDetailScreen(run))

    def action_run_errors(self) -> None:
        run = self._current()
        if run is not None:
            self.request(ShowErrors(run.id))
