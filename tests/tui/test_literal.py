"""Titles holding Rich markup and ANSI escapes render literally on every screen."""

from __future__ import annotations

from rich.text import Text

from ss_tui.tui.messages import EngineEventPosted
from ss_tui.tui.safe import clean, lit
from ss_tui.tui.screens.preview import PreviewScreen
from ss_tui.tui.screenshots import settle
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text
from tests.tui.plans import running_events, sample_plan
from tests.tui.seed import EVIL_TITLES

# What each evil title must look like on screen: markup verbatim, ESC made visible.
VISIBLE = [clean(t) for t in EVIL_TITLES]
# The account's name comes from Session Studio too (distinct from the titles above).
EVIL_ACCOUNT = "[b]Evil[/b] \x1b[31mCo"


def test_clean_makes_escapes_visible_and_keeps_markup() -> None:
    assert clean("\x1b[31mRed\x1b[0m") == "\\x1b[31mRed\\x1b[0m"
    assert clean("a\x07b\x9bc") == "a\\x07b\\x9bc"
    text = lit("[bold red]Boom[/]")
    assert isinstance(text, Text) and text.plain == "[bold red]Boom[/]" and not text.spans


def _evil_titles() -> dict[int, str]:
    # Sort first by title in the browser: prefix with "A" so they are on the first page.
    return {i: f"A{t}" for i, t in enumerate(EVIL_TITLES)}


async def test_markup_titles_render_literally_on_every_screen(seeded, make_app) -> None:
    seeded(projects=8, errors=4, runs=1, imported=4, titles=_evil_titles(),
           account_name=EVIL_ACCOUNT)
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browser = screen_text(app)
        for visible in VISIBLE:
            assert f"A{visible}"[:20] in browser  # table cells (truncated to the column)
        # Detail pane of the first (highlighted) project: title and its first track.
        assert "A[bold red]Boom[/]" in browser

        await pilot.press("f5")
        await settle(pilot)
        errors = screen_text(app)
        assert "[bold red]Boom[/]" in errors and "[/]" in errors

        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("enter")  # run detail: items with their (evil) titles
        await settle(pilot)
        assert "A[bold red]Boom[/]" in screen_text(app)
        await pilot.press("escape")

        await pilot.press("f2")
        await settle(pilot)
        connect = screen_text(app)
        assert "▶ [b]Evil[/b] \\x1b[31mCo" in connect  # the selected account, verbatim
        assert "\x1b" not in connect

        await app.push_screen(PreviewScreen(sample_plan(title=EVIL_TITLES[2]), []))
        await settle(pilot)
        assert "[link=https://x.test]click[/link]" in screen_text(app)
        app.pop_screen()

        await pilot.press("f4")
        for event in running_events():
            app.post_message(EngineEventPosted(event))
        await settle(pilot)
        progress = screen_text(app)
        assert "[bold red]Boom[/]" in progress
        assert "\x1b" not in progress


async def test_ansi_escape_never_reaches_the_terminal(seeded, make_app) -> None:
    seeded(projects=3, errors=1, titles={0: "\x1b[31mRed\x1b[0m alert"})
    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "\\x1b[31mRed\\x1b[0m alert" in text
        assert "\x1b" not in text
