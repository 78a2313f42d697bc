"""A token revoked during "refresh from Session Studio": the screen asks to reconnect,
nothing fetched is lost, and after reconnecting (device flow) the refresh resumes."""

from __future__ import annotations

import pytest
from textual.widgets import ProgressBar

from ss_tui.engine import events as ev
from ss_tui.simulator import SimulatorConfig
from ss_tui.simulator.config import FaultConfig
from ss_tui.tui.messages import OperationEvent
from ss_tui.tui.refresh_state import RefreshState
from ss_tui.tui.screens.browser import BrowserScreen
from ss_tui.tui.screens.connect import ConnectScreen
from ss_tui.tui.screenshots import settle
from tests.tui.conftest import SIZE
from tests.tui.helpers import count_rows, screen_text

PROJECTS = 150  # two listing pages of 100: the revocation lands between them


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(seed=11, projects=PROJECTS, device_interval=1)


async def test_revoked_token_during_refresh_asks_to_reconnect_and_resumes(
    story_app, simulator, tui_db_url
) -> None:
    app = story_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")  # connect via the device flow
        await settle(pilot)
        assert app.selected_account is not None

        # Every token is revoked after the first listing page was served.
        simulator.set_faults(FaultConfig(revoke_after_requests=1))
        await pilot.press("f3", "r")
        await settle(pilot)
        browser = app.screen
        assert isinstance(browser, BrowserScreen)
        text = screen_text(app)
        assert "Reconnect needed" in text and "Press c (or F2) to reconnect" in text
        assert browser.total == 100  # the first page is kept and browsable
        assert await count_rows(tui_db_url, "ss_connections",
                                "status = 'reconnect_needed' AND sync_cursor IS NULL") == 1
        assert not browser.query_one("#refresh-box").display  # no progress left behind

        await pilot.press("c")  # the prompt jumps to Connect, which names the state
        await settle(pilot)
        assert isinstance(app.screen, ConnectScreen)
        assert "reconnect needed" in screen_text(app)

        await pilot.press("d")  # reconnect: the stopped refresh runs again and completes
        await settle(pilot)
        await settle(pilot)
        browser = app.screen
        assert isinstance(browser, BrowserScreen)
        assert browser.total == PROJECTS
        assert "Reconnect needed" not in screen_text(app)
        assert app.pending_refresh is None

    assert await count_rows(tui_db_url, "source_snapshots", "entity_type = 'project'") == PROJECTS
    assert await count_rows(
        tui_db_url,
        "(SELECT DISTINCT external_id FROM source_snapshots WHERE entity_type = 'project')",
    ) == PROJECTS
    assert await count_rows(tui_db_url, "ss_connections", "status = 'connected'") == 1


async def test_refresh_progress_bar_follows_fetch_events(story_app, simulator) -> None:
    """The browser's bar is bound to FetchProgress while a refresh runs, hidden after."""
    app = story_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browser = app.screen
        assert isinstance(browser, BrowserScreen)
        box = browser.query_one("#refresh-box")
        bar = browser.query_one("#refresh-bar", ProgressBar)
        assert not box.display

        refresh = app.ctx.live.refresh  # the operation, as the app runs it
        refresh.start(RefreshState())
        app.post_message(OperationEvent(refresh, ev.FetchProgress(None, 100)))
        await pilot.pause()
        assert box.display
        assert bar.progress == 100 and bar.total is None  # total unknown while listing
        assert "100 projects fetched" in screen_text(app)

        app.post_message(OperationEvent(refresh, ev.FetchProgress(None, 150, total=150)))
        await pilot.pause()
        assert bar.progress == 150 and bar.total == 150 and bar.percentage == 1

        refresh.finish()
        await pilot.pause()
        assert not box.display
