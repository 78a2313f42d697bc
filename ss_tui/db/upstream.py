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
NO_IMPORT = "-"
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


def last_import_hash(snap: sa.Table) -> sa.ScalarSelect[Any]:
    """For each snapshot row: the hash its project's last clean import (in a run of the same
    account) recorded; '' when that import recorded none, NULL when there is none. A lookup
    per row on the items' (project, status) index: a page of Browse costs a page of them."""
    return (
        sa.select(sa.func.coalesce(T_ITEMS.c.counts["source_hash"].as_string(), ""))
        .join(T_RUNS, T_RUNS.c.id == T_ITEMS.c.run_id)
        .where(
            T_ITEMS.c.project_external_id == snap.c.external_id,
            T_ITEMS.c.status.in_(CLEAN_ITEM_STATUSES),
            T_RUNS.c.connection_id == snap.c.connection_id,
        )
        .order_by(T_ITEMS.c.updated_at.desc(), T_ITEMS.c.id.desc())
        .limit(1)
        .correlate(snap)
        .scalar_subquery()
    )


def state_column(
    snap: sa.Table, labels: Mapping[UpstreamState, str] | None = None
) -> sa.ColumnElement[str]:
    """The rule as SQL over a ``source_snapshots`` row (see ``state_of``), each state written
    as ``labels`` names it (Browse says "imported" for unchanged)."""
    name = {s: s.value for s in UpstreamState} | dict(labels or {})
    # One lookup per row: a simple CASE evaluates its operand once ("-": no import at all,
    # never a hash; an import without one reads '' and so differs from the snapshot's).
    last = sa.func.coalesce(last_import_hash(snap), NO_IMPORT)
    by_hash = sa.case(
        {NO_IMPORT: name[UpstreamState.new], snap.c.hash: name[UpstreamState.unchanged]},
        value=last,
        else_=name[UpstreamState.changed],
    )
    return sa.case(
        (snap.c.removed_upstream.is_(True), name[UpstreamState.removed]), else_=by_hash
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
        stmt = sa.select(T_SNAP.c.external_id, state_column(T_SNAP).label("state")).where(
            T_SNAP.c.connection_id == connection_id, T_SNAP.c.entity_type == "project"
        )
        if chunk is not None:
            stmt = stmt.where(T_SNAP.c.external_id.in_(chunk))
        out.update({pid: UpstreamState(state) for pid, state in (await conn.execute(stmt)).all()})
    return out
