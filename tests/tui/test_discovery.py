"""Issue 9 in the dashboard: "Discover links" on selected imported projects, against the
simulator's lookup stand-ins over real loopback HTTP."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.pool import NullPool

from ss_tui.config import Settings
from ss_tui.db.engine import create_engine
from ss_tui.engine.service import ImportService
from ss_tui.engine.snapshots import save_snapshots
from ss_tui.sessionstudio.models import Project
from ss_tui.simulator import SimulatorConfig
from ss_tui.simulator.lookups import standin_urls, standins_of
from ss_tui.tui.screens.browser import BrowserScreen
from ss_tui.tui.screens.discovery import DiscoveryScreen
from ss_tui.tui.screens.errors import ErrorsScreen
from ss_tui.tui.screenshots import settle
from tests.discovery.conftest import Seeded, seed_releases
from tests.tui.conftest import SIZE
from tests.tui.helpers import count_rows, screen_text


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(seed=5, projects=4)


async def _seed(url: str, sim) -> Seeded:  # type: ignore[no-untyped-def]
    """Two of the four projects imported (releases with UPC/ISRCs); all four browsable."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        seeded = await seed_releases(engine, sim, count=2)
        svc = ImportService(Settings(database_url=url), engine)
        info = await svc.ensure_connection(sim.demo_account_id, "Demo Label")
        cat = sim.catalogue
        payloads = [Project.model_validate(cat.project_wire(p, include_tracks=True)).to_wire()
                    for p in cat.project_ids(sim.demo_account_id)]
        async with engine.begin() as conn:
            await save_snapshots(conn, uuid.UUID(info.id), payloads)
        return seeded
    finally:
        await engine.dispose()


async def test_discover_links_shows_results_per_release_and_failures_on_errors(
    live_simulator, make_app, tui_db_url
) -> None:
    live = live_simulator
    seeded = await _seed(tui_db_url, live.simulator)
    found_id, unknown_id = seeded.release_ids
    standins = standins_of(live.app)
    # Deezer knows nothing of the second release: neither its UPC nor its ISRCs.
    standins.forget("deezer", seeded.project_of[unknown_id]["upc"])
    for isrc, release_id in seeded.tracks.values():
        if release_id == unknown_id and isrc:
            standins.forget("deezer", isrc)

    settings = Settings(**standin_urls(live.root_url), database_url=tui_db_url,
                        token_store="memory")
    app = make_app("browser", settings=settings, discovery_providers=["deezer"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BrowserScreen) and app.screen.total == 4
        await pilot.press("ctrl+a", "d")  # all four selected; two were imported
        await settle(pilot)
        assert isinstance(app.screen, DiscoveryScreen)
        text = screen_text(app)
        assert "✓ found" in text and "○ not found" in text
        assert "2 selected project(s) not imported yet" in text
        results = {rid: r.status for rid, r in app.discovery_state.releases.items()}
        assert results == {str(found_id): "found", str(unknown_id): "not_found"}

        # Deezer goes down: the unmatched release is looked up again and fails; the
        # failure is a sync error, shown on the Errors screen.
        standins.set_down("deezer", 503)
        await pilot.press("escape", "d")
        await settle(pilot)
        assert app.discovery_state.releases[str(unknown_id)].status == "failed"
        assert "✗ failed" in screen_text(app)
        assert "failures are on the Errors screen" in screen_text(app)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ErrorsScreen)
        assert "discovery" in screen_text(app).lower()

    real = "provider_id = 'deezer' AND json_extract(metadata, '$.fallback') IS NOT 1"
    assert await count_rows(tui_db_url, "provider_links",
                            f"{real} AND release_id = '{found_id.hex}'") == 1
    assert await count_rows(tui_db_url, "provider_links",
                            f"{real} AND release_id = '{unknown_id.hex}'") == 0
    assert await count_rows(tui_db_url, "sync_errors",
                            "stage = 'discovery' AND status = 'open'") == 1


async def test_a_discovery_that_cannot_run_says_why_and_does_not_block_the_next(
    live_simulator, make_app, tui_db_url
) -> None:
    from ss_tui.tui.operation import Phase

    await _seed(tui_db_url, live_simulator.simulator)
    app = make_app("browser", settings=Settings(database_url=tui_db_url, token_store="memory"))
    calls: list[object] = []

    async def cannot_run(release_ids: object, sink: object, connection_id: object) -> object:
        calls.append(release_ids)  # configuration trouble the real step raises before looking
        raise RuntimeError("lookup services not configured")

    async with app.run_test(size=SIZE) as pilot:
        app.ctx.services.discover = cannot_run  # type: ignore[method-assign]
        await settle(pilot)
        await pilot.press("ctrl+a", "d")
        await settle(pilot)
        assert isinstance(app.screen, DiscoveryScreen)
        assert "Discovery could not run: Link discovery failed" in screen_text(app)
        assert app.ctx.live.discovery.phase is Phase.failed

        await pilot.press("escape", "d")  # not refused as "already running"
        await settle(pilot)
        assert len(calls) == 2 and isinstance(app.screen, DiscoveryScreen)
