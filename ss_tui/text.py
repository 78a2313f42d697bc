"""The one sanitizer for untrusted text (titles, names, messages, payloads, server errors).

Every control character is shown the same way, as a visible Python-style escape: C0 and C1
controls, DEL (``\\x07``, ``\\x1b``, ``\\x9b``) and the invisible bidirectional and line
separator marks that could reorder or split what a reader sees (``\\u202e``, ``\\u2028``).
Nothing reaches the terminal as a control sequence. Tab and newline are kept unless
``single_line``. ``max_len`` counts terminal cells, so a wide glyph ("⛔", CJK) takes two and a
truncated value never overflows its column. The dashboard wraps the result in Rich ``Text``
(never parsed as markup); the CLI prints it as is.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size

_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(value: object, *, single_line: bool = False, max_len: int | None = None) -> str:
    """``value`` as inert text: controls shown as escapes; ``None`` becomes ''."""
    if value is None:
        return ""
    text = _CONTROL.sub(_escape, str(value))
    if single_line:
        text = text.replace("\n", " ").replace("\t", " ")
    if max_len is not None and cell_len(text) > max_len:
        text = set_cell_size(text, max(max_len - 1, 0)).rstrip(" ") + "…"
    return text


def has_controls(text: str) -> bool:
    """Whether ``visible`` would change ``text`` (ignoring tab and newline)."""
    return _CONTROL.search(text) is not None
