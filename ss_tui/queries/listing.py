"""What an interrupted project listing left out: the projects of the run's account that earlier
listings saw (their snapshots) and this run never reached."""

from __future__ import annotations

import uuid
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.queries._tables import table


async def projects_not_reached(
    engine: AsyncEngine, run_id: str | None, listed: Collection[str]
) -> int | None:
    """Known projects of ``run_id``'s account outside ``listed``; None when the run is unknown
    or no listing ever saw the account's projects (the size of the rest is then unknown)."""
    try:
        rid = uuid.UUID(str(run_id))
    except ValueError:
        return None
    runs, snaps = table("import_runs"), table("source_snapshots")
    async with engine.connect() as conn:
        cid = (await conn.execute(sa.select(runs.c.connection_id).where(runs.c.id == rid))).scalar()
        if cid is None:
            return None
        known_ids = list(
            (
                await conn.execute(
                    sa.select(snaps.c.external_id).where(
                        snaps.c.connection_id == cid,
                        snaps.c.entity_type == "project",
                        snaps.c.removed_upstream.is_(False),
                    )
                )
            ).scalars()
        )
    if not known_ids:
        return None
    seen = set(listed)
    return sum(1 for k in known_ids if k not in seen)
