"""Browser responsiveness with a 100k-track catalogue (10,000 projects x 10 tracks).

The dashboard's own probe (figure 4 of ``python -m bench`` measures the same over a
simulator-generated catalogue). Prints, against the time of one raw query over the same
table (``SELECT count(*)``) measured in the same run:

- first paint: F3 pressed → first frame showing the browser's first page of rows;
- filter keystroke: the last character of a search term typed → first frame showing the
  rows matching the whole term (what the user waits for; no debounce to wait out);

plus how many rows the screen holds (a page, never the catalogue). Paint times come from
``bench.browser.PaintProbe`` (wraps ``App._display``).

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

from bench.browser import PaintProbe, _page_loaded
from ss_tui.config import Settings
from ss_tui.db.engine import create_engine
from ss_tui.db.migrate import upgrade
from ss_tui.sessionstudio.tokens import MemoryTokenStore
from ss_tui.tui.app import create_app
from ss_tui.tui.screens.browser import BrowserScreen
from tests.tui.seed import T0, seed

PROJECTS, TRACKS = 10_000, 10
TERMS = ("t 0123", "project 07")  # few matches (one short page) / many (full pages + count)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()


async def keystroke(pilot, probe: PaintProbe, screen: BrowserScreen, term: str) -> float:  # type: ignore[no-untyped-def]
    screen.query_one("#search").value = ""
    screen.query_one("#projects").focus()
    await settle(pilot)
    await pilot.press("slash")
    probe.expect(lambda: screen.filter.search == term[:-1] and _page_loaded(screen))
    await pilot.press(*term[:-1])
    await probe.wait(pilot)
    await settle(pilot)
    probe.expect(lambda: screen.filter.search == term and _page_loaded(screen))
    started = time.perf_counter()
    await pilot.press(term[-1])
    return await probe.wait(pilot) - started


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

        app = create_app(Settings(database_url=url), db_engine=engine,
                         token_store=MemoryTokenStore(), clock=lambda: T0, frozen=True,
                         start="connect")
        probe = PaintProbe(app)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            probe.expect(lambda: isinstance(app.screen, BrowserScreen)
                         and _page_loaded(app.screen))
            started = time.perf_counter()
            await pilot.press("f3")
            first = await probe.wait(pilot) - started
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            rows_first = screen.loaded
            print(f"catalogue: {PROJECTS} projects, {PROJECTS * TRACKS} tracks")
            print(f"first paint: {rows_first} rows of {PROJECTS} in {first * 1000:.0f} ms "
                  f"({first / raw:.1f}x one raw count query, {raw * 1000:.1f} ms)")
            for term in TERMS:
                took = await keystroke(pilot, probe, screen, term)
                await settle(pilot)
                print(f"filter keystroke {term!r}: {screen.total} matches, {screen.loaded} "
                      f"rows held, {took * 1000:.0f} ms ({took / raw:.1f}x raw count)")
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
