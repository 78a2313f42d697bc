"""Typed events the engine emits while it runs (docs/architecture.md, "Events").

The engine knows nothing about screens: it hands these to an ``EventSink`` (any async
callable). The TUI turns them into Textual messages; the CLI into a progress bar or JSON
lines; workers into log lines and metrics.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

# The client's own events (budget, waits, breaker) are defined where they happen and pass
# through the engine's sink unchanged: see docs/architecture.md.
from ss_tui.sessionstudio.events import ApiWaiting, CircuitStateChanged, RateLimited


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_id: str
    total_projects: int
    started_by: str
    dry_run: bool


@dataclass(frozen=True, slots=True)
class ProjectStarted:
    run_id: str
    project_id: str
    title: str | None
    total_tracks: int


@dataclass(frozen=True, slots=True)
class EntityWritten:
    run_id: str
    project_id: str
    entity: str  # release | recording | release_track | artist | credit | provider_link
    action: str  # create | update
    count: int = 1


@dataclass(frozen=True, slots=True)
class ItemFailed:
    run_id: str
    project_id: str | None
    entity: str
    external_id: str | None
    kind: str  # transient | rate_limited | auth | not_found | invalid_data | conflict | internal
    message: str
    error_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectFinished:
    run_id: str
    project_id: str
    status: str  # applied | unchanged | stale | failed | skipped | excluded
    written: dict[str, int] = field(default_factory=dict)
    warnings: int = 0
    skipped: int = 0  # tracks not imported (unreadable or invalid): see ProjectPlan.skipped


@dataclass(frozen=True, slots=True)
class FetchProgress:
    """Projects fetched from Session Studio so far (``total`` when known)."""

    run_id: str | None
    fetched: int
    problems: int = 0
    total: int | None = None


@dataclass(frozen=True, slots=True)
class ReconnectNeeded:
    """The token was revoked or the refresh token rejected: the user must reconnect.

    The run stops at a project boundary and resumes once reconnected."""

    account_id: str | None
    message: str


@dataclass(frozen=True, slots=True)
class RunFinished:
    run_id: str
    status: str  # succeeded | partial | failed | cancelled
    counts: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    duration_s: float = 0.0


EngineEvent = (
    RunStarted
    | ProjectStarted
    | FetchProgress
    | EntityWritten
    | ItemFailed
    | ProjectFinished
    | RateLimited
    | ApiWaiting
    | CircuitStateChanged
    | ReconnectNeeded
    | RunFinished
)

__all__ = ["ApiWaiting", "CircuitStateChanged", "RateLimited"]  # re-exported: one stream

EventSink = Callable[[EngineEvent], Awaitable[None]]


async def discard(_event: EngineEvent) -> None:
    """A sink that drops everything (headless runs that only want the result)."""
