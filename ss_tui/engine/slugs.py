"""Jovie's slug rules (DESIGN §4) and per-creator collision suffixes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

MAX_SLUG = 50
_DROP = re.compile(r"[^a-z0-9\s-]")
_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"-+")


def slugify(text: str | None, fallback: str = "untitled") -> str:
    """Lowercase, accents stripped, ``[^a-z0-9\\s-]`` dropped, spaces → ``-``, collapsed,
    trimmed, at most 50 characters. Empty results fall back (a slug is never empty)."""
    if not text:
        return fallback
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    )
    slug = _DROP.sub("", ascii_text)
    slug = _SPACES.sub("-", slug.strip())
    slug = _DASHES.sub("-", slug).strip("-")
    slug = slug[:MAX_SLUG].strip("-")
    return slug or fallback


def unique_slug(base: str, taken: Container[str]) -> str:
    """``base`` or the first free ``base-2``, ``base-3`` … (kept within 50 characters)."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


def normalize_name(name: str | None) -> str:
    """Artist name for matching: accents stripped, case folded, whitespace collapsed."""
    if not name:
        return ""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    # A Cyrillic or CJK name has no ASCII form (only its spaces survive); match it on
    # its own letters instead.
    folded = (ascii_text.strip() or name).casefold()
    return _SPACES.sub(" ", folded).strip()
