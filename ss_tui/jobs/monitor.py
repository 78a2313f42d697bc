"""Read-only views of the job queue for the CLI and the Jobs screen."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db.enums import JobStatus
from ss_tui.db.schema import SSJob
from ss_tui.db.types import utcnow
from ss_tui.values import Row

JOBS = SSJob.__table__


async def list_jobs(
    engine: AsyncEngine,
    *,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> list[Row]:
    query = sa.select(
        JOBS.c.id, JOBS.c.job_type, JOBS.c.status, JOBS.c.attempts, JOBS.c.max_attempts,
        JOBS.c.run_at, JOBS.c.priority, JOBS.c.locked_by, JOBS.c.heartbeat_at,
        JOBS.c.last_run_started_at, JOBS.c.finished_at, JOBS.c.error, JOBS.c.payload,
        JOBS.c.created_at,
    ).order_by(JOBS.c.created_at.desc()).limit(limit).offset(offset)
    if status:
        query = query.where(JOBS.c.status == status)
    now = now or utcnow()
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    out = []
    for r in rows:
        row = dict(r)
        started = row["last_run_started_at"]
        row["age_s"] = (
            round((now - started).total_seconds(), 1)
            if row["status"] == JobStatus.processing and started else None
        )
        out.append(row)
    return out
