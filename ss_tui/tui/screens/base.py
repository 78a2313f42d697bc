"""Shared behaviour of the dashboard's screens: help text and context access."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.screen import Screen

if TYPE_CHECKING:
    from ss_tui.tui.app import SsTuiApp
    from ss_tui.tui.context import AppContext


class BaseScreen(Screen[None]):
    """A dashboard screen. ``HELP`` is trusted Markdown that F1 shows with the bindings."""

    HELP: ClassVar[str] = ""

    @property
    def ss_app(self) -> SsTuiApp:
        return self.app  # type: ignore[return-value]

    @property
    def ctx(self) -> AppContext:
        return self.ss_app.ctx
