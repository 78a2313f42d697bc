"""Small formatting helpers shared by screens (dates, durations, counts, glyphs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rich.text import Text

STATE_STYLES = {
    "new": ("● new", "cyan"),
    "changed": ("◐ changed", "yellow"),
    "imported": ("✓ imported", "green"),
}
ACTION_STYLES = {"create": "green", "update": "yellow", "unchanged": "dim", "conflict": "bold red",
                 "delete": "magenta"}
STATUS_STYLES = {
    "open": "red", "retrying": "yellow", "resolved": "green", "ignored": "dim",
    "succeeded": "green", "partial": "yellow", "failed": "red", "cancelled": "dim",
    "running": "cyan", "paused": "yellow", "applied": "green", "unchanged": "dim",
    "stale": "yellow", "skipped": "dim", "excluded": "dim",
    "connected": "green", "reconnect_needed": "bold red", "disconnected": "dim",
    "no_token": "bold yellow",
}


def when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def ago(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "never"
    if value.tzinfo is None and now.tzinfo is not None:
        value = value.replace(tzinfo=now.tzinfo)
    secs = int((now - value).total_seconds())
    if secs < 60:
        return "just now"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if secs >= size:
            return f"{secs // size} {unit} ago"
    return "just now"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m {s:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h {m:02d}m"


def ms_to_clock(ms: Any) -> str:
    if not isinstance(ms, int | float) or ms < 0:
        return "—"
    total = int(ms) // 1000
    return f"{total // 60}:{total % 60:02d}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """"1 request", "2 requests" ("1 retry", "3 retries" with ``many``)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def mark(marked: bool) -> Text:
    """The mark column of a table whose rows can be selected (browser, errors)."""
    return Text("●", style="bold green") if marked else Text(" ")


def status_text(status: str | None) -> Text:
    return Text(status or "—", style=STATUS_STYLES.get(status or "", ""))


def counts_text(counts: Any) -> str:
    if not isinstance(counts, dict) or not counts:
        return "—"
    # Nested per-kind counts ({"recording": {"create": 3}}) are summed per kind.
    counts = {k: sum(v.values()) if isinstance(v, dict) else v for k, v in counts.items()}
    parts = [f"{k} {v}" for k, v in counts.items() if isinstance(v, int | float) and v]
    return ", ".join(parts) or "—"


# Bookkeeping the engine stores with a run (resume detection), not choices staff made.
HIDDEN_OPTIONS = {"host", "pid", "interactive", "key"}


def options_text(options: dict[str, Any]) -> str:
    parts = []
    for key, value in sorted(options.items()):
        if key in HIDDEN_OPTIONS or value in (None, False, {}, []):
            continue
        if isinstance(value, list):
            parts.append(f"{len(value)} {key.replace('_ids', 's')}")
        elif isinstance(value, dict):
            parts.append(key)  # e.g. the preview's decisions: present, detail in the run
        elif value is True:
            parts.append(key)
        else:
            parts.append(f"{key}={value}")
    return ", ".join(parts) or "—"
