"""The state of "refresh from Session Studio", folded from engine events.

Kept apart from ``RunState``: a refresh only fills the local snapshot, it is not an import
run, and the browser (not the Progress screen) shows it. Pure data, testable without a screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ss_tui.engine import events as ev


@dataclass(slots=True)
class RefreshState:
    active: bool = False
    fetched: int = 0  # projects fetched so far
    total: int | None = None  # known only once the listing ended
    # Set when the token was revoked mid-refresh; cleared when the refresh runs again.
    reconnect_message: str | None = None

    def start(self) -> None:
        self.active = True
        self.fetched = 0
        self.total = None
        self.reconnect_message = None

    def apply(self, event: Any) -> bool:
        """Fold one engine event; True when it changed what the screen shows."""
        match event:
            case ev.FetchProgress():
                self.fetched = event.fetched
                self.total = event.total
                return True
            case ev.ReconnectNeeded():
                self.reconnect_message = event.message
                return True
        return False
