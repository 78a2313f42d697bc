"""Fetch: projects (with tracks) from Session Studio into ``source_snapshots``, the one
fetcher behind browsing, dry runs, retries and (page by page, see stream.py) imports.
A malformed item becomes a sync error with its raw payload; its page-mates still arrive."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db.enums import ErrorKind, ErrorStage
from ss_tui.db.upstream import upstream_states
from ss_tui.engine import events as ev
from ss_tui.engine.connections import ConnectionRef, ConnectionRegistry
from ss_tui.engine.rows import as_uuid
from ss_tui.engine.snapshots import mark_removed, save_snapshots
from ss_tui.heap import collector_paused
from ss_tui.sessionstudio.client import ProjectResult, SessionStudioClient
from ss_tui.sessionstudio.errors import (
    AuthError,
    ItemValidationProblem,
    SessionStudioError,
    TransientError,
)
from ss_tui.sync_errors import ErrorRecord, from_exception, record_errors, resolve_cleared
from ss_tui.values import JSONObject, Row

FETCH_CONCURRENCY = 8

@dataclass(slots=True)
class FetchResult:
    payloads: dict[str, JSONObject] = field(default_factory=dict)  # project id → raw
    problems: list[ErrorRecord] = field(default_factory=list)
    failed: dict[str, ErrorRecord] = field(default_factory=dict)  # project id → why
    upstream: dict[str, str] = field(default_factory=dict)  # new/changed/unchanged/removed
    complete: bool = True  # the listing reached its end
    listing_error: BaseException | None = None  # why it did not
    max_updated_at: datetime | None = None
    api: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        by: dict[str, int] = {}
        for v in self.upstream.values():
            by[v] = by.get(v, 0) + 1
        parts = ", ".join(f"{n} {k}" for k, n in sorted(by.items())) or "nothing"
        return f"Fetched {len(self.payloads)} projects ({parts}); {len(self.problems)} problems"



class Fetcher:
    def __init__(self, engine: AsyncEngine, connections: ConnectionRegistry) -> None:
        self.engine = engine
        self.connections = connections

    async def fetch(
        self,
        connection: Row,
        *,
        project_ids: list[str] | None = None,
        incremental: bool = False,
        sink: ev.EventSink = ev.discard,
        run_id: str | None = None,
        record: bool = True,
    ) -> FetchResult:
        """Fetch projects (all, changed since the cursor, or the given ids) into snapshots.
        ``record=False`` (dry runs): problems are returned but not stored as sync errors."""
        out = FetchResult()
        cid = connection["id"]
        auth_error: AuthError | None = None
        async with self.connections.make_client(connection["account_id"], sink) as client:
            since = connection.get("sync_cursor") if incremental else None
            try:
                if project_ids is not None:
                    await self.fetch_ids(client, project_ids, out)
                else:
                    async for item in client.iter_projects(updated_since=since):
                        self.take(item, out)
                        if len(out.payloads) % 100 == 0:
                            await sink(
                                ev.FetchProgress(run_id, len(out.payloads), len(out.problems))
                            )
            except AuthError as exc:
                # Nothing more can be fetched: keep the pages already read (saved below,
                # cursor not advanced), then stop so the user reconnects first.
                out.complete = False
                auth_error = exc
            except SessionStudioError as exc:
                out.complete, out.listing_error = False, exc
                out.problems.append(
                    from_exception(
                        exc, stage=ErrorStage.fetch, entity_type="listing", external_id=None
                    )
                )
            out.api = api_counts(client)
        await sink(
            ev.FetchProgress(run_id, len(out.payloads), len(out.problems), total=len(out.payloads))
        )
        async with self.engine.begin() as conn:
            items = list(out.payloads.values())
            for i in range(0, len(items), 500):
                out.upstream.update(await save_snapshots(conn, cid, items[i : i + 500]))
            if project_ids is None and not incremental and out.complete:
                for gone in await mark_removed(conn, cid, set(out.payloads)):
                    out.upstream[gone] = "removed"
            if record:  # a dry run neither stores errors nor closes the ones still true
                fps = await record_errors(
                    conn,
                    [*out.problems, *out.failed.values()],
                    run_id=as_uuid(run_id),
                    connection_id=cid,
                )
                # Fetched fine this time: earlier fetch failures of these projects are over.
                failed_again = (
                    p for p, r in out.failed.items() if r.kind == ErrorKind.invalid_data
                )
                await resolve_cleared(
                    conn,
                    project_ids=sorted({*out.payloads, *failed_again}),
                    keep=fps,
                    connection_id=cid,
                    stages=(ErrorStage.fetch,),
                )
        # The sync cursor only moves when an import run finishes (see run_import): a dry run,
        # a browse refresh or a killed run must not make the next incremental import skip
        # projects that were never imported.
        if auth_error is not None:
            raise auth_error
        return out

    def take_page(self, results: list[ProjectResult], out: FetchResult) -> None:
        """A page's projects and problems (:meth:`take` each). A page's wire payloads are
        ~15,000 small objects: the collector is paused meanwhile (ss_tui/heap.py)."""
        with collector_paused():
            for item in results:
                self.take(item, out)

    def take(self, item: ProjectResult, out: FetchResult) -> None:
        if isinstance(item, ItemValidationProblem):
            pid = item.parent_id or item.external_id
            out.problems.append(
                ErrorRecord(
                    stage=ErrorStage.fetch,
                    kind=ErrorKind.invalid_data,
                    message=item.message,
                    entity_type=item.entity,
                    external_id=item.external_id,
                    project_external_id=pid,
                    code="contract",
                    detail={"validation": list(item.errors), "skipped": True},
                    source_payload=item.payload,
                )
            )
            if item.entity == "project" and pid:
                out.failed[pid] = out.problems.pop()
            return
        out.payloads[item.id] = item.to_wire()
        if out.max_updated_at is None or item.updated_at > out.max_updated_at:
            out.max_updated_at = item.updated_at

    async def fetch_ids(
        self,
        client: SessionStudioClient,
        ids: list[str],
        out: FetchResult,
    ) -> None:
        """Fetch these projects; one that cannot be fetched is a failed item. When none of
        them could be fetched because Session Studio was unavailable (network, 5xx after
        retries, circuit open), that is raised instead: the service failed, not the items
        (docs/architecture.md, "Sync errors")."""
        sem = asyncio.Semaphore(FETCH_CONCURRENCY)
        unavailable: list[TransientError] = []
        fetched = 0

        async def one(pid: str) -> None:
            nonlocal fetched
            async with sem:
                try:
                    results = await client.get_project_lenient(pid)
                    fetched += 1
                except AuthError:
                    raise
                except SessionStudioError as exc:
                    if isinstance(exc, TransientError):
                        unavailable.append(exc)
                    out.failed[pid] = from_exception(
                        exc,
                        stage=ErrorStage.fetch,
                        entity_type="project",
                        external_id=pid,
                        project_external_id=pid,
                    )
                    return
            for item in results:
                self.take(item, out)

        await asyncio.gather(*(one(p) for p in ids))
        if ids and not fetched and len(unavailable) == len(ids):
            for pid in ids:
                out.failed.pop(pid, None)
            raise unavailable[0]

    async def refresh(
        self,
        connection_id: ConnectionRef = None,
        *,
        sink: ev.EventSink = ev.discard,
        full: bool = False,
    ) -> FetchResult:
        """Browse data for the dashboard: fetch changed (or all) projects into snapshots."""
        connection = await self.connections.get(connection_id)
        incremental = not full and connection.get("sync_cursor") is not None
        try:
            return await self.fetch(connection, incremental=incremental, sink=sink)
        except AuthError as exc:
            # Like run_import: the account shows "reconnect needed"; what was fetched is kept.
            await self.connections.mark_reconnect_needed(connection, exc, sink)
            raise

    async def upstream_changes(
        self, connection_id: ConnectionRef = None, project_ids: list[str] | None = None
    ) -> dict[str, str]:
        """Per project, what changed upstream since the last import:
        ``new`` (never imported), ``changed``, ``unchanged`` or ``removed`` (the one rule:
        ss_tui/db/upstream.py)."""
        connection = await self.connections.get(connection_id)
        async with self.engine.connect() as conn:
            states = await upstream_states(conn, connection["id"], project_ids)
        return dict(states)

    # ------------------------------------------------------------------ plan


def api_counts(client: SessionStudioClient) -> dict[str, float]:
    m = getattr(client, "metrics", None)
    if m is None:
        return {}
    snap = m.snapshot() if hasattr(m, "snapshot") else {}
    return {
        "api_requests": int(snap.get("requests", 0) or 0),
        "api_retries": int(snap.get("retries", 0) or 0),
        "api_rate_limited": int(snap.get("rate_limited", snap.get("status_429", 0)) or 0),
        **(
            {"api_mean_latency_ms": round(float(snap["latency_avg_ms"]), 1)}
            if snap.get("latency_avg_ms") is not None
            else {}
        ),
    }
