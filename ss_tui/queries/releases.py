"""Imported releases behind browser selections (for actions on releases, e.g. discovery)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.queries._tables import table


@dataclass(frozen=True, slots=True)
class ImportedRelease:
    release_id: uuid.UUID
    title: str
    project_id: str  # metadata.sessionStudioId


async def releases_for_projects(
    engine: AsyncEngine, project_ids: list[str]
) -> list[ImportedRelease]:
    """The discography releases imported from these Session Studio projects (projects never
    imported have none), in the order of ``project_ids``."""
    rel = table("discog_releases")
    ssid = rel.c.metadata["sessionStudioId"].as_string()
    found: dict[str, ImportedRelease] = {}
    async with engine.connect() as conn:
        for i in range(0, len(project_ids), 500):
            rows = await conn.execute(
                sa.select(rel.c.id, rel.c.title, ssid.label("pid")).where(
                    ssid.in_(project_ids[i : i + 500])
                )
            )
            for r in rows.all():
                found.setdefault(r.pid, ImportedRelease(r.id, r.title, r.pid))
    return [found[p] for p in project_ids if p in found]


async def imported_release_ids(engine: AsyncEngine) -> list[uuid.UUID]:
    """Every release imported from Session Studio (its metadata names the project), oldest
    first."""
    rel = table("discog_releases")
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(rel.c.id, rel.c.metadata).order_by(rel.c.created_at))
        return [r.id for r in rows if (r._mapping["metadata"] or {}).get("sessionStudioId")]
