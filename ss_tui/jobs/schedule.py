"""Scheduled incremental syncs: one job per connected account per interval.

Run ``ss-tui schedule`` from cron; the dedup key names the interval, so running it twice
in the same interval (two cron hosts, a retry) enqueues nothing more.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db.enums import ConnectionStatus
from ss_tui.db.schema import SSConnection
from ss_tui.db.types import utcnow
from ss_tui.jobs import queue

CONNECTIONS = SSConnection.__table__


async def enqueue_incremental_syncs(
    engine: AsyncEngine, *, every_minutes: int = 60
) -> list[tuple[str, bool]]:
    now = utcnow()
    bucket = int(now.timestamp() // (every_minutes * 60))
    async with engine.connect() as conn:
        accounts = (
            await conn.execute(
                sa.select(CONNECTIONS.c.account_id).where(
                    CONNECTIONS.c.status == ConnectionStatus.connected
                )
            )
        ).scalars().all()
    out = []
    for account_id in accounts:
        _, created = await queue.enqueue(
            engine, queue.IMPORT_ACCOUNT, {"account_id": account_id},
            dedup_key=f"incremental:{account_id}:{every_minutes}m:{bucket}", priority=5,
        )
        out.append((account_id, created))
    return out
