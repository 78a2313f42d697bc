"""Connected Session Studio accounts (ss_connections) for the Connect screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.queries._tables import table

if TYPE_CHECKING:
    import uuid


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    id: uuid.UUID
    account_id: str
    account_name: str | None
    base_url: str
    scopes: str | None
    status: str
    last_sync_at: datetime | None  # the latest sync of any kind (see list_connections)
    projects: int


def _latest(*values: datetime | None) -> datetime | None:
    aware = [v if v.tzinfo else v.replace(tzinfo=UTC) for v in values if v is not None]
    return max(aware, default=None)


async def list_connections(engine: AsyncEngine) -> list[ConnectionRow]:
    """Accounts with their project count and last sync: the latest of a full import's cursor
    advance (``last_sync_at``), an import run that wrote (any selection), and a refresh of
    the project list (the newest snapshot)."""
    conns, snap, runs = table("ss_connections"), table("source_snapshots"), table("import_runs")
    project_rows = (snap.c.connection_id == conns.c.id, snap.c.entity_type == "project")
    projects = sa.select(sa.func.count()).where(*project_rows).scalar_subquery()
    fetched = sa.select(sa.func.max(snap.c.fetched_at)).where(*project_rows).scalar_subquery()
    imported = (
        sa.select(sa.func.max(runs.c.finished_at))
        .where(runs.c.connection_id == conns.c.id, runs.c.dry_run.is_(False),
               runs.c.status.in_(("succeeded", "partial")))
        .scalar_subquery()
    )
    stmt = sa.select(conns, projects.label("projects"), fetched.label("fetched"),
                     imported.label("imported")).order_by(
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
            last_sync_at=_latest(r.last_sync_at, r.fetched, r.imported),
            projects=int(r.projects or 0),
        )
        for r in rows
    ]


def default_account(rows: list[ConnectionRow]) -> uuid.UUID | None:
    """The account the screens work on until the user picks one: the first connected account,
    else the first one needing a reconnect (its snapshot can be browsed meanwhile); never a
    disconnected one (staff disconnected it on purpose)."""
    for wanted in ("connected", "reconnect_needed"):
        for r in rows:
            if r.status == wanted:
                return r.id
    return None
