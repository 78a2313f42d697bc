"""``ss-tui discover`` end to end: a seeded SQLite file, the stand-ins over loopback."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner

from ss_tui.cli import cli
from ss_tui.db.engine import create_engine
from ss_tui.simulator import SimulatorConfig
from ss_tui.simulator.lookups import standin_urls, standins_of
from ss_tui.simulator.server import start_live_simulator
from tests.discovery.conftest import Seeded, links, seed_releases


def test_discover_command_reports_per_release(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_live_simulator(SimulatorConfig(seed=5, projects=4)) as live:
        for key, value in standin_urls(live.root_url).items():
            monkeypatch.setenv(f"SS_TUI_{key.upper()}", value)
        standins = standins_of(live.app)

        async def seed() -> tuple[Seeded, list[dict]]:
            engine = create_engine(sqlite_url)
            try:
                return await seed_releases(engine, live.simulator, count=2), []
            finally:
                await engine.dispose()

        seeded, _ = asyncio.run(seed())
        # One track Deezer does not know: it gets a search fallback, looked up again later.
        standins.forget("deezer", next(i for i, _ in seeded.tracks.values() if i))
        result = CliRunner().invoke(cli, [
            "discover", "--all", "--provider", "deezer", "--json", "--database-url", sqlite_url,
        ])
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert {r["releaseId"] for r in report["releases"]} == {str(i) for i in seeded.release_ids}
        assert report["requests"]["deezer"] == len(standins.requests("deezer")) > 0

        standins.set_down("deezer", 503)

        async def deezer_links() -> list[dict]:
            engine = create_engine(sqlite_url)
            try:
                return await links(engine, "deezer")
            finally:
                await engine.dispose()

        before = asyncio.run(deezer_links())
        failed = CliRunner().invoke(cli, ["discover", *map(str, seeded.release_ids),
                                          "--provider", "deezer", "--database-url", sqlite_url])
        # Only the fallback is looked up again; with Deezer down that lookup fails.
        assert any(r["metadata"].get("fallback") for r in before)
        assert failed.exit_code == 1, failed.output
        assert "(failed: deezer)" in failed.output
        assert asyncio.run(deezer_links()) == before

    usage = CliRunner().invoke(cli, ["discover"])
    assert usage.exit_code == 2
