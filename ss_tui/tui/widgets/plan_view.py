"""Renderers for the import plan: tree labels, totals, and the field before → after pane.
Labels and values come from Session Studio or the database: always literal."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ss_tui.engine.plan_types import Action, EntityChange, ImportPlan, ProjectPlan
from ss_tui.engine.summary import plan_rows, rows_total
from ss_tui.tui.safe import lit
from ss_tui.tui.widgets.format import ACTION_STYLES

if TYPE_CHECKING:
    from ss_tui.values import JSONObject

_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?(?:\+00:00|Z)?$")


def _when(v: datetime | date | str) -> str | None:
    """A date as a date (release dates are stored as midnight UTC), a moment to the minute."""
    if isinstance(v, str):
        m = _MIDNIGHT.match(v.strip())
        return m.group(1) if m else None
    if isinstance(v, datetime):
        if v.tzinfo is not None:
            v = v.astimezone(UTC)
        if (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0):
            return v.date().isoformat()
        return v.strftime("%Y-%m-%d %H:%M UTC")
    return v.isoformat()


def _value(v: object) -> Text:
    if v is None:
        return Text("∅", style="dim")
    if isinstance(v, datetime | date | str) and (when := _when(v)) is not None:
        return Text(when)
    if isinstance(v, dict | list):
        return lit(json.dumps(v, ensure_ascii=False, default=str, sort_keys=True), max_len=200)
    return lit(v, max_len=200)


def entity_label(e: EntityChange) -> Text:
    style = ACTION_STYLES.get(e.action.value, "")
    text = Text(end="")  # glyph + colour: readable without colour too
    text.append("✗ " if not e.included else "  ", style="red")
    text.append(f"{e.action.glyph} ", style=f"bold {style}")
    text.append(f"{e.kind.value:<13} ", style="dim")
    text.append_text(lit(e.label, max_len=60, empty="(unnamed)"))
    if e.conflict is not None:
        text.append(f"  [{e.conflict.chosen or 'choose'}]", style="bold red")
    if e.warnings:
        text.append(f"  ⚠{len(e.warnings)}", style="yellow")
    if not e.included:
        text.stylize("dim strike")
    return text


def skipped_label(skipped: JSONObject) -> Text:
    """A track the plan does not import, with why (never silently left out)."""
    text = Text("  ⊘ skipped       ", style="yellow", end="")
    text.append_text(lit(skipped.get("title") or skipped.get("external_id"), max_len=40,
                         empty="(untitled)"))
    text.append(": ")
    text.append_text(lit(skipped.get("reason"), "yellow", max_len=120))
    return text


def counts_line(counts: dict[str, int]) -> Text:
    text = Text(end="")
    for action in Action:
        n = counts.get(action.value, 0)
        if not n and action.value == "delete":
            continue  # deletes are rare (credits dropped upstream): shown only when present
        text.append(f"{action.glyph} {n} {action.value}   ",
                    style=ACTION_STYLES.get(action.value, "") if n else "dim")
    return text


def project_label(p: ProjectPlan) -> Text:
    totals: dict[str, int] = {}
    for e in p.entities:
        if e.included:
            totals[e.action.value] = totals.get(e.action.value, 0) + 1
    text = Text(end="")
    text.append("✗ " if not p.included else "", style="red")
    text.append_text(lit(p.title, "bold", max_len=50, empty="(untitled)"))
    text.append("  ")
    for action in Action:
        if totals.get(action.value):
            text.append(f"{action.glyph}{totals[action.value]} ",
                        style=ACTION_STYLES.get(action.value, ""))
    if p.skipped:
        text.append(f"⊘{len(p.skipped)} skipped ", style="yellow")
    if p.blocked:
        text.append("⛔ blocked: ", style="bold red")
        text.append_text(lit(p.blocked, "red", max_len=80))
        text.append(" ")
    if p.warnings:
        text.append(f"⚠{len(p.warnings)}", style="yellow")
    if not p.included:
        text.stylize("dim strike")
    return text


def totals_line(plan: ImportPlan) -> Text:
    text = Text("Plan: ", style="bold", end="")
    text.append_text(counts_line(plan.totals()))
    included = sum(1 for p in plan.projects if p.included)
    excluded = sum(1 for p in plan.projects for e in p.entities if not e.included)
    text.append(f"·  {included}/{len(plan.projects)} projects", style="bold")
    if excluded:
        text.append(f"  ·  {excluded} excluded", style="dim")
    blocked = sum(1 for p in plan.projects if p.included and p.blocked)
    if blocked:
        text.append(f"  ·  {blocked} blocked", style="bold red")
    skipped = sum(len(p.skipped) for p in plan.projects if p.included)
    if skipped:
        text.append(f"  ·  {skipped} track(s) skipped", style="yellow")
    conflicts = plan.unresolved_conflicts()
    if conflicts:
        text.append(f"  ·  {len(conflicts)} conflict(s) to resolve", style="bold red")
    totals = plan.totals()
    if not (totals.get("create") or totals.get("update") or conflicts or skipped):
        text.append("\nNothing to write: Jovie already matches Session Studio for these "
                    "projects (escape goes back).", style="green")
    return text


def options_line(plan: ImportPlan) -> Text:
    """The import options the plan was made with (toggled in the preview)."""
    d = plan.decisions
    text = Text("Import options: ", style="bold", end="")
    for label, name in (("unreleased", "include_unreleased"),
                        ("collaborations", "include_collaborations")):
        on = bool(getattr(d, name, False))
        text.append(f"{label} {'on' if on else 'off'}", style="green" if on else "dim")
        if name != "include_collaborations":
            text.append("  ·  ", style="dim")
    text.append("   (u, m: change)", style="dim")
    return text


def entity_detail(
    e: EntityChange | None,
    project: ProjectPlan | None,
    creator_names: dict[str, str] | None = None,
) -> RenderableType:
    if e is None and project is None:
        return Text("Highlight an entity to see its fields.", style="dim")
    if e is None:
        assert project is not None
        head = Text(end="")
        head.append_text(lit(project.title, "bold", empty="(untitled)"))
        head.append(f"\nSession Studio project {project.project_id}", style="dim")
        head.append("\nCreator profile: ")
        if project.creator_profile_id:
            name = (creator_names or {}).get(project.creator_profile_id)
            if name:
                head.append_text(lit(name, "bold"))
                head.append(f" ({project.creator_profile_id})", style="dim")
            else:
                head.append_text(lit(project.creator_profile_id))
        elif project.new_creator:
            head.append("new: ")
            head.append_text(lit(project.new_creator.get("display_name"), "bold"))
            head.append(" (created on apply)")
        else:
            head.append("—")
        if project.ss_artist_name:
            head.append("\nSession Studio artist: ")
            head.append_text(lit(project.ss_artist_name))
        head.append("\nOverwrite other sources' values: ")
        head.append("yes" if project.overwrite_other_sources else "no (fill empty fields only)")
        parts: list[RenderableType] = [head]
        if project.blocked:
            parts.append(lit(f"⛔ Blocked: {project.blocked}", "bold red", single_line=False))
        for issue in project.issues:
            parts.append(lit(f"⚠ {issue.get('entity', '')} {issue.get('external_id') or ''}: "
                             f"{issue.get('message', '')}", "yellow", single_line=False))
        for sk in project.skipped:
            parts.append(lit(f"⊘ Skipped track {sk.get('title') or sk.get('external_id')}: "
                             f"{sk.get('reason')}", "yellow", single_line=False))
        for w in project.warnings:
            parts.append(lit(f"⚠ {w}", "yellow", single_line=False))
        return Group(*parts)
    head = Text(end="")
    style = ACTION_STYLES.get(e.action.value, "")
    head.append(f"{e.action.glyph} {e.action.value} ", style=f"bold {style}")
    head.append(f"{e.kind.value}  ", style="bold")
    head.append_text(lit(e.label, empty="(unnamed)"))
    if not e.included:
        head.append("  (excluded)", style="red")
    if e.external_id:
        head.append(f"\nSession Studio id {e.external_id}", style="dim")
    parts = [head]
    if e.conflict is not None:
        c = e.conflict
        block = Text("\nConflict: ", style="bold red")
        block.append_text(lit(c.reason, single_line=False))
        block.append("\nChoices (c cycles): ")
        for choice in c.choices:
            block.append(f" {choice} ", style="bold reverse" if choice == c.chosen else "")
        parts.append(block)
    if e.fields:
        table = Table(expand=True, box=None, header_style="bold dim", show_edge=False)
        # Field names are never cut ("relea…" could be release_type or release_date).
        widest = max(len(f.name) + (3 if f.locked else 0) + (7 if f.kept_other_source else 0)
                     for f in e.fields)
        table.add_column(Text("Field"), no_wrap=True, width=max(5, widest))
        table.add_column(Text("Before"), ratio=2)
        table.add_column(Text("After"), ratio=2)
        for f in e.fields:
            field_name = Text(f.name)
            if f.locked:
                field_name.append(" 🔒", style="yellow")
            if f.kept_other_source:
                field_name.append(" (kept)", style="dim")
            changed = f.before != f.after and not f.locked and not f.kept_other_source
            after = _value(f.after)
            if changed:
                after.stylize("bold green" if f.before is None else "bold yellow")
            table.add_row(field_name, _value(f.before), after)
        parts += [Text(""), table]
    for w in e.warnings:
        parts.append(lit(f"⚠ {w}", "yellow", single_line=False))
    return Group(*parts)


def apply_message(plan: ImportPlan) -> Text:
    """The confirmation states exactly what apply writes, table by table, and what it will
    not write (blocked projects, skipped tracks) and the warnings it carries."""
    rows = plan_rows(plan)
    text = Text("Apply this plan?\n\n", style="bold")
    total = rows_total(rows)
    text.append(f"{total:,} rows will be written:\n" if total else
                "Nothing to write: applying records a run that changes no row.\n")
    for table, by in rows.items():
        parts = ", ".join(f"{n:,} {a}" for a, n in by.items() if n)
        text.append(f"  {table:<22} {parts}\n")
    included = [p for p in plan.projects if p.included]
    blocked = sum(1 for p in included if p.blocked)
    skipped = sum(len(p.skipped) for p in included)
    warnings = sum(len(p.warnings) for p in included)
    if blocked:
        text.append(f"\n⛔ {blocked} project(s) blocked: not written.", style="bold red")
    if skipped:
        text.append(f"\n⊘ {skipped} track(s) skipped: not written, their errors stay open.",
                    style="yellow")
    if warnings:
        text.append(f"\n⚠ {warnings} warning(s) (see each project).", style="yellow")
    return text


IDENTIFIERS = ("isrc", "upc", "iswc")


def plan_summary(plan: ImportPlan) -> Text:
    """What a person checks first: how many releases, tracks, new artists and credits (by
    role), what is skipped or blocked, and the risky changes (identifiers changed, credits
    removed, conflicts), before the entity-by-entity tree."""
    counts: dict[str, int] = {}
    roles: dict[str, int] = {}
    risky: list[str] = []
    for p in plan.projects:
        if not p.included:
            continue
        for e in p.entities:
            if not e.included:
                continue
            if e.writes:
                key = f"{e.kind.value}:{e.action.value}"
                counts[key] = counts.get(key, 0) + 1
                if e.kind.value == "credit" and e.action is Action.create and e.row:
                    role = str(e.row.get("role"))
                    roles[role] = roles.get(role, 0) + 1
            if e.action is Action.delete:
                risky.append(f"credit removed: {e.label} ({p.title or p.project_id})")
            # A created row's diffs (read off its row) have no before: nothing changes.
            for f in () if e.action is Action.create else e.fields:
                if f.name in IDENTIFIERS and f.before is not None and f.before != f.after \
                        and not f.locked and not f.kept_other_source:
                    risky.append(f"{f.name} changes {f.before} → {f.after}: {e.label}")
            if e.conflict is not None and e.conflict.chosen is None:
                risky.append(f"conflict: {e.conflict.reason}")
    text = Text(end="")

    def part(label: str, kind: str) -> None:
        new, changed = counts.get(f"{kind}:create", 0), counts.get(f"{kind}:update", 0)
        text.append(f"{label} ", style="bold")
        text.append(f"+{new} ~{changed}   ")

    part("Releases", "release")
    part("Tracks", "release_track")
    text.append("New artists ", style="bold")
    text.append(f"{counts.get('artist:create', 0)}   ")
    text.append("Credits ", style="bold")
    text.append(", ".join(f"{r} {n}" for r, n in sorted(roles.items())) or "none new")
    skipped = sum(len(p.skipped) for p in plan.projects if p.included)
    blocked = sum(1 for p in plan.projects if p.included and p.blocked)
    if skipped:
        text.append(f"   ⊘ {skipped} track(s) skipped", style="yellow")
    if blocked:
        text.append(f"   ⛔ {blocked} blocked", style="bold red")
    for line in risky[:5]:
        text.append("\n⚠ ", style="bold red")
        text.append_text(lit(line, max_len=110))
    if len(risky) > 5:
        text.append(f"\n… {len(risky) - 5} more risky change(s): n jumps between conflicts",
                    style="dim")
    return text
