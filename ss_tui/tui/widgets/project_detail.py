"""The browser's detail pane: a project's tracks, collaborators, stems and splits, rendered
from its snapshot payload. Every value from the payload is untrusted and rendered literally."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ss_tui.queries.projects import ProjectDetail
from ss_tui.tui.safe import lit
from ss_tui.tui.widgets.format import STATE_STYLES, ms_to_clock

if TYPE_CHECKING:
    from ss_tui.values import JSONObject


def _table(title: str, *columns: str) -> Table:
    table = Table(title=Text(title, style="bold"), title_justify="left", expand=True,
                  show_edge=False, pad_edge=False, box=None, header_style="bold dim")
    for col in columns:
        table.add_column(Text(col))
    return table


def _names(track: JSONObject) -> dict[object, object]:
    """Collaborator id -> name, as the payload has them (either may be missing)."""
    return {c.get("id"): c.get("name") for c in track.get("collaborators") or []
            if isinstance(c, dict)}


def render_project_detail(detail: ProjectDetail | None) -> RenderableType:
    if detail is None:
        return Text("Highlight a project to see its tracks, credits, stems and splits.",
                    style="dim")
    p = detail.payload
    head = Text(end="")
    head.append_text(lit(p.get("title"), "bold", empty="(untitled)"))
    head.append("\n")
    head.append_text(lit(p.get("artistName"), empty="unknown artist"))
    head.append("  ·  ")
    head.append_text(lit(p.get("type")))
    head.append("  ·  ")
    head.append_text(lit(p.get("status")))
    head.append(f"\nReleased {p.get('releaseDate') or '—'}  ·  UPC ")
    head.append_text(lit(p.get("upc"), empty="—"))
    head.append("  ·  Label ")
    head.append_text(lit(p.get("label"), empty="—"))
    head.append(f"\nSession Studio id {p.get('id', detail.external_id)}", style="dim")
    # Where the import stands, at the top: the pane scrolls when a project has many tracks.
    label, style = STATE_STYLES.get(detail.import_state, (detail.import_state, ""))
    head.append(f"\n{label}", style=style)
    if detail.open_errors:
        head.append(f"\n{detail.open_errors} open sync error(s): see Errors (F5)",
                    style="bold red")

    tracks = _table(f"Tracks ({len(detail.tracks)})", "#", "Title", "ISRC", "Time", "E")
    collabs = _table("Collaborators", "Track", "Name", "Role", "IPI/ISNI")
    stems = _table("Stems", "Track", "Stem", "Type")
    splits = _table("Splits", "Track", "Writer", "Share")
    for n, t in enumerate(detail.tracks, 1):
        if not isinstance(t, dict):
            continue
        number = t.get("trackNumber") or n
        tracks.add_row(
            Text(str(number)),
            lit(t.get("title"), empty="(untitled)"),
            lit(t.get("isrc"), empty="—"),
            Text(ms_to_clock(t.get("durationMs"))),
            Text("E" if t.get("isExplicit") else ""),
        )
        short = lit(t.get("title"), max_len=14, empty="(untitled)")
        for c in t.get("collaborators") or []:
            if isinstance(c, dict):
                ids = " / ".join(str(x) for x in (c.get("ipi"), c.get("isni")) if x)
                collabs.add_row(short, lit(c.get("name")), lit(c.get("role")), lit(ids or "—"))
        for s in t.get("stems") or []:
            if isinstance(s, dict):
                stems.add_row(short, lit(s.get("name")), lit(s.get("type")))
        names = _names(t)
        for s in t.get("splits") or []:
            if isinstance(s, dict):
                who = names.get(s.get("collaboratorId")) or s.get("collaboratorId")
                splits.add_row(short, lit(who), lit(f"{s.get('share')}%"))
    parts: list[RenderableType] = [head, Text(""), tracks]
    for extra in (collabs, stems, splits):
        if extra.row_count:
            parts += [Text(""), extra]
    return Group(*parts)
