"""Retrying errors is planned, never blind: the items behind the errors are fetched again
and planned on their own (a track's error plans that track only; a project's error, that
project; a failed listing, the projects it had missed). The plan is shown like any other
(the Preview screen, or printed by ``ss-tui errors retry``) and applied only when confirmed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db.enums import ErrorStatus
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.plan_types import ImportPlan
from ss_tui.engine.rows import row_id
from ss_tui.engine.snapshots import load_projects
from ss_tui.sync_errors import LIVE, T_ERRORS, change_status
from ss_tui.values import JSONObject

if TYPE_CHECKING:  # service.py imports this module
    from ss_tui.engine.service import ImportService

TRACK_ENTITIES = ("track", "recording", "release_track")


@dataclass(slots=True)
class RetryScope:
    """What the errors ask to redo, per project: None = the whole project, or track ids."""

    connection_id: uuid.UUID
    projects: dict[str, set[str] | None] = field(default_factory=dict)
    listing_errors: list[uuid.UUID] = field(default_factory=list)

    def add(self, project_id: str, track_id: str | None) -> None:
        if track_id is None:
            self.projects[project_id] = None
        elif project_id not in self.projects:
            self.projects[project_id] = {track_id}
        elif (tracks := self.projects[project_id]) is not None:
            tracks.add(track_id)


async def retry_scope(engine: AsyncEngine, error_ids: list[uuid.UUID]) -> RetryScope | None:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(T_ERRORS).where(T_ERRORS.c.id.in_(error_ids), T_ERRORS.c.status.in_(LIVE))
            )
        ).mappings().all()
    if not rows:
        return None
    connections = {r["connection_id"] for r in rows}
    if len(connections) != 1 or None in connections:
        raise LookupError("Retry the errors of one Session Studio account at a time.")
    scope = RetryScope(next(iter(connections)))
    for r in rows:
        pid = r["project_external_id"]
        if pid is None:
            scope.listing_errors.append(r["id"])
        elif r["entity_type"] in TRACK_ENTITIES and r["external_id"] and r["external_id"] != pid:
            scope.add(pid, r["external_id"])
        else:
            scope.add(pid, None)
    return scope


def only_tracks(decisions: PlanDecisions, project_id: str, payload: JSONObject,
                keep: set[str]) -> None:
    """Leave every other track of the project out of the plan."""
    excluded = decisions.set(project_id).excluded
    for track in payload.get("tracks") or []:
        tid = track.get("id") if isinstance(track, dict) else None
        if tid and tid not in keep:
            excluded.add(f"recording:{tid}")


async def plan_retry(svc: ImportService, error_ids: Sequence[uuid.UUID | str]) -> ImportPlan | None:
    """The plan of what retrying these errors would write (nothing is written)."""
    scope = await retry_scope(svc.engine, [row_id(i) for i in error_ids])
    if scope is None:
        return None
    connection = await svc.connection(scope.connection_id)
    if scope.listing_errors:
        fetched = await svc.fetcher.fetch(
            connection, incremental=connection.get("sync_cursor") is not None, record=True
        )
        for pid, state in fetched.upstream.items():
            if state in ("new", "changed"):
                scope.add(pid, None)
        if fetched.complete:  # the listing worked this time
            await _resolve(svc.engine, scope.listing_errors)
    pids = sorted(scope.projects)
    if pids:
        await svc.fetcher.fetch(connection, project_ids=pids, record=True)
    decisions = PlanDecisions()
    async with svc.engine.connect() as conn:
        payloads = await load_projects(conn, scope.connection_id, pids)
    for pid, tracks in scope.projects.items():
        if tracks is not None and pid in payloads:
            only_tracks(decisions, pid, payloads[pid], tracks)
    return await svc.plan(scope.connection_id, pids, decisions)


async def _resolve(engine: AsyncEngine, ids: list[uuid.UUID]) -> None:
    async with engine.begin() as conn:
        await change_status(conn, T_ERRORS.c.id.in_(ids), ErrorStatus.resolved,
                            by="ss-tui (retry succeeded)")
