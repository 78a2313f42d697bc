"""Figure 4 — the dashboard's project browser over a large local catalogue (Textual Pilot).

The catalogue's snapshots (what a refresh from Session Studio leaves in source_snapshots,
the table the browser pages from) are written into a fresh SQLite file; the dashboard is
then driven headless:

- first paint: from pressing F3 (open the browser) until its first rows are on screen;
- filter keystroke: with a search term typed but for its last character, from that last
  key press until the rows matching the full term are on screen (debounce included:
  that is what the user waits for).

"On screen" = the first frame Textual composes once those rows are in the table (see
PaintProbe). Waiting is on that event, never on a sleep.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.common import Figure, Sizes, Workspace, bench_settings, build_simulator

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


class PaintProbe:
    """Records when the app first puts a frame on screen while ``condition()`` holds.

    Textual hands every composed frame to ``App._display`` (also headless, where it is then
    not written to a terminal); wrapping it on the instance gives the paint time itself,
    independent of how long the test pilot takes to notice.
    """

    def __init__(self, app: Any) -> None:
        self.condition: Any = None
        self.painted_at: float | None = None
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None and self.painted_at is None and self.condition:
                if self.condition():
                    self.painted_at = time.perf_counter()

        app._display = display

    def expect(self, condition: Any) -> None:
        self.condition, self.painted_at = condition, None

    async def wait(self, pilot: Any, limit: int = 10_000) -> float:
        for _ in range(limit):
            if self.painted_at is not None:
                return self.painted_at
            await pilot.pause()
        raise RuntimeError("the browser never painted the expected rows")


def _page_loaded(screen: Any) -> bool:
    busy = [w for w in screen.app.workers if w.group == "browser-page" and not w.is_finished]
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
        probe = PaintProbe(app)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            probe.expect(
                lambda: (
                    isinstance(app.screen, browser_screen.BrowserScreen)
                    and _page_loaded(app.screen)
                )
            )
            started = time.perf_counter()
            await pilot.press("f3")
            first_paint = await probe.wait(pilot) - started
            screen = app.screen
            table = screen.query_one("#projects", DataTable)
            shown_first = table.row_count
            total = screen.total
            await pilot.press("slash")
            keystrokes = []  # every key of the term, each timed to its filtered rows painted
            for n in range(1, len(term) + 1):
                typed = term[:n]
                probe.expect(
                    lambda typed=typed: screen.filter.search == typed and _page_loaded(screen)
                )
                started = time.perf_counter()
                await pilot.press(term[n - 1])
                keystrokes.append(await probe.wait(pilot) - started)
            matches = screen.total
    finally:
        await engine.dispose()
    fig.add(
        "first paint",
        first_paint,
        "s",
        at_most=TARGET_FIRST_PAINT_S,
        note=f"{shown_first} rows painted of {total:,} projects",
    )
    debounce = getattr(browser_screen, "SEARCH_DEBOUNCE_S", 0.0)
    fig.add(
        "filter keystroke (median)",
        statistics.median(keystrokes),
        "s",
        at_most=TARGET_KEYSTROKE_S,
        note=f"typing {term!r} ({len(keystrokes)} keys, {matches:,} projects match); "
        f"includes the {debounce} s debounce",
    )
    fig.add(
        "filter keystroke (slowest)",
        max(keystrokes),
        "s",
        note="each: " + " ".join(f"{k:.3f}" for k in keystrokes),
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
