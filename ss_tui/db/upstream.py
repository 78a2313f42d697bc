"""Did a project change in Session Studio since its last import? The one rule, used by
Browse (its import-state column and filter), ``ss-tui projects list``, the engine's
``upstream_changes`` and its re-plan fast path (docs/architecture.md, "Changed upstream").

A project is ``changed`` when the payload its snapshot holds now differs from the payload
its last clean import was planned from: the snapshot's ``hash`` against that import item's
``counts.source_hash`` (a clean import: an item applied or found unchanged, in a run of the
same account). ``new``: never imported cleanly. ``removed``: Session Studio stopped listing it.

Content, not clocks: Session Studio's ``updatedAt`` and the time of our import come from two
clocks, and a preview applied after an upstream edit would look newer than the edit while
it wrote the older payload.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.db import schema
from ss_tui.db.enums import ItemStatus, UpstreamState

CLEAN_ITEM_STATUSES = (ItemStatus.applied, ItemStatus.unchanged)
T_SNAP = schema.metadata.tables["source_snapshots"]
T_ITEMS = schema.metadata.tables["import_items"]
T_RUNS = schema.metadata.tables["import_runs"]


def imported_hash(counts: Any) -> str | None:
    """The payload hash an import item records (``counts.source_hash``)."""
    value = counts.get("source_hash") if isinstance(counts, dict) else None
    return value if isinstance(value, str) else None


def state_of(
    snapshot_hash: str | None,
    *,
    imported: bool,
    last_import_hash: str | None,
    removed: bool = False,
) -> UpstreamState:
    """The rule, for values already in hand (the fast path has them). An import that
    recorded no hash cannot vouch for the payload: ``changed``, so it is diffed again."""
    if removed:
        return UpstreamState.removed
    if not imported:
        return UpstreamState.new
    if last_import_hash is None or snapshot_hash != last_import_hash:
        return UpstreamState.changed
    return UpstreamState.unchanged


def last_imports(
    connection_id: uuid.UUID | None = None, project_ids: Sequence[str] | None = None
) -> sa.Subquery:
    """Each (account, project)'s last clean import: ``connection_id``, ``pid``,
    ``imported_at`` and ``source_hash`` (one row per project: the newest item wins)."""
    newest = sa.func.row_number().over(
        partition_by=(T_RUNS.c.connection_id, T_ITEMS.c.project_external_id),
        order_by=(T_ITEMS.c.updated_at.desc(), T_ITEMS.c.id.desc()),
    )
    stmt = (
        sa.select(
            T_RUNS.c.connection_id.label("connection_id"),
            T_ITEMS.c.project_external_id.label("pid"),
            T_ITEMS.c.updated_at.label("imported_at"),
            T_ITEMS.c.counts["source_hash"].as_string().label("source_hash"),
            newest.label("newest"),
        )
        .join(T_RUNS, T_RUNS.c.id == T_ITEMS.c.run_id)
        .where(T_ITEMS.c.status.in_(CLEAN_ITEM_STATUSES))
    )
    if connection_id is not None:
        stmt = stmt.where(T_RUNS.c.connection_id == connection_id)
    if project_ids is not None:
        stmt = stmt.where(T_ITEMS.c.project_external_id.in_(project_ids))
    ranked = stmt.subquery("ranked")
    return (
        sa.select(ranked.c.connection_id, ranked.c.pid, ranked.c.imported_at,
                  ranked.c.source_hash)
        .where(ranked.c.newest == 1)
        .subquery("last_import")
    )


def joins_snapshot(snap: sa.Table, last: sa.Subquery) -> sa.ColumnElement[bool]:
    """The ON clause of ``snapshot LEFT JOIN last_imports()``."""
    return sa.and_(last.c.pid == snap.c.external_id, last.c.connection_id == snap.c.connection_id)


def state_column(
    snap: sa.Table,
    last: sa.Subquery,
    labels: Mapping[UpstreamState, str] | None = None,
) -> sa.ColumnElement[str]:
    """The rule as SQL over ``snapshot LEFT JOIN last_imports()`` (see ``state_of``), each
    state written as ``labels`` names it (Browse says "imported" for unchanged)."""
    name = {s: s.value for s in UpstreamState} | dict(labels or {})
    return sa.case(
        (snap.c.removed_upstream.is_(True), name[UpstreamState.removed]),
        (last.c.pid.is_(None), name[UpstreamState.new]),
        (sa.or_(last.c.source_hash.is_(None), last.c.source_hash != snap.c.hash),
         name[UpstreamState.changed]),
        else_=name[UpstreamState.unchanged],
    )


async def upstream_states(
    conn: AsyncConnection, connection_id: uuid.UUID, project_ids: Sequence[str] | None = None
) -> dict[str, UpstreamState]:
    """Per project of the account's snapshot (or of ``project_ids``), its state."""
    out: dict[str, UpstreamState] = {}
    chunks = [None] if project_ids is None else [
        list(project_ids[i : i + 500]) for i in range(0, len(project_ids), 500)
    ]
    for chunk in chunks:
        last = last_imports(connection_id, chunk)
        stmt = (
            sa.select(T_SNAP.c.external_id, state_column(T_SNAP, last).label("state"))
            .select_from(T_SNAP)
            .outerjoin(last, joins_snapshot(T_SNAP, last))
            .where(T_SNAP.c.connection_id == connection_id,
                   T_SNAP.c.entity_type == "project")
        )
        if chunk is not None:
            stmt = stmt.where(T_SNAP.c.external_id.in_(chunk))
        out.update({pid: UpstreamState(state) for pid, state in (await conn.execute(stmt)).all()})
    return out
