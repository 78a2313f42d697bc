"""Story 2: with faults and bad data on, inspect errors, retry the transient ones once the
faults are off, resolve a data error with a note."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from ss_tui.config import Settings
from ss_tui.db.engine import create_engine
from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet
from ss_tui.simulator import FaultConfig, SimulatorConfig
from ss_tui.tui.screens.errors import ErrorsScreen
from ss_tui.tui.screenshots import settle
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(seed=11, projects=20, bad_data_share=0.3)


async def _errors(url: str) -> list[Any]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text(
                "SELECT kind, status, note, resolved_by, project_external_id FROM sync_errors"))
            return list(rows.all())
    finally:
        await engine.dispose()


async def _connect(app: Any, simulator: Any) -> None:
    """A connected account, the way the Connect screen leaves it (via the engine)."""
    tokens = TokenSet.from_response(simulator.issue_token(account_id=simulator.demo_account_id))
    await app.ctx.services.import_service().register_connection(tokens)
    await app.pick_default_account()


async def test_inspect_retry_and_resolve_errors(make_app, sim_app, simulator, tui_db_url) -> None:
    settings = Settings(SESSION_STUDIO_CLIENT_ID="ss-tui-demo", database_url=tui_db_url,
                        token_store="memory", operator="support")
    app = make_app("browser", settings=settings, token_store=MemoryTokenStore(),
                   api_base_url="http://sim/v1",
                   http_transport=httpx.ASGITransport(app=sim_app))
    async with app.run_test(size=SIZE) as pilot:
        await _connect(app, simulator)
        # Session Studio is down: the refresh fails with a transient error.
        simulator.set_faults(FaultConfig(error_share=1.0))
        await pilot.press("r")
        await settle(pilot)
        kinds = {k for k, *_ in await _errors(tui_db_url)}
        assert "transient" in kinds

        # Back up: refresh again, the bad data shows up as invalid_data errors.
        simulator.set_faults(FaultConfig())
        await pilot.press("r")
        await settle(pilot)
        rows = await _errors(tui_db_url)
        assert any(k == "invalid_data" for k, *_ in rows)

        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ErrorsScreen)
        text = screen_text(app)
        assert "Suggested action" in text and "Kind" in text

        # Retry the transient error(s): only those.
        transient = [r for r in screen.rows.values() if r.kind == "transient"]
        assert transient
        screen.marked = {r.id for r in transient}
        await pilot.press("t")
        await settle(pilot)
        rows = await _errors(tui_db_url)
        assert all(s == "resolved" for k, s, *_ in rows if k == "transient"), rows
        # The listing worked this time and the refresh had fetched everything since: there
        # is nothing to import, so nothing is planned (and nothing written).
        assert app.screen is screen
        assert any("the listing worked this time" in str(n.message)
                   for n in app._notifications)

        # Resolve one data error with a note.
        screen.marked.clear()
        data = next(r for r in screen.rows.values() if r.kind == "invalid_data")
        table = screen.query_one("#errors")
        table.move_cursor(row=table.get_row_index(str(data.id)))
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press(*"fixed upstream", "enter")
        await settle(pilot)
        rows = await _errors(tui_db_url)
        resolved = [r for r in rows if r[2] == "fixed upstream"]
        assert len(resolved) == 1 and resolved[0][1] == "resolved"
        assert resolved[0][3] == "support"
