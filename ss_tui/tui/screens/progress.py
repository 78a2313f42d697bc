"""Live progress of the running import (or the last one): overall and per-project bars,
rows by kind, throughput, ETA, API budget, circuit state, a capped log; pause, resume,
cancel (asks, stops at a project boundary); summary with a jump to this run's errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.progress_bar import ProgressBar as TrackBar
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import Header, ProgressBar, RichLog, Static

from ss_tui.tui.messages import CancelRun, PauseResume, ShowErrors
from ss_tui.tui.operation import Operation
from ss_tui.tui.run_state import ProjectProgress, RunState
from ss_tui.tui.safe import lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.columns import NARROW_BELOW
from ss_tui.tui.widgets.dialogs import ConfirmDialog
from ss_tui.tui.widgets.format import duration, plural, status_text
from ss_tui.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from ss_tui.engine.run import RunResult

LOG_STYLES = {"info": "", "ok": "green", "warn": "yellow", "error": "red"}
MAX_PROJECT_ROWS = 12  # per-project bars shown: the running ones, then the newest finished
# Engine events can arrive by the hundred per second: the screen redraws at most this often
# (the first change at once, later ones together at the end of the interval).
REDRAW_INTERVAL_S = 0.1


def _project_bar(p: ProjectProgress) -> TrackBar:
    """Tracks of this project written so far (a finished project is full, whatever it wrote:
    unchanged tracks need no row)."""
    total = max(p.total_tracks, 1)
    done = total if p.status in ("applied", "unchanged") else min(
        p.written.get("release_track", 0), total)
    style = {"failed": "red", "stale": "yellow"}.get(p.status, "green")
    return TrackBar(total=total, completed=done, width=None, complete_style=style,
                       finished_style=style)


class ProgressScreen(BaseScreen):
    TITLE = "Import progress"
    HELP = """\
The running import, updated live from the engine.

* **space** pauses or resumes (the engine pauses between transactions).
* **k** cancels after confirmation: the project (or group of new projects) being
  written finishes, nothing is half-written, and running the import again resumes where it stopped.
* **e** jumps to this run's sync errors.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "pause_resume", "Pause/Resume", id="progress.pause",
                tooltip="Pause or resume the run at the next project boundary"),
        Binding("k", "cancel_run", "Cancel run", id="progress.cancel",
                tooltip="Cancel the run at the next project boundary"),
        Binding("e", "run_errors", "Run errors", id="progress.errors",
                tooltip="Show the sync errors of this run"),
    ]

    # Bound to the overall ProgressBar: projects finished of the run's (None: no run yet).
    projects_done: var[float] = var(0.0)
    projects_total: var[float | None] = var(None)

    def __init__(self) -> None:
        super().__init__()
        self._log_seen = 0
        self._dirty = False  # the run changed since the last redraw
        self._redraw_timer: Timer | None = None  # the coalescing interval is running

    def compose(self) -> ComposeResult:
        yield Header(show_clock=not self.ctx.frozen)
        with Horizontal(id="progress-top"):
            with Vertical(id="progress-overall"):
                yield Static("", id="run-title")
                yield ProgressBar(id="overall", show_eta=False).data_bind(
                    progress=ProgressScreen.projects_done, total=ProgressScreen.projects_total)
                yield Static("", id="run-stats")
            yield Static("", id="run-api", classes="side-panel")
        yield Static("", id="run-summary", classes="summary")
        with Horizontal(id="progress-body"):
            yield VerticalScroll(Static("", id="projects-progress"), id="projects-box")
            yield RichLog(id="run-log", max_lines=500, wrap=True, markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.ctx.live.run.changed.subscribe(self, self._run_changed)

    def on_screen_resume(self) -> None:
        self._redraw()  # whatever happened while another screen was shown

    # -- coalesced redraws ------------------------------------------------------------------

    @property
    def redraw_pending(self) -> bool:
        """A change waits for the end of the interval to be drawn."""
        return self._dirty and self._redraw_timer is not None

    def _run_changed(self, run: Operation[RunState, RunResult]) -> None:
        state = run.detail
        if not self.is_current:
            return  # drawn when the screen shows again (on_screen_resume)
        if not state.active or self._redraw_timer is None:
            self._redraw()  # the first change, and the final state, at once
        else:
            self._dirty = True

    def _redraw(self) -> None:
        self._dirty = False
        if self._redraw_timer is None:
            self._redraw_timer = self.set_timer(REDRAW_INTERVAL_S, self._interval_ended)
        self.render_state(self.ctx.live.run.detail)

    def _interval_ended(self) -> None:
        self._redraw_timer = None
        if self._dirty and self.is_current:
            self._redraw()  # and a new interval: a busy run redraws once per interval

    # -- rendering --------------------------------------------------------------------------

    def render_state(self, state: RunState) -> None:
        now = self.ctx.clock()
        title = Text(end="")
        if state.run_id is None and state.status == "idle":
            title.append("No import has run in this session. ", style="bold")
            title.append("Select projects on Browse (F3) with space, press p to preview, "
                         "then a to apply.")
        elif state.run_id is None and state.active:
            title.append("Starting the import…", style="bold")
        elif state.run_id is None:  # it stopped before the engine started a run
            title.append("The import failed before writing anything. ", style="bold red")
            title.append("The message says why; once that is fixed, apply the plan again "
                         "from the preview (F3, p, a).")
        else:
            title.append(f"Run {state.run_id}  ", style="bold")
            title.append_text(status_text("paused" if state.paused and state.active
                                          else state.status))
            if state.cancel_requested and state.active:
                title.append("  cancelling at the next project boundary…", style="yellow")
        self.query_one("#run-title", Static).update(title)

        done, total = state.progress
        self.projects_total = max(total, 1.0) if total is not None else None
        self.projects_done = done
        # Without a run the bar and the figures would only show zeros.
        self.query_one("#overall", ProgressBar).display = self.query_one("#run-stats").display = (
            state.run_id is not None)

        eta = state.eta_s(now)
        stats = Text(f"{state.done_projects}/{state.total_projects} projects  ·  "
                     f"{state.rows_written:,} rows  ·  {state.throughput(now):,.0f} rows/s"
                     # two lines where one would wrap mid-figure (below 130 columns)
                     f"{chr(10) if self.app.size.width < NARROW_BELOW else '  ·  '}"
                     f"elapsed {duration(state.elapsed_s(now))}  ·  "
                     f"ETA {duration(eta) if eta is not None else '—'}  ·  ", end="")
        stats.append(plural(state.errors, "error"), style="red" if state.errors else "")
        if state.skipped_tracks:
            stats.append(f"  ·  {plural(state.skipped_tracks, 'track')} skipped", style="yellow")
        if state.written:
            stats.append("\n" + "  ".join(f"{k} {v:,}" for k, v in sorted(state.written.items())),
                         style="dim")
        self.query_one("#run-stats", Static).update(stats)

        api = Text("API budget\n", style="bold")
        if state.rate_limit is not None:
            api.append(f"{state.rate_remaining}/{state.rate_limit} left")
            if state.rate_reset_at is not None:
                secs = max((state.rate_reset_at - now).total_seconds(), 0)
                api.append(f", resets in {duration(secs)}")
            if state.paused_for_s:
                api.append(f"\npaused {state.paused_for_s:.0f}s (429)", style="yellow")
        else:
            api.append("—", style="dim")
        api.append("\nCircuit ", style="bold")
        api.append(state.circuit, style={"closed": "green", "open": "bold red"}.get(
            state.circuit, "yellow"))
        if state.waiting and state.active:  # a long wait shows as one (Retry-After, retries)
            api.append("\nWaiting: ", style="bold yellow").append_text(lit(state.waiting))
        self.query_one("#run-api", Static).update(api)

        self.query_one("#projects-progress", Static).update(self._projects_table(state))
        self._render_summary(state)
        self._render_log(state)

    def _projects_table(self, state: RunState) -> Table | Text:
        if not state.projects:
            return Text("")
        table = Table(box=None, expand=True, show_header=True, header_style="bold dim")
        table.add_column(Text("Project"), ratio=3)
        table.add_column(Text("Status"), ratio=1)
        table.add_column(Text("Tracks"), ratio=2)
        table.add_column(Text("Rows"), justify="right", ratio=1)
        # Newest first, stopping once every running project and enough finished ones are
        # found: a long run's thousands of finished projects are not walked on every redraw.
        running_left = len(state.projects) - state.done_projects
        running: list[ProjectProgress] = []
        finished: list[ProjectProgress] = []
        for p in reversed(state.projects.values()):
            if p.status == "running":
                running.append(p)
                running_left -= 1
            elif len(finished) < MAX_PROJECT_ROWS:
                finished.append(p)
            if running_left <= 0 and len(finished) >= MAX_PROJECT_ROWS:
                break
        shown = (running[::-1] + finished)[:MAX_PROJECT_ROWS]
        for p in shown:
            status = status_text(p.status)
            if p.skipped:
                status.append(f", {p.skipped} track{'s' if p.skipped != 1 else ''} skipped",
                              style="yellow")
            table.add_row(lit(p.title or p.project_id, max_len=40),
                          status,
                          _project_bar(p),
                          Text(f"{sum(p.written.values()):,}"))
        hidden = len(state.projects) - len(shown)
        if hidden > 0:
            table.add_row(Text(f"… {hidden} more", style="dim"), Text(""), Text(""), Text(""))
        return table

    def _render_summary(self, state: RunState) -> None:
        box = self.query_one("#run-summary", Static)
        if state.reconnect_message and state.active:
            msg = Text("Reconnect needed: ", style="bold red")
            msg.append_text(lit(state.reconnect_message))
            msg.append("\nNothing is lost: reconnect on the Connect screen (F2); the run resumes.")
            box.update(msg)
            box.display = True
            return
        if state.summary is None:
            box.display = False
            return
        s = state.summary
        text = Text("Finished: ", style="bold")
        text.append_text(status_text(s.status))
        text.append(f"  ·  {duration(s.duration_s)}  ·  {plural(s.errors, 'error')}")
        if s.counts:
            text.append("\n" + ", ".join(f"{k} {v}" for k, v in sorted(s.counts.items())))
        if s.errors:
            text.append("\nPress e to see this run's errors.", style="yellow")
        elif state.rows_written == 0 and s.status == "succeeded":
            text.append("\nNothing changed: the database already matched Session Studio.",
                        style="green")
        box.update(text)
        box.display = True

    def _render_log(self, state: RunState) -> None:
        log = self.query_one("#run-log", RichLog)
        if state.log_seq < self._log_seen:  # a new run started from a clean log
            log.clear()
            self._log_seen = 0
        new = min(state.log_seq - self._log_seen, len(state.log))
        for level, line in list(state.log)[len(state.log) - new:]:
            log.write(lit(line, LOG_STYLES.get(level, "")))
        self._log_seen = state.log_seq

    # -- actions ----------------------------------------------------------------------------

    def action_pause_resume(self) -> None:
        if not self.ctx.live.run.detail.active:
            self.notify("No import is running.", severity="warning")
            return
        self.request(PauseResume())

    def action_cancel_run(self) -> None:
        if not self.ctx.live.run.detail.active:
            self.notify("No import is running.", severity="warning")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.request(CancelRun())

        self.app.push_screen(
            ConfirmDialog("Cancel the import? What is being written finishes; the rest "
                          "waits for the next run.", yes="Cancel run", no="Keep going"),
            answer,
        )

    def action_run_errors(self) -> None:
        run_id = self.ctx.live.run.detail.run_id
        if run_id is None:
            self.notify("No run yet.", severity="warning")
            return
        self.request(ShowErrors(run_id))
