"""Administrative job actions shared by the CLI and the Jobs screen; each is audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.audit import record_audit
from ss_tui.jobs import queue


async def reset_jobs(engine: AsyncEngine, job_ids: Iterable[uuid.UUID], *, actor: str) -> int:
    ids = list(job_ids)
    n = await queue.reset(engine, ids)
    await record_audit(engine, actor=actor, action="job.reset", entity_type="job",
                       detail={"job_ids": [str(j) for j in ids], "count": n})
    return n


async def cancel_jobs(engine: AsyncEngine, job_ids: Iterable[uuid.UUID], *, actor: str) -> int:
    ids = list(job_ids)
    n = await queue.cancel(engine, ids, by=actor)
    await record_audit(engine, actor=actor, action="job.cancel", entity_type="job",
                       detail={"job_ids": [str(j) for j in ids], "count": n})
    return n
