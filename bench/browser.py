"""Figure 4 — the dashboard's project browser against a bound measured in the same run.

The catalogue's snapshots (what a refresh from Session Studio leaves in source_snapshots,
the table the browser pages from) are written into a fresh SQLite file and, when a server
can be started, a fresh PostgreSQL database; the dashboard is then driven headless with
Textual's Pilot, ``--repeat`` times on each:

- first paint: from pressing F3 (open the browser) until its first rows are on screen;
- filter keystroke: every key of a search term, each from the key press until the rows
  matching the text so far are on screen (what the user waits for).

The bound, measured in the same run on the same database: the page's own SQL query
(``queries.projects.page_projects`` with the filter the screen used, timed alone) plus a
bare Textual ``DataTable`` of the same rows painted in the same harness (a key pushes a
screen holding only that table, filled with the rows; for a keystroke, the table is
cleared and refilled). First paint ÷ (query + bare paint) and keystroke ÷ (filtered query
+ bare paint) are held to 1.5 x; the absolute times are shown beside.

"On screen" = the first frame Textual composes once those rows are in the table (see
PaintProbe). Waiting is on that event, never on a sleep. Memory: Python allocations of the
browser (tracemalloc peak) from F3 to a few pages scrolled in, in a pass of its own
(tracemalloc slows everything, so it never overlaps a timing).
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Any, ClassVar

from bench.common import Figure, Sizes, Timer, Workspace, bench_settings, build_simulator

TARGET_RATIO = 1.5
SIZE = (160, 48)
COLUMNS = (
    ("sel", 1),
    ("title", 22),
    ("artist", 12),
    ("type", 11),
    ("status", 10),
    ("released", 10),
    ("tracks", 3),
    ("state", 12),
)


# --------------------------------------------------------------------------- seeding


async def _seed(sizes: Sizes, urls: list[str]) -> tuple[str, int]:
    """Write the catalogue's project snapshots into every database in ``urls``; returns a
    search term from the titles and the number of projects. The catalogue is generated in
    chunks (a simulator each, distinct seeds), so 1,000,000 tracks never sit in memory;
    the rows are ss-tui's own snapshot rows, written in bulk (bench/seed.py)."""
    from bench.common import seeded_service, track_counts
    from bench.seed import seed_snapshots
    from ss_tui.db.engine import is_sqlite

    projects = max(1, sizes.browser_tracks // 10)
    counts = track_counts(projects, sizes.browser_tracks)
    ids = []
    for url in urls:
        _, sim = build_simulator(1, 1)
        svc, cid = await seeded_service(url, [], sim.demo_account_id)
        await svc.engine.dispose()
        ids.append(cid)
    targets = [("sqlite" if is_sqlite(url) else "postgresql", url) for url in urls]
    term = await seed_snapshots(targets, ids, counts)
    return term or "love", projects


def _search_term(payloads: list[dict[str, Any]]) -> str:
    """A word from a title, long enough to need several keystrokes, that does not match
    everything."""
    for p in payloads:
        for word in (p.get("title") or "").split():
            if len(word) >= 4 and word.isascii() and word.isalpha():
                return word.lower()
    return "love"


# --------------------------------------------------------------------------- paint probe


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
        raise RuntimeError("the expected frame was never painted")


async def _settled(pilot: Any) -> None:
    """Workers done and no count still to come (the screen holds it back while typing)."""
    while True:
        await pilot.app.workers.wait_for_complete()
        if not getattr(pilot.app.screen, "redraw_pending", False):
            await pilot.app.workers.wait_for_complete()
            return
        await pilot.pause(0.05)


def _page_loaded(screen: Any) -> bool:
    busy = [w for w in screen.app.workers if w.group == "browser-page" and not w.is_finished]
    return not busy and screen.loaded > 0


# --------------------------------------------------------------------------- dashboard


@dataclass
class DashboardRun:
    first_paint_s: float
    keys_s: list[float]
    filters: list[Any]  # the filter the screen queried: first paint, then after each key
    rows_first: int
    total: int
    matches: int


async def _dashboard(
    url: str, engine: Any, term: str, profile: Any = None, *, keys: bool = False
) -> DashboardRun:
    """One run of the dashboard; ``profile`` (bench/profiles.py) is started around the first
    paint, or with ``keys`` around the keystrokes."""
    from ss_tui.sessionstudio.tokens import MemoryTokenStore
    from ss_tui.tui.app import create_app
    from ss_tui.tui.screens import browser as browser_screen

    app = create_app(
        bench_settings(url),
        db_engine=engine,
        token_store=MemoryTokenStore(),
        frozen=True,
        start="connect",
    )
    probe = PaintProbe(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        probe.expect(
            lambda: (
                isinstance(app.screen, browser_screen.BrowserScreen) and _page_loaded(app.screen)
            )
        )
        profiling = profile is not None and not keys
        if profiling:
            profile.start()
        started = time.perf_counter()
        await pilot.press("f3")
        first_paint = await probe.wait(pilot) - started
        if profiling:
            profile.stop()
        screen = app.screen
        filters = [screen.filter]
        rows_first, total = screen.loaded, screen.total
        await _settled(pilot)  # the count, off the critical path
        total = screen.total
        await pilot.press("slash")
        if profile is not None and keys:
            profile.start()
        keys_s = []
        for n in range(1, len(term) + 1):
            typed = term[:n]
            probe.expect(lambda typed=typed: screen.filter.search == typed and _page_loaded(screen))
            started = time.perf_counter()
            await pilot.press(term[n - 1])
            keys_s.append(await probe.wait(pilot) - started)
            filters.append(screen.filter)
        if profile is not None and keys:
            profile.stop()
        await _settled(pilot)  # the count waits until the typing rests
        matches = screen.total
    return DashboardRun(first_paint, keys_s, filters, rows_first, total, matches)


# --------------------------------------------------------------------------- the bound


def _cells(row: Any) -> list[str]:
    return [
        " ",
        row.title or "",
        row.artist_name or "",
        row.project_type or "",
        row.status or "",
        str(row.release_date or ""),
        str(row.track_count),
        row.import_state,
    ]


def _bare_app(first: list[Any], later: list[list[Any]]) -> Any:
    """A bare Textual app: ``b`` pushes a screen holding one DataTable filled with
    ``first``; each ``n`` then clears it and fills it with the next of ``later``."""
    from textual.app import App, ComposeResult
    from textual.screen import Screen
    from textual.widgets import DataTable

    class TableScreen(Screen[None]):
        shown = 0  # how many row sets the table has held

        def compose(self) -> ComposeResult:
            yield DataTable(id="t", cursor_type="row")

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            for key, width in COLUMNS:
                table.add_column(key, key=key, width=width)
            self.fill(first)

        def fill(self, rows: list[Any]) -> None:
            table = self.query_one(DataTable)
            table.clear()
            for r in rows:
                table.add_row(*_cells(r), key=r.external_id)
            self.shown += 1

    class Bare(App[None]):
        BINDINGS: ClassVar = [("b", "open", ""), ("n", "next", "")]

        def action_open(self) -> None:
            self.push_screen(TableScreen())

        def action_next(self) -> None:
            screen = self.screen
            assert isinstance(screen, TableScreen)
            screen.fill(later[screen.shown - 1])

    return Bare()


async def _bound(engine: Any, run: DashboardRun) -> tuple[float, float, list[float], list[float]]:
    """(first page query, its bare paint, per key filtered query, per key bare paint)."""
    from ss_tui.queries import projects as q

    pages, query_s = [], []
    for f in run.filters:
        with Timer() as t:
            rows = await q.page_projects(engine, f, offset=0, limit=100)
        pages.append(rows)
        query_s.append(t.s)
    app = _bare_app(pages[0], pages[1:])
    probe = PaintProbe(app)
    paint_s: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for n in range(len(pages)):
            probe.expect(lambda n=n: getattr(app.screen, "shown", 0) == n + 1)
            started = time.perf_counter()
            await pilot.press("b" if n == 0 else "n")
            paint_s.append(await probe.wait(pilot) - started)
    return query_s[0], paint_s[0], query_s[1:], paint_s[1:]


# --------------------------------------------------------------------------- memory


async def _memory(url: str, engine: Any, pages: int = 5) -> tuple[float, int]:
    """tracemalloc peak (MB) of what the dashboard allocates from F3 (the browser opened)
    to ``pages`` more pages scrolled in, and the rows its table then holds. The app is
    started before tracing: its start-up is not the browser's."""
    from textual.widgets import DataTable

    from ss_tui.sessionstudio.tokens import MemoryTokenStore
    from ss_tui.tui.app import create_app
    from ss_tui.tui.screens.browser import BrowserScreen

    app = create_app(
        bench_settings(url),
        db_engine=engine,
        token_store=MemoryTokenStore(),
        frozen=True,
        start="connect",
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        tracemalloc.start()
        try:
            await pilot.press("f3")
            while not (isinstance(app.screen, BrowserScreen) and _page_loaded(app.screen)):
                await pilot.pause()
            table = app.screen.query_one("#projects", DataTable)
            for _ in range(pages):  # the cursor to the end: the next page loads
                held = table.row_count
                table.move_cursor(row=held - 1)
                await pilot.pause()
                await app.workers.wait_for_complete()
                if table.row_count == held:
                    break  # the whole catalogue is loaded
            rows = table.row_count
            peak = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
    return peak, rows


# --------------------------------------------------------------------------- figure


@dataclass
class _Runs:
    first: list[float] = field(default_factory=list)
    key_median: list[float] = field(default_factory=list)
    key_max: list[float] = field(default_factory=list)
    first_bound: list[float] = field(default_factory=list)
    key_bound: list[float] = field(default_factory=list)
    query: list[float] = field(default_factory=list)
    paint: list[float] = field(default_factory=list)


async def _measure(fig: Figure, db: str, url: str, sizes: Sizes, term: str) -> None:
    from ss_tui.db.engine import create_engine

    engine = create_engine(url)
    runs = _Runs()
    last: DashboardRun | None = None
    try:
        for _ in range(sizes.repeat):
            last = await _dashboard(url, engine, term)
            q0, p0, qk, pk = await _bound(engine, last)
            runs.first.append(last.first_paint_s)
            runs.key_median.append(statistics.median(last.keys_s))
            runs.key_max.append(max(last.keys_s))
            runs.first_bound.append(q0 + p0)
            runs.key_bound.append(statistics.median(a + b for a, b in zip(qk, pk, strict=True)))
            runs.query.append(q0)
            runs.paint.append(p0)
        mem_mb, mem_rows = await _memory(url, engine)
    finally:
        await engine.dispose()
    assert last is not None
    fig.add(
        f"{db} first paint ÷ (query + bare paint)",
        [a / b for a, b in zip(runs.first, runs.first_bound, strict=True)],
        "x",
        at_most=TARGET_RATIO,
    )
    fig.add(
        f"{db} first paint",
        runs.first,
        "s",
        note=f"{last.rows_first} rows painted of {last.total:,} projects",
    )
    fig.add(
        f"{db} bound: page query + bare DataTable paint",
        runs.first_bound,
        "s",
        note=f"query {statistics.median(runs.query):.3f} s + paint "
        f"{statistics.median(runs.paint):.3f} s (medians)",
    )
    fig.add(
        f"{db} keystroke ÷ (filtered query + bare paint)",
        [a / b for a, b in zip(runs.key_median, runs.key_bound, strict=True)],
        "x",
        at_most=TARGET_RATIO,
        note="median key of each run ÷ median bound of its keys",
    )
    fig.add(
        f"{db} filter keystroke (median key)",
        runs.key_median,
        "s",
        note=f"typing {term!r} ({len(last.keys_s)} keys, {last.matches:,} projects match)",
    )
    fig.add(f"{db} filter keystroke (slowest key)", runs.key_max, "s")
    fig.add(f"{db} bound per key (median)", runs.key_bound, "s")
    fig.add(
        f"{db} browser memory (tracemalloc peak)",
        mem_mb,
        "MB",
        note=f"allocated from F3 to 5 more pages scrolled in: {mem_rows:,} rows held",
    )


async def run(sizes: Sizes, ws: Workspace, pg: Any = None) -> Figure:
    backends = [("SQLite", await ws.sqlite_url("browser"))]
    if pg is not None and pg.available:
        backends.append(("PostgreSQL", await pg.fresh()))
    with Timer() as seeding:
        term, projects = await _seed(sizes, [url for _, url in backends])
    fig = Figure(
        4,
        "Browser",
        params={
            "projects": projects,
            "tracks": sizes.browser_tracks,
            "runs": sizes.repeat,
            "databases": [db for db, _ in backends],
            "seeding_s": round(seeding.s, 1),
        },
    )
    for db, url in backends:
        await _measure(fig, db, url, sizes, term)
    if pg is None:
        fig.add("PostgreSQL", None, note="skipped (--no-postgres)")
    elif not pg.available:
        fig.add("PostgreSQL", None, note=f"skipped: {pg.why_not}")
    return fig
