"""The dashboard's user stories end to end: simulator in-process (ASGI), a real migrated
SQLite file, the real engine, driven by Pilot key presses."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, Tree

from ss_tui.engine.plan_types import EntityKind
from ss_tui.simulator import SimulatorConfig
from ss_tui.tui.messages import DataChanged
from ss_tui.tui.screens.browser import PAGE_SIZE, BrowserScreen
from ss_tui.tui.screens.preview import PreviewScreen
from ss_tui.tui.screens.progress import ProgressScreen
from ss_tui.tui.screenshots import settle
from tests.tui.conftest import SIZE
from tests.tui.helpers import count_rows, screen_text


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(seed=7, projects=50, device_interval=1)


async def test_connect_browse_preview_apply(story_app, simulator, tui_db_url) -> None:
    app = story_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "No account yet" in screen_text(app)

        # (1) connect via the device flow: code shown, approved by the simulator.
        await pilot.press("d")
        await settle(pilot)
        assert await story_app.store.get(simulator.demo_account_id) is not None
        await settle(pilot)
        assert "Demo Label" in screen_text(app)
        assert app.selected_account is not None

        # Browse: refresh from Session Studio fills the local snapshot.
        await pilot.press("f3")
        await pilot.press("r")
        await settle(pilot)
        browser = app.screen
        assert isinstance(browser, BrowserScreen)
        assert browser.total == 50

        # Filter: albums only, then select 3.
        browser.query_one("#f-type").value = "album"
        await settle(pilot)
        albums = browser.total
        assert 3 <= albums < 50
        await pilot.press("space", "space", "space")
        assert len(browser.selected) == 3
        assert "3 selected" in screen_text(app)

        # Preview: every entity is a create on an empty database.
        await pilot.press("p")
        await settle(pilot)
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        totals = preview.plan.totals()
        assert totals["create"] > 0 and totals["update"] == 0
        assert "+ " in screen_text(app)

        # Exclude one track (its recording) in the tree.
        tree = preview.query_one("#plan-tree", Tree)
        node = next(n for n in _walk(tree.root)
                    if n.data and n.data[1] is not None
                    and n.data[1].kind == EntityKind.recording)
        tree.move_cursor(node)
        await settle(pilot)
        excluded_key, excluded_tid = node.data[1].key, node.data[1].external_id
        kept_tid = next(e.external_id for e in node.data[0].entities
                        if e.kind == EntityKind.recording and e.key != excluded_key)
        assert excluded_tid and kept_tid
        await pilot.press("x")
        assert node.data[1].included is False
        await settle(pilot)  # re-planned without that recording (and its credits, track)
        assert all(e.key != excluded_key or not e.included
                   for p in preview.plan.projects for e in p.entities)
        created_recordings = sum(1 for p in preview.plan.projects for e in p.entities
                                 if e.kind == EntityKind.recording and e.included)

        # Apply, confirm, watch progress to the end.
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ProgressScreen)
        state = app.run_state
        assert state.status == "succeeded", "\n".join(m for _l, m in state.log)
        assert state.done_projects == 3
        assert "Finished: succeeded" in screen_text(app)

    assert await count_rows(tui_db_url, "discog_releases") == 3
    assert await count_rows(tui_db_url, "discog_recordings") == created_recordings
    # The excluded recording was not written; a sibling in the same project was.
    by_ssid = "json_extract(metadata, '$.sessionStudioId') = '{}'"
    assert await count_rows(tui_db_url, "discog_recordings", by_ssid.format(excluded_tid)) == 0
    assert await count_rows(tui_db_url, "discog_recordings", by_ssid.format(kept_tid)) == 1


def _walk(node: Any) -> Any:
    for child in node.children:
        yield child
        yield from _walk(child)


async def test_browser_shows_the_refreshed_catalogue(story_app, simulator) -> None:
    """Sanity: the browser over real engine snapshots shows the catalogue's titles."""
    app = story_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(*simulator.personal_token(), "enter")
        await settle(pilot)
        await pilot.press("f3", "r")
        await settle(pilot)
        table = app.screen.query_one("#projects", DataTable)
        assert table.row_count == 50
        first = str(table.get_cell_at((0, 1)))
        assert first and first in screen_text(app)
        http = app.ctx.services._http
        assert http is not None and not http.is_closed
    assert http.is_closed  # the app closed its HTTP client when it unmounted


async def test_selected_table_rows_survive_paging(seeded, make_app) -> None:
    """Marks and the selection survive loading more pages and a reload of the first one."""
    seeded(projects=2 * PAGE_SIZE + 50, tracks_per_project=2)
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browser = app.screen
        assert isinstance(browser, BrowserScreen)
        table = browser.query_one("#projects", DataTable)
        assert table.row_count == PAGE_SIZE

        def marked_rows() -> set[str]:
            return {str(k.value) for k in table.rows
                    if str(table.get_cell(str(k.value), "sel")) == "●"}

        await pilot.press("space", "space", "down", "space")  # rows 0, 1 and 3
        first = {"prj_000000", "prj_000001", "prj_000003"}
        assert set(browser.selected) == first

        await pilot.press("ctrl+end")  # to the last loaded row: the next page arrives
        await settle(pilot)
        assert table.row_count == 2 * PAGE_SIZE
        assert marked_rows() == first and set(browser.selected) == first

        # Select on the second page, page in the third: every mark stays.
        table.move_cursor(row=PAGE_SIZE + 10)
        await settle(pilot)
        await pilot.press("space", "ctrl+end")
        await settle(pilot)
        both = first | {f"prj_{PAGE_SIZE + 10:06d}"}
        assert table.row_count == 2 * PAGE_SIZE + 50
        assert marked_rows() == both and set(browser.selected) == both
        assert "4 selected (8 tracks)" in screen_text(app)

        # The data changed: back to the first page, the selection (and its marks) kept.
        app.post_message(DataChanged("run"))
        await settle(pilot)
        assert table.row_count == PAGE_SIZE
        assert set(browser.selected) == both
        assert marked_rows() == first  # the rows on this page that are selected


async def test_cancel_mid_run_stops_at_a_project_boundary(story_app, simulator,
                                                          tui_db_url, monkeypatch) -> None:
    from ss_tui.engine import applier
    from ss_tui.engine import events as ev
    from ss_tui.tui.widgets.dialogs import ConfirmDialog

    # New projects are written a group per transaction; one a transaction here, so the
    # three-project run has boundaries to pause and cancel at.
    monkeypatch.setattr(applier, "GROUP_PROJECTS", 1)

    app = story_app("connect")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("f3", "r")
        await settle(pilot)
        await pilot.press("space", "space", "space", "p")
        await settle(pilot)

        # Pause at the first project boundary, as staff pressing space would.
        apply = app.ctx.services.apply
        paused = False

        async def pausing_apply(plan: Any, sink: Any, control: Any) -> Any:
            async def pausing_sink(event: ev.EngineEvent) -> None:
                nonlocal paused
                await sink(event)
                if isinstance(event, ev.ProjectFinished) and not paused:
                    paused = True
                    app.toggle_pause()

            return await apply(plan, pausing_sink, control)

        app.ctx.services.apply = pausing_apply  # type: ignore[method-assign]
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        for _ in range(5):
            await pilot.pause()
        assert app.run_state.paused and app.run_state.active

        await pilot.press("k")  # cancel asks first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        state = app.run_state
        assert state.status == "cancelled"
        assert state.done_projects == 1
        assert "Finished: cancelled" in screen_text(app)

    assert await count_rows(tui_db_url, "discog_releases") == 1  # nothing half-written


async def test_enter_on_the_apply_dialog_says_nothing_was_written(story_app, simulator,
                                                                 tui_db_url) -> None:
    """Enter presses the dialog's highlighted button, the safe one; the dialog says so
    beforehand and the preview says afterwards that nothing was written."""
    from ss_tui.tui.screens.preview import PreviewScreen
    from ss_tui.tui.widgets.dialogs import ConfirmDialog

    app = story_app("connect")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("f3", "r")
        await settle(pilot)
        await pilot.press("space", "p")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Enter: highlighted button" in screen_text(app)
        assert app.screen.focused is not None and app.screen.focused.id == "no"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PreviewScreen)
        assert any("Not applied: nothing was written" in n.message
                   for n in app._notifications)

    assert await count_rows(tui_db_url, "discog_releases") == 0
