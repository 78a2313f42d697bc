"""One import run's ledger: import_runs/import_items bookkeeping, counts, sync status,
sync errors, typed events, cancel/pause at project boundaries, resume of a killed run.

An item's status is written in the same transaction as its project's rows, so a run killed at
any moment resumes exactly where it stopped: finished projects are skipped, nothing is half
written.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import json
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ss_tui.audit import record_audit
from ss_tui.config import Settings
from ss_tui.db import schema
from ss_tui.db.engine import UpsertInsert, dialect_insert
from ss_tui.db.enums import IngestionStatus, ItemStatus, RunStatus
from ss_tui.db.types import utcnow
from ss_tui.engine import events as ev
from ss_tui.engine.apply import ApplyResult
from ss_tui.engine.plan_types import ImportPlan
from ss_tui.engine.rows import T_CREATOR, row_id
from ss_tui.engine.summary import add_rows
from ss_tui.sync_errors import LIVE, T_ERRORS, ErrorRecord, record_errors
from ss_tui.values import JSONObject, Row

if TYPE_CHECKING:
    from ss_tui.values import ColumnValue

T = TypeVar("T")
T_RUNS = schema.ImportRun.__table__
T_ITEMS = schema.ImportItem.__table__
T_SYNC = schema.ReleaseSyncStatus.__table__
FINISHED = (ItemStatus.applied, ItemStatus.unchanged, ItemStatus.excluded, ItemStatus.skipped)
RESUME_AFTER_S = 600  # a run on another host with no progress for this long is resumable


class Control(Protocol):
    """What the TUI (or a signal handler) uses to steer a run; checked between transactions
    (one project, or a group of new projects: see engine/applier.py)."""

    cancel_event: asyncio.Event
    running: asyncio.Event  # cleared while paused


class RunControl:
    """Pause, resume and cancel one run: the dashboard's keys, the CLI's Ctrl-C and the
    worker's SIGTERM all steer a run through this one class. ``cancel_event`` may be an event
    the caller already owns (the worker's stop event)."""

    def __init__(self, cancel_event: asyncio.Event | None = None) -> None:
        self.cancel_event = cancel_event if cancel_event is not None else asyncio.Event()
        self.running = asyncio.Event()
        self.running.set()

    @property
    def paused(self) -> bool:
        return not self.running.is_set()

    def pause(self) -> None:
        self.running.clear()

    def resume(self) -> None:
        self.running.set()

    def cancel(self) -> None:
        self.cancel_event.set()
        self.running.set()


@dataclass(slots=True)
class RunResult:
    run_id: str | None
    status: RunStatus
    items: dict[str, int] = field(default_factory=dict)  # item status → count
    written: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → action → n
    tables: dict[str, dict[str, int]] = field(default_factory=dict)  # table → action → rows
    errors: int = 0
    duration_s: float = 0.0
    plan: ImportPlan | None = None  # dry runs
    upstream: dict[str, str] = field(default_factory=dict)  # project → new/changed/…
    resumed: bool = False
    # The project listing stopped part-way (Session Studio unreachable, failing): why.
    # Projects after that point were never looked at; running the same import continues.
    listing_error: BaseException | None = None
    stale: list[str] = field(default_factory=list)  # projects not written: changed since

    @property
    def rows_written(self) -> int:
        return sum(n for by in self.written.values() for n in by.values())

    def summary(self) -> dict[str, int]:
        """What the original plan's import result names (SessionStudioImportResult)."""

        def n(kind: str, *actions: str) -> int:
            return sum(self.written.get(kind, {}).get(a, 0) for a in actions)

        return {
            "releases_imported": n("release", "create", "update"),
            "tracks_imported": n("release_track", "create", "update"),
            "artists_created": n("artist", "create"),
            "provider_links_created": n("provider_link", "create"),
            "errors": self.errors,
        }

    def to_dict(self) -> JSONObject:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "items": self.items,
            "written": self.written,
            "tables": self.tables,
            "rows_written": self.rows_written,
            "summary": self.summary(),
            "errors": self.errors,
            "duration_s": round(self.duration_s, 3),
            "resumed": self.resumed,
            "stale": self.stale,
        }

    def __str__(self) -> str:
        items = ", ".join(f"{n} {s}" for s, n in sorted(self.items.items())) or "no projects"
        return f"Run {self.status}: {items}; {self.rows_written} rows written; {self.errors} errors"


def operator(settings: Settings | None = None) -> str:
    name = getattr(settings, "operator", None)
    if name:
        return str(name)
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return os.environ.get("USER") or "unknown"


def options_key(options: JSONObject) -> str:
    picked = {k: options.get(k) for k in ("project_ids", "all", "incremental", "decisions")}
    return hashlib.sha256(json.dumps(picked, sort_keys=True, default=str).encode()).hexdigest()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _insert(conn: AsyncConnection, table: sa.Table) -> UpsertInsert:
    return dialect_insert(conn.dialect.name, table)


class RunLedger:
    """The record of one run: its import_runs row, its items and counts, its events, pause
    and cancel between projects, finish or abort. Writing a project is the
    :class:`~ss_tui.engine.applier.ProjectApplier`'s job; it reports each outcome here."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        connection_id: uuid.UUID | None,
        sink: ev.EventSink = ev.discard,
        control: Control | None = None,
        started_by: str = "unknown",
    ) -> None:
        self.engine = engine
        self.connection_id = connection_id
        self.sink = sink
        self.control = control
        self.started_by = started_by
        self.run_id: uuid.UUID | None = None
        self.resumed = False
        self.items: Counter[str] = Counter()
        self.written: dict[str, dict[str, int]] = {}
        self.tables: dict[str, dict[str, int]] = {}
        self.stale: list[str] = []
        self.errors = 0
        self.creators: set[uuid.UUID] = set()  # written to: "processing" until finish()
        self.cancelled = False
        self._t0 = time.monotonic()
        self.live_errors: set[str] | None = None  # projects with open errors (None: unknown)
        self.release_ids: list[uuid.UUID] = []  # releases this run wrote (link discovery)

    async def emit(self, event: ev.EngineEvent) -> None:
        try:
            await self.sink(event)
        except Exception:  # a broken screen must not break an import
            pass

    # ------------------------------------------------------------------ run rows

    async def start(self, options: JSONObject, *, dry_run: bool, resume: bool) -> None:
        options = {**options, "key": options_key(options)}
        options.update(host=socket.gethostname(), pid=os.getpid())
        async with self.engine.begin() as conn:
            if resume and not dry_run:
                self.run_id = await self._find_resumable(conn, options)
            if self.run_id is not None:
                self.resumed = True
                await conn.execute(
                    sa.update(T_RUNS)
                    .where(T_RUNS.c.id == self.run_id)
                    .values(options=options, status=RunStatus.running, updated_at=utcnow())
                )
                await self._audit(conn, options, dry_run=dry_run)
                return
            self.run_id = uuid.uuid4()
            now = utcnow()
            await conn.execute(
                sa.insert(T_RUNS).values(
                    id=self.run_id,
                    connection_id=self.connection_id,
                    started_by=self.started_by,
                    options=options,
                    status=RunStatus.running,
                    dry_run=dry_run,
                    started_at=now,
                    counts={},
                    created_at=now,
                    updated_at=now,
                )
            )
            await self._audit(conn, options, dry_run=dry_run)

    async def _audit(
        self, conn: AsyncConnection, options: JSONObject, *, dry_run: bool
    ) -> None:
        """Who started (or resumed) which import, committed with the run row itself."""
        await record_audit(
            conn, actor=self.started_by, action="import", entity_type="run",
            entity_id=str(self.run_id),
            detail={
                "dry_run": dry_run,
                "resumed": self.resumed,
                **{k: v for k, v in options.items() if k not in ("decisions", "host", "pid")},
            },
        )

    async def _find_resumable(
        self, conn: AsyncConnection, options: JSONObject
    ) -> uuid.UUID | None:
        stmt = (
            sa.select(T_RUNS)
            .where(
                T_RUNS.c.status.in_((RunStatus.running, RunStatus.paused)),
                T_RUNS.c.dry_run.is_(False),
            )
            .order_by(T_RUNS.c.started_at.desc())
            .limit(20)
        )
        if self.connection_id is not None:
            stmt = stmt.where(T_RUNS.c.connection_id == self.connection_id)
        for row in (await conn.execute(stmt)).mappings():
            opts = row["options"] or {}
            if opts.get("key") != options["key"]:
                continue
            if opts.get("host") == options["host"]:
                if opts.get("pid") and _pid_alive(int(opts["pid"])):
                    continue  # still running in another process: not ours to take over
            elif (utcnow() - row["updated_at"]).total_seconds() < RESUME_AFTER_S:
                continue
            found: uuid.UUID = row["id"]
            return found
        return None

    async def register_items(self, project_ids: list[str]) -> set[str]:
        """Insert pending items; returns the projects this run already finished (resume)."""
        now = utcnow()
        async with self.engine.begin() as conn:
            rows = [
                {
                    "id": uuid.uuid4(),
                    "run_id": self.run_id,
                    "project_external_id": p,
                    "status": ItemStatus.pending,
                    "created_at": now,
                    "updated_at": now,
                }
                for p in project_ids
            ]
            stmt = _insert(conn, T_ITEMS).on_conflict_do_nothing(
                index_elements=["run_id", "project_external_id"]
            )
            for i in range(0, len(rows), 500):
                await conn.execute(stmt, rows[i : i + 500])
            # only this chunk's: items of earlier chunks are counted already
            finished: dict[str, str] = {}
            for i in range(0, len(project_ids), 500):
                done = await conn.execute(
                    sa.select(T_ITEMS.c.project_external_id, T_ITEMS.c.status).where(
                        T_ITEMS.c.run_id == self.run_id,
                        T_ITEMS.c.status.in_(FINISHED),
                        T_ITEMS.c.project_external_id.in_(project_ids[i : i + 500]),
                    )
                )
                finished.update(done.all())
            # Projects with open errors: only those need their errors re-checked on success.
            if self.live_errors is None:  # items come in chunks when the fetch streams
                self.live_errors = set()
            for i in range(0, len(project_ids), 500):
                live = sa.select(T_ERRORS.c.project_external_id).where(
                    T_ERRORS.c.status.in_(LIVE),
                    T_ERRORS.c.project_external_id.in_(project_ids[i : i + 500]),
                )
                self.live_errors.update(r[0] for r in (await conn.execute(live)).all())
        self.items.update(finished.values())
        return set(finished)

    async def finish(
        self, *, extra_counts: JSONObject | None = None, api: dict[str, float] | None = None
    ) -> RunResult:
        if self.resumed:  # errors the interrupted part recorded are this run's errors too
            self.errors = max(self.errors, await self._open_errors())
        if self.cancelled:
            status = RunStatus.cancelled
        elif not self.items and self.errors:
            status = RunStatus.failed
        elif self.items.get(ItemStatus.failed, 0) and not (
            self.items.get(ItemStatus.applied, 0) or self.items.get(ItemStatus.unchanged, 0)
        ):
            status = RunStatus.failed
        elif self.items.get(ItemStatus.failed, 0) or self.items.get(ItemStatus.stale, 0) or (
            self.errors
        ):
            status = RunStatus.partial
        else:
            status = RunStatus.succeeded
        api = dict(api or {})
        latency = api.pop("api_mean_latency_ms", None)  # a figure for Stats, not a column
        counts = {
            "items": dict(self.items),
            "written": self.written,
            "tables": self.tables,
            "errors": self.errors,
            **(extra_counts or {}),
            **({"api_mean_latency_ms": latency} if latency is not None else {}),
        }
        now = utcnow()
        async with self.engine.begin() as conn:
            # A resumed run also owns the creators its killed predecessor marked "processing".
            rel = schema.DiscogRelease.__table__
            self.creators.update(
                (
                    await conn.execute(
                        sa.select(rel.c.creator_profile_id)
                        .distinct()
                        .join(T_ITEMS, T_ITEMS.c.release_id == rel.c.id)
                        .where(T_ITEMS.c.run_id == self.run_id)
                    )
                ).scalars()
            )
            await conn.execute(
                sa.update(T_RUNS)
                .where(T_RUNS.c.id == self.run_id)
                .values(
                    status=status,
                    finished_at=now,
                    counts=counts,
                    updated_at=now,
                    **api,
                )
            )
            await self._sync_status(conn, status, now)
        result = RunResult(
            run_id=str(self.run_id),
            status=status,
            items=dict(self.items),
            written=self.written,
            tables=self.tables,
            stale=list(self.stale),
            errors=self.errors,
            duration_s=time.monotonic() - self._t0,
            resumed=self.resumed,
        )
        await self.emit(
            ev.RunFinished(
                str(self.run_id),
                status,
                counts=dict(self.items),
                errors=self.errors,
                duration_s=result.duration_s,
            )
        )
        return result

    async def guarded(self, work: Awaitable[T]) -> T:
        """Await ``work``; if it raises, the run row is finished with the reason before the
        error goes on, so no run is ever left ``running`` (docs/jovie-model.md)."""
        try:
            return await work
        except BaseException as exc:
            await self.abort(exc)
            raise

    async def abort(self, exc: BaseException) -> None:
        """Finish a run that died: ``paused`` when interrupted (running it again resumes),
        ``failed`` for any other exception; the reason goes into ``counts.aborted``."""
        if self.run_id is None:
            return
        interrupted = isinstance(exc, asyncio.CancelledError | KeyboardInterrupt | SystemExit)
        status = RunStatus.paused if interrupted else RunStatus.failed
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        detail = (str(cause).strip().splitlines() or [""])[0][:300]
        reason = f"{'interrupted' if interrupted else 'error'}: {type(cause).__name__}" + (
            f": {detail}" if detail else ""
        )
        counts = {
            "items": dict(self.items),
            "written": self.written,
            "errors": self.errors,
            "aborted": reason,
        }
        now = utcnow()
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    sa.update(T_RUNS)
                    .where(T_RUNS.c.id == self.run_id, T_RUNS.c.status == RunStatus.running)
                    .values(status=status, finished_at=now, counts=counts, updated_at=now)
                )
        except Exception:  # the database itself is gone: the original error matters more
            return
        await self.emit(
            ev.RunFinished(
                str(self.run_id),
                status,
                counts=dict(self.items),
                errors=self.errors,
                duration_s=time.monotonic() - self._t0,
            )
        )
    async def _open_errors(self) -> int:
        async with self.engine.connect() as conn:
            stmt = sa.select(sa.func.count()).where(
                T_ERRORS.c.run_id == self.run_id, T_ERRORS.c.status.in_(LIVE)
            )
            return int((await conn.execute(stmt)).scalar_one())

    async def _sync_status(self, conn: AsyncConnection, status: RunStatus, now: datetime) -> None:
        """release_sync_status and creator_profiles.ingestion_status for touched creators:
        three statements for all of them (a first import touches hundreds)."""
        failed = status == RunStatus.failed
        creators = sorted(self.creators, key=str)
        if not creators:
            return
        links, releases = schema.ProviderLink.__table__, schema.DiscogRelease.__table__
        totals: dict[uuid.UUID, int] = {}
        for i in range(0, len(creators), 500):
            stmt = (
                sa.select(releases.c.creator_profile_id, sa.func.count())
                .select_from(links)
                .join(releases, releases.c.id == links.c.release_id)
                .where(
                    links.c.provider_id == "session-studio",
                    releases.c.creator_profile_id.in_(creators[i : i + 500]),
                )
                .group_by(releases.c.creator_profile_id)
            )
            totals.update((row[0], int(row[1])) for row in (await conn.execute(stmt)).all())
        last_error = f"Run {self.run_id} failed" if failed else None
        ins = _insert(conn, T_SYNC)
        set_: Row = {
            "last_incremental_sync_at": now,
            "total_releases_synced": ins.excluded.total_releases_synced,
            "updated_at": now,
            "consecutive_failures": (T_SYNC.c.consecutive_failures + 1) if failed else 0,
        }
        if failed:
            set_.update(last_error=last_error, last_error_at=now)
        values = [
            {
                "id": uuid.uuid4(),
                "creator_profile_id": creator,
                "provider_id": "session-studio",
                "last_incremental_sync_at": now,
                "total_releases_synced": totals.get(creator, 0),
                "consecutive_failures": 1 if failed else 0,
                "last_error": last_error,
                "last_error_at": now if failed else None,
                "created_at": now,
                "updated_at": now,
            }
            for creator in creators
        ]
        await conn.execute(
            ins.on_conflict_do_update(
                index_elements=["creator_profile_id", "provider_id"], set_=set_
            ),
            values,
        )
        for i in range(0, len(creators), 500):
            await conn.execute(
                sa.update(T_CREATOR)
                .where(T_CREATOR.c.id.in_(creators[i : i + 500]))
                .values(
                    ingestion_status=IngestionStatus.failed if failed else IngestionStatus.idle,
                    last_ingestion_error=last_error,
                    updated_at=now,
                )
            )

    # ------------------------------------------------------------------ projects

    async def checkpoint(self) -> bool:
        """Between transactions: wait while paused; False once cancelled."""
        if self.control is None:
            return True
        if not self.control.running.is_set():
            async with self.engine.begin() as conn:
                await conn.execute(
                    sa.update(T_RUNS)
                    .where(T_RUNS.c.id == self.run_id)
                    .values(status=RunStatus.paused, updated_at=utcnow())
                )
            await self.control.running.wait()
            async with self.engine.begin() as conn:
                await conn.execute(
                    sa.update(T_RUNS)
                    .where(T_RUNS.c.id == self.run_id)
                    .values(status=RunStatus.running, updated_at=utcnow())
                )
        if self.control.cancel_event.is_set():
            self.cancelled = True
            return False
        return True


    async def set_item(self, conn: AsyncConnection, project_id: str, **values: ColumnValue) -> None:
        """Update one item's row inside the caller's transaction."""
        await conn.execute(
            sa.update(T_ITEMS)
            .where(T_ITEMS.c.run_id == self.run_id, T_ITEMS.c.project_external_id == project_id)
            .values({"updated_at": utcnow(), **values})
        )

    async def record_outcome(
        self,
        project_id: str,
        status: ItemStatus,
        result: ApplyResult | None,
        *,
        creator_profile_id: str | None,
        warnings: int,
        skipped: int,
        errors: int,
    ) -> None:
        """Count one project's outcome (already committed) and tell the screens."""
        self.items[status] += 1
        if status == ItemStatus.stale:
            self.stale.append(project_id)
        if result is not None and result.status == ItemStatus.applied and result.release_id:
            self.release_ids.append(result.release_id)
        if result is not None:
            add_rows(self.tables, result.tables)
            for kind, by_action in _written_by_kind(result).items():
                mine = self.written.setdefault(kind, {})
                for action, n in by_action.items():
                    mine[action] = mine.get(action, 0) + n
                    await self.emit(
                        ev.EntityWritten(str(self.run_id), project_id, kind, action, n)
                    )
        if creator_profile_id and status in (ItemStatus.applied, ItemStatus.unchanged):
            # Only a creator this project wrote to (one it was to create may not exist).
            self.creators.add(row_id(creator_profile_id))
        await self.emit(
            ev.ProjectFinished(
                str(self.run_id),
                project_id,
                status,
                written={k: sum(by.values()) for k, by in _written_by_kind(result).items()},
                warnings=warnings,
                skipped=skipped,
            )
        )
        self.errors += errors

    async def fail_project(
        self,
        project_id: str,
        record: ErrorRecord,
        *,
        recorded: bool = False,
    ) -> None:
        """A project that could not be fetched, parsed or written: item failed + error row."""
        async with self.engine.begin() as conn:
            if not recorded:
                await record_errors(
                    conn, [record], run_id=self.run_id, connection_id=self.connection_id
                )
            await self.set_item(conn, project_id, status=ItemStatus.failed, error=record.message)
        self.items[ItemStatus.failed] += 1
        self.errors += 1
        await self.emit(
            ev.ItemFailed(
                str(self.run_id),
                project_id,
                record.entity_type or "project",
                record.external_id,
                record.kind,
                record.message,
            )
        )
        await self.emit(ev.ProjectFinished(str(self.run_id), project_id, ItemStatus.failed))


# Rows a project writes outside its entities (a creator it creates, the artist's assignment):
# counted with the entities so Progress adds up to the apply dialog's total.
_SIDE_TABLES = {"creator_profiles": "creator_profile", "creator_assignments": "creator_assignment"}


def _written_by_kind(result: ApplyResult | None) -> dict[str, dict[str, int]]:
    """Rows written by entity kind and action, plus the side tables' rows under their own
    kind: what Progress, the run's counts and "N rows written" add up."""
    if result is None:
        return {}
    out = dict(result.written)
    for table, kind in _SIDE_TABLES.items():
        by_action = {a: n for a, n in result.tables.get(table, {}).items() if n}
        if by_action:
            out[kind] = by_action
    return out
