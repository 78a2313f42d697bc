"""Plans as JSON and as a readable diff (``ss-tui import --dry-run``). Plain strings only:
callers wrap them in rich ``Text`` so untrusted titles are never parsed as markup."""

from __future__ import annotations

from ss_tui.engine.plan_types import Action, EntityChange, FieldDiff, ImportPlan, ProjectPlan
from ss_tui.engine.rows import json_ready
from ss_tui.engine.summary import plan_rows
from ss_tui.text import visible
from ss_tui.values import JSONObject

# The one sanitizer for untrusted text (ss_tui.text), under the name the CLI imports.
safe = visible


def field_to_dict(f: FieldDiff) -> JSONObject:
    out = {"name": f.name, "before": json_ready(f.before), "after": json_ready(f.after)}
    if f.locked:
        out["locked"] = True
    if f.kept_other_source:
        out["kept_other_source"] = True
    return out


def entity_to_dict(e: EntityChange) -> JSONObject:
    out: JSONObject = {
        "key": e.key,
        "kind": e.kind.value,
        "action": e.action.value,
        "label": e.label,
        "external_id": e.external_id,
        "row_id": e.row_id,
        "included": e.included,
        "fields": [field_to_dict(f) for f in e.fields],
    }
    if e.conflict is not None:
        out["conflict"] = {
            "code": e.conflict.code,
            "reason": e.conflict.reason,
            "choices": e.conflict.choices,
            "chosen": e.conflict.chosen,
        }
    if e.warnings:
        out["warnings"] = list(e.warnings)
    if e.parent_key:
        out["parent_key"] = e.parent_key
    return out


def project_to_dict(p: ProjectPlan) -> JSONObject:
    return {
        "project_id": p.project_id,
        "title": p.title,
        "included": p.included,
        "creator_profile_id": p.creator_profile_id,
        "new_creator": json_ready(p.new_creator) if p.new_creator else None,
        "blocked": p.blocked,
        "overwrite_other_sources": p.overwrite_other_sources,
        "upstream_unchanged": p.upstream_unchanged,
        "counts": p.counts(),
        "warnings": list(p.warnings),
        "issues": list(p.issues),
        "entities": [entity_to_dict(e) for e in p.entities],
    }


def plan_to_dict(plan: ImportPlan) -> JSONObject:
    return {
        "totals": plan.totals(),  # entities by action, as the preview's header counts them
        "rows": plan_rows(plan),  # rows by table and action: what applying writes
        "projects": [project_to_dict(p) for p in plan.projects],
    }


# New artists, credits and links are many and predictable: counted, listed only verbosely.
_SUMMARISED = {"artist", "credit", "provider_link"}


def _value(v: object, limit: int = 60) -> str:
    text = safe(json_ready(v))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plan_lines(plan: ImportPlan, *, verbose: bool = False) -> list[tuple[str, str]]:
    """(style, line) pairs: a readable diff. Unchanged entities only with ``verbose``."""
    out: list[tuple[str, str]] = []
    for p in plan.projects:
        counts = ", ".join(
            f"{kind}: " + " ".join(f"{Action(a).glyph}{n}" for a, n in sorted(by.items()))
            for kind, by in sorted(p.counts().items())
        )
        state = "excluded" if not p.included else ("BLOCKED" if p.blocked else "")
        head = f"● {safe(p.title) or p.project_id} ({p.project_id}) {state}".rstrip()
        out.append(("bold", head))
        if p.upstream_unchanged:
            out.append(("dim", "  = unchanged upstream since the last import"))
        if p.new_creator:
            out.append(("green", f"  + creator profile '{safe(p.new_creator['display_name'])}'"))
        if p.blocked:
            out.append(("red", f"  ! {safe(p.blocked)}"))
        if counts:
            out.append(("dim", f"  {counts}"))
        for e in p.entities:
            if e.action == Action.unchanged and not verbose:
                continue
            if e.action == Action.create and not verbose and e.kind.value in _SUMMARISED:
                continue  # counted in the line above; listed with --verbose
            style = {
                "create": "green",
                "update": "yellow",
                "conflict": "red",
                "delete": "magenta",
            }.get(e.action.value, "dim")
            excluded = "" if e.included else " (excluded)"
            out.append((style, f"  {e.action.glyph} {e.kind.value} {safe(e.label)}{excluded}"))
            if e.conflict is not None:
                choices = ", ".join(e.conflict.choices)
                out.append(("red", f"      {safe(e.conflict.reason)} [choices: {choices}]"))
            if e.action in (Action.update, Action.unchanged):
                for f in e.fields:
                    note = (
                        " (locked)"
                        if f.locked
                        else (" (kept: other source)" if f.kept_other_source else "")
                    )
                    out.append(
                        ("", f"      {f.name}: {_value(f.before)} → {_value(f.after)}{note}")
                    )
            elif e.action == Action.create and verbose:
                for f in e.fields:
                    out.append(("", f"      {f.name}: {_value(f.after)}"))
        for w in p.warnings:
            out.append(("yellow", f"  ⚠ {safe(w)}"))
    t = plan.totals()
    out.append(("bold", "Total: " + ", ".join(f"{n} {a}" for a, n in t.items() if n)))
    return out
