"""F1: help for the screen underneath, its keys included."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Markdown, Static


def _binding_rows(screen: Screen[object]) -> list[tuple[str, str]]:
    """(key, description) of every binding active on ``screen`` and the app."""
    own: list[tuple[str, str]] = []
    app_keys: list[tuple[str, str]] = []
    widget_keys: list[tuple[str, str]] = []
    seen: set[str] = set()
    for node, binding, _enabled, _tooltip in screen.active_bindings.values():
        if not binding.description or binding.key in seen:
            continue
        seen.add(binding.key)
        row = (screen.app.get_key_display(binding), binding.description)
        # This screen's keys first, then the app's (screens, quit), then the widgets' moves.
        (own if node is screen else app_keys if node is screen.app else widget_keys).append(row)
    return own + app_keys + widget_keys


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self._target = screen

    def compose(self) -> ComposeResult:
        title = getattr(self._target, "TITLE", None) or type(self._target).__name__
        with VerticalScroll(id="help-box"):
            yield Static(Text(f"Help — {title}", style="bold"), id="help-title")
            yield Markdown(getattr(self._target, "HELP", "") or "No help for this screen.")
            table: DataTable[Text] = DataTable(id="help-keys", cursor_type="none")
            table.add_columns("Key", "Action")
            for key, desc in _binding_rows(self._target):
                table.add_row(Text(key, style="bold"), Text(desc))
            yield table
