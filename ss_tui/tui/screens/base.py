"""Shared behaviour of the dashboard's screens: help text, the context, requests to the app,
the table cursor.

A screen knows the typed context (ss_tui/tui/context.py), never the App class: it reads
``self.ctx`` and asks the app for anything beyond itself with ``self.request(...)``.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual._context import NoActiveAppError
from textual.screen import Screen
from textual.widgets import DataTable

from ss_tui.tui.context import AppContext, context_of
from ss_tui.tui.messages import Request


class BaseScreen(Screen[None]):
    """A dashboard screen. ``HELP`` is trusted Markdown that F1 shows with the bindings."""

    HELP: ClassVar[str] = ""

    def __init__(self, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name, id, classes)
        # Textual marks a new screen's styles stale (-1), so the first switch to it re-parses
        # every stylesheet and restyles the whole app, twice (~30 ms of a screen's first
        # open; see bench/README.md). Its widgets are styled as they mount, with the
        # stylesheet of now: up to date unless the theme changes before it shows, which
        # bumps the app's count and still triggers the refresh.
        # Likewise its breakpoint class ("-narrow"/"-wide"), which Textual adds on the first
        # resize, restyling every widget again: set now, the resize finds nothing to change.
        self._styled_once = False  # not yet resumed, nor suspended, since styled at mount
        try:
            self._css_update_count = self.app._css_update_count
            width = self.app.size.width
        except NoActiveAppError:  # built outside a running app (a test): Textual's default
            return
        breakpoints = self.HORIZONTAL_BREAKPOINTS or self.app.HORIZONTAL_BREAKPOINTS or []
        self.add_class(*self._get_breakpoint_classes(width, breakpoints))

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Textual's own handler. A screen shown for the first time was styled as
        # its widgets mounted; Textual's restyle on resume (twice: a new mode posts two
        # resumes) is for a screen whose classes changed while it was hidden.
        if not self._styled_once:
            event.refresh_styles = False

    def _on_screen_suspend(self) -> None:
        self._styled_once = True

    @property
    def ctx(self) -> AppContext:
        return context_of(self.app)

    def request(self, message: Request) -> None:
        """Ask the app (posted to it directly: the request outlives a dismissed screen)."""
        self.app.post_message(message)

    def cursor_key(self, table_id: str) -> str | None:
        """The row key under the cursor of the DataTable ``#table_id``; None when empty."""
        table = self.query_one(f"#{table_id}", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
