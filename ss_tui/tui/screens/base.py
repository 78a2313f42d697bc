"""Shared behaviour of the dashboard's screens: help text, the context, requests to the app,
the table cursor.

A screen knows the typed context (ss_tui/tui/context.py), never the App class: it reads
``self.ctx`` and asks the app for anything beyond itself with ``self.request(...)``.
"""

from __future__ import annotations

from typing import ClassVar

from textual.screen import Screen
from textual.widgets import DataTable

from ss_tui.tui.context import AppContext, context_of
from ss_tui.tui.messages import Request


class BaseScreen(Screen[None]):
    """A dashboard screen. ``HELP`` is trusted Markdown that F1 shows with the bindings."""

    HELP: ClassVar[str] = ""

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
