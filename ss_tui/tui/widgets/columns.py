"""Table columns that fit the terminal: below ``NARROW_BELOW`` columns (the app's "-narrow"
breakpoint) columns shrink and the least needed go, so a table never scrolls sideways at
the smallest supported size, 100x30 (what goes stays one keypress away)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.widgets import DataTable

NARROW_BELOW = 130  # the same breakpoint as SsTuiApp.HORIZONTAL_BREAKPOINTS


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    narrow: int | None  # its width below NARROW_BELOW; None: not shown there


class FittedColumns:
    """A table's columns for the current terminal width. ``fit`` on mount and on resize;
    ``cells`` orders a row's cells (by column key) as the shown columns are."""

    def __init__(self, *columns: Column) -> None:
        self.columns = columns
        self.keys: tuple[str, ...] = ()
        self._narrow: bool | None = None

    def fit(self, table: DataTable[object], width: int) -> bool:
        """(Re)build ``table``'s columns when ``width`` crossed the breakpoint (or at first);
        True when it did: the table's rows went too, load them again."""
        narrow = width < NARROW_BELOW
        if narrow == self._narrow:
            return False
        self._narrow = narrow
        table.clear(columns=True)
        shown: list[str] = []
        for column in self.columns:
            size = column.narrow if narrow else column.width
            if size is not None:
                table.add_column(column.label, key=column.key, width=size)
                shown.append(column.key)
        self.keys = tuple(shown)
        return True

    def cells(self, by_key: Mapping[str, object]) -> list[object]:
        return [by_key[k] for k in self.keys]
