"""The typed context every screen reads: what the dashboard is built over (injected by
``create_app``, so tests, the demo and the real app construct the same ``SsTuiApp`` over
different parts), the services, the keymap, and the live state the app owns.

Screens never reach into the app: they read this context and post request messages
(ss_tui/tui/messages.py) that the app handles. ``context_of`` is how a screen finds it
without knowing the App class.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from textual.app import App
from textual.dom import DOMNode
from textual.signal import Signal

from ss_tui.config import Settings
from ss_tui.discovery.report import DiscoveryReport
from ss_tui.engine.fetcher import FetchResult
from ss_tui.engine.run import RunResult
from ss_tui.sessionstudio.tokens import TokenStore
from ss_tui.tui.discovery_state import DiscoveryState
from ss_tui.tui.keymap import Keymap
from ss_tui.tui.operation import Operation
from ss_tui.tui.refresh_state import RefreshState
from ss_tui.tui.run_state import RunState
from ss_tui.tui.services import Services


def utcnow() -> datetime:
    return datetime.now(UTC)


class Live:
    """The state the app owns and screens watch (subscribe, never assign): the account the
    screens work on, the three background operations, and "the database changed"."""

    def __init__(self, owner: DOMNode) -> None:
        self.account: uuid.UUID | None = None  # ss_connections.id the screens work on
        self.run: Operation[RunState, RunResult] = Operation(owner, "run", RunState())
        self.refresh: Operation[RefreshState, FetchResult] = Operation(
            owner, "refresh", RefreshState())
        self.discovery: Operation[DiscoveryState, DiscoveryReport] = Operation(
            owner, "discovery", DiscoveryState())
        # Published with a reason after runs, refreshes, retries, account changes.
        self.data_changed: Signal[str] = Signal(owner, "data_changed")


@dataclass(slots=True, eq=False)
class AppContext:
    settings: Settings
    db_engine: AsyncEngine
    token_store: TokenStore
    api_base_url: str
    # Demo/tests: an httpx transport (e.g. ASGITransport onto the in-process simulator).
    http_transport: httpx.AsyncBaseTransport | None = None
    # The in-process simulator when running `ss-tui demo` (lets the demo auto-approve flows).
    simulator: object | None = None
    clock: Callable[[], datetime] = utcnow
    # Deterministic rendering for screenshots: no clock in the header, no animations.
    frozen: bool = False
    # Test and demo injections by name (a sleep, providers, settings): their types vary.
    extras: dict[str, Any] = field(default_factory=dict)
    keymap: Keymap = field(default_factory=dict)  # applied at start-up (ss_tui/tui/keymap.py)
    services: Services = field(init=False)
    # Attached by the app when it is built: its signals belong to the app.
    live: Live = field(init=False)

    def __post_init__(self) -> None:
        self.services = Services(self)


def context_of(app: App[object]) -> AppContext:
    """The context of the running dashboard (what ``SsTuiApp`` carries as ``ctx``)."""
    ctx = getattr(app, "ctx", None)
    if not isinstance(ctx, AppContext):
        raise TypeError(f"{type(app).__name__} is not the ss-tui dashboard")
    return ctx
