"""Sync errors for the Errors screen: filtered pages, one error's detail, CSV rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.queries._tables import LIKE_ESCAPE, like_pattern, table

KINDS = ("transient", "rate_limited", "auth", "not_found", "invalid_data", "conflict", "internal")
STATUSES = ("open", "retrying", "resolved", "ignored")
CSV_COLUMNS = (
    "id", "run_id", "status", "kind", "stage", "entity_type", "external_id",
    "project_external_id", "http_status", "suggested_action", "attempts", "message",
    "first_seen_at", "last_seen_at", "resolved_at", "resolved_by", "note",
)


@dataclass(frozen=True, slots=True)
class ErrorFilter:
    run_id: Any = None
    kind: str | None = None
    status: str | None = None  # None = all; "active" = open + retrying
    connection_id: Any = None
    search: str = ""


@dataclass(frozen=True, slots=True)
class ErrorRow:
    id: Any
    run_id: Any
    status: str
    kind: str
    stage: str
    entity_type: str | None
    external_id: str | None
    project_external_id: str | None
    message: str
    http_status: int | None
    suggested_action: str | None
    attempts: int
    last_seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    row: ErrorRow
    detail: Any
    source_payload: Any
    note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    first_seen_at: datetime | None


def _where(f: ErrorFilter) -> list[Any]:
    errs = table("sync_errors")
    where: list[Any] = []
    if f.run_id is not None:
        where.append(errs.c.run_id == f.run_id)
    if f.kind:
        where.append(errs.c.kind == f.kind)
    if f.status == "active":
        where.append(errs.c.status.in_(("open", "retrying")))
    elif f.status:
        where.append(errs.c.status == f.status)
    if f.connection_id is not None:
        where.append(errs.c.connection_id == f.connection_id)
    if f.search.strip():
        pattern = like_pattern(f.search.strip())
        where.append(
            sa.or_(
                errs.c.message.ilike(pattern, escape=LIKE_ESCAPE),
                errs.c.external_id.ilike(pattern, escape=LIKE_ESCAPE),
                errs.c.project_external_id.ilike(pattern, escape=LIKE_ESCAPE),
            )
        )
    return where


def _row(r: Any) -> ErrorRow:
    return ErrorRow(
        id=r.id,
        run_id=r.run_id,
        status=r.status,
        kind=r.kind,
        stage=r.stage,
        entity_type=r.entity_type,
        external_id=r.external_id,
        project_external_id=r.project_external_id,
        message=r.message or "",
        http_status=r.http_status,
        suggested_action=r.suggested_action,
        attempts=int(r.attempts or 0),
        last_seen_at=r.last_seen_at,
    )


def _row_columns() -> list[Any]:
    errs = table("sync_errors")
    return [
        errs.c.id, errs.c.run_id, errs.c.status, errs.c.kind, errs.c.stage, errs.c.entity_type,
        errs.c.external_id, errs.c.project_external_id, errs.c.message, errs.c.http_status,
        errs.c.suggested_action, errs.c.attempts, errs.c.last_seen_at,
    ]


async def count_errors(engine: AsyncEngine, f: ErrorFilter) -> int:
    errs = table("sync_errors")
    stmt = sa.select(sa.func.count()).select_from(errs).where(*_where(f))
    async with engine.connect() as conn:
        return int((await conn.execute(stmt)).scalar_one())


async def page_errors(
    engine: AsyncEngine, f: ErrorFilter, *, offset: int = 0, limit: int = 200
) -> list[ErrorRow]:
    errs = table("sync_errors")
    stmt = (
        sa.select(*_row_columns())
        .where(*_where(f))
        .order_by(errs.c.last_seen_at.desc().nulls_last(), errs.c.id)
        .offset(offset)
        .limit(limit)
    )
    async with engine.connect() as conn:
        return [_row(r) for r in (await conn.execute(stmt)).all()]


async def error_detail(engine: AsyncEngine, error_id: Any) -> ErrorDetail | None:
    errs = table("sync_errors")
    stmt = sa.select(
        *_row_columns(), errs.c.detail, errs.c.source_payload, errs.c.note, errs.c.resolved_by,
        errs.c.resolved_at, errs.c.first_seen_at,
    ).where(errs.c.id == error_id)
    async with engine.connect() as conn:
        r = (await conn.execute(stmt)).first()
    if r is None:
        return None
    return ErrorDetail(
        row=_row(r), detail=r.detail, source_payload=r.source_payload, note=r.note,
        resolved_by=r.resolved_by, resolved_at=r.resolved_at, first_seen_at=r.first_seen_at,
    )


async def iter_csv_rows(engine: AsyncEngine, f: ErrorFilter) -> AsyncIterator[list[Any]]:
    """Every matching error as a CSV row (streamed, in CSV_COLUMNS order)."""
    errs = table("sync_errors")
    stmt = (
        sa.select(*(errs.c[name] for name in CSV_COLUMNS))
        .where(*_where(f))
        .order_by(errs.c.last_seen_at.desc().nulls_last(), errs.c.id)
    )
    async with engine.connect() as conn:
        result = await conn.stream(stmt)
        async for r in result:
            yield list(r)
