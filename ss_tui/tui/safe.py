"""Render untrusted text literally.

Titles, names, error messages and payloads come from Session Studio or from users. Textual
and Rich treat plain ``str`` as markup in many places (DataTable cells, Tree labels,
Static/Label content, notifications), so a title like ``[bold red]`` or ``[/]`` would restyle
the screen or raise a MarkupError, and a raw ``\\x1b[31m`` would reach the terminal. Every
untrusted value goes through :func:`clean` / :func:`lit`, which return inert text.
"""

from __future__ import annotations

from rich.text import Text

from ss_tui.text import visible


def clean(value: object, *, single_line: bool = False, max_len: int | None = None) -> str:
    """Plain text with control characters made visible (:func:`ss_tui.text.visible`)."""
    return visible(value, single_line=single_line, max_len=max_len)


def sentence(value: object) -> str:
    """``value`` made visible and ending in exactly one full stop (server messages may or
    may not end with one), so it reads right when followed by our own sentence."""
    text = clean(value, single_line=True).rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def lit(
    value: object,
    style: str = "",
    *,
    single_line: bool = True,
    max_len: int | None = None,
    empty: str = "",
) -> Text:
    """A Rich ``Text`` holding ``value`` literally (never parsed as markup)."""
    text = clean(value, single_line=single_line, max_len=max_len)
    return Text(text or empty, style=style if text else (style or "dim"), end="")


def join(*parts: Text | str, sep: str = "") -> Text:
    """Concatenate literal parts; bare ``str`` parts are trusted constants (our own labels)."""
    out = Text(end="")
    for i, part in enumerate(parts):
        if i and sep:
            out.append(sep)
        out.append(part if isinstance(part, Text) else Text(part))
    return out
