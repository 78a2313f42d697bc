"""ss-tui's job queue, on its own ``ss_jobs`` table (docs/jovie-model.md): Jovie's worker
claims every pending row of Jovie's ``ingestion_jobs`` whatever its type, so ss-tui's jobs
never go there.

Every operation is a single SQL statement, so it is atomic on SQLite (one process) and
safe across any number of workers on PostgreSQL, where claiming uses
``FOR UPDATE SKIP LOCKED``: concurrent workers never take the same job and never wait
on each other.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db.engine import UpsertInsert, dialect_insert
from ss_tui.db.enums import JobStatus
from ss_tui.db.schema import SSJob
from ss_tui.db.types import utcnow
from ss_tui.jobs.backoff import retry_delay
from ss_tui.values import JSONObject, Row

JOBS = SSJob.__table__

# Job types (payload keys in parentheses).
IMPORT_PROJECT = "ss_import_project"  # (account_id, project_id)
IMPORT_ACCOUNT = "ss_import_account"  # (account_id) — everything changed since the cursor
RETRY_ERRORS = "ss_retry_errors"  # (error_ids)
DISCOVER_LINKS = "ss_discover_links"  # (release_ids, providers?) — cross-platform links


@dataclass(frozen=True, slots=True)
class Job:
    id: uuid.UUID
    job_type: str
    payload: JSONObject
    status: JobStatus
    attempts: int
    max_attempts: int
    run_at: datetime
    priority: int
    dedup_key: str | None
    locked_by: str | None
    error: str | None

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Job:
        m = row._mapping
        values = {f: m[f] for f in cls.__slots__}
        return cls(**{**values, "status": JobStatus(values["status"])})


def _insert(engine: AsyncEngine) -> UpsertInsert:
    return dialect_insert(engine.dialect.name, JOBS)


async def enqueue(
    engine: AsyncEngine,
    job_type: str,
    payload: JSONObject,
    *,
    dedup_key: str | None = None,
    priority: int = 0,
    run_at: datetime | None = None,
    max_attempts: int = 3,
) -> tuple[uuid.UUID, bool]:
    """Add a job; with a ``dedup_key`` already present, return that job instead.

    Returns ``(job_id, created)``.
    """
    now = utcnow()
    values = {
        "id": uuid.uuid4(),
        "job_type": job_type,
        "payload": payload,
        "status": JobStatus.pending,
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_at": run_at or now,
        "priority": priority,
        "dedup_key": dedup_key,
        "created_at": now,
        "updated_at": now,
        "result": None,
    }
    stmt = _insert(engine).values(**values)
    if dedup_key is not None:
        stmt = stmt.on_conflict_do_nothing(
            index_elements=["dedup_key"], index_where=sa.text("dedup_key IS NOT NULL")
        )
    returning = stmt.returning(JOBS.c.id)
    async with engine.begin() as conn:
        inserted = (await conn.execute(returning)).scalar_one_or_none()
        if inserted is not None:
            return inserted, True
        existing = await conn.execute(sa.select(JOBS.c.id).where(JOBS.c.dedup_key == dedup_key))
        return existing.scalar_one(), False


async def claim(
    engine: AsyncEngine,
    worker_id: str,
    *,
    job_types: Iterable[str] | None = None,
    now: datetime | None = None,
) -> Job | None:
    """Take the most urgent due job (priority, then run_at) and mark it processing."""
    now = now or utcnow()
    candidate = (
        sa.select(JOBS.c.id)
        .where(JOBS.c.status == JobStatus.pending, JOBS.c.run_at <= now)
        .order_by(JOBS.c.priority, JOBS.c.run_at, JOBS.c.created_at)
        .limit(1)
    )
    if job_types is not None:
        candidate = candidate.where(JOBS.c.job_type.in_(list(job_types)))
    if engine.dialect.name == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True)
    stmt = (
        sa.update(JOBS)
        .where(JOBS.c.id == candidate.scalar_subquery(), JOBS.c.status == JobStatus.pending)
        .values(
            status=JobStatus.processing,
            attempts=JOBS.c.attempts + 1,
            locked_by=worker_id,
            locked_at=now,
            heartbeat_at=now,
            last_run_started_at=now,
            updated_at=now,
        )
        .returning(*JOBS.c)
    )
    async with engine.begin() as conn:
        row = (await conn.execute(stmt)).first()
    return Job.from_row(row) if row is not None else None


async def heartbeat(
    engine: AsyncEngine, job_id: uuid.UUID, worker_id: str, *, now: datetime | None = None
) -> bool:
    """Prove the worker is alive; False if the job was taken away (requeued or reset)."""
    now = now or utcnow()
    async with engine.begin() as conn:
        res = await conn.execute(
            sa.update(JOBS)
            .where(
                JOBS.c.id == job_id,
                JOBS.c.locked_by == worker_id,
                JOBS.c.status == JobStatus.processing,
            )
            .values(heartbeat_at=now, updated_at=now)
        )
    return res.rowcount == 1


async def complete(
    engine: AsyncEngine, job_id: uuid.UUID, worker_id: str, result: JSONObject | None = None
) -> bool:
    now = utcnow()
    async with engine.begin() as conn:
        res = await conn.execute(
            sa.update(JOBS)
            .where(JOBS.c.id == job_id, JOBS.c.locked_by == worker_id)
            .values(
                status=JobStatus.succeeded, result=result or {}, error=None, finished_at=now,
                locked_by=None, locked_at=None, updated_at=now,
            )
        )
    return res.rowcount == 1


async def fail(
    engine: AsyncEngine,
    job_id: uuid.UUID,
    worker_id: str,
    error: str,
    *,
    rate_limited: bool = False,
    retryable: bool = True,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> str:
    """Record a failure: back to ``pending`` with a backoff, or ``failed`` when the
    attempts are used up (or the error is not worth retrying). Returns the new status,
    or ``"lost"`` when the job is no longer this worker's (requeued as stalled, perhaps
    claimed by another worker already): the job is then left as it is."""
    now = now or utcnow()
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(JOBS.c.attempts, JOBS.c.max_attempts).where(
                    JOBS.c.id == job_id, JOBS.c.locked_by == worker_id
                )
            )
        ).first()
    if row is None:
        return "lost"
    attempts, max_attempts = row
    final = not retryable or attempts >= max_attempts
    values: Row = {
        "error": error[:4000],
        "locked_by": None,
        "locked_at": None,
        "updated_at": now,
    }
    if final:
        values |= {"status": JobStatus.failed, "finished_at": now}
    else:
        delay = retry_delay(attempts, rate_limited=rate_limited, rng=rng)
        values |= {
            "status": JobStatus.pending,
            "run_at": now + timedelta(seconds=delay),
            "next_run_at": now + timedelta(seconds=delay),
        }
    # The read above locks nothing (and holding it open would only make SQLite refuse this
    # write): the job may have been requeued and claimed by another worker since, so the
    # write is guarded again, and that worker's claim stands.
    async with engine.begin() as conn:
        res = await conn.execute(
            sa.update(JOBS)
            .where(JOBS.c.id == job_id, JOBS.c.locked_by == worker_id)
            .values(**values)
        )
    return values["status"] if res.rowcount == 1 else "lost"


async def requeue_stalled(
    engine: AsyncEngine, *, timeout_s: float, now: datetime | None = None
) -> int:
    """Put back jobs whose worker stopped heart-beating (killed, machine lost)."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=timeout_s)
    async with engine.begin() as conn:
        res = await conn.execute(
            sa.update(JOBS)
            .where(JOBS.c.status == JobStatus.processing, JOBS.c.heartbeat_at < cutoff)
            .values(
                status=sa.case(
                    (
                        JOBS.c.attempts >= JOBS.c.max_attempts,
                        sa.literal(JobStatus.failed, JOBS.c.status.type),
                    ),
                    else_=sa.literal(JobStatus.pending, JOBS.c.status.type),
                ),
                error="worker stopped responding (no heartbeat); requeued",
                locked_by=None,
                locked_at=None,
                run_at=now,
                updated_at=now,
            )
        )
    return res.rowcount


async def reset(engine: AsyncEngine, job_ids: Iterable[uuid.UUID]) -> int:
    """Admin reset: failed (or stuck) jobs become pending again with fresh attempts."""
    now = utcnow()
    async with engine.begin() as conn:
        res = await conn.execute(
            sa.update(JOBS)
            .where(JOBS.c.id.in_(list(job_ids)))
            .values(
                status=JobStatus.pending, attempts=0, error=None, run_at=now, locked_by=None,
                locked_at=None, finished_at=None, updated_at=now,
            )
        )
    return res.rowcount


async def cancel(engine: AsyncEngine, job_ids: Iterable[uuid.UUID], *, by: str) -> int:
    """Cancel pending jobs (running ones finish their current project first)."""
    now = utcnow()
    async with engine.begin() as conn:
        res = await conn.execute(
            sa.update(JOBS)
            .where(JOBS.c.id.in_(list(job_ids)), JOBS.c.status == JobStatus.pending)
            .values(
                status=JobStatus.failed, error=f"cancelled by {by}", finished_at=now, updated_at=now
            )
        )
    return res.rowcount


async def counts_by_status(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(JOBS.c.status, sa.func.count()).group_by(JOBS.c.status)
        )
        return {status: n for status, n in rows}


async def get(engine: AsyncEngine, job_id: uuid.UUID) -> Job | None:
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(*JOBS.c).where(JOBS.c.id == job_id))).first()
    return Job.from_row(row) if row is not None else None


async def release(engine: AsyncEngine, job_id: uuid.UUID, worker_id: str) -> bool:
    """Hand a job back untouched (the worker is stopping): pending again, attempt not counted."""
    now = utcnow()
    async with engine.begin() as conn:
        res = await conn.execute(
            sa.update(JOBS)
            .where(JOBS.c.id == job_id, JOBS.c.locked_by == worker_id)
            .values(
                status=JobStatus.pending, attempts=JOBS.c.attempts - 1, locked_by=None,
                locked_at=None, run_at=now, updated_at=now,
            )
        )
    return res.rowcount == 1
