"""What "refresh from Session Studio" has done so far, folded from engine events: the
``detail`` of the refresh operation (ss_tui/tui/operation.py).

Kept apart from ``RunState``: a refresh only fills the local snapshot, it is not an import
run, and the browser (not the Progress screen) shows it. Pure data, testable without a screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ss_tui.engine import events as ev


@dataclass(slots=True)
class RefreshState:
    fetched: int = 0  # projects fetched so far
    total: int | None = None  # known only once the listing ended
    # Set when the token was revoked mid-refresh; a new refresh starts without it.
    reconnect_message: str | None = None

    @property
    def progress(self) -> tuple[float, float | None]:
        return float(self.fetched), (float(self.total) if self.total is not None else None)

    def apply(self, event: object, now: datetime | None = None) -> bool:
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
