"""The keymap setting: ``SS_TUI_KEYMAP`` maps binding ids to keys, e.g.
``browser.preview=ctrl+p; app.goto.errors=f9,e``. Every binding of the dashboard has an id
(README "Keymap" lists them); Textual's ``App.set_keymap`` applies the map, so the footer, F1
and the command palette show the remapped keys.

A bad entry (no "=", an unknown id, a key Textual cannot name) is left out and reported in
words at start-up: the dashboard still opens with the other entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.keys import KEY_TO_UNICODE_NAME, Keys, key_to_character

Keymap = dict[str, str]
MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
_NAMED_KEYS = {k.value for k in Keys} | set(KEY_TO_UNICODE_NAME) | {
    "space", "slash", "backslash", "at", "minus", "plus", "underscore", "enter", "tab",
    "question_mark",
}


@dataclass(frozen=True, slots=True)
class KeymapProblem:
    entry: str
    reason: str

    def __str__(self) -> str:
        return f"{self.entry!r}: {self.reason}"


def valid_key(key: str) -> bool:
    """A key Textual can bind: one character, or a key name (``f9``, ``pageup``,
    ``question_mark``), optionally after modifiers (``ctrl+shift+x``)."""
    *mods, base = key.split("+")
    if not base or any(m not in MODIFIERS for m in mods):
        return False
    return len(base) == 1 or base in _NAMED_KEYS or key_to_character(base) is not None


def parse_keymap(text: str) -> tuple[Keymap, list[KeymapProblem]]:
    """``id=key[,key…]`` entries separated by ``;`` or new lines."""
    keymap: Keymap = {}
    problems: list[KeymapProblem] = []
    for raw in text.replace("\n", ";").split(";"):
        entry = raw.strip()
        if not entry:
            continue
        binding_id, sep, keys = (part.strip() for part in entry.partition("="))
        if not sep or not binding_id or not keys:
            problems.append(KeymapProblem(entry, "expected binding-id=key"))
            continue
        bad = [k for k in (k.strip() for k in keys.split(",")) if not valid_key(k)]
        if bad:
            problems.append(KeymapProblem(entry, f"not a key: {', '.join(bad)}"))
            continue
        keymap[binding_id] = ",".join(k.strip() for k in keys.split(","))
    return keymap, problems


def check_ids(keymap: Keymap, known: Iterable[str]) -> tuple[Keymap, list[KeymapProblem]]:
    """The entries whose binding id exists, and a problem for each that does not."""
    ids = set(known)
    good = {k: v for k, v in keymap.items() if k in ids}
    problems = [KeymapProblem(f"{k}={v}", "no binding has this id (README \"Keymap\")")
                for k, v in keymap.items() if k not in ids]
    return good, problems


def bindings_of(owners: Iterable[type[DOMNode]]) -> list[Binding]:
    """Every binding the owners declare (their own BINDINGS, not inherited ones)."""
    found: list[Binding] = []
    for owner in owners:
        declared: list[BindingType] = list(owner.__dict__.get("BINDINGS", []))
        found.extend(b for b in declared if isinstance(b, Binding))
    return found


def describe_problems(problems: list[KeymapProblem]) -> str:
    listed = "; ".join(str(p) for p in problems)
    return (f"SS_TUI_KEYMAP: {len(problems)} entr{'y' if len(problems) == 1 else 'ies'} "
            f"left out: {listed}. The other keys work as set.")
