"""Jovie's text conventions, reproduced character for character (docs/jovie-conventions.md):
content slugs as Jovie's ``generateBaseSlug`` makes them, per-creator collision suffixes, and
artist ``name_normalized`` as Jovie's ``normalizeArtistName`` computes it.

Jovie runs these in JavaScript, whose regular expressions differ from Python's: without the
``u`` flag ``\\w`` is ASCII only, and ``\\s`` is ECMAScript's whitespace set (it has U+FEFF,
lacks U+001C-U+001F and U+0085). Both are spelled out below instead of using Python's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from functools import lru_cache

MAX_SLUG = 50
FALLBACK_SLUG = "untitled"

# ECMAScript WhiteSpace + LineTerminator: what ``\s`` and ``String.prototype.trim`` mean there.
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_SPACES = re.compile(f"[{JS_SPACE}]+")
_JS_TRIM = re.compile(f"^[{JS_SPACE}]+|[{JS_SPACE}]+$")
_COMBINING = re.compile("[\u0300-\u036f]")
_SLUG_DROP = re.compile(f"[^a-z0-9{JS_SPACE}-]")
_DASHES = re.compile("-+")
_EDGE_DASH = re.compile("^-|-$")
_NAME_DROP = re.compile(f"[^A-Za-z0-9_{JS_SPACE}'-]")


def jovie_base_slug(text: str | None) -> str:
    """Jovie's ``generateBaseSlug``: lowercase, NFD with U+0300-U+036F removed,
    ``[^a-z0-9\\s-]`` dropped, whitespace runs → ``-``, ``-`` runs collapsed, one leading and
    one trailing ``-`` removed, then cut to 50 characters. May be empty (a title of emoji
    or non-Latin letters)."""
    if not text:
        return ""
    slug = unicodedata.normalize("NFD", text.lower())
    slug = _COMBINING.sub("", slug)
    slug = _SLUG_DROP.sub("", slug)
    slug = _JS_SPACES.sub("-", slug)
    slug = _DASHES.sub("-", slug)
    slug = _EDGE_DASH.sub("", slug)
    return slug[:MAX_SLUG]


def slugify(text: str | None, fallback: str = FALLBACK_SLUG) -> str:
    """:func:`jovie_base_slug`, never empty: Jovie falls back to ``untitled-<time>``, which is
    not reproducible; ours is ``fallback`` and the collision suffixes keep it unique."""
    return jovie_base_slug(text) or fallback


def unique_slug(base: str, taken: Container[str]) -> str:
    """``base`` or the first free ``base-2``, ``base-3`` … as Jovie's ``generateUniqueSlug``
    numbers them; the base is shortened so a suffixed slug stays within 50 characters."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


@lru_cache(maxsize=8192)  # a few hundred names, credited on every track
def normalize_artist_name(name: str | None) -> str:
    """Jovie's ``normalizeArtistName``: lowercase, whitespace runs → one space, every character
    but ASCII letters, digits, ``_``, whitespace, ``'`` and ``-`` removed, trimmed. The order
    matters: ``"Amara & the Onyxs"`` keeps two spaces where the ``&`` was, accented letters
    vanish (``"Café"`` → ``"caf"``), and a name in another script normalises to ``""``."""
    if not name:
        return ""
    text = _JS_SPACES.sub(" ", name.lower())
    text = _NAME_DROP.sub("", text)
    return _JS_TRIM.sub("", text)


# The planner's older name for the same rule.
normalize_name = normalize_artist_name
