"""The errors screen's detail pane: what went wrong, what to do, and the raw evidence."""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from rich.text import Text

from ss_tui.queries.errors import ErrorDetail
from ss_tui.tui.safe import clean, lit
from ss_tui.tui.widgets.format import status_text, when

ACTION_ADVICE = {
    "retry": "Retry it (t). It failed for a reason that may pass: network, rate limit, outage.",
    "reconnect": "Reconnect the account on the Connect screen (F2), then retry.",
    "fix_data": "Fix the data in Session Studio (or accept the warning), then retry or resolve.",
    "ignore": "Nothing to do: ignore it with a note (i).",
}


def pretty_json(value: object) -> Text:
    """Indented JSON as literal text (payloads may hold markup and escape sequences)."""
    if value is None:
        return Text("—", style="dim")
    try:
        dumped = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        dumped = repr(value)
    return Text(clean(dumped), style="")


def _validation_messages(detail: object) -> list[str]:
    if not isinstance(detail, dict):
        return []
    found = detail.get("validation") or detail.get("errors") or detail.get("messages") or []
    out: list[str] = []
    for item in found if isinstance(found, list) else [found]:
        if isinstance(item, dict):
            loc = ".".join(str(p) for p in item.get("loc", []) or [])
            msg = item.get("msg") or item.get("message") or json.dumps(item, default=str)
            out.append(f"{loc}: {msg}" if loc else str(msg))
        else:
            out.append(str(item))
    return out


def render_error_detail(d: ErrorDetail | None) -> RenderableType:
    if d is None:
        return Text("Highlight an error to see its details.", style="dim")
    r = d.row
    head = Text(end="")
    head.append("Message\n", style="bold")
    head.append_text(lit(r.message, single_line=False))
    head.append("\n\nKind ", style="bold")
    head.append(r.kind)
    head.append("  ·  Status ", style="bold")
    head.append_text(status_text(r.status))
    head.append("  ·  Stage ", style="bold")
    head.append(r.stage)
    head.append("  ·  HTTP ", style="bold")
    head.append(str(r.http_status) if r.http_status is not None else "—")
    head.append("\nEntity ", style="bold")
    head.append_text(lit(r.entity_type, empty="—"))
    head.append(" ")
    head.append_text(lit(r.external_id, empty="—"))
    head.append("  ·  Project ", style="bold")
    head.append_text(lit(r.project_external_id, empty="—"))
    head.append(f"\nAttempts {r.attempts}  ·  first seen {when(d.first_seen_at)}"
                f"  ·  last seen {when(r.last_seen_at)}", style="dim")
    advice = Text("\n\nSuggested action: ", style="bold")
    advice.append(r.suggested_action or "—", style="bold cyan")
    own = d.detail.get("advice") if isinstance(d.detail, dict) and r.kind == "internal" else None
    advice.append("\n" + (str(own) if own else ACTION_ADVICE.get(r.suggested_action or "", "")))
    parts: list[RenderableType] = [head, advice]
    messages = _validation_messages(d.detail)
    if messages:
        block = Text("\n\nValidation\n", style="bold")
        for m in messages:
            block.append("• ")
            block.append_text(lit(m))
            block.append("\n")
        parts.append(block)
    if d.note or d.resolved_by:
        note = Text(f"\n{r.status} by ", style="bold")
        note.append_text(lit(d.resolved_by, empty="—"))
        note.append(f" at {when(d.resolved_at)}: ")
        note.append_text(lit(d.note, single_line=False, empty="(no note)"))
        parts.append(note)
    parts += [Text("\nDetail", style="bold"), pretty_json(d.detail),
              Text("\nSource payload", style="bold"), pretty_json(d.source_payload)]
    return Group(*parts)
