"""``ss-tui errors export`` writes the Errors screen's table as CSV: the same headers in the
same order and the same text in every cell (made visible the same way), never cut short; the
screen's own export (**e**) writes the same file."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

from click.testing import CliRunner
from textual.widgets import DataTable

from ss_tui.cli import cli
from ss_tui.tui.screens.errors import ErrorsScreen
from ss_tui.tui.screenshots import settle
from tests.tui.conftest import SIZE

# A title long enough to be cut on screen, with an escape sequence and a bidi override that
# must be shown, not obeyed, in both places.
TRICKY = "Évora \x1b[31mred\x1b[0m \u202eevil " + "very long title " * 12


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


async def test_the_csv_export_has_exactly_the_errors_screens_columns(
    seeded, make_app, tui_db_url, tmp_path
) -> None:
    seeded(projects=6, errors=5, titles={0: TRICKY, 4: TRICKY})
    exported = tmp_path / "cli.csv"
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, ["errors", "export", "--status", "all", "-o", str(exported)],
        env={"SS_TUI_DATABASE_URL": tui_db_url},
    )
    assert result.exit_code == 0, result.output
    header, *rows = _read_csv(exported)

    app = make_app("errors")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ErrorsScreen)
        table = screen.query_one("#errors", DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[0].strip() == ""  # the mark column: the screen's own, not data
        assert header == labels[1:]
        shown = [[cell.plain for cell in table.get_row_at(i)][1:] for i in range(table.row_count)]
        assert len(shown) == len(rows) == 5
        for on_screen, in_csv in zip(shown, rows, strict=True):
            for cell, value in zip(on_screen, in_csv, strict=True):
                # The screen cuts long text with "…"; the CSV keeps all of it.
                assert cell == value or (cell.endswith("…") and value.startswith(cell[:-1]))
        cut = [v for row in rows for v in row if "very long title" in v]
        assert cut and all(v.count("very long title") == 12 for v in cut)
        assert all("\\x1b[31m" in v and "\\u202e" in v and "\x1b" not in v for v in cut)

        await pilot.press("e")  # the screen's export: the same file
        await settle(pilot)
    (from_screen,) = tmp_path.glob("sync-errors-*.csv")
    assert _read_csv(from_screen) == [header, *rows]
