"""What the dashboard is built from: injected by the factory so tests, the demo and the real
app construct the same ``SsTuiApp`` over different parts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ss_tui.config import Settings


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class AppContext:
    settings: Settings
    db_engine: Any  # sqlalchemy AsyncEngine (typed loosely: the TUI only hands it on)
    token_store: Any  # ss_tui.sessionstudio.tokens.TokenStore
    api_base_url: str
    # Demo/tests: an httpx transport (e.g. ASGITransport onto the in-process simulator).
    http_transport: Any = None
    # The in-process simulator when running `ss-tui demo` (lets the demo auto-approve flows).
    simulator: Any = None
    clock: Callable[[], datetime] = utcnow
    # Deterministic rendering for screenshots: no clock in the header, no animations.
    frozen: bool = False
    extras: dict[str, Any] = field(default_factory=dict)
