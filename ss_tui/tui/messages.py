"""Typed messages between the dashboard's screens, its workers and the app.

Screens ask the app for what outlives them (plan and preview, start an import, refresh,
discover, pause, switch screens…) by posting a ``Request``; the app handles it and the
screens see the outcome through the context's live state (ss_tui/tui/context.py). Workers
post ``OperationEvent``\\ s so that events fold into their operation on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from ss_tui.engine.connections import ConnectionRef
from ss_tui.engine.events import EngineEvent
from ss_tui.engine.plan_types import ImportPlan
from ss_tui.tui.operation import Operation

if TYPE_CHECKING:
    import uuid


class Request(Message):
    """A screen's request to the app (posted to the app, so it outlives a dismissed screen)."""


@dataclass
class Navigate(Request):
    """Show a top-level screen (a mode: "connect", "browser", "progress"…)."""

    mode: str


@dataclass
class ShowErrors(Request):
    """Open the Errors screen, filtered on ``run_id`` when given."""

    run_id: uuid.UUID | str | None = None


@dataclass
class OpenPreview(Request):
    """Plan the import of these projects (in a worker) and show the preview."""

    project_ids: list[str]


@dataclass
class StartImport(Request):
    """Apply exactly ``plan`` (an import, or a retry's plan): one run at a time."""

    plan: ImportPlan


class PauseResume(Request):
    """Pause the running import at the next project boundary, or resume it."""


class CancelRun(Request):
    """Cancel the running import at the next project boundary."""


class RefreshFromRemote(Request):
    """Fetch what changed in Session Studio for the account the screens work on."""


@dataclass
class DiscoverLinks(Request):
    """Look up other services' links for the releases imported from these projects."""

    project_ids: list[str]


@dataclass
class UseAccount(Request):
    """Work on this account (None: the first connected one, chosen by the Connect screen)."""

    connection_id: uuid.UUID | None
    browse: bool = False  # and open the Browse screen


@dataclass
class AccountConnected(Request):
    """A login finished: resume the refresh a revoked token stopped, if it was this account."""

    connection_id: ConnectionRef


@dataclass
class AccountDisconnected(Request):
    connection_id: uuid.UUID


class CheckDatabase(Request):
    """Try the database again (the "cannot be used" screen's r)."""


@dataclass
class DataChanged(Request):
    """The database changed (a run, a refresh, a retry finished): screens reload their data."""

    reason: str


@dataclass
class OperationEvent(Message):
    """One event from an operation's worker (engine or discovery event), to fold on the UI
    thread."""

    operation: Operation[Any, Any]  # any operation: its detail and result types vary
    event: object


@dataclass
class EngineEventPosted(Message):
    """An engine event for the import run, from outside a run's worker (tests and the
    screenshots replay recorded runs this way); the app folds it like the run's own."""

    event: EngineEvent
