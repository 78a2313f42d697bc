"""The browser pages from SQL, filters as you type, selects with counts."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from textual.widgets import DataTable, Select, Static

from ss_tui.tui.screens.browser import PAGE_SIZE, BrowserScreen
from ss_tui.tui.screenshots import settle
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text


async def test_pages_load_on_demand_and_filters_apply(seeded, make_app) -> None:
    seeded(projects=250, imported=10, errors=2)
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        table = screen.query_one("#projects", DataTable)
        assert screen.total == 250
        assert table.row_count == PAGE_SIZE  # one page, not the catalogue

        await pilot.press("ctrl+end")  # to the last loaded row: the next page arrives
        await settle(pilot)
        assert table.row_count == 2 * PAGE_SIZE
        assert "200 of 250 projects shown" in screen_text(app)

        await pilot.press("slash", *"00017")  # search as you type
        await settle(pilot)
        assert screen.total == 1 and table.row_count == 1
        assert "Project 00017" in screen_text(app)

        await pilot.press("ctrl+a")  # (in the search box: select-all text, not rows)
        screen.query_one("#search").value = ""
        await settle(pilot)
        assert screen.total == 250

        screen.query_one("#f-state", Select).value = "imported"
        await settle(pilot)
        assert screen.total == 10

        screen.query_one("#f-state", Select).value = "errors"
        await settle(pilot)
        assert screen.total == 2

        screen.query_one("#f-state", Select).clear()
        screen.query_one("#f-type", Select).value = "album"
        await settle(pilot)
        assert screen.total == len([i for i in range(250) if i % 4 == 2])


async def test_multi_select_counts_tracks(seeded, make_app) -> None:
    seeded(projects=50, tracks_per_project=4)
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        assert list(screen.selected) == ["prj_000000", "prj_000001", "prj_000002"]
        assert "3 selected (12 tracks)" in screen_text(app)
        await pilot.press("up", "space")  # unselect the third
        await settle(pilot)
        assert "2 selected (8 tracks)" in screen_text(app)
        await pilot.press("x")
        await settle(pilot)
        assert "0 selected" in screen_text(app)


async def test_detail_pane_shows_tracks_credits_stems_splits(seeded, make_app) -> None:
    seeded(projects=5)
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        for heading in ("Tracks (3)", "Collaborators", "Stems", "Splits", "Writer 0", "100%"):
            assert heading in text

        # The pane follows the search: another project, then none at all.
        await pilot.press("slash", *"00003")
        await settle(pilot)
        assert "Session Studio id prj_000003" in screen_text(app)
        await pilot.press("x")
        await settle(pilot)
        text = screen_text(app)
        assert "Highlight a project to see its tracks" in text and "prj_000003" not in text


async def test_search_matches_title_artist_or_exact_id_and_escapes_wildcards(
    seeded, tui_db_url
) -> None:
    from sqlalchemy.pool import NullPool

    from ss_tui.db.engine import create_engine
    from ss_tui.queries import projects as q

    s = seeded(projects=60, titles={5: "100% Pure", 6: "1000 Pure"})
    engine = create_engine(tui_db_url, poolclass=NullPool)
    try:
        async def ids(search: str) -> list[str]:
            f = q.ProjectFilter(connection_id=s.connection_id, search=search)
            rows = await q.page_projects(engine, f, limit=100)
            assert await q.count_projects(engine, f) == len(rows)
            return [r.external_id for r in rows]

        assert await ids("100%") == ["prj_000005"]  # % is literal, not a wildcard
        assert await ids("prj_000042") == ["prj_000042"]  # exact id (the _ is literal too)
        assert len(await ids("artist 3")) == len([i for i in range(60) if i % 7 == 3])
        assert await ids("no such thing") == []
    finally:
        await engine.dispose()


async def test_scrolling_without_moving_the_cursor_pages_in_more_rows(seeded, make_app) -> None:
    """What the mouse wheel does: the view scrolls, the cursor stays on its row."""
    seeded(projects=250)
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#projects", DataTable)
        assert table.row_count == PAGE_SIZE
        cursor_before = table.cursor_row
        table.scroll_end(animate=False)
        await settle(pilot)
        assert table.cursor_row == cursor_before
        assert table.row_count == 2 * PAGE_SIZE


def _pane_text(app: Any) -> str:
    """The detail pane's content as plain text, wide enough not to wrap."""
    console = Console(width=80, file=io.StringIO(), color_system=None)
    console.print(app.screen.query_one("#project-detail", Static).content)
    return console.file.getvalue()  # type: ignore[attr-defined]


async def test_detail_pane_shows_import_state_and_open_errors(seeded, make_app) -> None:
    seeded(projects=5, imported=2, errors=1)  # prj_000000: imported, one open error
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert ("Session Studio id prj_000000\n✓ imported\n"
                "1 open sync error(s): see Errors (F5)\n") in _pane_text(app)
        assert "1 open sync error(s)" in screen_text(app)

        await pilot.press("down")  # prj_000001: imported, no error
        await settle(pilot)
        pane = _pane_text(app)
        assert "Session Studio id prj_000001\n✓ imported\n" in pane
        assert "open sync error" not in pane

        await pilot.press("down")  # prj_000002: never imported
        await settle(pilot)
        pane = _pane_text(app)
        assert "Session Studio id prj_000002\n● new\n" in pane
        assert "open sync error" not in pane


async def test_titles_and_artists_widen_with_the_terminal(seeded, make_app) -> None:
    """At 100 columns a long title is cut to fit; on a wide terminal the list takes its share
    of the width and the title is read whole, without reloading the rows."""
    long_title = "The Extraordinarily Long Title Of A Deluxe Edition"
    seeded(projects=5, titles={0: long_title})
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#projects", DataTable)
        assert long_title not in screen_text(app)
        rows = table.row_count

        await pilot.resize_terminal(240, 40)
        await settle(pilot)
        assert long_title in screen_text(app)
        assert table.row_count == rows

        await pilot.resize_terminal(*SIZE)
        await settle(pilot)
        assert long_title not in screen_text(app)
