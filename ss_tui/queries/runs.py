"""Import run history for the History screen and ``ss-tui runs``, and one run's items."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.queries._tables import ids_by_reference, record, table

if TYPE_CHECKING:
    from ss_tui.values import JSONObject, Row


@dataclass(frozen=True, slots=True)
class RunRow:
    id: uuid.UUID
    started_by: str | None
    status: str
    dry_run: bool
    options: JSONObject
    counts: JSONObject
    started_at: datetime | None
    finished_at: datetime | None
    api_requests: int
    errors: int
    account_name: str | None

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return max((self.finished_at - self.started_at).total_seconds(), 0.0)


@dataclass(frozen=True, slots=True)
class ItemRow:
    project_external_id: str
    status: str
    counts: JSONObject
    warnings: list[str]
    error: str | None
    title: str | None


async def count_runs(engine: AsyncEngine) -> int:
    runs = table("import_runs")
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(runs))).scalar_one())


async def page_runs(engine: AsyncEngine, *, offset: int = 0, limit: int = 200) -> list[RunRow]:
    runs, errs, conns = table("import_runs"), table("sync_errors"), table("ss_connections")
    err_count = (
        sa.select(sa.func.count()).where(errs.c.run_id == runs.c.id).scalar_subquery()
    )
    stmt = (
        sa.select(runs, err_count.label("error_count"), conns.c.account_name)
        .select_from(runs)
        .outerjoin(conns, conns.c.id == runs.c.connection_id)
        .order_by(runs.c.started_at.desc().nulls_last(), runs.c.id)
        .offset(offset)
        .limit(limit)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [
        RunRow(
            id=r.id,
            started_by=r.started_by,
            status=r.status,
            dry_run=bool(r.dry_run),
            options=r.options if isinstance(r.options, dict) else {},
            counts=r.counts if isinstance(r.counts, dict) else {},
            started_at=r.started_at,
            finished_at=r.finished_at,
            api_requests=int(r.api_requests or 0),
            errors=int(r.error_count or 0),
            account_name=r.account_name,
        )
        for r in rows
    ]


async def run_items(engine: AsyncEngine, run_id: uuid.UUID, limit: int = 5000) -> list[ItemRow]:
    items, snap = table("import_items"), table("source_snapshots")
    title = (
        sa.select(snap.c.title)
        .where(snap.c.entity_type == "project", snap.c.external_id == items.c.project_external_id)
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        sa.select(items, title.label("title"))
        .where(items.c.run_id == run_id)
        .order_by(items.c.created_at, items.c.project_external_id)
        .limit(limit)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [
        ItemRow(
            project_external_id=r.project_external_id,
            status=r.status,
            counts=r.counts if isinstance(r.counts, dict) else {},
            warnings=r.warnings if isinstance(r.warnings, list) else [],
            error=r.error,
            title=r.title,
        )
        for r in rows
    ]


async def run_records(engine: AsyncEngine, *, limit: int | None = None) -> list[Row]:
    """Runs as stored (every column), newest first: ``runs list``."""
    runs = table("import_runs")
    stmt = sa.select(runs).order_by(runs.c.started_at.desc().nulls_last(), runs.c.id).limit(limit)
    async with engine.connect() as conn:
        return [record(r) for r in (await conn.execute(stmt)).mappings()]


async def run_record(engine: AsyncEngine, run_id: uuid.UUID) -> Row | None:
    """One run as stored (every column): ``runs show``."""
    runs = table("import_runs")
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(runs).where(runs.c.id == run_id))).mappings().first()
    return None if row is None else record(row)


async def resolve_run_id(engine: AsyncEngine, ref: str) -> uuid.UUID:
    """A run id from what a person typed: a whole id or an 8-character prefix."""
    (run_id,) = await ids_by_reference(engine, "import_runs", (ref,))
    return run_id
