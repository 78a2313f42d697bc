"""Small formatting helpers shared by screens (dates, durations, counts, glyphs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from ss_tui.values import JSONObject

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


def ms_to_clock(ms: object) -> str:
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


def counts_text(counts: object) -> str:
    if not isinstance(counts, dict) or not counts:
        return "—"
    # Nested per-kind counts ({"recording": {"create": 3}}) are summed per kind.
    counts = {k: sum(v.values()) if isinstance(v, dict) else v for k, v in counts.items()}
    parts = [f"{k} {v}" for k, v in counts.items() if isinstance(v, int | float) and v]
    return ", ".join(parts) or "—"


def _decisions_parts(d: JSONObject) -> list[str]:
    """What a person decided in the preview, counted: conflict choices, exclusions,
    creator profiles chosen, overwrite, the import options switched on."""
    projects = [p for p in (d.get("projects") or {}).values() if isinstance(p, dict)]
    choices = sum(len(p.get("choices") or {}) for p in projects)
    excluded = sum(len(p.get("excluded") or ()) + (p.get("include") is False) for p in projects)
    creators = sum(1 for p in projects if p.get("creator_profile_id"))
    overwrite = d.get("overwrite") or any(p.get("overwrite") for p in projects)
    parts = []
    if choices:
        parts.append(f"{choices} choice{'s' if choices != 1 else ''}")
    if excluded:
        parts.append(f"{excluded} excluded")
    if creators:
        parts.append(f"{creators} creator{'s' if creators != 1 else ''} chosen")
    if overwrite:
        parts.append("overwrite")
    if d.get("include_unreleased"):
        parts.append("unreleased")
    if d.get("include_collaborations"):
        parts.append("collaborations")
    return parts


def options_text(options: JSONObject) -> str:
    """What was approved, readably: "plan 1a2b3c4d · 2 choices · 1 excluded" for a previewed
    plan, "all projects · incremental" for a headless import (docs/plan-format.md)."""
    parts = []
    if options.get("plan_hash"):
        parts.append(f"plan {str(options['plan_hash'])[:8]}")
    elif options.get("all"):
        parts.append("all projects")
    elif options.get("project_ids"):
        n = len(options["project_ids"])
        parts.append(f"{n} project{'s' if n != 1 else ''}")
    if options.get("incremental"):
        parts.append("incremental")
    if isinstance(options.get("decisions"), dict):
        parts += _decisions_parts(options["decisions"])
    if options.get("discoverCrossLinks"):
        parts.append("link discovery")
    if options.get("retry"):
        parts.append("retry")
    return " · ".join(parts) or "—"

