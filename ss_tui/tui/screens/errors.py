"""Sync errors: filter, inspect (payload, HTTP status, validation, suggested action), retry,
resolve or ignore with a note, copy a row, export CSV."""

from __future__ import annotations

import csv
import uuid
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Select, Static

from ss_tui.queries import errors as q
from ss_tui.tui.failure import describe
from ss_tui.tui.safe import clean, lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.dialogs import NoteDialog
from ss_tui.tui.widgets.error_detail import render_error_detail
from ss_tui.tui.widgets.format import mark, status_text
from ss_tui.tui.widgets.key_footer import KeyFooter

PAGE_SIZE = 200
# "Open or retrying" is the default view; "Open" alone is one of the plain statuses.
STATUS_OPTIONS = [("Open or retrying", "active"), *((s.capitalize(), s) for s in q.STATUSES)]
KIND_OPTIONS = [(k.replace("_", " "), k) for k in q.KINDS]


def _as_uuid(value: uuid.UUID | str | None) -> uuid.UUID | str | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return value


class ErrorsScreen(BaseScreen):
    TITLE = "Sync errors"
    HELP = """\
Every problem an import met, one row per item (repeats update the same row).

* Filter by status, kind and run; search messages and ids.
* The right pane explains the error: message, HTTP status, validation messages, the
  **suggested action** and the raw source payload.
* **space** marks rows; actions apply to the marked rows (or the highlighted one).
* **t** retries: plans just those items and shows that plan (Preview) before anything is
  written. **R** resolves and **i** ignores, both with a note.
* **c** copies the row, **e** exports the filtered list as CSV.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="errors.search", tooltip="Search errors"),
        Binding("space", "toggle_mark", "Mark", id="errors.mark", tooltip="Mark or unmark a row"),
        Binding("t", "retry", "Retry", id="errors.retry",
                tooltip="Retry the marked (or highlighted) errors"),
        Binding("R", "resolve", "Resolve", id="errors.resolve",
                tooltip="Mark resolved, with a note"),
        Binding("i", "ignore", "Ignore", id="errors.ignore", tooltip="Ignore, with a note"),
        Binding("c", "copy_row", "Copy", id="errors.copy", tooltip="Copy the row to the clipboard"),
        Binding("e", "export_csv", "Export CSV", id="errors.export",
                tooltip="Export the filtered errors as CSV"),
        Binding("a", "all_runs", "All runs", id="errors.all_runs", show=False,
                tooltip="Show errors of every run"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = q.ErrorFilter(status="active")
        self.total = 0
        self.marked: set[uuid.UUID] = set()
        self.rows: dict[str, q.ErrorRow] = {}
        self._generation = 0
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=not self.ctx.frozen)
        with Horizontal(classes="filters"):
            yield Input(placeholder="Search message, id…", id="search")
            yield Select(STATUS_OPTIONS, value="active", prompt="Any status", id="f-status")
            yield Select(KIND_OPTIONS, prompt="Any kind", id="f-kind")
            yield Static("", id="f-run", classes="filter-note")
        with Horizontal(id="errors-body"):
            with Vertical(id="errors-list"):
                yield DataTable(id="errors", cursor_type="row", zebra_stripes=True)
                yield Static("", id="errors-status", classes="status-line")
            with VerticalScroll(id="errors-detail", classes="detail-pane"):
                yield Static(render_error_detail(None), id="error-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#errors", DataTable)
        table.add_column(" ", key="mark", width=1)
        for column in q.ERROR_COLUMNS:  # the CSV export has the same columns
            table.add_column(column.header, key=column.key, width=column.width)
        table.focus()
        self.ctx.live.data_changed.subscribe(self, lambda _reason: self.reload())
        self.reload()

    def show_run(self, run_id: uuid.UUID | str) -> None:
        """Filter on one run (from Progress or History). Engine events carry the run id as a
        string, History rows as a UUID: the query needs the UUID."""
        self.filter = replace(self.filter, run_id=_as_uuid(run_id), status=None)
        if self.is_mounted:
            self.query_one("#f-status", Select).clear()
            self.reload()

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        self._generation += 1
        self.load(self._generation, self.filter)

    @work(exclusive=True, group="errors-load", exit_on_error=False)
    async def load(self, generation: int, f: q.ErrorFilter) -> None:
        try:
            rows = await q.page_errors(self.ctx.db_engine, f, limit=PAGE_SIZE)
            # A short page is the whole list: count only when there may be more.
            total = (len(rows) if len(rows) < PAGE_SIZE
                     else await q.count_errors(self.ctx.db_engine, f))
        except Exception as exc:  # never leave the previous filter's rows up as if current
            if generation == self._generation:
                self.query_one("#errors", DataTable).clear()
                self.rows, self.total = {}, 0
                self.query_one("#errors-status", Static).update(
                    lit(describe(exc, self.ctx, "Loading the sync errors"), "red"))
            return
        if generation != self._generation:
            return
        table = self.query_one("#errors", DataTable)
        cursor = table.cursor_row
        table.clear()
        self.rows = {str(r.id): r for r in rows}
        self.marked &= {r.id for r in rows}
        for r in rows:
            table.add_row(
                mark(r.id in self.marked),
                *(status_text(c.text(r)) if c.key == "status" else lit(c.text(r), max_len=c.max_len)
                  for c in q.ERROR_COLUMNS),
                key=str(r.id),
            )
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        else:
            self.query_one("#error-detail", Static).update(render_error_detail(None))
        self.total = total
        run = self.query_one("#f-run", Static)
        run.update(Text(f"Run {str(f.run_id)[:8]} (a: all runs)", style="yellow")
                   if f.run_id is not None else "")
        self._update_status()

    def _update_status(self) -> None:
        text = Text(f"{len(self.rows):,} of {self.total:,} errors shown", end="")
        if not self.total and self.filter == q.ErrorFilter(status="active"):
            text = Text("No open sync errors: nothing to fix. Choose Any status to see closed "
                        "ones.", style="green", end="")
        elif not self.total:
            text = Text("No sync errors match these filters.", style="green", end="")
        if self.total or self.marked:
            text.append(f"  ·  {len(self.marked)} marked",
                        style="bold" if self.marked else "dim")
        self.query_one("#errors-status", Static).update(text)

    @on(DataTable.RowHighlighted, "#errors")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.show_detail(self.rows[event.row_key.value].id)

    @work(exclusive=True, group="errors-detail", exit_on_error=False)
    async def show_detail(self, error_id: uuid.UUID) -> None:
        detail = await q.error_detail(self.ctx.db_engine, error_id)
        self.query_one("#error-detail", Static).update(render_error_detail(detail))

    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        value = event.value

        def apply() -> None:
            self.filter = replace(self.filter, search=value)
            self.reload()

        self._search_timer = self.set_timer(0.25, apply)

    @on(Select.Changed)
    def _select(self, event: Select.Changed) -> None:
        # The options' values are the status and kind names (strings).
        value = None if event.value is Select.NULL else str(event.value)
        field = {"f-status": "status", "f-kind": "kind"}.get(event.select.id or "")
        if field and getattr(self.filter, field) != value:
            self.filter = (replace(self.filter, status=value) if field == "status"
                           else replace(self.filter, kind=value))
            self.reload()

    # -- actions ----------------------------------------------------------------------------

    def _current(self) -> q.ErrorRow | None:
        return self.rows.get(self.cursor_key("errors") or "")

    def _targets(self) -> list[uuid.UUID]:
        if self.marked:
            return list(self.marked)
        current = self._current()
        return [current.id] if current else []

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_all_runs(self) -> None:
        self.filter = replace(self.filter, run_id=None)
        self.reload()

    def action_toggle_mark(self) -> None:
        current = self._current()
        if current is None:
            return
        self.marked ^= {current.id}
        table = self.query_one("#errors", DataTable)
        table.update_cell(str(current.id), "mark", mark(current.id in self.marked))
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self._update_status()

    def action_retry(self) -> None:
        """Plan just the items behind these errors and show that plan in the Preview
        screen: nothing is written until it is confirmed there."""
        ids = self._targets()
        if not ids:
            self.notify("No error selected.", severity="warning")
            return
        self.notify(f"Planning the retry of {len(ids)} error(s)…", timeout=2)
        self.preview_retry(ids)

    @work(exclusive=True, group="retry-plan", exit_on_error=False)
    async def preview_retry(self, ids: list[uuid.UUID]) -> None:
        from ss_tui.tui.screens.preview import PreviewScreen

        try:
            plan = await self.ctx.services.plan_retry(ids)
        except Exception as exc:
            self.notify(clean(f"Could not plan the retry: {exc}"), severity="error",
                        markup=False, timeout=10)
            return
        if plan is None or not plan.projects:
            self.notify("Nothing to retry: these errors are closed, or the listing worked "
                        "this time.", markup=False)
            self.reload()
            return
        table = self.query_one("#errors", DataTable)
        for error_id in self.marked:
            table.update_cell(str(error_id), "mark", mark(False))
        self.marked.clear()
        self._update_status()
        self.app.push_screen(PreviewScreen(plan, purpose=f"Retry of {len(ids)} error(s)"))

    def _close(self, status: str) -> None:
        ids = self._targets()
        if not ids:
            self.notify("No error selected.", severity="warning")
            return

        def done(note: str | None) -> None:
            if note is not None:
                self.close_errors(ids, status, note)

        self.app.push_screen(
            NoteDialog(f"Mark {len(ids)} error(s) {status} — note:", placeholder="Why?"), done
        )

    def action_resolve(self) -> None:
        self._close("resolved")

    def action_ignore(self) -> None:
        self._close("ignored")

    @work(exclusive=True, group="errors-close", exit_on_error=False)
    async def close_errors(self, ids: list[uuid.UUID], status: str, note: str) -> None:
        try:
            await self.ctx.services.close_errors(ids, status=status, note=note)
        except Exception as exc:  # shown, not raised: the screen must survive backend errors
            self.notify(clean(f"Could not update errors: {exc}"), severity="error", markup=False)
            return
        self.marked.clear()
        self.notify(f"{len(ids)} error(s) {status}.", markup=False)
        self.reload()

    def action_copy_row(self) -> None:
        r = self._current()
        if r is None:
            return
        line = "\t".join(clean(v, single_line=True) for v in (
            r.id, r.status, r.kind, r.http_status, r.entity_type, r.external_id,
            r.project_external_id, r.suggested_action, r.message))
        self.app.copy_to_clipboard(line)
        self.notify("Row copied to the clipboard.")

    def action_export_csv(self) -> None:
        stamp = self.ctx.clock().strftime("%Y%m%d-%H%M%S")
        target = Path(self.ctx.extras.get("export_dir") or Path.cwd()) / f"sync-errors-{stamp}.csv"
        self.export_csv(target, self.filter)

    @work(exclusive=True, group="errors-export", exit_on_error=False)
    async def export_csv(self, target: Path, f: q.ErrorFilter) -> None:
        count = 0
        with target.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(q.CSV_HEADER)
            async for row in q.iter_csv_rows(self.ctx.db_engine, f):
                writer.writerow(row)
                count += 1
        self.notify(clean(f"Exported {count} error(s) to {target}"), markup=False)
