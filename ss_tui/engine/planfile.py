"""A plan saved as versioned JSON, and loaded back exactly (docs/plan-format.md).

The file holds every decision the plan was made with (inclusion per entity, conflict
choices, creator profile per project, overwrite), each entity's full intended row, and for
every row the planner read a staleness token: the version (content hash) of the row as it
was, or ``null`` for "this row must still not exist". Apply re-checks the tokens; a project
whose rows moved on since is reported ``stale`` and left untouched.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa

from ss_tui.engine.apply import entity_table
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.plan_types import (
    Action,
    Conflict,
    EntityChange,
    EntityKind,
    FieldDiff,
    ImportPlan,
    ProjectPlan,
)
from ss_tui.engine.rows import T_CREATOR, json_ready, row_version
from ss_tui.engine.summary import plan_rows
from ss_tui.values import JSONObject, Row

FORMAT = "ss-tui.import-plan"
FORMAT_VERSION = 1


class PlanFileError(ValueError):
    """The file is not a plan this version of ss-tui can apply (a plain sentence)."""


# --------------------------------------------------------------------------- save


def exact(value: object) -> object:
    """JSON-ready without losing what a row's version hashes (171.0 stays a float; norm()
    would make it 171): a loaded row hashes as the planned one did."""
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [exact(v) for v in value]
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return json_ready(value)
    if isinstance(value, Enum):
        return value.value
    return value


def plan_to_json(plan: ImportPlan) -> JSONObject:
    decisions = plan.decisions if isinstance(plan.decisions, PlanDecisions) else PlanDecisions()
    body = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "connection_id": plan.connection_id,
        "decisions": decisions.to_dict(),
        "summary": summary(plan),
        "projects": [_project(p) for p in plan.projects],
    }
    return {**body, "plan_hash": plan_hash(body)}


def summary(plan: ImportPlan) -> JSONObject:
    return {
        "rows": plan_rows(plan),
        "projects": sum(1 for p in plan.projects if p.included),
        "blocked": sum(1 for p in plan.projects if p.included and p.blocked),
        "skipped_tracks": sum(len(p.skipped) for p in plan.projects if p.included),
        "unresolved_conflicts": len(plan.unresolved_conflicts()),
        "warnings": sum(len(p.warnings) for p in plan.projects if p.included),
    }


def plan_hash(body: JSONObject) -> str:
    content = {k: v for k, v in body.items() if k != "plan_hash"}
    raw = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def approval_hash(plan: ImportPlan, rows: dict[str, dict[str, int]] | None = None) -> str:
    """For a plan applied without being saved: the snapshots it was made from, its
    decisions and its rows per table (cheap: no row is serialised)."""
    decisions = plan.decisions if isinstance(plan.decisions, PlanDecisions) else PlanDecisions()
    body = {
        "decisions": decisions.to_dict(),
        "projects": [(p.project_id, p.source_hash, p.included, p.blocked) for p in plan.projects],
        "rows": plan_rows(plan) if rows is None else rows,
    }
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return "approved:" + hashlib.sha256(raw.encode()).hexdigest()


def dumps(plan: ImportPlan) -> str:
    return json.dumps(plan_to_json(plan), indent=1, ensure_ascii=False, sort_keys=True)


def _project(p: ProjectPlan) -> JSONObject:
    return {
        "project_id": p.project_id,
        "title": p.title,
        "creator_profile_id": p.creator_profile_id,
        "included": p.included,
        "overwrite_other_sources": p.overwrite_other_sources,
        "source_hash": p.source_hash,
        "issues": json_ready(p.issues),
        "new_creator": exact(p.new_creator),
        "blocked": p.blocked,
        "ss_artist_id": p.ss_artist_id,
        "ss_artist_name": p.ss_artist_name,
        "upstream_unchanged": p.upstream_unchanged,
        "creator_remembered": p.creator_remembered,
        "assignment_changes": p.assignment_changes,
        "warnings": list(p.warnings),
        "skipped": json_ready(p.skipped),
        "entities": [_entity(e) for e in p.entities],
    }


def _entity(e: EntityChange) -> JSONObject:
    return {
        "key": e.key,
        "kind": e.kind.value,
        "action": e.action.value,
        "label": e.label,
        "external_id": e.external_id,
        "row_id": e.row_id,
        "included": e.included,
        "parent_key": e.parent_key,
        "warnings": list(e.warnings),
        "fields": [
            {
                "name": f.name,
                "before": json_ready(f.before),
                "after": json_ready(f.after),
                "locked": f.locked,
                "kept_other_source": f.kept_other_source,
            }
            for f in e.fields
        ],
        "conflict": None
        if e.conflict is None
        else {
            "reason": e.conflict.reason,
            "code": e.conflict.code,
            "choices": list(e.conflict.choices),
            "chosen": e.conflict.chosen,
        },
        "row": exact(e.row),
        # What the row must still be at apply: its version, or null ("must not exist").
        "base_version": e.base_version,
    }


# --------------------------------------------------------------------------- load


def loads(text: str) -> ImportPlan:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"Not a plan file: invalid JSON at line {exc.lineno}.") from None
    return plan_from_json(data)


def plan_from_json(data: Any) -> ImportPlan:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanFileError("Not an ss-tui plan file.")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise PlanFileError(
            f"Plan format version {version} is not supported (this ss-tui reads version "
            f"{FORMAT_VERSION}); plan again with `ss-tui import … --dry-run --out`."
        )
    if data.get("plan_hash") != plan_hash(data):
        raise PlanFileError("The plan file was changed after it was saved; plan again.")
    try:
        plan = ImportPlan(
            projects=[_load_project(p) for p in data["projects"]],
            connection_id=data.get("connection_id"),
            decisions=PlanDecisions.from_dict(data.get("decisions")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanFileError(f"The plan file is incomplete or damaged ({exc}).") from None
    plan.plan_hash = data["plan_hash"]
    return plan


def _load_project(d: JSONObject) -> ProjectPlan:
    return ProjectPlan(
        project_id=d["project_id"],
        title=d.get("title"),
        creator_profile_id=d.get("creator_profile_id"),
        entities=[_load_entity(e) for e in d.get("entities") or []],
        warnings=list(d.get("warnings") or []),
        included=bool(d.get("included", True)),
        overwrite_other_sources=bool(d.get("overwrite_other_sources")),
        source_hash=d.get("source_hash"),
        issues=list(d.get("issues") or []),
        new_creator=restore_row(T_CREATOR, d["new_creator"]) if d.get("new_creator") else None,
        blocked=d.get("blocked"),
        ss_artist_id=d.get("ss_artist_id"),
        ss_artist_name=d.get("ss_artist_name"),
        upstream_unchanged=bool(d.get("upstream_unchanged")),
        creator_remembered=bool(d.get("creator_remembered")),
        assignment_changes=bool(d.get("assignment_changes")),
        skipped=list(d.get("skipped") or []),
    )


def _load_entity(d: JSONObject) -> EntityChange:
    c = d.get("conflict")
    e = EntityChange(
        key=d["key"],
        kind=EntityKind(d["kind"]),
        action=Action(d["action"]),
        label=d.get("label") or "",
        external_id=d.get("external_id"),
        row_id=d.get("row_id"),
        fields=[
            FieldDiff(f["name"], f.get("before"), f.get("after"), bool(f.get("locked")),
                      bool(f.get("kept_other_source")))
            for f in d.get("fields") or []
        ],
        conflict=None if c is None else Conflict(c["reason"], c["code"], list(c["choices"]),
                                                 c.get("chosen")),
        included=bool(d.get("included", True)),
        warnings=list(d.get("warnings") or []),
        parent_key=d.get("parent_key"),
        row=d.get("row"),
    )
    if e.row is not None:
        e.row = restore_row(entity_table(e), e.row)
    e.base_token = d.get("base_version")
    e.base_token_set = True
    return e


def restore_row(table: sa.Table, row: Row) -> Row:
    """JSON values back to the column types the database driver expects."""
    out = dict(row)
    for col in table.columns:
        value = out.get(col.name)
        if value is None or not isinstance(value, str):
            continue
        kind = _python_type(col)
        if kind is uuid.UUID:
            out[col.name] = uuid.UUID(value)
        elif kind is datetime:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None and not isinstance(col.type, sa.TypeDecorator):
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)  # UTC wall-clock time
            out[col.name] = parsed
        elif kind is date:
            out[col.name] = date.fromisoformat(value)
        elif kind is Decimal:
            out[col.name] = Decimal(value)
    return out


def _python_type(col: sa.Column[Any]) -> type | None:
    kind = col.type.impl if isinstance(col.type, sa.TypeDecorator) else col.type
    try:
        python_type = kind.python_type
        return python_type if isinstance(python_type, type) else None
    except NotImplementedError:
        return None


__all__ = ["PlanFileError", "dumps", "loads", "plan_from_json", "plan_to_json", "row_version"]
