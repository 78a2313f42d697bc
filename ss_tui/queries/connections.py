"""Connected Session Studio accounts (ss_connections) for the Connect screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.queries._tables import table


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    id: Any
    account_id: str
    account_name: str | None
    base_url: str
    scopes: str | None
    status: str
    last_sync_at: datetime | None
    projects: int


async def list_connections(engine: AsyncEngine) -> list[ConnectionRow]:
    conns, snap = table("ss_connections"), table("source_snapshots")
    projects = (
        sa.select(sa.func.count())
        .where(snap.c.connection_id == conns.c.id, snap.c.entity_type == "project")
        .scalar_subquery()
    )
    stmt = sa.select(conns, projects.label("projects")).order_by(
        conns.c.account_name, conns.c.account_id
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [
        ConnectionRow(
            id=r.id,
            account_id=r.account_id,
            account_name=r.account_name,
            base_url=r.base_url,
            scopes=r.scopes,
            status=r.status,
            last_sync_at=r.last_sync_at,
            projects=int(r.projects or 0),
        )
        for r in rows
    ]


def default_account(rows: list[ConnectionRow]) -> Any:
    """The account the screens work on until the user picks one: the first connected account,
    else the first one needing a reconnect (its snapshot can be browsed meanwhile); never a
    disconnected one (staff disconnected it on purpose)."""
    for wanted in ("connected", "reconnect_needed"):
        for r in rows:
            if r.status == wanted:
                return r.id
    return None
