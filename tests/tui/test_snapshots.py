"""SVG snapshots of every screen at the smallest supported terminal (100x30) and a large one
(160x45); empty and error states at 100x30 only, which keeps the suite's count (and CI time)
reasonable while every layout is seen at both sizes.

Update with ``pytest tests/tui --snapshot-update`` after checking the change is intended."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet
from ss_tui.tui.messages import EngineEventPosted
from ss_tui.tui.screens.preview import PreviewScreen
from ss_tui.tui.screenshots import settle
from tests.tui.plans import failed_events, finished_events, running_events, sample_plan

CREATORS = [("cp-1", "Demo Creator"), ("cp-2", "Second Creator")]
SMALL, LARGE = (100, 30), (160, 45)
BOTH = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["100x30", "160x45"])


def steps(*keys: str, events: list[Any] | None = None,
          push: Callable[[], Any] | None = None) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for event in events or []:
            pilot.app.post_message(EngineEventPosted(event))
        if push is not None:
            await pilot.app.push_screen(push())
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def _signed_in() -> MemoryTokenStore:
    """A token store holding the seeded account's token (as after signing in)."""
    store = MemoryTokenStore()
    store._tokens["acct_demo"] = TokenSet("snapshot-access-token")
    return store


@BOTH
def test_connect_normal(snap_compare, seeded, make_app, size) -> None:
    seeded(projects=12)
    app = make_app("connect", token_store=_signed_in())
    assert snap_compare(app, terminal_size=size, run_before=steps())


def test_connect_token_missing(snap_compare, seeded, make_app) -> None:
    """The database remembers the account, the memory store forgot its token (a restart)."""
    seeded(projects=12)
    assert snap_compare(make_app("connect"), terminal_size=SMALL, run_before=steps())


def test_connect_empty(snap_compare, make_app) -> None:
    assert snap_compare(make_app("connect"), terminal_size=SMALL, run_before=steps())


def test_connect_reconnect_needed(snap_compare, seeded, make_app) -> None:
    seeded(projects=3, connection_status="reconnect_needed")
    assert snap_compare(make_app("connect"), terminal_size=SMALL, run_before=steps())


@BOTH
def test_browser_normal_with_selection(snap_compare, seeded, make_app, size) -> None:
    seeded(projects=60, imported=5, titles={1: "[bold red]Boom[/]", 2: "⛔ Stop \x07Sign"})
    app = make_app("browser")
    keys = ("down", "space", "space", "space")
    assert snap_compare(app, terminal_size=size, run_before=steps(*keys))


def test_browser_empty(snap_compare, make_app) -> None:
    assert snap_compare(make_app("browser"), terminal_size=SMALL, run_before=steps())


def test_browser_no_match(snap_compare, seeded, make_app) -> None:
    seeded(projects=20)
    keys = ("slash", "z", "z", "z", "enter")
    assert snap_compare(make_app("browser"), terminal_size=SMALL, run_before=steps(*keys))


@BOTH
def test_preview_normal(snap_compare, make_app, size) -> None:
    app = make_app("browser")
    push = lambda: PreviewScreen(sample_plan(), CREATORS)  # noqa: E731
    assert snap_compare(app, terminal_size=size,
                        run_before=steps("down", "down", "down", push=push))


def test_preview_conflict_and_exclusion(snap_compare, make_app) -> None:
    app = make_app("browser")
    push = lambda: PreviewScreen(sample_plan(), CREATORS)  # noqa: E731
    keys = ("down", "down", "down", "x", "down", "c")
    assert snap_compare(app, terminal_size=SMALL, run_before=steps(*keys, push=push))


def test_progress_empty(snap_compare, make_app) -> None:
    assert snap_compare(make_app("progress"), terminal_size=SMALL, run_before=steps())


@BOTH
def test_progress_running(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app("progress"), terminal_size=size,
                        run_before=steps(events=running_events()))


def test_progress_finished(snap_compare, make_app) -> None:
    assert snap_compare(make_app("progress"), terminal_size=SMALL,
                        run_before=steps(events=finished_events()))


def test_progress_reconnect_needed(snap_compare, make_app) -> None:
    assert snap_compare(make_app("progress"), terminal_size=SMALL,
                        run_before=steps(events=failed_events()))


@BOTH
def test_errors_normal(snap_compare, seeded, make_app, size) -> None:
    seeded(projects=10, errors=6, titles={1: "[bold red]Boom[/]"})
    assert snap_compare(make_app("errors"), terminal_size=size, run_before=steps("down"))


def test_errors_empty(snap_compare, seeded, make_app) -> None:
    seeded(projects=5, errors=0)
    assert snap_compare(make_app("errors"), terminal_size=SMALL, run_before=steps())


@BOTH
def test_history_normal(snap_compare, seeded, make_app, size) -> None:
    seeded(projects=10, runs=3, imported=4, errors=2)
    assert snap_compare(make_app("history"), terminal_size=size, run_before=steps())


def test_history_empty(snap_compare, make_app) -> None:
    assert snap_compare(make_app("history"), terminal_size=SMALL, run_before=steps())


@BOTH
def test_run_detail(snap_compare, seeded, make_app, size) -> None:
    seeded(projects=10, runs=1, imported=4, errors=2)
    assert snap_compare(make_app("history"), terminal_size=size, run_before=steps("enter"))


@BOTH
def test_jobs(snap_compare, make_app, tui_db_url, size) -> None:
    from tests.tui.test_jobs_stats import seed_jobs

    seed_jobs(tui_db_url)
    assert snap_compare(make_app("jobs"), terminal_size=size, run_before=steps())


def test_jobs_empty(snap_compare, make_app) -> None:
    assert snap_compare(make_app("jobs"), terminal_size=SMALL, run_before=steps())


@BOTH
def test_stats(snap_compare, make_app, tui_db_url, size) -> None:
    from tests.tui.test_jobs_stats import seed_runs

    seed_runs(tui_db_url)
    assert snap_compare(make_app("stats"), terminal_size=size, run_before=steps())


def test_stats_empty(snap_compare, make_app) -> None:
    assert snap_compare(make_app("stats"), terminal_size=SMALL, run_before=steps())


@BOTH
def test_discovery(snap_compare, make_app, size) -> None:
    from ss_tui.discovery import DiscoveryFinished, ReleaseDiscovered
    from ss_tui.tui.screens.discovery import DiscoveryScreen

    app = make_app("browser")

    def push() -> DiscoveryScreen:
        state = app.discovery_state
        state.start([("rel-1", "Night Drive"), ("rel-2", "[bold]Evil[/] \x1b[31mTitle"),
                     ("rel-3", "Quiet Song")], not_imported=1)
        state.apply(ReleaseDiscovered("rel-1", "Night Drive", "found",
                                      {"apple_music": "found", "deezer": "found"}, 2))
        state.apply(ReleaseDiscovered("rel-2", "[bold]Evil[/] \x1b[31mTitle", "failed",
                                      {"apple_music": "failed", "deezer": "not_found"}, 0))
        state.apply(DiscoveryFinished({"found": 1, "failed": 1, "not_found": 0}, errors=1))
        return DiscoveryScreen()

    assert snap_compare(app, terminal_size=size, run_before=steps(push=push))


@BOTH
def test_help(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app("browser"), terminal_size=size, run_before=steps("f1"))


def test_command_palette(snap_compare, seeded, make_app) -> None:
    seeded(projects=5)
    assert snap_compare(make_app("browser"), terminal_size=SMALL,
                        run_before=steps("ctrl+p", "i", "m", "p", "o", "r", "t"))
