"""Below 130 columns the wide tables drop their least needed columns instead of scrolling
sideways, and take them back when the terminal widens again (a resize, not a restart)."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable

from ss_tui.tui.screenshots import settle
from tests.tui.helpers import screen_text


async def test_history_fits_100_columns_and_widens_again(seeded: Any, make_app: Any) -> None:
    seeded(projects=10, runs=2, imported=4, errors=2)
    app = make_app("history")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#runs", DataTable)
        assert "Account" in screen_text(app) and "Approved" in screen_text(app)

        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        text = screen_text(app)
        assert "Account" not in text and "Approved" not in text
        assert "release 4, recording 12" in text  # the rows came back, whole
        assert table.row_count == 2
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no sideways

        await pilot.resize_terminal(160, 45)
        await settle(pilot)
        assert "Account" in screen_text(app) and table.row_count == 2
