"""Sync errors for the Errors screen and ``ss-tui errors``: filtered pages, one error's
detail, the stored rows as they are (for JSON), and the table's columns (the screen's
DataTable and the CSV export are both built from ``ERROR_COLUMNS``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db.enums import ErrorKind, ErrorStatus
from ss_tui.queries._tables import LIKE_ESCAPE, ids_by_reference, like_pattern, record, table
from ss_tui.text import visible

if TYPE_CHECKING:
    from ss_tui.values import JSONObject, Row

KINDS = tuple(k.value for k in ErrorKind)
STATUSES = tuple(s.value for s in ErrorStatus)
ACTIVE = "active"  # the filter for open + retrying (the rows still waiting for something)
LIVE = (ErrorStatus.open, ErrorStatus.retrying)


@dataclass(frozen=True, slots=True)
class ErrorFilter:
    run_id: uuid.UUID | str | None = None  # a string that is no id matches no row
    kind: str | None = None
    status: str | None = None  # None = all; ACTIVE = open + retrying
    connection_id: uuid.UUID | None = None
    search: str = ""
    ids: tuple[uuid.UUID, ...] | None = None  # only these errors


@dataclass(frozen=True, slots=True)
class ErrorRow:
    id: uuid.UUID
    run_id: uuid.UUID | None
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
    detail: JSONObject | None
    source_payload: object  # the JSON Session Studio sent, as stored
    note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    first_seen_at: datetime | None


def _where(f: ErrorFilter) -> list[sa.ColumnElement[bool]]:
    errs = table("sync_errors")
    where: list[sa.ColumnElement[bool]] = []
    if f.run_id is not None:
        where.append(errs.c.run_id == f.run_id)
    if f.kind:
        where.append(errs.c.kind == f.kind)
    if f.status == ACTIVE:
        where.append(errs.c.status.in_(LIVE))
    elif f.status:
        where.append(errs.c.status == f.status)
    if f.connection_id is not None:
        where.append(errs.c.connection_id == f.connection_id)
    if f.ids is not None:
        where.append(errs.c.id.in_(f.ids))
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


def _row(r: sa.Row[*tuple[object, ...]]) -> ErrorRow:
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


def _row_columns() -> list[sa.ColumnElement[object]]:
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
    stmt = (
        sa.select(*_row_columns())
        .where(*_where(f))
        .order_by(*_newest_first())
        .offset(offset)
        .limit(limit)
    )
    async with engine.connect() as conn:
        return [_row(r) for r in (await conn.execute(stmt)).all()]


async def error_detail(engine: AsyncEngine, error_id: uuid.UUID) -> ErrorDetail | None:
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


async def error_records(
    engine: AsyncEngine, f: ErrorFilter, *, limit: int | None = None
) -> list[Row]:
    """The matching errors as stored (every column), newest first: ``errors list --json``."""
    errs = table("sync_errors")
    stmt = sa.select(errs).where(*_where(f)).order_by(*_newest_first()).limit(limit)
    async with engine.connect() as conn:
        return [record(r) for r in (await conn.execute(stmt)).mappings()]


async def error_record(engine: AsyncEngine, error_id: uuid.UUID) -> Row | None:
    """One error as stored (every column): ``errors show``."""
    errs = table("sync_errors")
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(errs).where(errs.c.id == error_id))).mappings().first()
    return None if row is None else record(row)


async def error_ids(engine: AsyncEngine, f: ErrorFilter) -> list[uuid.UUID]:
    errs = table("sync_errors")
    stmt = sa.select(errs.c.id).where(*_where(f)).order_by(*_newest_first())
    async with engine.connect() as conn:
        return list((await conn.execute(stmt)).scalars())


async def resolve_error_ids(engine: AsyncEngine, refs: Iterable[str]) -> list[uuid.UUID]:
    """Error ids from what a person typed: whole ids or 8-character prefixes."""
    return await ids_by_reference(engine, "sync_errors", refs)


def _newest_first() -> list[sa.ColumnElement[object]]:
    errs = table("sync_errors")
    return [errs.c.last_seen_at.desc().nulls_last(), errs.c.id]


# -- the table's columns: one definition for the Errors screen and the CSV export -----------

TIME_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True, slots=True)
class ErrorColumn:
    key: str  # the DataTable column key
    header: str  # the table's header and the CSV's
    width: int  # cells on the screen
    text: Callable[[ErrorRow], str]  # the value, whole and made visible (ss_tui.text)
    max_len: int | None = None  # the screen cuts it here (the CSV keeps it whole)


def _line(value: object) -> str:
    return visible(value, single_line=True)


# 97 cells with the mark column and padding: the Errors table fits whole at 100 columns (the
# full message and the times are in the detail pane, and in the CSV).
ERROR_COLUMNS: tuple[ErrorColumn, ...] = (
    ErrorColumn("status", "Status", 8, lambda r: _line(r.status)),
    ErrorColumn("kind", "Kind", 12, lambda r: _line(r.kind)),
    ErrorColumn("http", "HTTP", 4,
                lambda r: str(r.http_status) if r.http_status is not None else "—"),
    ErrorColumn("entity", "Entity", 16,
                lambda r: _line(f"{r.entity_type or '?'} {r.external_id or ''}"), max_len=40),
    ErrorColumn("message", "Message", 24, lambda r: _line(r.message), max_len=120),
    ErrorColumn("seen", "Last seen", 16,
                lambda r: r.last_seen_at.strftime(TIME_FORMAT) if r.last_seen_at else "—"),
)
CSV_HEADER = tuple(c.header for c in ERROR_COLUMNS)


def csv_row(r: ErrorRow) -> list[str]:
    return [c.text(r) for c in ERROR_COLUMNS]


async def iter_csv_rows(engine: AsyncEngine, f: ErrorFilter) -> AsyncIterator[list[str]]:
    """Every matching error as a CSV row (streamed, newest first like the screen), one cell
    per ``ERROR_COLUMNS`` entry: the header is ``CSV_HEADER``."""
    stmt = sa.select(*_row_columns()).where(*_where(f)).order_by(*_newest_first())
    async with engine.connect() as conn:
        result = await conn.stream(stmt)
        async for r in result:
            yield csv_row(_row(r))
