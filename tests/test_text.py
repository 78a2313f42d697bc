"""The one sanitizer for untrusted text: every control character shown the same way, in the
dashboard and the CLI alike."""

from __future__ import annotations

from rich.cells import cell_len

from ss_tui.engine import render
from ss_tui.engine.transform import has_control_chars
from ss_tui.text import visible
from ss_tui.tui import safe


def test_every_control_character_is_shown_as_the_same_kind_of_escape() -> None:
    assert visible("Bell\x07 Tower") == "Bell\\x07 Tower"
    assert visible("\x1b[31mRed\x1b[0m") == "\\x1b[31mRed\\x1b[0m"  # ESC like BEL, not "␛"
    assert visible("a\rb\x7fc\x9bd\x00") == "a\\x0db\\x7fc\\x9bd\\x00"
    assert visible("abc\u202edcba") == "abc\\u202edcba"  # bidi override: no reordering
    assert visible("line\u2028break") == "line\\u2028break"
    assert visible("tab\tand\nnewline") == "tab\tand\nnewline"
    assert visible("tab\tand\nnewline", single_line=True) == "tab and newline"
    assert visible(None) == "" and visible(42) == "42"
    assert visible("[bold]not markup[/]") == "[bold]not markup[/]"  # markup is a screen's job


def test_dashboard_cli_and_import_checks_share_it() -> None:
    evil = "\x1b]8;;https://evil.example\x07Hidden\x1b]8;;\x07"
    assert safe.clean(evil) == render.safe(evil) == visible(evil)
    assert "\x1b" not in visible(evil) and "\x07" not in visible(evil)
    assert has_control_chars(evil) and not has_control_chars("Plain ⛔ title")


def test_truncation_counts_terminal_cells() -> None:
    wide = "⛔ Blocked " * 10
    cut = visible(wide, max_len=20)
    assert cell_len(cut) <= 20 and cut.endswith("…")
    assert visible("short", max_len=20) == "short"
