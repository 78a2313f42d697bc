"""The import options in the dashboard: Browse filters by owner (own projects or
collaborations); the preview toggles includeUnreleased (u) and includeCollaborations (m)
and plans again. Simulator in-process, real SQLite, real engine, Pilot key presses."""

from __future__ import annotations

import pytest

from ss_tui.simulator import SimulatorConfig
from ss_tui.tui.screens.browser import BrowserScreen
from ss_tui.tui.screens.preview import PreviewScreen
from ss_tui.tui.screenshots import settle
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text

SHARED = 2


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(seed=7, projects=20, device_interval=1, shared_projects=SHARED)


async def _browser(app, pilot) -> BrowserScreen:
    await settle(pilot)
    await pilot.press("d")  # connect (device flow, approved by the simulator)
    await settle(pilot)
    await settle(pilot)
    await pilot.press("f3", "r")  # browse, refresh from Session Studio
    await settle(pilot)
    browser = app.screen
    assert isinstance(browser, BrowserScreen)
    return browser


async def test_browse_by_owner_and_toggle_collaborations_in_the_preview(story_app) -> None:
    app = story_app()
    async with app.run_test(size=SIZE) as pilot:
        browser = await _browser(app, pilot)
        assert browser.total == 20 + SHARED
        browser.query_one("#f-member").value = "member"
        await settle(pilot)
        assert browser.total == SHARED
        await pilot.press("space", "space", "p")
        await settle(pilot)
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        assert [p.included for p in preview.plan.projects] == [False] * SHARED
        assert "collaborations off" in screen_text(app)

        await pilot.press("m")  # include collaborations: planned again
        await settle(pilot)
        plan = preview.plan
        assert plan.decisions.include_collaborations is True
        assert "collaborations on" in screen_text(app)
        assert all(p.included for p in plan.projects)
        # Jovie has no profile for the other account's artist: staff choose.
        assert {e.conflict.code for e in plan.unresolved_conflicts()} == {
            "collaboration_creator"}

        await pilot.press("escape")
        await settle(pilot)
        browser.query_one("#f-member").value = "own"
        await settle(pilot)
        assert browser.total == 20


async def test_preview_toggles_unreleased_projects(story_app) -> None:
    app = story_app()
    async with app.run_test(size=SIZE) as pilot:
        browser = await _browser(app, pilot)
        browser.query_one("#f-status").value = "draft"
        await settle(pilot)
        drafts = browser.total
        assert drafts >= 1
        await pilot.press("space", "p")
        await settle(pilot)
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        # The test suite runs with SS_TUI_INCLUDE_UNRELEASED=true (tests/conftest.py).
        assert preview.plan.projects[0].included
        await pilot.press("u")
        await settle(pilot)
        project = preview.plan.projects[0]
        assert not project.included and project.left_out_by_option == "include_unreleased"
        assert "unreleased off" in screen_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert preview.plan.projects[0].included  # back: the option, not staff, left it out
