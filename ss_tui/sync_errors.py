"""sync_errors: every failure per item, classified, with its payload and a suggested action.

One live row per problem: a fingerprint (connection, entity, id, stage, code) has at most one
open/retrying row (partial unique index), so repeated failures bump ``attempts`` instead of
piling up. Rows close as ``resolved`` when the item later goes through, or by staff with a note.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.db import schema
from ss_tui.db.engine import UpsertInsert, dialect_insert
from ss_tui.db.enums import ErrorKind, ErrorStage, ErrorStatus, SuggestedAction
from ss_tui.db.types import utcnow
from ss_tui.sessionstudio.errors import SessionStudioError
from ss_tui.sessionstudio.redaction import redact
from ss_tui.values import JSONObject

T_ERRORS = schema.SyncError.__table__
LIVE = (ErrorStatus.open, ErrorStatus.retrying)
CLOSED = (ErrorStatus.resolved, ErrorStatus.ignored)
LIVE_WHERE = "status IN ('open', 'retrying')"  # must match the partial index predicate

ACTION_BY_KIND: dict[str, SuggestedAction] = {
    ErrorKind.transient: SuggestedAction.retry,
    ErrorKind.rate_limited: SuggestedAction.retry,
    ErrorKind.auth: SuggestedAction.reconnect,
    ErrorKind.not_found: SuggestedAction.ignore,
    ErrorKind.invalid_data: SuggestedAction.fix_data,
    ErrorKind.conflict: SuggestedAction.fix_data,
    ErrorKind.internal: SuggestedAction.retry,
}

ADVICE_BY_KIND: dict[str, str] = {
    ErrorKind.transient: "Session Studio or the network failed; retry the item.",
    ErrorKind.rate_limited: "The API rate limit was exhausted; retry later.",
    ErrorKind.auth: "Reconnect the Session Studio account, then retry.",
    ErrorKind.not_found: "The item no longer exists in Session Studio; ignore it.",
    ErrorKind.invalid_data: "Fix the data in Session Studio, then retry the item.",
    ErrorKind.conflict: (
        "Resolve the conflict in the preview (choose how to import it), then retry."
    ),
    ErrorKind.internal: "Retry; if it fails again, report it with the run id.",
}

# A constraint the database refused at apply: every unique and foreign key is checked when
# planning (docs/plan-format.md), so this is a bug of ours.
# Retrying would only fail the same way.
CONSTRAINT_ADVICE = "This is a bug in ss-tui, not in your data: report it with the run id."


@dataclass(slots=True)
class ErrorRecord:
    stage: ErrorStage
    kind: ErrorKind
    message: str
    entity_type: str | None = None
    external_id: str | None = None
    project_external_id: str | None = None
    code: str | None = None  # distinguishes several problems of one item (e.g. the field)
    http_status: int | None = None
    detail: JSONObject = field(default_factory=dict)
    source_payload: Any = None
    suggested_action: SuggestedAction | None = None

    def fingerprint(self, connection_id: uuid.UUID | None) -> str:
        parts = (
            str(connection_id or ""),
            self.entity_type or "",
            self.external_id or "",
            self.project_external_id or "",
            self.stage,
            self.code or self.kind,
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def from_exception(
    exc: BaseException,
    *,
    stage: ErrorStage,
    entity_type: str | None,
    external_id: str | None,
    project_external_id: str | None = None,
    payload: Any = None,
) -> ErrorRecord:
    """Classify an exception raised while handling one item."""
    if isinstance(exc, SessionStudioError):
        detail: JSONObject = {"error": type(exc).__name__, "advice": exc.suggested_action}
        if exc.problem:
            detail["problem"] = exc.problem
        return ErrorRecord(
            stage=stage,
            kind=exc.kind,
            message=exc.message,
            entity_type=entity_type,
            external_id=external_id,
            project_external_id=project_external_id,
            http_status=exc.http_status,
            detail=detail,
            source_payload=payload,
        )
    if isinstance(exc, DBAPIError):
        return _database_error(exc, stage, entity_type, external_id, project_external_id, payload)
    text = redact(str(exc)) or type(exc).__name__
    return ErrorRecord(
        stage=stage,
        kind=ErrorKind.internal,
        message=f"{type(exc).__name__}: {text}"[:2000],
        entity_type=entity_type,
        external_id=external_id,
        project_external_id=project_external_id,
        detail={"error": type(exc).__name__},
        source_payload=payload,
    )


def _database_error(
    exc: DBAPIError,
    stage: ErrorStage,
    entity_type: str | None,
    external_id: str | None,
    project_external_id: str | None,
    payload: Any,
) -> ErrorRecord:
    """A database refusal in plain words: which rule on which table, never the SQL."""
    raw = str(exc.orig if exc.orig is not None else exc).lower()
    table = next((t for t in _TABLES if t in raw), None)
    where = f" on {table}" if table else ""
    if isinstance(exc, IntegrityError):
        rule = (
            "a foreign key" if "foreign key" in raw
            else "a uniqueness rule" if "unique" in raw or "duplicate" in raw
            else "a constraint"
        )
        return ErrorRecord(
            stage=stage,
            kind=ErrorKind.internal,
            message=f"The database refused a row ({rule}{where}); the plan should have "
            "caught this.",
            entity_type=entity_type,
            external_id=external_id,
            project_external_id=project_external_id,
            code="constraint",
            detail={"error": "IntegrityError", "advice": CONSTRAINT_ADVICE},
            source_payload=payload,
            suggested_action=SuggestedAction.ignore,
        )
    busy = any(s in raw for s in ("deadlock", "serializ", "database is locked", "busy"))
    return ErrorRecord(
        stage=stage,
        kind=ErrorKind.transient if busy else ErrorKind.internal,
        message="The database was busy; the item was not written." if busy
        else f"The database failed while writing{where}.",
        entity_type=entity_type,
        external_id=external_id,
        project_external_id=project_external_id,
        code="database",
        detail={"error": type(exc).__name__},
        source_payload=payload,
    )


_TABLES = tuple(sorted(schema.metadata.tables, key=len, reverse=True))


def _insert(conn: AsyncConnection) -> UpsertInsert:
    return dialect_insert(conn.dialect.name, T_ERRORS)


async def record_errors(
    conn: AsyncConnection,
    records: Iterable[ErrorRecord],
    *,
    run_id: uuid.UUID | None,
    connection_id: uuid.UUID | None,
) -> list[str]:
    """Upsert live error rows; returns their fingerprints."""
    now = utcnow()
    rows = []
    for r in records:
        kind = r.kind if r.kind in ACTION_BY_KIND else ErrorKind.internal
        detail = {"advice": ADVICE_BY_KIND[kind], **r.detail}
        if r.code:
            detail.setdefault("field", r.code)
        rows.append(
            {
                "id": uuid.uuid4(),
                "run_id": run_id,
                "connection_id": connection_id,
                "entity_type": r.entity_type,
                "external_id": r.external_id,
                "project_external_id": r.project_external_id,
                "stage": r.stage,
                "kind": kind,
                "message": redact(r.message),
                "detail": detail,
                "http_status": r.http_status,
                "source_payload": r.source_payload,
                "suggested_action": r.suggested_action or ACTION_BY_KIND[kind],
                "status": ErrorStatus.open,
                "attempts": 1,
                "fingerprint": r.fingerprint(connection_id),
                "first_seen_at": now,
                "last_seen_at": now,
                "resolved_at": None,
                "resolved_by": None,
                "note": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    if not rows:
        return []
    # Several problems of one batch may share a fingerprint: the last one wins.
    unique = list({r["fingerprint"]: r for r in rows}.values())
    stmt = _insert(conn)
    stmt = stmt.on_conflict_do_update(
        index_elements=["fingerprint"],
        index_where=sa.text(LIVE_WHERE),
        set_={
            "run_id": stmt.excluded.run_id,
            "kind": stmt.excluded.kind,
            "message": stmt.excluded.message,
            "detail": stmt.excluded.detail,
            "http_status": stmt.excluded.http_status,
            "source_payload": stmt.excluded.source_payload,
            "suggested_action": stmt.excluded.suggested_action,
            "status": ErrorStatus.open,  # a recurrence reopens the live row
            "attempts": T_ERRORS.c.attempts + 1,
            "last_seen_at": stmt.excluded.last_seen_at,
            "updated_at": stmt.excluded.updated_at,
        },
    )
    await conn.execute(stmt, unique)
    return [r["fingerprint"] for r in unique]


async def change_status(
    conn: AsyncConnection,
    which: sa.ColumnElement[bool],
    status: ErrorStatus,
    *,
    by: str,
    note: str | None = None,
    at: datetime | None = None,
) -> int:
    """The one writer of a sync error's status once recorded: the live (open or retrying)
    errors matching ``which`` become ``resolved`` or ``ignored``, stamped with who closed
    them, when, and why (``note``). Staff (CLI and dashboard), a retry that worked, an item
    that went through and discovery all close errors here. Returns how many changed."""
    if status not in CLOSED:
        raise ValueError(f"status must be one of {', '.join(CLOSED)}")
    now = at or utcnow()
    values: dict[str, Any] = {
        "status": status, "resolved_at": now, "resolved_by": by, "updated_at": now,
    }
    if note is not None:
        values["note"] = note
    result = await conn.execute(
        sa.update(T_ERRORS).where(T_ERRORS.c.status.in_(LIVE), which).values(**values)
    )
    return result.rowcount or 0


async def resolve_cleared(
    conn: AsyncConnection,
    *,
    project_ids: list[str],
    keep: Iterable[str],
    connection_id: uuid.UUID | None,
    stages: tuple[ErrorStage, ...] = (
        ErrorStage.fetch, ErrorStage.transform, ErrorStage.plan, ErrorStage.apply
    ),
    not_imported: Iterable[str] = (),
) -> int:
    """The project went through: its live errors that did not recur are resolved, except
    those of items it did not import (``not_imported``: skipped or excluded tracks)."""
    if not project_ids:
        return 0
    which: list[sa.ColumnElement[bool]] = [
        T_ERRORS.c.project_external_id.in_(project_ids),
        T_ERRORS.c.stage.in_(stages),
        T_ERRORS.c.fingerprint.not_in(list(keep)),
    ]
    if connection_id is not None:
        which.append(
            sa.or_(T_ERRORS.c.connection_id == connection_id, T_ERRORS.c.connection_id.is_(None))
        )
    left_out = sorted(set(not_imported))
    if left_out:
        which.append(
            sa.or_(T_ERRORS.c.external_id.is_(None), T_ERRORS.c.external_id.not_in(left_out))
        )
    return await change_status(
        conn, sa.and_(*which), ErrorStatus.resolved, by="ss-tui (item imported)"
    )


async def close_errors(
    conn: AsyncConnection,
    error_ids: list[uuid.UUID],
    *,
    status: ErrorStatus,
    note: str | None,
    actor: str,
) -> int:
    """Staff mark errors ``resolved`` or ``ignored`` with a note."""
    return await change_status(
        conn, T_ERRORS.c.id.in_(error_ids), ErrorStatus(status), by=actor, note=note
    )


async def resolve_account_errors(
    conn: AsyncConnection, connection_id: uuid.UUID | None, *, why: str
) -> int:
    """The account works again (reconnected, or a whole listing went through): its live
    "reconnect needed" errors are over."""
    if connection_id is None:
        return 0
    which = sa.and_(
        T_ERRORS.c.connection_id == connection_id,
        T_ERRORS.c.entity_type == "account",
        T_ERRORS.c.kind == ErrorKind.auth,
    )
    return await change_status(conn, which, ErrorStatus.resolved, by=why)
