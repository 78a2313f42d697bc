"""Shared behaviour of the dashboard's screens: help text, context access, table cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.screen import Screen
from textual.widgets import DataTable

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

    def cursor_key(self, table_id: str) -> str | None:
        """The row key under the cursor of the DataTable ``#table_id``; None when empty."""
        table = self.query_one(f"#{table_id}", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
