"""Accounts as a new user meets them: true states after a restart, clean messages, a last
sync that follows imports, no stale login failure."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from ss_tui.db.engine import create_engine
from ss_tui.simulator import SimulatorConfig
from ss_tui.tui.screenshots import settle
from tests.fixtures.db import run_async
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(seed=7, projects=20, device_interval=1)


def _notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_account_without_a_stored_token_is_not_shown_connected(seeded, make_app) -> None:
    seeded(projects=3)  # the database says "connected"; the memory store is empty (a restart)
    app = make_app("connect")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "sign in again" in text
        assert " connected " not in text.replace("Demo Label", "")


async def test_refresh_without_a_token_says_so_in_one_clean_sentence(story_app, seeded) -> None:
    seeded(projects=3)
    app = story_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        notes = [n for n in _notes(app) if "Reconnect needed" in n]
        assert notes, _notes(app)
        assert ".." not in notes[-1] and ". ." not in notes[-1]


async def test_last_sync_follows_the_latest_import(seeded, make_app, tui_db_url) -> None:
    seeded(projects=3, runs=1)

    async def forget_cursor_sync() -> None:
        engine = create_engine(tui_db_url, poolclass=NullPool)
        async with engine.begin() as conn:
            await conn.execute(sa.text("UPDATE ss_connections SET last_sync_at = NULL"))
        await engine.dispose()

    run_async(forget_cursor_sync)
    app = make_app("connect")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "never" not in text  # the seeded run finished at the app's "now"
        assert "just now" in text


async def test_a_successful_login_clears_an_earlier_failure(story_app, simulator) -> None:
    app = story_app("connect")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", *"not-a-token", "enter")
        await settle(pilot)
        assert "Login failed" in screen_text(app)
        await pilot.press("t", *simulator.personal_token(), "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "Demo Label" in text and "Login failed" not in text
