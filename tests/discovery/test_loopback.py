"""Discovery over real loopback HTTP against the simulator's stand-ins (uvicorn thread)."""

from __future__ import annotations

import httpx

from ss_tui.db.engine import create_engine
from ss_tui.discovery import discover_links
from ss_tui.simulator import SimulatorConfig
from ss_tui.simulator.lookups import standins_of
from ss_tui.simulator.server import start_live_simulator
from tests.discovery.conftest import VirtualTime, links, make_providers, seed_releases, sync_errors


async def test_discovery_over_loopback_with_musicbrainz_down(sqlite_url: str) -> None:
    vtime = VirtualTime()
    engine = create_engine(sqlite_url)
    try:
        with start_live_simulator(SimulatorConfig(seed=11, projects=6), clock=vtime.clock) as live:
            standins = standins_of(live.app)
            standins.set_down("musicbrainz", 502)
            seeded = await seed_releases(engine, live.simulator, count=3)
            async with httpx.AsyncClient() as http:
                providers = make_providers(http, vtime, root_url=live.root_url)
                report = await discover_links(engine, seeded.release_ids, providers)

            for provider_id, service in (("apple_music", "itunes"), ("deezer", "deezer")):
                real = {r["release_track_id"] for r in await links(engine, provider_id)
                        if r["release_track_id"] and not r["metadata"].get("fallback")}
                assert real == {
                    rt for rt, (isrc, _) in seeded.tracks.items()
                    if isrc and standins.knows(service, isrc)
                }
            assert await links(engine, "musicbrainz") == []
            errors = await sync_errors(engine)
            assert {e["detail"]["provider"] for e in errors} == {"musicbrainz"}
            assert {e["http_status"] for e in errors} <= {502, None}  # None: circuit open
            assert len(errors) == len(seeded.release_ids)
            assert all(r.failed_providers == ["musicbrainz"] for r in report.releases.values())
            # A release stops at its first failed lookup (after the retries).
            assert len(standins.requests("musicbrainz")) <= 3 * len(seeded.release_ids)
            assert standins.max_in_window("musicbrainz", 1.0) == 1
    finally:
        await engine.dispose()
