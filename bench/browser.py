"""Figure 4 — the dashboard's project browser over a large local catalogue (Textual Pilot).

The catalogue's snapshots (what a refresh from Session Studio leaves in source_snapshots,
the table the browser pages from) are written into a fresh SQLite file; the dashboard is
then driven headless:

- first paint: from pressing F3 (open the browser) until its first rows are on screen;
- filter keystroke: with a search term typed but for its last character, from that last
  key press until the rows matching the full term are on screen (debounce included:
  that is what the user waits for).

"On screen" = the rows are in the table and the app has gone idle after adding them
(Textual repaints before it idles). Waiting is on those conditions, never on a sleep.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import Figure, Sizes, Timer, Workspace, bench_settings, build_simulator

TARGET_FIRST_PAINT_S = 0.5
TARGET_KEYSTROKE_S = 0.15
SIZE = (160, 48)


async def _seed(sizes: Sizes, ws: Workspace) -> tuple[str, Any, int]:
    from bench.common import catalogue_payloads, seeded_service

    projects = max(1, sizes.browser_tracks // 10)
    _, sim = build_simulator(projects, sizes.browser_tracks)
    payloads = catalogue_payloads(sim)
    svc, _cid = await seeded_service(await ws.sqlite_url("browser"), payloads, sim.demo_account_id)
    await svc.engine.dispose()
    url = str(svc.engine.url)
    return url, payloads, projects


async def _settle(pilot: Any, done: Any, limit: int = 100_000) -> None:
    """Let the app process messages until ``done()``; then once more so it repaints."""
    for _ in range(limit):
        if done():
            await pilot.pause()
            return
        await pilot.pause()
    raise RuntimeError("the browser never showed the expected rows")


def _page_loaded(screen: Any) -> bool:
    busy = [
        w for w in screen.app.workers if w.group == "browser-page" and not w.is_finished
    ]
    return not busy and screen.loaded > 0


async def run(sizes: Sizes, ws: Workspace) -> Figure:
    from textual.widgets import DataTable

    from ss_tui.db.engine import create_engine
    from ss_tui.sessionstudio.tokens import MemoryTokenStore
    from ss_tui.tui.app import create_app
    from ss_tui.tui.screens import browser as browser_screen

    url, payloads, projects = await _seed(sizes, ws)
    fig = Figure(4, "Browser", params={"projects": projects, "tracks": sizes.browser_tracks})
    engine = create_engine(url)
    try:
        app = create_app(
            bench_settings(url),
            db_engine=engine,
            token_store=MemoryTokenStore(),
            frozen=True,
            start="connect",
        )
        term = _search_term(payloads)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            with Timer() as first:
                await pilot.press("f3")
                await _settle(
                    pilot,
                    lambda: isinstance(app.screen, browser_screen.BrowserScreen)
                    and _page_loaded(app.screen),
                )
            screen = app.screen
            table = screen.query_one("#projects", DataTable)
            shown_first = table.row_count
            total = screen.total
            await pilot.press("slash")
            await pilot.press(*term[:-1])
            await _settle(pilot, lambda: screen.filter.search == term[:-1] and _page_loaded(screen))
            started = time.perf_counter()
            await pilot.press(term[-1])
            await _settle(pilot, lambda: screen.filter.search == term and _page_loaded(screen))
            keystroke = time.perf_counter() - started
            matches = screen.total
    finally:
        await engine.dispose()
    fig.add(
        "first paint",
        first.s,
        "s",
        at_most=TARGET_FIRST_PAINT_S,
        note=f"{shown_first} rows painted of {total:,} projects",
    )
    debounce = getattr(browser_screen, "SEARCH_DEBOUNCE_S", 0.0)
    fig.add(
        "filter keystroke",
        keystroke,
        "s",
        at_most=TARGET_KEYSTROKE_S,
        note=f"search {term!r}: {matches:,} projects; includes the {debounce} s debounce",
    )
    return fig


def _search_term(payloads: list[dict[str, Any]]) -> str:
    """A word from a title, long enough to need several keystrokes, that does not match
    everything."""
    for p in payloads:
        for word in (p.get("title") or "").split():
            if len(word) >= 4 and word.isascii() and word.isalpha():
                return word.lower()
    return "love"
