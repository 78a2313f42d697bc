"""Browse over a catalogue larger than a few pages, on SQLite and PostgreSQL: the first page,
the search and the sorts give the rows and counts the snapshot holds (the rows are what a
fetch writes, seeded in bulk the way the benchmark does)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, Select

from bench.common import build_simulator, catalogue_payloads, seeded_service
from bench.seed import bound_rows, open_writer
from ss_tui.db.engine import is_sqlite
from ss_tui.tui.screens.browser import PAGE_SIZE, BrowserScreen
from ss_tui.tui.screenshots import settle
from tests.fixtures.db import run_async
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text

PROJECTS, TRACKS = 600, 6_000


@pytest.fixture
def tui_db_url(db_url: str) -> str:
    """The dashboard's database: SQLite and PostgreSQL in turn."""
    return db_url


@pytest.fixture
def catalogue(tui_db_url: str) -> list[dict[str, Any]]:
    _, sim = build_simulator(PROJECTS, TRACKS)
    payloads = catalogue_payloads(sim)

    async def go() -> None:
        svc, cid = await seeded_service(tui_db_url, [], sim.demo_account_id)
        await svc.engine.dispose()
        dialect = "sqlite" if is_sqlite(tui_db_url) else "postgresql"
        (rows,) = bound_rows(payloads, ((dialect, cid),))
        writer = await open_writer(dialect, tui_db_url)
        await writer.write(rows)
        await writer.close()

    run_async(go)
    return payloads


def _lower(text: str | None) -> str:
    """Both databases fold ASCII letters only in LIKE/ILIKE (PostgreSQL here: locale C)."""
    return "".join(c.lower() if c.isascii() else c for c in text or "")


def _shown(screen: BrowserScreen) -> list[str]:
    table = screen.query_one("#projects", DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


async def test_pages_search_and_sorts_over_a_large_catalogue(catalogue, make_app) -> None:
    by_title = sorted(catalogue, key=lambda p: (p["title"] is None, p["title"] or "", p["id"]))

    def matches(term: str) -> list[dict[str, Any]]:
        return [p for p in by_title
                if term in _lower(p["title"]) or term in _lower(p.get("artistName"))]

    # Letters matching more than a page but not everything.
    term = next(t for t in ("ing", "the", "ar", "er", "an", "o")
                if PAGE_SIZE < len(matches(t)) < PROJECTS - PAGE_SIZE)
    matching = matches(term)
    by_tracks = sorted(catalogue, key=lambda p: (-len(p["tracks"]), p["id"]))
    assert len(matching) > PAGE_SIZE

    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        assert screen.total == PROJECTS
        assert _shown(screen) == [p["id"] for p in by_title[:PAGE_SIZE]]
        assert f"100 of {PROJECTS:,} projects shown" in screen_text(app)

        await pilot.press("slash", *term)
        await settle(pilot)
        assert screen.total == len(matching)
        assert _shown(screen) == [p["id"] for p in matching[:PAGE_SIZE]]
        assert f"100 of {len(matching):,} projects shown" in screen_text(app)

        screen.query_one("#search").value = ""
        screen.query_one("#f-sort", Select).value = "tracks"
        await settle(pilot)
        screen.query_one("#projects").focus()
        await pilot.press("O")  # the largest projects first
        await settle(pilot)
        assert screen.total == PROJECTS
        assert _shown(screen) == [p["id"] for p in by_tracks[:PAGE_SIZE]]
