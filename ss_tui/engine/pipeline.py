"""The pipeline, assembled once: fetch → transform → plan → apply, for the dashboard's
preview and apply, the CLI's dry run and apply, retries and workers.

- :meth:`Pipeline.plan`: a plan from the snapshots (what the preview and a dry run show);
- :meth:`Pipeline.apply`: exactly that plan, new projects several to a transaction, any other
  project in its own (docs/plan-format.md);
- :meth:`Pipeline.run_import`: headless, streamed page by page (fetch n+1 while n applies).
"""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import httpx
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.config import Settings
from ss_tui.db.enums import RunStatus
from ss_tui.engine import events as ev
from ss_tui.engine.applier import ProjectApplier, Replanner
from ss_tui.engine.apply import plan_versions
from ss_tui.engine.connections import ConnectionRef, ConnectionRegistry
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.fetcher import Fetcher, FetchResult
from ss_tui.engine.plan import build_plan
from ss_tui.engine.plan_types import ImportPlan, ProjectPlan
from ss_tui.engine.planfile import approval_hash
from ss_tui.engine.quick import unchanged_projects
from ss_tui.engine.rows import as_uuid
from ss_tui.engine.run import Control, RunLedger, RunResult, operator
from ss_tui.engine.skipped import attach_unreadable_tracks
from ss_tui.engine.snapshots import load_projects, load_projects_hashed
from ss_tui.engine.state import PlanState
from ss_tui.engine.steps import LinkDiscovery
from ss_tui.engine.stream import (
    Chunk,
    Listing,
    Stream,
    finish_listing,
    save_chunk,
    start_stream,
)
from ss_tui.engine.summary import plan_rows
from ss_tui.engine.transform import ProjectSpec, transform_project
from ss_tui.heap import collector_paused
from ss_tui.sessionstudio.errors import AuthError, SessionStudioError
from ss_tui.sessionstudio.models import Project
from ss_tui.values import JSONObject, Row

BATCH = 100  # projects planned together before their apply transactions


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        connections: ConnectionRegistry,
        fetcher: Fetcher,
        http: httpx.AsyncClient | None = None,
        discovery: LinkDiscovery | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.connections = connections
        self.fetcher = fetcher
        self.http = http
        self.discovery = discovery  # given by the front end: see engine/steps.py

    async def plan(
        self,
        connection_id: ConnectionRef,
        project_ids: list[str],
        decisions: PlanDecisions | None = None,
    ) -> ImportPlan:
        """The preview: a plan for these projects from their snapshots (no network)."""
        connection = await self.connections.get(connection_id)
        cid = connection["id"]
        decisions = decisions or PlanDecisions()
        # Payloads, then the plan, which the caller keeps until it is applied: promoted
        # unscanned (ss_tui/heap.py).
        with collector_paused(promote=True):
            async with self.engine.connect() as conn:
                # The fast path needs only the stored hashes: decode the payloads of the rest.
                quick = await unchanged_projects(conn, cid, project_ids, decisions)
                payloads, hashes = await load_projects_hashed(
                    conn, cid, [p for p in project_ids if p not in quick]
                )
            order = sorted({*quick, *payloads})
            plan = await self._plan_ordered(
                cid, payloads, order, decisions, quick=quick, hashes=hashes
            )
        plan.connection_id = str(connection["id"])
        plan.decisions = decisions
        return plan

    async def _plan_ordered(
        self,
        cid: uuid.UUID,
        payloads: dict[str, JSONObject],
        order: list[str],
        decisions: PlanDecisions,
        quick: dict[str, ProjectPlan] | None = None,
        hashes: dict[str, str] | None = None,
    ) -> ImportPlan:
        """Plan ``order``: unchanged-upstream projects by the fast path (``quick``, when the
        caller already took it), the rest in full (``hashes``: the payloads' stored hashes,
        when they were read from the snapshots)."""
        async with self.engine.connect() as conn:
            if quick is None:
                present = [p for p in order if p in payloads]
                quick = await unchanged_projects(conn, cid, present, decisions, payloads)
            # Specs and plan: acyclic objects by the million (ss_tui/heap.py).
            with collector_paused():
                specs, unreadable = self._specs(
                    payloads, [p for p in order if p in payloads and p not in quick], hashes
                )
                full = await build_plan(conn, specs, decisions, connection_id=cid)
            planned = {p.project_id: p for p in full.projects} | unreadable
            plan = ImportPlan(
                projects=[quick.get(p) or planned[p] for p in order if p in quick or p in planned]
            )
            await attach_unreadable_tracks(conn, cid, plan)
        return plan

    @staticmethod
    def _specs(
        payloads: dict[str, JSONObject], order: list[str], hashes: dict[str, str] | None = None
    ) -> tuple[list[ProjectSpec], dict[str, ProjectPlan]]:
        """The projects' specs, and a blocked plan for each stored payload that is not a
        valid project (snapshots are written from validated models, but a row read back
        is input: a bad one is that project's sync error, not a failed plan)."""
        specs: list[ProjectSpec] = []
        unreadable: dict[str, ProjectPlan] = {}
        for p in order:
            if p not in payloads:
                continue
            try:
                project = Project.model_validate(payloads[p])
            except ValidationError as exc:
                unreadable[p] = unreadable_snapshot(p, exc)
                continue
            specs.append(transform_project(project, payloads[p], (hashes or {}).get(p)))
        return specs, unreadable

    def _replanner(self, connection_id: uuid.UUID, decisions: PlanDecisions) -> Replanner:
        """Plan one project again from its snapshot (after a stale or a lost race)."""

        async def replan(project_id: str) -> ProjectPlan | None:
            async with self.engine.connect() as conn:
                payloads = await load_projects(conn, connection_id, [project_id])
                if project_id not in payloads:
                    return None
                specs, unreadable = self._specs(payloads, [project_id])
                if unreadable:
                    return unreadable[project_id]
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
        options: JSONObject | None = None,
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
        options: JSONObject | None,
        discovery: list[str] | Literal[False] | None,
    ) -> RunResult:
        cid = as_uuid(plan.connection_id)
        run = self._ledger(cid, sink, control)
        pids = [p.project_id for p in plan.projects]
        decisions = plan.decisions if isinstance(plan.decisions, PlanDecisions) else None
        rows = plan_rows(plan)
        if plan.plan_hash is None:  # not from a file: a fingerprint of what was approved
            plan.plan_hash = approval_hash(plan, rows)
        await run.start(
            {
                "project_ids": sorted(pids),
                "interactive": True,
                "decisions": decisions.to_dict() if decisions else None,
                "plan_hash": plan.plan_hash,
                "plan_rows": rows,
                **(options or {}),
            },
            dry_run=False,
            resume=False,
        )
        await run.register_items(pids)
        await run.emit(ev.RunStarted(str(run.run_id), len(pids), run.started_by, False))
        applier = ProjectApplier(
            run,
            known=plan_versions(plan.projects),
            decisions=decisions,
            live_errors=run.live_errors,
        )
        await run.guarded(applier.apply_all(plan.projects))
        extra = (
            await run.guarded(self._discover(run, cid, discovery)) if cid is not None else None
        )
        return await run.finish(extra_counts=extra)

    def _ledger(
        self, cid: uuid.UUID | None, sink: ev.EventSink, control: Control | None
    ) -> RunLedger:
        """A new run's ledger, started by whoever runs ss-tui here."""
        return RunLedger(
            self.engine, connection_id=cid, sink=sink, control=control,
            started_by=operator(self.settings),
        )

    async def run_import(
        self,
        connection_id: ConnectionRef = None,
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
        connection = await self.connections.get(connection_id)
        cid = connection["id"]
        decisions = decisions or PlanDecisions()
        run = self._ledger(cid, sink, control)
        options = {
            "project_ids": sorted(project_ids) if project_ids is not None else None,
            "all": project_ids is None,
            "incremental": incremental,
            "decisions": decisions.to_dict(),
        }
        if discover_links:
            options["discoverCrossLinks"] = discovery_providers or True
        if not dry_run:
            # The first listing request goes out first: the run's row and audit entry are
            # written while that page is in flight, not before it is asked for.
            stream = start_stream(self.fetcher, connection, project_ids, incremental, sink)
            try:
                await run.start(options, dry_run=False, resume=resume)
            except BaseException:
                await stream.stop()
                raise
            stream.run_id.set_result(str(run.run_id))
            discovery: list[str] | Literal[False] | None = (
                (discovery_providers or None) if discover_links else False
            )
            return await run.guarded(
                self._stream_import(
                    run, connection, stream, project_ids, incremental, decisions, discovery
                )
            )
        await run.start(options, dry_run=dry_run, resume=resume)
        try:
            fetched = await run.guarded(
                self.fetcher.fetch(
                    connection,
                    project_ids=project_ids,
                    incremental=incremental,
                    sink=sink,
                    run_id=str(run.run_id),
                    record=False,
                )
            )
        except AuthError as exc:
            await self._reconnect_needed(run, connection, exc)
            raise
        order = sorted(set(fetched.payloads) | set(fetched.failed))
        await run.emit(ev.RunStarted(str(run.run_id), len(order), run.started_by, dry_run))
        plan = await run.guarded(self._plan_ordered(cid, fetched.payloads, order, decisions))
        plan.connection_id, plan.decisions = str(cid), decisions
        run.items["planned"] = len(plan.projects)
        run.errors += fetched.listing_error is not None  # an incomplete preview is no success
        result = await run.finish(extra_counts={"plan": plan.totals()}, api=fetched.api)
        result.plan, result.upstream = plan, fetched.upstream
        result.listing_error = fetched.listing_error
        return result

    async def _stream_import(
        self,
        run: RunLedger,
        connection: Row,
        stream: Stream,
        project_ids: list[str] | None,
        incremental: bool,
        decisions: PlanDecisions,
        discovery: list[str] | Literal[False] | None,
    ) -> RunResult:
        """Fetch and import in a pipeline: chunk n+1 is fetched while chunk n is applied."""
        cid = connection["id"]
        keep: dict[str, set[str]] = {}  # project → error fingerprints seen this run
        listing, queue = stream.listing, stream.queue
        replan = self._replanner(cid, decisions)
        started = False
        try:
            while (fetched := await queue.get()) is not None:
                chunk = await save_chunk(self.fetcher, cid, fetched, listing, str(run.run_id))
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
                await self._import_chunk(run, cid, chunk, decisions, replan, keep)
                if run.cancelled:
                    break
        finally:
            await stream.stop()
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
            self.fetcher, cid, listing, project_ids, incremental, str(run.run_id)
        )
        extra = await self._discover(run, cid, discovery)
        result = await run.finish(api=listing.api, extra_counts=extra)
        result.upstream, result.listing_error = listing.upstream, listing.listing_exception
        if (
            project_ids is None
            and listing.complete
            and listing.max_updated_at is not None
            and result.status in (RunStatus.succeeded, RunStatus.partial)
        ):
            await self.connections.advance_cursor(cid, listing.max_updated_at)
        return result

    async def _discover(
        self, run: RunLedger, cid: uuid.UUID, discovery: list[str] | Literal[False] | None
    ) -> JSONObject | None:
        """The discoverCrossLinks step (``discovery``: False = off, None = every provider, or
        names): links on other services for the releases this run wrote. Lookup failures
        become sync errors (stage "discovery"), never a failed run."""
        if discovery is False or run.cancelled or not run.release_ids:
            return None
        if self.discovery is None:
            return {"discovery": {"not_available": len(run.release_ids)}}
        counts = await self.discovery(
            self.settings,
            self.engine,
            run.release_ids,
            discovery or None,
            http=self.http,
            sink=run.emit,  # a broken screen must not stop it
            run_id=run.run_id,
            connection_id=cid,
            cancel=run.control.cancel_event if run.control else None,
        )
        return {"discovery": counts}

    async def _import_chunk(
        self,
        run: RunLedger,
        cid: uuid.UUID,
        chunk: Chunk,
        decisions: PlanDecisions,
        replan: Replanner,
        keep: dict[str, set[str]],
    ) -> None:
        order = sorted(set(chunk.payloads) | set(chunk.failed))
        done = await run.register_items(order)
        run.errors += len(chunk.problems)
        for record in chunk.problems:  # a malformed track must not be "cleared" by its project
            if record.project_external_id:
                keep.setdefault(record.project_external_id, set()).add(record.fingerprint(cid))
        for pid, record in chunk.failed.items():
            if pid not in done:
                await run.fail_project(pid, record, recorded=True)
        todo = [p for p in order if p not in done and p not in chunk.failed]
        for i in range(0, len(todo), BATCH):
            if run.cancelled:
                break
            plan = await self._plan_ordered(
                cid, chunk.payloads, todo[i : i + BATCH], decisions, hashes=chunk.hashes
            )
            applier = ProjectApplier(
                run,
                known=plan_versions(plan.projects),
                decisions=decisions,
                payloads=chunk.payloads,  # at hand for error rows while this chunk is applied
                keep=keep,
                live_errors=run.live_errors,
                replan=replan,
            )
            # As apply() keeps the whole plan out of the collector's passes (frozen_heap), a
            # chunk's apply runs without cyclic collections: bounded by the chunk, it made a
            # streamed import a sixth slower than the same work applied at once
            # (bench/README.md, "first7 round").
            with collector_paused():
                await applier.apply_all(plan.projects)

    async def _reconnect_needed(
        self, run: RunLedger, connection: Row, exc: SessionStudioError
    ) -> None:
        await self.connections.mark_reconnect_needed(
            connection, exc, run.emit, run_id=run.run_id
        )
        run.errors += 1
        await run.finish()


async def _total(
    listing: Listing, queue: asyncio.Queue[FetchResult | None], project_ids: list[str] | None
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


def unreadable_snapshot(project_id: str, exc: ValidationError) -> ProjectPlan:
    """The plan of a project whose stored snapshot is not a valid project: blocked, with
    the reason as a fatal data issue (apply records it as the project's sync error)."""
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "(project)"
    message = (
        f"The stored snapshot of project {project_id} is not a valid project ({where}: "
        f"{first['msg']}); fetch it again"
    )
    pp = ProjectPlan(project_id=project_id, title=None, creator_profile_id=None)
    pp.issues = [
        {"entity": "release", "external_id": project_id, "message": message, "fatal": True,
         "field": None}
    ]
    pp.blocked = message
    return pp


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the objects alive now (a plan of 100,000 entities) out of the garbage collector's
    full passes while applying: rescanning them cost a fifth of apply's time."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
