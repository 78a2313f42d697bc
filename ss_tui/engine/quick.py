"""The unchanged fast path: a project whose Session Studio payload is byte-identical to the
one of its last clean import, with the same decisions, no open sync errors, and whose rows
nobody touched since (the release, its tracks, their recordings, the credits and the
Session Studio links), is planned as ``unchanged`` without re-diffing every row. Anything
edited in the database since is diffed in full, so an unlocked field staff changed shows
as an update back to Session Studio's value, as it would without the fast path.

Re-planning a large, mostly unchanged catalogue is the common case (incremental syncs, the
browser's "what changed" view); this keeps it to a few indexed queries per batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.db import schema
from ss_tui.db.enums import UpstreamState
from ss_tui.db.upstream import CLEAN_ITEM_STATUSES, imported_hash, state_of
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.plan_types import ProjectPlan
from ss_tui.engine.rows import (
    T_LINK,
    T_RECORDING,
    T_RECORDING_ARTIST,
    T_RELEASE,
    T_RELEASE_ARTIST,
    T_RELEASE_TRACK,
)
from ss_tui.engine.transform import PROVIDER_ID, payload_hash
from ss_tui.sync_errors import LIVE, T_ERRORS
from ss_tui.values import JSONObject, Row

if TYPE_CHECKING:
    from datetime import datetime

    from ss_tui.values import JSONObject

T_ITEMS = schema.ImportItem.__table__
T_SNAP = schema.SourceSnapshot.__table__
T_RUNS = schema.ImportRun.__table__


async def unchanged_projects(
    conn: AsyncConnection,
    connection_id: uuid.UUID,
    project_ids: Iterable[str],
    decisions: PlanDecisions,
    payloads: Mapping[str, JSONObject] | None = None,
) -> dict[str, ProjectPlan]:
    """The projects of ``project_ids`` that take the fast path. The payload compared is the
    stored snapshot, by its ``hash`` column (every fetch stores its payloads before they are
    planned), so no payload is decoded here; ``payloads`` only stands in for a project
    without a snapshot."""
    pids = sorted(set(project_ids))
    if decisions.overwrite or not pids:
        return {}
    payloads = payloads or {}
    latest: dict[str, JSONObject] = {}
    with_errors: set[str] = set()
    stored_hash: dict[str, str] = {}
    for i in range(0, len(pids), 500):
        chunk = pids[i : i + 500]
        clean = (
            T_RUNS.c.connection_id == connection_id,
            T_ITEMS.c.project_external_id.in_(chunk),
            T_ITEMS.c.status.in_(CLEAN_ITEM_STATUSES),
        )
        # Only each project's last clean item: every import adds one, so reading them all
        # would make this path slower with every run in the history.
        last = (
            sa.select(T_ITEMS.c.project_external_id.label("pid"),
                      sa.func.max(T_ITEMS.c.updated_at).label("at"))
            .join(T_RUNS, T_RUNS.c.id == T_ITEMS.c.run_id)
            .where(*clean)
            .group_by(T_ITEMS.c.project_external_id)
            .subquery()
        )
        stmt = (
            sa.select(
                T_ITEMS.c.project_external_id,
                T_ITEMS.c.counts,
                T_ITEMS.c.decision,
                T_ITEMS.c.release_id,
                T_ITEMS.c.updated_at,
            )
            .join(T_RUNS, T_RUNS.c.id == T_ITEMS.c.run_id)
            .join(last, sa.and_(last.c.pid == T_ITEMS.c.project_external_id,
                                last.c.at == T_ITEMS.c.updated_at))
            .where(*clean)
        )
        for row in (await conn.execute(stmt)).mappings():
            latest[row["project_external_id"]] = dict(row)
        errs = sa.select(T_ERRORS.c.project_external_id).where(
            T_ERRORS.c.status.in_(LIVE), T_ERRORS.c.project_external_id.in_(chunk)
        )
        with_errors.update(r[0] for r in (await conn.execute(errs)).all())
        # The payloads planned are the stored snapshots: their hash is already computed.
        snaps = sa.select(T_SNAP.c.external_id, T_SNAP.c.hash).where(
            T_SNAP.c.connection_id == connection_id,
            T_SNAP.c.entity_type == "project",
            T_SNAP.c.external_id.in_(chunk),
        )
        stored_hash.update((await conn.execute(snaps)).all())
    release_ids = [r["release_id"] for r in latest.values() if r["release_id"] is not None]
    releases: dict[uuid.UUID, Row] = {}
    for i in range(0, len(release_ids), 500):
        stmt = sa.select(
            T_RELEASE.c.id,
            T_RELEASE.c.title,
            T_RELEASE.c.creator_profile_id,
            T_RELEASE.c.updated_at,
        ).where(T_RELEASE.c.id.in_(release_ids[i : i + 500]))
        releases.update({r["id"]: dict(r) for r in (await conn.execute(stmt)).mappings()})
    touched = await _children_touched(conn, list(releases))

    out: dict[str, ProjectPlan] = {}
    for pid in pids:
        item = latest.get(pid)
        if item is None or pid in with_errors:
            continue
        source_hash = stored_hash.get(pid)
        if source_hash is None:
            if pid not in payloads:
                continue  # neither stored nor given: nothing to plan
            source_hash = payload_hash(payloads[pid])
        upstream = state_of(source_hash, imported=True,
                            last_import_hash=imported_hash(item["counts"]))
        if upstream != UpstreamState.unchanged:
            continue
        if item["decision"] != decisions.for_project(pid).to_dict():
            continue
        release = releases.get(item["release_id"])
        if release is None or release["updated_at"] > item["updated_at"]:
            continue
        if (at := touched.get(release["id"])) is not None and at > item["updated_at"]:
            continue
        out[pid] = ProjectPlan(
            project_id=pid,
            title=release["title"],
            creator_profile_id=str(release["creator_profile_id"]),
            source_hash=source_hash,
            upstream_unchanged=True,
        )
    return out


async def _children_touched(
    conn: AsyncConnection, release_ids: list[uuid.UUID]
) -> dict[uuid.UUID, datetime]:
    """Per release, the latest ``updated_at`` among the rows an import of it writes besides
    the release itself. Links of other providers (found by link discovery) do not count:
    the import never diffs them."""
    rt = T_RELEASE_TRACK
    stamp = rt.c.updated_at.type

    def latest(col: sa.ColumnElement[datetime]) -> sa.Label[datetime]:
        return sa.func.max(col, type_=stamp).label("at")

    out: dict[uuid.UUID, datetime] = {}
    for i in range(0, len(release_ids), 500):
        chunk = release_ids[i : i + 500]
        mine = rt.c.release_id.in_(chunk)
        parts = [
            sa.select(rt.c.release_id.label("rid"), latest(rt.c.updated_at)).where(mine),
            sa.select(rt.c.release_id, latest(T_RECORDING.c.updated_at))
            .join(T_RECORDING, T_RECORDING.c.id == rt.c.recording_id)
            .where(mine),
            # Jovie's credit tables have created_at only: added credits count, edits in place
            # cannot be seen (docs/jovie-model.md).
            sa.select(rt.c.release_id, latest(T_RECORDING_ARTIST.c.created_at))
            .join(T_RECORDING_ARTIST, T_RECORDING_ARTIST.c.recording_id == rt.c.recording_id)
            .where(mine),
            sa.select(rt.c.release_id, latest(T_LINK.c.updated_at))
            .join(T_LINK, T_LINK.c.release_track_id == rt.c.id)
            .where(mine, T_LINK.c.provider_id == PROVIDER_ID),
            sa.select(T_RELEASE_ARTIST.c.release_id, latest(T_RELEASE_ARTIST.c.created_at))
            .where(T_RELEASE_ARTIST.c.release_id.in_(chunk)),
            sa.select(T_LINK.c.release_id, latest(T_LINK.c.updated_at))
            .where(T_LINK.c.release_id.in_(chunk), T_LINK.c.provider_id == PROVIDER_ID),
        ]
        for q in parts:
            stmt = q.group_by(q.selected_columns[0])
            for rid, at in (await conn.execute(stmt)).all():
                if at is not None and (out.get(rid) is None or at > out[rid]):
                    out[rid] = at
    return out
