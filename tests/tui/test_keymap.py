"""SS_TUI_KEYMAP: every binding has an id, a remapped key runs the action (and the old one no
longer does), F1 and the footer show the new key, a bad entry is said in words at start-up."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode

import ss_tui.tui
from ss_tui.config import Settings
from ss_tui.tui.app import BINDING_OWNERS
from ss_tui.tui.keymap import bindings_of, parse_keymap, valid_key
from ss_tui.tui.screens.errors import ErrorsScreen
from ss_tui.tui.screens.help import HelpScreen
from ss_tui.tui.screens.history import HistoryScreen
from ss_tui.tui.screenshots import settle
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text

README = Path(__file__).resolve().parents[2] / "README.md"


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _declaring_classes() -> list[type[DOMNode]]:
    """Every DOM class of the dashboard that declares BINDINGS (all modules imported)."""
    for info in pkgutil.walk_packages(ss_tui.tui.__path__, "ss_tui.tui."):
        importlib.import_module(info.name)
    found: list[type[DOMNode]] = []
    todo: list[type[DOMNode]] = [DOMNode]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("ss_tui.tui") and "BINDINGS" in cls.__dict__:
            found.append(cls)
    return found


def test_every_binding_has_a_unique_id_and_its_owner_is_listed() -> None:
    declaring = _declaring_classes()
    assert set(declaring) <= set(BINDING_OWNERS), set(declaring) - set(BINDING_OWNERS)
    bindings = bindings_of(BINDING_OWNERS)
    assert all(isinstance(b, Binding) and b.id for b in bindings), [
        b.key for b in bindings if not b.id]
    ids = [b.id for b in bindings]
    assert len(ids) == len(set(ids))


def test_readme_lists_every_binding_id() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Keymap"):]
    missing = [b.id for b in bindings_of(BINDING_OWNERS) if f"`{b.id}`" not in section]
    assert not missing


def test_parse_keymap_keeps_good_entries_and_names_bad_ones() -> None:
    keymap, problems = parse_keymap(
        " app.goto.errors = f9 ;browser.preview=ctrl+o,P\nbroken; x.y=ctrl+nokey; z=")
    assert keymap == {"app.goto.errors": "f9", "browser.preview": "ctrl+o,P"}
    assert [p.entry for p in problems] == ["broken", "x.y=ctrl+nokey", "z="]
    assert "not a key: ctrl+nokey" in str(problems[1])
    assert all(valid_key(k) for k in ("f9", "question_mark", "?", "ctrl+shift+x", "pageup"))
    assert not any(valid_key(k) for k in ("", "ctrl+", "cmd+x", "f99x"))


async def test_a_remapped_key_runs_the_action_and_the_old_one_does_not(
    seeded, make_app, tui_db_url
) -> None:
    seeded(projects=3, errors=2)
    settings = Settings(database_url=tui_db_url, token_store="memory",
                        keymap="app.goto.errors=f9; history.reload=ctrl+r")
    app = make_app("history", settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert "f9 Errors" in screen_text(app)  # the footer shows the new key
        assert "f5 Errors" not in screen_text(app)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)  # the old key does nothing now

        await pilot.press("f1")  # F1 lists the screen's keys as remapped
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        help_text = screen_text(app)
        assert "^r" in help_text and "Reload" in help_text and "f9" in help_text
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ErrorsScreen)
        assert not any("Keymap" in n for n in _notes(app))


async def test_a_bad_keymap_entry_is_a_start_up_message_not_a_traceback(
    seeded, make_app, tui_db_url
) -> None:
    seeded(projects=3)
    settings = Settings(database_url=tui_db_url, token_store="memory",
                        keymap="nope.such=x; app.goto.errors=ctrl+blah; app.goto.jobs=f9")
    app = make_app("history", settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)  # the dashboard opened anyway
        notes = [n for n in _notes(app) if n.startswith("SS_TUI_KEYMAP")]
        assert len(notes) == 1
        assert "'nope.such=x': no binding has this id" in notes[0]
        assert "'app.goto.errors=ctrl+blah': not a key: ctrl+blah" in notes[0]
        await pilot.press("f9")  # the good entry still applies
        await settle(pilot)
        assert app.current_mode == "jobs"
