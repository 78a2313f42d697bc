"""Rough edges a new user met on the dashboard: each test fails on the code before its fix."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from rich.cells import cell_len
from sqlalchemy.pool import NullPool
from textual.widgets import DataTable, Select

from ss_tui.db.engine import create_engine
from ss_tui.tui.screens.browser import PAGE_SIZE, BrowserScreen
from ss_tui.tui.screens.errors import ErrorsScreen
from ss_tui.tui.screenshots import settle
from tests.fixtures.db import run_async
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text


async def test_errors_opened_from_progress_show_the_run_and_filter(seeded, make_app) -> None:
    s = seeded(projects=10, errors=5)
    app = make_app("progress")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.run_state.run_id = str(s.run_id)  # what the engine's events carry: a string
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ErrorsScreen)
        assert "5 of 5 errors shown" in screen_text(app)
        await pilot.press("slash", *"503")
        await settle(pilot)
        await pilot.pause(0.3)  # the search's debounce
        await settle(pilot)
        assert "3 of 3 errors shown" in screen_text(app)
        screen.query_one("#f-kind", Select).value = "conflict"
        await settle(pilot)
        assert "1 of 1 errors shown" in screen_text(app)


async def test_errors_status_choices_are_distinct(make_app) -> None:
    app = make_app("errors")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select = app.screen.query_one("#f-status", Select)
        labels = [str(prompt) for prompt, _value in select._options if _value is not Select.NULL]
        assert len(labels) == len(set(labels)), labels


async def test_end_and_down_on_the_last_row_load_the_next_page(seeded, make_app) -> None:
    seeded(projects=250)
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#projects", DataTable)
        assert table.row_count == PAGE_SIZE
        await pilot.press("end")
        await settle(pilot)
        assert table.row_count == 2 * PAGE_SIZE
        await pilot.press("end")  # the last loaded row: the third (last) page comes in
        await settle(pilot)
        assert table.row_count == 250
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_row == 249


async def test_down_on_the_last_loaded_row_loads_more(seeded, make_app) -> None:
    seeded(projects=150)
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        table = screen.query_one("#projects", DataTable)
        # Rows shown without the prefetch (as when it failed or had not started yet).
        screen._more, screen._loading_more = True, True
        table.move_cursor(row=PAGE_SIZE - 1)
        await settle(pilot)
        screen._loading_more = False
        assert table.row_count == PAGE_SIZE
        await pilot.press("down")
        await settle(pilot)
        assert table.row_count == 150
        assert table.cursor_row == PAGE_SIZE


async def test_select_all_selects_every_matching_project(seeded, make_app) -> None:
    seeded(projects=250, tracks_per_project=2)
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert len(screen.selected) == 250  # all matching, not just the 100 loaded
        assert screen.query_one("#projects", DataTable).row_count == PAGE_SIZE
        assert "250 selected (500 tracks)" in screen_text(app)


async def _palette_titles(app, pilot, query: str) -> list[str]:
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await settle(pilot)
    await pilot.press(*query)
    await pilot.pause(0.5)  # the palette searches in the background
    await settle(pilot)
    options = app.screen.query_one(CommandList)
    titles = [str(options.get_option_at_index(i).prompt.plain
                  if hasattr(options.get_option_at_index(i).prompt, "plain")
                  else options.get_option_at_index(i).prompt)
              for i in range(options.option_count)]
    await pilot.press("escape")
    await settle(pilot)
    return titles


async def test_palette_finds_main_actions_by_name_without_repeats(seeded, make_app) -> None:
    seeded(projects=5)
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = list(app.get_system_commands(app.screen))
        pairs = [(c.title, c.help) for c in commands]
        assert len(pairs) == len(set(pairs))
        assert not [c.title for c in commands if c.title == c.help], "title repeated as help"
        for query, expected in (("import", "Import"), ("retry", "Retry"),
                                ("export", "Export"), ("connect", "Connect")):
            titles = await _palette_titles(app, pilot, query)
            assert any(expected in t for t in titles), (query, titles)


NARROW, WIDE = (100, 30), (160, 45)


def _inside(widget, size) -> bool:
    region = widget.region
    return (region.width > 0 and region.height > 0
            and region.right <= size[0] and region.bottom <= size[1])


@pytest.mark.parametrize("size", [NARROW, WIDE])
async def test_browse_fits_the_terminal(seeded, make_app, size) -> None:
    seeded(projects=30, titles={0: "A ⛔ Stop ⛔ Sign", 1: "A 東京 Nights"})
    app = make_app("browser")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        for selector in ("#f-sort", "#f-state", "#search", "#projects", "#browser-detail"):
            assert _inside(screen.query_one(selector), size), selector
        assert screen.query_one("#browser-detail").region.height >= 6
        text = screen_text(app)
        assert "Title" in text.splitlines()[2] or "Title" in text  # the sort select's value
        # Wide glyphs never push a pane border sideways: every border cell in one column
        # (counted in terminal cells: "⛔" and "東" take two).
        lines = text.splitlines()
        assert any("⛔ Stop" in line for line in lines) and any("東京" in line for line in lines)
        columns = {cell_len(line[:line.index("▏")]) for line in lines[4:-2] if "▏" in line}
        assert len(columns) <= 1, columns


@pytest.mark.parametrize("size", [NARROW, WIDE])
async def test_footers_show_whole_keys_only(seeded, make_app, size) -> None:
    from textual.widgets._footer import FooterKey

    seeded(projects=5, errors=3)
    for mode in ("connect", "browser", "progress", "errors", "history", "jobs", "stats"):
        app = make_app(mode)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            keys = list(app.screen.query(FooterKey))
            assert keys and any(k.key == "f1" for k in keys), mode
            for key in keys:
                assert key.region.right <= size[0], (mode, key.description, key.region)


async def test_errors_last_seen_column_is_whole_at_100_columns(seeded, make_app) -> None:
    seeded(projects=5, errors=3)
    app = make_app("errors")
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        assert any("Last seen" in line for line in lines)
        rows = [line for line in lines if "invalid_data" in line and "trk_000000" in line]
        assert rows and "2026-01-15 12:00" in rows[0]  # in the table row, not cut to "… 12"
        assert _inside(app.screen.query_one("#errors-detail"), NARROW)


async def test_stats_counts_read_right_and_charts_are_drawn(seeded, make_app, tui_db_url) -> None:
    from textual_plotext import PlotextPlot

    seeded(projects=5, runs=2)

    async def one_request() -> None:
        engine = create_engine(tui_db_url, poolclass=NullPool)
        async with engine.begin() as conn:
            await conn.execute(sa.text(
                "UPDATE import_runs SET api_requests = 1, "
                "counts = json_set(counts, '$.api_mean_latency_ms', 120.5)"))
            await conn.execute(sa.text(
                "UPDATE import_runs SET api_requests = 0 WHERE rowid = "
                "(SELECT max(rowid) FROM import_runs)"))
        await engine.dispose()

    run_async(one_request)
    app = make_app("stats")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "API 1 request," in text and "1 requests" not in text
        assert "2 runs" in text
        assert len(app.screen.query(PlotextPlot)) == 2
        assert "Runs per day" in text and "API response time" in text


async def test_footer_refits_when_the_terminal_is_resized(seeded, make_app) -> None:
    from textual.widgets._footer import FooterKey

    seeded(projects=5)
    app = make_app("browser")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        wide = {k.description for k in app.screen.query(FooterKey)}
        await pilot.resize_terminal(*NARROW)
        await settle(pilot)
        narrow = {k.description for k in app.screen.query(FooterKey)}
        assert narrow < wide and "Help" in narrow
        for key in app.screen.query(FooterKey):
            assert key.region.right <= NARROW[0]
