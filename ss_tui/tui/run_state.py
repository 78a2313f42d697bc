"""A run's live state, folded from engine events. Pure data: the Progress screen renders it,
tests can feed it events directly."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from ss_tui.engine import events as ev
from ss_tui.tui.widgets.format import plural

LOG_CAP = 500  # the live log keeps the newest lines only, so a long run cannot eat memory


@dataclass(slots=True)
class ProjectProgress:
    project_id: str
    title: str | None
    total_tracks: int
    status: str = "running"  # running | applied | unchanged | stale | failed | skipped | excluded
    written: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    skipped: int = 0  # tracks not imported (unreadable or invalid data)


@dataclass(slots=True)
class RunState:
    run_id: str | None = None
    total_projects: int = 0
    done_projects: int = 0  # projects finished, whatever their status (kept as events arrive)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    projects: dict[str, ProjectProgress] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)  # entity kind -> rows
    errors: int = 0
    skipped_tracks: int = 0
    log: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=LOG_CAP))
    log_seq: int = 0  # lines ever logged in this run (the deque keeps only the newest)
    rate_remaining: int | None = None
    rate_limit: int | None = None
    rate_reset_at: datetime | None = None
    paused_for_s: float = 0.0
    circuit: str = "closed"
    waiting: str | None = None  # why Session Studio's requests are held back (ApiWaiting)
    paused: bool = False
    cancel_requested: bool = False
    reconnect_message: str | None = None
    status: str = "idle"  # idle | running | paused | cancelled | succeeded | partial | failed
    summary: ev.RunFinished | None = None

    @property
    def active(self) -> bool:
        return self.status in ("running", "paused")

    @property
    def progress(self) -> tuple[float, float | None]:
        """Projects finished of the run's projects (unknown before the run started)."""
        return float(self.done_projects), (float(self.total_projects) if self.run_id else None)

    @property
    def rows_written(self) -> int:
        return sum(self.written.values())

    def elapsed_s(self, now: datetime) -> float:
        if self.started_at is None:
            return 0.0
        end = self.finished_at or now
        return max((end - self.started_at).total_seconds(), 0.0)

    def eta_s(self, now: datetime) -> float | None:
        """Remaining seconds from the pace of finished projects; None until one finished."""
        done = self.done_projects
        if not done or not self.total_projects or not self.active:
            return None
        per_project = self.elapsed_s(now) / done
        return per_project * max(self.total_projects - done, 0)

    def throughput(self, now: datetime) -> float:
        """Rows written per second."""
        elapsed = self.elapsed_s(now)
        return self.rows_written / elapsed if elapsed > 0 else 0.0

    def _log(self, level: str, line: str) -> None:
        self.log.append((level, line))
        self.log_seq += 1

    def apply(self, event: ev.EngineEvent, now: datetime) -> bool:
        """Fold one engine event into the state (every one changes what Progress shows)."""
        match event:
            case ev.RunStarted():
                # A new run starts from a clean slate, but pause/cancel belong to the whole
                # operation (a retry over several accounts is several runs on one control).
                paused, cancel_requested = self.paused, self.cancel_requested
                self.__init__()  # type: ignore[misc]
                self.paused, self.cancel_requested = paused, cancel_requested
                self.run_id = event.run_id
                self.total_projects = event.total_projects
                self.started_at = now
                self.status = "running"
                self._log("info", f"Run started: {plural(event.total_projects, 'project')}")
            case ev.ProjectStarted():
                self.projects[event.project_id] = ProjectProgress(
                    event.project_id, event.title, event.total_tracks
                )
                self._log("info", f"Project {event.title or event.project_id} started")
            case ev.EntityWritten():
                self.written[event.entity] = self.written.get(event.entity, 0) + event.count
                proj = self.projects.get(event.project_id)
                if proj is not None:
                    proj.written[event.entity] = proj.written.get(event.entity, 0) + event.count
            case ev.ItemFailed():
                self.errors += 1
                proj = self.projects.get(event.project_id or "")
                if proj is not None:
                    proj.errors += 1
                self._log("error", f"{event.kind}: {event.entity} {event.external_id or ''}"
                          f" — {event.message}")
            case ev.ProjectFinished():
                proj = self.projects.setdefault(
                    event.project_id, ProjectProgress(event.project_id, None, 0)
                )
                if proj.status == "running":
                    self.done_projects += 1
                proj.status = event.status
                # An excluded project writes nothing: its unreadable tracks are not "skipped"
                # by the import (the preview counts them the same way).
                proj.skipped = 0 if event.status == "excluded" else event.skipped
                self.skipped_tracks += proj.skipped
                skipped = f", {plural(proj.skipped, 'track')} skipped" if proj.skipped else ""
                self._log("ok" if event.status in ("applied", "unchanged") and not skipped
                          else "warn",
                          f"Project {proj.title or event.project_id}: {event.status}{skipped}")
            case ev.RateLimited():
                self.rate_remaining = event.remaining
                self.rate_limit = event.limit
                self.rate_reset_at = event.reset_at
                self.paused_for_s = event.paused_for_s
                if event.paused_for_s:
                    self._log("warn", f"Rate limited: pausing {event.paused_for_s:.0f}s")
            case ev.ApiWaiting():
                self.waiting = None if event.reason == "resumed" else event.message
                self._log("info" if event.reason == "resumed" else "warn", event.message)
            case ev.CircuitStateChanged():
                self.circuit = event.state
                self._log("warn" if event.state != "closed" else "info",
                          f"Circuit breaker {event.state}")
            case ev.ReconnectNeeded():
                self.reconnect_message = event.message
                self._log("error", f"Reconnect needed: {event.message}")
            case ev.RunFinished():
                self.status = event.status
                self.summary = event
                # Live counts see failures as they happen; the run's total also holds the
                # warnings recorded with applied items: show the one total from now on.
                self.errors = max(self.errors, event.errors)
                self.finished_at = now
                self._log("info", f"Run {event.status}: {plural(event.errors, 'error')}")
        return True
