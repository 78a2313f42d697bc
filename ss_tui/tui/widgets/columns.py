"""Table columns that fit the terminal: below ``NARROW_BELOW`` columns (the app's "-narrow"
breakpoint) some columns shrink and the least needed go, so a table never scrolls sideways
at the smallest supported size, 100x30 (the details stay one keypress away)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.widgets import DataTable

NARROW_BELOW = 130  # the same breakpoint as SsTuiApp.HORIZONTAL_BREAKPOINTS


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    narrow: int | None  # its width below NARROW_BELOW; None: not shown there


def is_narrow(width: int) -> bool:
    return width < NARROW_BELOW


def fit_columns(table: DataTable[Any], columns: tuple[Column, ...], width: int) -> tuple[str, ...]:
    """(Re)build ``table``'s columns for a terminal ``width`` wide (its rows go too: reload
    them); returns the keys shown, in order."""
    narrow = is_narrow(width)
    table.clear(columns=True)
    shown: list[str] = []
    for column in columns:
        size = column.narrow if narrow else column.width
        if size is not None:
            table.add_column(column.label, key=column.key, width=size)
            shown.append(column.key)
    return tuple(shown)
