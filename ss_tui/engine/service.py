"""ImportService: the one facade the dashboard, the CLI and workers use.

fetch (client → source_snapshots) → transform → plan → apply, with runs, items, sync errors,
events, resume, cancel/pause, incremental sync and retry of selected errors.
"""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.audit import record_audit
from ss_tui.db import schema
from ss_tui.db.types import utcnow
from ss_tui.engine import events as ev
from ss_tui.engine.apply import plan_versions
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.errors import (
    ErrorRecord,
    close_errors,
    from_exception,
    record_errors,
    resolve_cleared,
)
from ss_tui.engine.plan import build_plan
from ss_tui.engine.plan_types import ImportPlan, ProjectPlan
from ss_tui.engine.planfile import plan_to_json
from ss_tui.engine.quick import unchanged_projects
from ss_tui.engine.retry import plan_retry
from ss_tui.engine.rows import T_CREATOR, as_uuid
from ss_tui.engine.run import Control, Run, RunResult, operator
from ss_tui.engine.skipped import attach_unreadable_tracks
from ss_tui.engine.snapshots import load_projects, mark_removed, save_snapshots
from ss_tui.engine.state import PlanState
from ss_tui.engine.stream import DEPTH as STREAM_DEPTH
from ss_tui.engine.stream import Chunk, Listing, finish_listing, produce, save_chunk
from ss_tui.engine.summary import plan_rows
from ss_tui.engine.transform import ProjectSpec, transform_project
from ss_tui.sessionstudio.errors import AuthError, ItemValidationProblem, SessionStudioError
from ss_tui.sessionstudio.models import Project

T_CONN = schema.SSConnection.__table__
BATCH = 100  # projects planned together before their apply transactions
FETCH_CONCURRENCY = 8

ClientFactory = Callable[[str, Callable[[Any], Any] | None], Any]


class NotConnected(LookupError):
    """No (or no such) Session Studio account is connected."""


@dataclass(slots=True)
class ConnectionInfo:
    id: str
    account_id: str
    account_name: str | None
    base_url: str
    status: str = "connected"


@dataclass(slots=True)
class FetchResult:
    payloads: dict[str, dict[str, Any]] = field(default_factory=dict)  # project id → raw
    problems: list[ErrorRecord] = field(default_factory=list)
    failed: dict[str, ErrorRecord] = field(default_factory=dict)  # project id → why
    upstream: dict[str, str] = field(default_factory=dict)  # new/changed/unchanged/removed
    complete: bool = True  # the listing reached its end
    max_updated_at: Any = None
    api: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        by = {}
        for v in self.upstream.values():
            by[v] = by.get(v, 0) + 1
        parts = ", ".join(f"{n} {k}" for k, n in sorted(by.items())) or "nothing"
        return f"Fetched {len(self.payloads)} projects ({parts}); {len(self.problems)} problems"


class ImportService:
    def __init__(
        self,
        settings: Any,
        db_engine: AsyncEngine,
        *,
        token_store: Any = None,
        api_base_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        client_factory: ClientFactory | None = None,
    ) -> None:
        self.settings = settings
        self.engine = db_engine
        self.token_store = token_store
        self.api_base_url = api_base_url or getattr(settings, "api_base_url", None)
        self.http = http
        self._client_factory = client_factory

    # ------------------------------------------------------------------ client & connections

    def make_client(self, account_key: str, on_event: Callable[[Any], Any] | None = None) -> Any:
        if self._client_factory is not None:
            return self._client_factory(account_key, on_event)
        from ss_tui.sessionstudio.auth import OAuthClient, TokenManager
        from ss_tui.sessionstudio.client import SessionStudioClient
        from ss_tui.sessionstudio.tokens import token_store_from_settings

        store = self.token_store or token_store_from_settings(self.settings, self.engine)
        secret = getattr(self.settings, "client_secret", None)
        oauth = OAuthClient(
            self.api_base_url,
            self.settings.client_id,
            secret.get_secret_value() if secret else None,
            http=self.http,
        )
        return SessionStudioClient(
            self.api_base_url,
            TokenManager(oauth, store, account_key),
            http=self.http,
            on_event=on_event,
            # A client lives for one fetch, which asks for each page once: caching every
            # page body for ETag revalidation only kept the whole catalogue in memory.
            etag_cache_size=8,
        )

    async def register_connection(self, tokens: Any) -> ConnectionInfo:
        """After connecting: ask /me who this is, store the token, record the connection."""
        from ss_tui.sessionstudio.tokens import MemoryTokenStore

        probe_store = MemoryTokenStore()
        await probe_store.set("probe", tokens)
        from ss_tui.sessionstudio.auth import TokenManager
        from ss_tui.sessionstudio.client import SessionStudioClient

        async with SessionStudioClient(
            self.api_base_url, TokenManager(None, probe_store, "probe"), http=self.http
        ) as client:
            account = await client.me()
        store = self.token_store
        if store is None:
            from ss_tui.sessionstudio.tokens import token_store_from_settings

            store = token_store_from_settings(self.settings, self.engine)
        await store.set(account.id, tokens)
        info = await self.ensure_connection(
            account.id, account.name, " ".join(account.scopes) or tokens.scope
        )
        await record_audit(
            self.engine, actor=operator(self.settings), action="connect",
            entity_type="account", entity_id=account.id,
            detail={"account_name": account.name, "base_url": str(self.api_base_url)},
        )
        return info

    async def ensure_connection(
        self, account_id: str, account_name: str | None = None, scopes: str | None = None
    ) -> ConnectionInfo:
        now = utcnow()
        async with self.engine.begin() as conn:
            row = (
                (await conn.execute(sa.select(T_CONN).where(T_CONN.c.account_id == account_id)))
                .mappings()
                .first()
            )
            if row is None:
                cid = uuid.uuid4()
                await conn.execute(
                    sa.insert(T_CONN).values(
                        id=cid,
                        account_id=account_id,
                        account_name=account_name,
                        base_url=self.api_base_url,
                        scopes=scopes,
                        status="connected",
                        metadata={},
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                cid = row["id"]
                await conn.execute(
                    sa.update(T_CONN)
                    .where(T_CONN.c.id == cid)
                    .values(
                        account_name=account_name or row["account_name"],
                        status="connected",
                        base_url=self.api_base_url,
                        scopes=scopes or row["scopes"],
                        updated_at=now,
                    )
                )
        return ConnectionInfo(str(cid), account_id, account_name, str(self.api_base_url))

    async def connections(self) -> list[ConnectionInfo]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(sa.select(T_CONN).order_by(T_CONN.c.created_at))).mappings()
            return [
                ConnectionInfo(
                    str(r["id"]), r["account_id"], r["account_name"], r["base_url"], r["status"]
                )
                for r in rows
            ]

    async def disconnect(self, connection_id: Any) -> None:
        row = await self._connection(connection_id)
        store = self.token_store
        if store is not None:
            await store.delete(row["account_id"])
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(T_CONN)
                .where(T_CONN.c.id == row["id"])
                .values(status="disconnected", updated_at=utcnow())
            )
            await record_audit(
                conn, actor=operator(self.settings), action="disconnect",
                entity_type="account", entity_id=row["account_id"],
            )

    async def _connection(self, connection_id: Any) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            if connection_id is None:
                rows = (
                    (await conn.execute(sa.select(T_CONN).where(T_CONN.c.status != "disconnected")))
                    .mappings()
                    .all()
                )
                if len(rows) != 1:
                    raise NotConnected(
                        "No Session Studio account is connected."
                        if not rows
                        else "Several accounts are connected; choose one with --account."
                    )
                return dict(rows[0])
            cond = T_CONN.c.account_id == str(connection_id)
            try:
                cond = sa.or_(cond, T_CONN.c.id == as_uuid(connection_id))
            except ValueError:
                pass
            row = (await conn.execute(sa.select(T_CONN).where(cond))).mappings().first()
        if row is None:
            raise NotConnected(f"No Session Studio connection {connection_id!r}.")
        return dict(row)

    async def creator_profiles(self) -> list[tuple[str, str]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(T_CREATOR.c.id, T_CREATOR.c.display_name, T_CREATOR.c.handle).order_by(
                    T_CREATOR.c.display_name
                )
            )
            return [(str(i), n or h or str(i)) for i, n, h in rows.all()]

    async def resolve_creator(self, ref: str) -> str:
        """A creator profile by id or handle (CLI ``--creator``)."""
        async with self.engine.connect() as conn:
            cond = T_CREATOR.c.handle == ref
            try:
                cond = sa.or_(cond, T_CREATOR.c.id == uuid.UUID(ref))
            except ValueError:
                pass
            row = (await conn.execute(sa.select(T_CREATOR.c.id).where(cond))).first()
        if row is None:
            raise LookupError(f"No creator profile with id or handle {ref!r}.")
        return str(row[0])

    # ------------------------------------------------------------------ fetch

    async def fetch(
        self,
        connection: dict[str, Any],
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
        async with self.make_client(connection["account_id"], sink) as client:
            if project_ids is not None:
                await self._fetch_ids(client, project_ids, out)
            else:
                since = connection.get("sync_cursor") if incremental else None
                try:
                    async for item in client.iter_projects(updated_since=since):
                        self._take(item, out)
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
                    out.complete = False
                    out.problems.append(
                        from_exception(exc, stage="fetch", entity_type="listing", external_id=None)
                    )
            out.api = _api_counts(client)
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
                failed_again = (p for p, r in out.failed.items() if r.kind == "invalid_data")
                await resolve_cleared(
                    conn,
                    project_ids=sorted({*out.payloads, *failed_again}),
                    keep=fps,
                    connection_id=cid,
                    stages=("fetch",),
                )
        # The sync cursor only moves when an import run finishes (see run_import): a dry run,
        # a browse refresh or a killed run must not make the next incremental import skip
        # projects that were never imported.
        if auth_error is not None:
            raise auth_error
        return out

    def _take(self, item: Any, out: FetchResult) -> None:
        if isinstance(item, ItemValidationProblem):
            pid = item.parent_id or item.external_id
            out.problems.append(
                ErrorRecord(
                    stage="fetch",
                    kind="invalid_data",
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

    async def _fetch_ids(
        self,
        client: Any,
        ids: list[str],
        out: FetchResult,
    ) -> None:
        sem = asyncio.Semaphore(FETCH_CONCURRENCY)

        async def one(pid: str) -> None:
            async with sem:
                try:
                    results = await client.get_project_lenient(pid)
                except AuthError:
                    raise
                except SessionStudioError as exc:
                    out.failed[pid] = from_exception(
                        exc,
                        stage="fetch",
                        entity_type="project",
                        external_id=pid,
                        project_external_id=pid,
                    )
                    return
            for item in results:
                self._take(item, out)

        await asyncio.gather(*(one(p) for p in ids))

    async def refresh_snapshots(
        self,
        connection_id: Any = None,
        *,
        sink: ev.EventSink = ev.discard,
        full: bool = False,
    ) -> FetchResult:
        """Browse data for the dashboard: fetch changed (or all) projects into snapshots."""
        connection = await self._connection(connection_id)
        incremental = not full and connection.get("sync_cursor") is not None
        try:
            return await self.fetch(connection, incremental=incremental, sink=sink)
        except AuthError as exc:
            # Like run_import: the account shows "reconnect needed"; what was fetched is kept.
            await self._mark_reconnect_needed(connection, exc, sink)
            raise

    async def _mark_reconnect_needed(
        self, connection: dict[str, Any], exc: AuthError, sink: ev.EventSink
    ) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(T_CONN)
                .where(T_CONN.c.id == connection["id"])
                .values(status="reconnect_needed", updated_at=utcnow())
            )
        await sink(ev.ReconnectNeeded(connection["account_id"], exc.message))

    async def upstream_changes(
        self, connection_id: Any = None, project_ids: list[str] | None = None
    ) -> dict[str, str]:
        """Per project, what changed upstream since the last import:
        ``new`` (never imported), ``changed``, ``unchanged`` or ``removed``."""
        connection = await self._connection(connection_id)
        snap = schema.SourceSnapshot.__table__
        rel = schema.DiscogRelease.__table__
        stmt = sa.select(
            snap.c.external_id, snap.c.upstream_updated_at, snap.c.removed_upstream
        ).where(snap.c.connection_id == connection["id"], snap.c.entity_type == "project")
        if project_ids is not None:
            stmt = stmt.where(snap.c.external_id.in_(project_ids))
        out: dict[str, str] = {}
        async with self.engine.connect() as conn:
            snaps = (await conn.execute(stmt)).all()
            ids = [s[0] for s in snaps]
            imported: dict[str, str | None] = {}
            ssid = rel.c.metadata["sessionStudioId"].as_string()
            for i in range(0, len(ids), 500):
                rows = await conn.execute(
                    sa.select(ssid, rel.c.metadata["sessionStudioUpdatedAt"].as_string()).where(
                        ssid.in_(ids[i : i + 500])
                    )
                )
                imported.update({a: b for a, b in rows.all()})
        for pid, updated, removed in snaps:
            if removed:
                out[pid] = "removed"
            elif pid not in imported:
                out[pid] = "new"
            elif updated is not None and imported[pid] != updated.isoformat():
                out[pid] = "changed"
            else:
                out[pid] = "unchanged"
        return out

    # ------------------------------------------------------------------ plan

    async def plan(
        self,
        connection_id: Any,
        project_ids: list[str],
        decisions: PlanDecisions | None = None,
    ) -> ImportPlan:
        """The preview: a plan for these projects from their snapshots (no network)."""
        connection = await self._connection(connection_id)
        decisions = decisions or PlanDecisions()
        async with self.engine.connect() as conn:
            payloads = await load_projects(conn, connection["id"], project_ids)
        plan = await self._plan_ordered(connection["id"], payloads, sorted(payloads), decisions)
        plan.connection_id = str(connection["id"])
        plan.decisions = decisions
        return plan

    async def _plan_ordered(
        self,
        cid: uuid.UUID,
        payloads: dict[str, dict[str, Any]],
        order: list[str],
        decisions: PlanDecisions,
    ) -> ImportPlan:
        """Plan ``order``: unchanged-upstream projects by the fast path, the rest in full."""
        async with self.engine.connect() as conn:
            present = {p: payloads[p] for p in order if p in payloads}
            quick = await unchanged_projects(conn, cid, present, decisions)
            specs = self._specs(payloads, [p for p in order if p in present and p not in quick])
            full = await build_plan(conn, specs, decisions, connection_id=cid)
            planned = {p.project_id: p for p in full.projects}
            plan = ImportPlan(
                projects=[quick.get(p) or planned[p] for p in order if p in quick or p in planned]
            )
            await attach_unreadable_tracks(conn, cid, plan)
        return plan

    @staticmethod
    def _specs(payloads: dict[str, dict[str, Any]], order: list[str]) -> list[ProjectSpec]:
        return [
            transform_project(Project.model_validate(payloads[p]), payloads[p])
            for p in order
            if p in payloads
        ]

    def _replanner(self, connection_id: uuid.UUID, decisions: PlanDecisions) -> Any:
        """Plan one project again from its snapshot (after a stale or a lost race)."""

        async def replan(project_id: str) -> ProjectPlan | None:
            async with self.engine.connect() as conn:
                payloads = await load_projects(conn, connection_id, [project_id])
                if project_id not in payloads:
                    return None
                specs = self._specs(payloads, [project_id])
                plan = await build_plan(conn, specs, decisions, state=PlanState(connection_id))
            return plan.projects[0]

        return replan

    # ------------------------------------------------------------------ apply

    async def apply(
        self,
        plan: ImportPlan,
        *,
        sink: ev.EventSink = ev.discard,
        control: Control | None = None,
        options: dict[str, Any] | None = None,
        discover_links: bool = False,
        discovery_providers: list[str] | None = None,
    ) -> RunResult:
        """Write exactly this (previewed) plan. Projects whose rows changed since the preview
        become ``stale`` and are not written. ``discover_links``: as in :meth:`run_import`."""
        if discover_links:
            options = {**(options or {}), "discoverCrossLinks": discovery_providers or True}
        with frozen_heap():
            return await self._apply(
                plan,
                sink=sink,
                control=control,
                options=options,
                discovery=(discovery_providers or None) if discover_links else False,
            )

    async def _apply(
        self,
        plan: ImportPlan,
        *,
        sink: ev.EventSink,
        control: Control | None,
        options: dict[str, Any] | None,
        discovery: list[str] | bool | None,
    ) -> RunResult:
        cid = as_uuid(plan.connection_id)
        run = Run(
            self.engine,
            connection_id=cid,
            sink=sink,
            control=control,
            started_by=operator(self.settings),
        )
        pids = [p.project_id for p in plan.projects]
        decisions = plan.decisions if isinstance(plan.decisions, PlanDecisions) else None
        if plan.plan_hash is None:  # what was approved, to compare with the saved file
            plan.plan_hash = plan_to_json(plan)["plan_hash"]
        await run.start(
            {
                "project_ids": sorted(pids),
                "interactive": True,
                "decisions": decisions.to_dict() if decisions else None,
                "plan_hash": plan.plan_hash,
                "plan_rows": plan_rows(plan),
                **(options or {}),
            },
            dry_run=False,
            resume=False,
        )
        await run.register_items(pids)
        run.decisions = decisions
        await run.emit(ev.RunStarted(str(run.run_id), len(pids), run.started_by, False))
        run.known = plan_versions(plan.projects)
        run.discovery = discovery
        for pp in plan.projects:
            if not await run.checkpoint():
                break
            await run.apply_one(pp)
        extra = await self._discover(run, cid) if cid is not None else None
        return await run.finish(extra_counts=extra)

    async def run_import(
        self,
        connection_id: Any = None,
        project_ids: list[str] | None = None,
        *,
        incremental: bool = False,
        decisions: PlanDecisions | None = None,
        dry_run: bool = False,
        sink: ev.EventSink = ev.discard,
        control: Control | None = None,
        resume: bool = True,
        discover_links: bool = False,
        discovery_providers: list[str] | None = None,
    ) -> RunResult:
        """Headless import (CLI, workers): fetch → transform → plan → apply, streamed chunk
        by chunk (the next page is fetched while the current one is applied).

        Non-interactive: creates/updates apply; conflicts and bad data become sync errors.
        A run with the same selection that was killed is resumed (finished projects skipped).
        ``discover_links`` (the discoverCrossLinks run option, off by default): after the
        projects are applied, look the written releases up on other services
        (``discovery_providers``: a subset, default all).
        """
        connection = await self._connection(connection_id)
        cid = connection["id"]
        decisions = decisions or PlanDecisions()
        run = Run(
            self.engine,
            connection_id=cid,
            sink=sink,
            control=control,
            started_by=operator(self.settings),
        )
        options = {
            "project_ids": sorted(project_ids) if project_ids is not None else None,
            "all": project_ids is None,
            "incremental": incremental,
            "decisions": decisions.to_dict(),
        }
        if discover_links:
            options["discoverCrossLinks"] = discovery_providers or True
        await run.start(options, dry_run=dry_run, resume=resume)
        if not dry_run:
            run.discovery = (discovery_providers or None) if discover_links else False
            return await self._stream_import(run, connection, project_ids, incremental, decisions)
        try:
            fetched = await self.fetch(
                connection,
                project_ids=project_ids,
                incremental=incremental,
                sink=sink,
                run_id=str(run.run_id),
                record=False,
            )
        except AuthError as exc:
            await self._reconnect_needed(run, connection, exc)
            raise
        order = sorted(set(fetched.payloads) | set(fetched.failed))
        run.payloads = fetched.payloads
        await run.emit(ev.RunStarted(str(run.run_id), len(order), run.started_by, dry_run))
        plan = await self._plan_ordered(cid, fetched.payloads, order, decisions)
        plan.connection_id, plan.decisions = str(cid), decisions
        run.items["planned"] = len(plan.projects)
        result = await run.finish(extra_counts={"plan": plan.totals()}, api=_api(fetched))
        result.plan, result.upstream = plan, fetched.upstream
        return result

    async def _stream_import(
        self,
        run: Run,
        connection: dict[str, Any],
        project_ids: list[str] | None,
        incremental: bool,
        decisions: PlanDecisions,
    ) -> RunResult:
        """Fetch and import in a pipeline: chunk n+1 is fetched while chunk n is applied."""
        cid = connection["id"]
        run.decisions = decisions
        listing = Listing()
        queue: asyncio.Queue[FetchResult | None] = asyncio.Queue(maxsize=STREAM_DEPTH)
        producer = asyncio.create_task(
            produce(
                self, connection, project_ids, incremental, queue, listing,
                sink=run.sink, run_id=str(run.run_id),
            )
        )
        replan = self._replanner(cid, decisions)
        started = False
        try:
            while (fetched := await queue.get()) is not None:
                chunk = await save_chunk(self, cid, fetched, listing, str(run.run_id))
                del fetched
                if not started:
                    started = True
                    await run.emit(
                        ev.RunStarted(
                            str(run.run_id),
                            await _total(listing, queue, project_ids),
                            run.started_by,
                            False,
                        )
                    )
                await self._import_chunk(run, cid, chunk, decisions, replan)
                if run.cancelled:
                    break
        finally:
            if not producer.done():
                producer.cancel()
                with suppress(asyncio.CancelledError):
                    await producer
        if listing.error is not None:
            raise listing.error
        if not started:
            await run.emit(ev.RunStarted(str(run.run_id), 0, run.started_by, False))
        if listing.auth_error is not None:
            # Nothing more can be fetched: what was imported stays, the cursor stays put, the
            # user reconnects first.
            await self._reconnect_needed(run, connection, listing.auth_error)
            raise listing.auth_error
        if run.cancelled:  # chunks left unsaved: nothing can be called removed upstream
            listing.complete = False
        run.errors += await finish_listing(
            self, cid, listing, project_ids, incremental, str(run.run_id)
        )
        extra = await self._discover(run, cid)
        result = await run.finish(api=listing.api, extra_counts=extra)
        result.upstream = listing.upstream
        if (
            project_ids is None
            and listing.complete
            and listing.max_updated_at is not None
            and result.status in ("succeeded", "partial")
        ):
            await self._advance_cursor(cid, listing.max_updated_at)
        return result

    async def _discover(self, run: Run, cid: uuid.UUID) -> dict[str, Any] | None:
        """The discoverCrossLinks step: links on other services for the releases this run
        wrote. Lookup failures become sync errors (stage "discovery"), never a failed run."""
        if run.discovery is False or run.cancelled or not run.release_ids:
            return None
        from ss_tui.discovery import discover_links, open_providers

        async with open_providers(self.settings, run.discovery or None, http=self.http) as lookups:
            report = await discover_links(
                self.engine,
                run.release_ids,
                lookups.providers,
                sink=run.emit,  # type: ignore[arg-type]  # a broken screen must not stop it
                run_id=run.run_id,
                connection_id=cid,
                cancel=run.control.cancel_event if run.control else None,
            )
        return {"discovery": report.counts()}

    async def _import_chunk(
        self,
        run: Run,
        cid: uuid.UUID,
        chunk: Chunk,
        decisions: PlanDecisions,
        replan: Any,
    ) -> None:
        order = sorted(set(chunk.payloads) | set(chunk.failed))
        done = await run.register_items(order)
        run.errors += len(chunk.problems)
        for record in chunk.problems:  # a malformed track must not be "cleared" by its project
            if record.project_external_id:
                run.keep.setdefault(record.project_external_id, set()).add(record.fingerprint(cid))
        for pid, record in chunk.failed.items():
            if pid not in done:
                await run.fail_project(pid, record, recorded=True)
        todo = [p for p in order if p not in done and p not in chunk.failed]
        run.payloads = chunk.payloads  # at hand for error rows while this chunk is applied
        try:
            for i in range(0, len(todo), BATCH):
                if run.cancelled:
                    break
                plan = await self._plan_ordered(cid, chunk.payloads, todo[i : i + BATCH], decisions)
                run.known = plan_versions(plan.projects)
                for pp in plan.projects:
                    if not await run.checkpoint():
                        break
                    await run.apply_one(pp, replan)
        finally:
            run.payloads, run.known = {}, None

    async def _advance_cursor(self, cid: uuid.UUID, cursor: Any) -> None:
        now = utcnow()
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(T_CONN)
                .where(T_CONN.c.id == cid)
                .values(sync_cursor=cursor, last_sync_at=now, updated_at=now)
            )

    async def _reconnect_needed(self, run: Run, connection: dict[str, Any], exc: Any) -> None:
        record = from_exception(
            exc, stage="fetch", entity_type="account", external_id=connection["account_id"]
        )
        async with self.engine.begin() as conn:
            await record_errors(conn, [record], run_id=run.run_id, connection_id=connection["id"])
            await conn.execute(
                sa.update(T_CONN)
                .where(T_CONN.c.id == connection["id"])
                .values(status="reconnect_needed", updated_at=utcnow())
            )
        run.errors += 1
        await run.emit(ev.ReconnectNeeded(connection["account_id"], record.message))
        await run.finish()

    # ------------------------------------------------------------------ errors

    async def plan_retry(self, error_ids: list[Any]) -> ImportPlan | None:
        """What retrying these errors would write: only the items behind them, fetched
        again and planned (nothing written). None when none of them is open any more."""
        return await plan_retry(self, error_ids)

    async def retry_errors(
        self,
        error_ids: list[Any],
        *,
        sink: ev.EventSink = ev.discard,
        control: Control | None = None,
    ) -> RunResult:
        """Headless retry (CLI --yes, workers): apply the retry plan of these errors."""
        ids = [str(as_uuid(i)) for i in error_ids]
        async with self.engine.begin() as conn:
            await record_audit(
                conn, actor=operator(self.settings), action="retry", entity_type="sync_error",
                detail={"error_ids": ids},
            )
        plan = await self.plan_retry(ids)
        if plan is None or not plan.projects:
            return RunResult(run_id=None, status="succeeded")
        return await self.apply(plan, sink=sink, control=control, options={"retry_of": ids})

    async def close_errors(
        self,
        error_ids: list[Any],
        *,
        status: str,
        note: str | None = None,
        actor: str | None = None,
    ) -> int:
        who = actor or operator(self.settings)
        async with self.engine.begin() as conn:
            closed = await close_errors(
                conn,
                [as_uuid(i) for i in error_ids],
                status=status,
                note=note,  # type: ignore[misc]
                actor=who,
            )
            await record_audit(
                conn, actor=who, action="resolve" if status == "resolved" else "ignore",
                entity_type="sync_error",
                detail={"error_ids": [str(i) for i in error_ids], "note": note,
                        "closed": closed},
            )
            return closed


async def _total(
    listing: Listing, queue: asyncio.Queue[Any], project_ids: list[str] | None
) -> int:
    """Projects in the run, for RunStarted: exact when ids were given or the listing ends
    within the pipeline's depth; otherwise those fetched so far (FetchProgress then carries
    the count as it grows, and ``total`` once the listing is complete)."""
    if project_ids is not None:
        return len(set(project_ids))
    while not (listing.finished or queue.full()):
        listing.changed.clear()
        await listing.changed.wait()
    return listing.fetched + listing.failed


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the objects alive now (a plan of 100,000 entities) out of the garbage collector's
    full passes while applying: rescanning them cost a fifth of apply's time."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _api_counts(client: Any) -> dict[str, int]:
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


def _api(fetched: FetchResult) -> dict[str, int]:
    return fetched.api
