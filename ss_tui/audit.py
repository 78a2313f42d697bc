"""The audit log: who did what, when. One row per import, retry, resolve,
ignore, connect and disconnect. Details never carry a token."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ss_tui.db.schema import AuditLog
from ss_tui.db.types import utcnow

AUDIT = AuditLog.__table__

ACTIONS = (
    "import", "retry", "resolve", "ignore", "connect", "disconnect", "job.reset", "job.cancel",
)


async def record_audit(
    target: AsyncConnection | AsyncEngine,
    *,
    actor: str,
    action: str,
    entity_type: str | None = None,
    entity_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append an entry. Pass the connection of the transaction that did the work, so
    the entry commits (or rolls back) with it; an engine opens its own transaction."""
    now = utcnow()
    stmt = AUDIT.insert().values(
        id=uuid.uuid4(), actor=actor, action=action, entity_type=entity_type,
        entity_id=entity_id, detail=detail or {}, created_at=now, updated_at=now,
    )
    if isinstance(target, AsyncEngine):
        async with target.begin() as conn:
            await conn.execute(stmt)
    else:
        await target.execute(stmt)
