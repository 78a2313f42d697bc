"""Tracks Session Studio sent that could not be read (they broke the API contract) never
reach a snapshot; their fetch errors are what remains of them. The plan lists them as
skipped, so nothing vanishes between Browse, the preview and Progress."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.db.enums import ErrorStage
from ss_tui.engine.plan_types import ImportPlan
from ss_tui.sync_errors import LIVE, T_ERRORS

CHUNK = 500


async def attach_unreadable_tracks(
    conn: AsyncConnection, connection_id: uuid.UUID | None, plan: ImportPlan
) -> None:
    by_project = {p.project_id: p for p in plan.projects}
    if not by_project:
        return
    ids = list(by_project)
    for i in range(0, len(ids), CHUNK):
        stmt = sa.select(
            T_ERRORS.c.project_external_id,
            T_ERRORS.c.external_id,
            T_ERRORS.c.message,
            T_ERRORS.c.source_payload,
        ).where(
            T_ERRORS.c.stage == ErrorStage.fetch,
            T_ERRORS.c.entity_type == "track",
            T_ERRORS.c.status.in_(LIVE),
            T_ERRORS.c.project_external_id.in_(ids[i : i + CHUNK]),
        ).order_by(T_ERRORS.c.external_id)
        if connection_id is not None:
            stmt = stmt.where(T_ERRORS.c.connection_id == connection_id)
        for pid, tid, message, payload in (await conn.execute(stmt)).all():
            pp = by_project[pid]
            if tid is None or any(s["external_id"] == tid for s in pp.skipped):
                continue
            pp.skipped.append(
                {"external_id": tid, "title": _title(payload), "reason": _reason(message)}
            )


def _title(payload: object) -> str | None:
    return payload.get("title") if isinstance(payload, dict) else None


def _reason(message: str) -> str:
    """"Session Studio sent track t that does not match the contract: durationMs: …" →
    the part a person acts on."""
    _head, sep, tail = message.partition("does not match the contract: ")
    return f"unreadable: {tail}" if sep else message
