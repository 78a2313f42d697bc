"""Browser responsiveness with a 100k-track catalogue (10,000 projects x 10 tracks).

Prints the time to the first page of rows and to a filter keystroke's result, each against
the time of one raw query over the same table (``SELECT count(*)``) measured in the same run,
plus how many rows the screen holds (a page, never the catalogue).

    .venv/bin/python bench/tui_browser.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ss_tui.config import Settings
from ss_tui.db.engine import create_engine, upgrade
from ss_tui.tui.app import create_app
from ss_tui.tui.screens.browser import BrowserScreen
from tests.tui.seed import T0, seed

PROJECTS, TRACKS = 10_000, 10


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await upgrade(url)
        engine = create_engine(url)
        await seed(engine, projects=PROJECTS, tracks_per_project=TRACKS, errors=20)
        t = time.perf_counter()
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT count(*) FROM source_snapshots"))
        raw = time.perf_counter() - t

        app = create_app(Settings(database_url=url), db_engine=engine, token_store=None,
                         clock=lambda: T0, frozen=True, start="browser")
        async with app.run_test(size=(140, 40)) as pilot:
            t = time.perf_counter()
            await settle(pilot)
            first = time.perf_counter() - t
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            rows_first = screen.loaded
            t = time.perf_counter()
            await pilot.press("slash", "7")
            await pilot.press("enter")  # submit skips the debounce: measure the query
            await settle(pilot)
            keystroke = time.perf_counter() - t
            print(f"catalogue: {PROJECTS} projects, {PROJECTS * TRACKS} tracks")
            print(f"first page: {rows_first} rows of {PROJECTS} in {first * 1000:.0f} ms "
                  f"({first / raw:.1f}x one raw count query, {raw * 1000:.1f} ms)")
            print(f"filter keystroke: {screen.total} matches, {screen.loaded} rows held, "
                  f"{keystroke * 1000:.0f} ms ({keystroke / raw:.1f}x raw count)")
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
