"""The job queue as workers see it: counts by status, running jobs with their worker and
age, failed jobs with their error; retry (reset) or cancel the highlighted job."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static, Tab, Tabs

from ss_tui.engine.run import operator
from ss_tui.jobs import admin, monitor, queue
from ss_tui.tui.failure import describe
from ss_tui.tui.safe import clean, lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.columns import Column, FittedColumns
from ss_tui.tui.widgets.dialogs import ConfirmDialog
from ss_tui.tui.widgets.format import duration, status_text, when
from ss_tui.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from ss_tui.values import JSONObject, Row

STATUS_TABS = (("all", "All"), ("pending", "Pending"), ("processing", "Running"),
               ("failed", "Failed"), ("succeeded", "Succeeded"))
PAGE = 200  # newest jobs shown; the queue can be far longer, counts come from SQL
# Below 130 columns the worker and its time go (failed jobs' errors matter more there).
COLUMNS = (
    Column("created", "Created", 16, 16),
    Column("type", "Type", 18, 17),
    Column("target", "Target", 24, 14),
    Column("status", "Status", 10, 10),
    Column("attempts", "Attempts", 8, 8),
    Column("worker", "Worker", 16, None),
    Column("age", "Running for", 11, None),
    Column("error", "Last error", 34, 20),
)
EMPTY = ("The queue is empty. Jobs come from `ss-tui schedule`, webhooks (`ss-tui webhooks "
         "serve`) and `ss-tui jobs enqueue`; `ss-tui worker` runs them.")


def payload_text(payload: JSONObject | None) -> str:
    p = payload or {}
    if "project_id" in p:
        return f"project {p['project_id']}"
    if "error_ids" in p:
        return f"{len(p['error_ids'])} error(s)"
    if "release_ids" in p:
        return f"{len(p['release_ids'])} release(s)"
    if "account_id" in p:
        return f"account {p['account_id']}"
    return "—"


class JobsScreen(BaseScreen):
    TITLE = "Jobs"
    HELP = """\
The ingestion job queue that `ss-tui worker` processes (scheduled syncs, webhook
deliveries, retries). Switch tabs to filter by status.

* **Running** jobs show the worker holding them and for how long (at 130 columns and wider).
* **Failed** jobs show their last error.
* **t** retries the highlighted job (fresh attempts, runs as soon as a worker is free).
* **x** cancels a pending job.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "retry_job", "Retry job", id="jobs.retry",
                tooltip="Make the highlighted job pending again with fresh attempts"),
        Binding("x", "cancel_job", "Cancel job", id="jobs.cancel",
                tooltip="Cancel the highlighted pending job"),
        Binding("r", "reload", "Reload", id="jobs.reload", tooltip="Reload the queue"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status: str | None = None
        self.jobs: dict[str, Row] = {}
        self.fitted = FittedColumns(*COLUMNS)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=not self.ctx.frozen)
        yield Tabs(*(Tab(label, id=f"jobs-{key}") for key, label in STATUS_TABS), id="job-tabs")
        yield Static("", id="jobs-counts", classes="status-line")
        yield DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.fitted.fit(self.query_one("#jobs", DataTable), self.app.size.width)
        self.ctx.live.data_changed.subscribe(self, lambda _reason: self.action_reload())
        self.action_reload()

    def on_resize(self) -> None:
        if self.fitted.fit(self.query_one("#jobs", DataTable), self.app.size.width):
            self.action_reload()

    @on(Tabs.TabActivated, "#job-tabs")
    def _tab(self, event: Tabs.TabActivated) -> None:
        key = (event.tab.id or "jobs-all").removeprefix("jobs-")
        self.status = None if key == "all" else key
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="jobs-load", exit_on_error=False)
    async def load(self) -> None:
        engine = self.ctx.db_engine
        try:
            counts = await queue.counts_by_status(engine)
            rows = await monitor.list_jobs(engine, status=self.status, limit=PAGE,
                                           now=self.ctx.clock())
        except Exception as exc:  # e.g. an unmigrated database: say so, stay up
            self.query_one("#jobs", DataTable).clear()
            self.jobs = {}
            self.query_one("#jobs-counts", Static).update(
                lit(describe(exc, self.ctx, "Reading the job queue"), "red"))
            return
        summary = "  ".join(f"{s}: {counts.get(s, 0)}" for s, _ in STATUS_TABS[1:])
        self.query_one("#jobs-counts", Static).update(
            Text(summary if counts else EMPTY))
        table = self.query_one("#jobs", DataTable)
        table.clear()
        self.jobs = {str(r["id"]): r for r in rows}
        for r in rows:
            cells = {
                "created": Text(when(r["created_at"])),
                "type": Text(r["job_type"]),
                "target": lit(payload_text(r["payload"]), max_len=40),
                "status": status_text(r["status"]),
                "attempts": Text(f"{r['attempts']}/{r['max_attempts']}"),
                "worker": lit(r["locked_by"], max_len=30, empty="—"),
                "age": Text(duration(r["age_s"])),
                "error": lit(r["error"], "red" if r["error"] else "", max_len=200, empty="—"),
            }
            table.add_row(*self.fitted.cells(cells), key=str(r["id"]), height=None)

    def _current(self) -> Row | None:
        return self.jobs.get(self.cursor_key("jobs") or "")

    def action_retry_job(self) -> None:
        job = self._current()
        if job is None:
            return
        if job["status"] == "processing":
            self.notify("That job is running; a stalled one is requeued automatically.",
                        severity="warning")
            return
        self._admin("reset", job["id"])

    def action_cancel_job(self) -> None:
        job = self._current()
        if job is None:
            return
        if job["status"] != "pending":
            self.notify("Only pending jobs can be cancelled.", severity="warning")
            return
        message = Text("Cancel job ")
        message.append_text(lit(payload_text(job["payload"])))
        message.append("?")

        def answered(yes: bool | None) -> None:
            if yes:
                self._admin("cancel", job["id"])

        self.app.push_screen(ConfirmDialog(message, yes="Cancel job", no="Keep"), answered)

    @work(exclusive=True, group="jobs-admin", exit_on_error=False)
    async def _admin(self, action: str, job_id: uuid.UUID) -> None:
        do = admin.reset_jobs if action == "reset" else admin.cancel_jobs
        try:
            n = await do(self.ctx.db_engine, [job_id], actor=operator(self.ctx.settings))
        except Exception as exc:
            self.notify(clean(f"Could not {action} the job: {exc}"), severity="error",
                        markup=False)
            return
        verb = "queued again" if action == "reset" else "cancelled"
        self.notify(f"Job {verb}." if n else "Nothing changed (the job moved on).")
        self.action_reload()
