"""Past import runs: who, when, options, counts, duration; open a run's items and errors."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from ss_tui.queries import runs as q
from ss_tui.tui.failure import describe
from ss_tui.tui.messages import ShowErrors
from ss_tui.tui.safe import lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.columns import Column, FittedColumns
from ss_tui.tui.widgets.format import counts_text, duration, options_text, status_text, when
from ss_tui.tui.widgets.key_footer import KeyFooter

PAGE_SIZE = 200  # newest runs shown
# Long cells wrap onto more lines. Below 130 columns the account and the approved options
# go (the run's own screen, enter, shows both) so the rest fits 100 columns.
COLUMNS = (
    Column("started", "Started", 16, 16),
    Column("by", "By", 10, 8),
    Column("account", "Account", 12, None),
    Column("status", "Status", 10, 9),
    Column("options", "Approved", 22, None),
    Column("items", "Projects", 16, 11),
    Column("counts", "Rows written", 24, 24),
    Column("errors", "Errors", 6, 6),
    Column("duration", "Duration", 8, 8),
)
EMPTY = ("No import has run yet: pick projects on Browse (F3) with space, press p to "
         "preview, then a to apply.")


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
        self.fitted = FittedColumns(*COLUMNS)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=not self.ctx.frozen)
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static("", id="history-status", classes="status-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.fitted.fit(self.query_one("#runs", DataTable), self.app.size.width)
        self.ctx.live.data_changed.subscribe(self, lambda _reason: self.action_reload())
        self.action_reload()

    def on_resize(self) -> None:
        if self.fitted.fit(self.query_one("#runs", DataTable), self.app.size.width):
            self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="history-load", exit_on_error=False)
    async def load(self) -> None:
        table = self.query_one("#runs", DataTable)
        status = self.query_one("#history-status", Static)
        try:
            runs = await q.page_runs(self.ctx.db_engine, limit=PAGE_SIZE)
            # A short page is the whole history: count only when there may be more.
            total = (len(runs) if len(runs) < PAGE_SIZE
                     else await q.count_runs(self.ctx.db_engine))
        except Exception as exc:  # shown in place of the list; the app stays up
            table.clear()
            self.runs = {}
            status.update(lit(describe(exc, self.ctx, "Loading the history"), "red"))
            return
        table.clear()
        self.runs = {str(r.id): r for r in runs}
        for r in runs:
            label = Text(r.status)
            label.stylize(status_text(r.status).style)
            if r.dry_run:
                label.append(" (dry)", style="dim")
            cells = {
                "started": Text(when(r.started_at)),
                "by": lit(r.started_by, max_len=20),
                "account": lit(r.account_name, max_len=24, empty="—"),
                "status": label,
                "options": lit(options_text(r.options), max_len=80),
                "items": Text(counts_text(r.counts.get("items"))),
                "counts": Text(counts_text(r.counts.get("written", r.counts))),
                "errors": Text(str(r.errors), style="red" if r.errors else "dim"),
                "duration": Text(duration(r.duration_s)),
            }
            table.add_row(*self.fitted.cells(cells), key=str(r.id), height=None)
        status.update(Text(f"{len(runs)} of {total} runs" if total else EMPTY))

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
