"""What each job type does: the same engine as the dashboard, run non-interactively.

Creates and updates of Session-Studio-owned rows apply; conflicts and bad data become
sync errors for support to review (the engine's headless mode). A job only fails for
what a retry can fix (Session Studio down, rate limited) or what needs a person
(reconnect), and says which.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.config import Settings
from ss_tui.db.creators import is_jovie_database
from ss_tui.db.enums import ErrorKind, RunStatus
from ss_tui.db.schema import SyncError
from ss_tui.discovery import LookupProviders, discover_links, discovery_step, open_providers
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.run import RunControl, RunResult
from ss_tui.engine.service import ImportService, NotConnected
from ss_tui.jobs import queue
from ss_tui.jobs.worker import Handler, Interrupted, JobContext, JobError
from ss_tui.sessionstudio.errors import AuthError, RateLimitedError, SessionStudioError
from ss_tui.sessionstudio.tokens import TokenStore
from ss_tui.values import JSONObject

# Failures a later attempt may get past (an auth or data problem will not).
RETRYABLE_KINDS = {ErrorKind.transient, ErrorKind.rate_limited, ErrorKind.internal}


async def _run_errors(engine: AsyncEngine, run_id: str | None) -> list[tuple[str, str]]:
    """(kind, message) of the sync errors a run recorded, to explain a failed job."""
    if run_id is None:
        return []
    errors = SyncError.__table__
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(errors.c.kind, errors.c.message)
            .where(errors.c.run_id == uuid.UUID(str(run_id)))
            .limit(20)
        )
        return [(k, m) for k, m in rows]


async def _outcome(engine: AsyncEngine, result: RunResult, ctx: JobContext) -> JSONObject:
    if result.status == RunStatus.cancelled and ctx.stop.is_set():
        raise Interrupted(f"run {result.run_id} stopped at a project boundary")
    if result.status == RunStatus.failed:
        errors = await _run_errors(engine, result.run_id)
        kinds = {k for k, _ in errors}
        why = "; ".join(dict.fromkeys(m for _, m in errors[:3])) or str(result)
        raise JobError(
            f"run {result.run_id} failed: {why}",
            retryable=not kinds or bool(kinds & RETRYABLE_KINDS),
            rate_limited=kinds == {ErrorKind.rate_limited},
        )
    # "partial": the good items are in; the bad ones are sync errors for support.
    return {**result.to_dict(), "job_outcome": result.status}


async def _guard(
    engine: AsyncEngine, ctx: JobContext, call: Awaitable[RunResult]
) -> JSONObject:
    try:
        return await _outcome(engine, await call, ctx)
    except AuthError as exc:
        raise JobError(f"reconnect needed: {exc}", retryable=False) from exc
    except NotConnected as exc:
        raise JobError(f"not connected: {exc}", retryable=False) from exc
    except RateLimitedError as exc:
        raise JobError(f"rate limited: {exc}", rate_limited=True) from exc
    except SessionStudioError as exc:
        retryable = exc.kind in (ErrorKind.transient, ErrorKind.rate_limited)
        raise JobError(str(exc), retryable=retryable) from exc


def _import_options(payload: JSONObject) -> PlanDecisions:
    """The import options a job payload carries (snake_case or the original plan's
    camelCase): ``include_unreleased`` (absent: the setting SS_TUI_INCLUDE_UNRELEASED, off
    by default) and ``include_collaborations`` (absent: off)."""

    def option(snake: str, camel: str) -> bool | None:
        value = payload.get(snake, payload.get(camel))
        return None if value is None else bool(value)

    decisions = PlanDecisions()
    unreleased = option("include_unreleased", "includeUnreleased")
    if unreleased is not None:
        decisions.include_unreleased = unreleased
    decisions.include_collaborations = bool(
        option("include_collaborations", "includeCollaborations")
    )
    return decisions


class Handlers(dict[str, Handler]):
    """The job handlers by job type, and what they share for as long as the worker runs
    (the lookup providers and their HTTP client): ``aclose()`` (or ``async with``) when
    the worker is done."""

    def __init__(self, handlers: dict[str, Handler], lookups: LookupProviders) -> None:
        super().__init__(handlers)
        self.lookups = lookups

    async def aclose(self) -> None:
        await self.lookups.aclose()

    async def __aenter__(self) -> Handlers:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def build_handlers(
    settings: Settings,
    engine: AsyncEngine,
    *,
    token_store: TokenStore | None = None,
    http: httpx.AsyncClient | None = None,
) -> Handlers:
    service = ImportService(
        settings, engine, token_store=token_store, http=http, discovery=discovery_step
    )
    # One set of lookup providers for every discover job of this worker, whatever its
    # concurrency: their pacers keep the services' per-client limits (MusicBrainz 1/s)
    # only if concurrent jobs share them. Their own client: real services, not the API's.
    lookups = open_providers(settings)

    async def decisions_for(payload: JSONObject) -> PlanDecisions:
        # Creator profiles are Jovie's public pages: in a Jovie database a job creates one
        # only when its payload says createCreators (docs/jovie-model.md).
        create = payload.get("createCreators")
        if create is None:
            create = not await is_jovie_database(engine)
        decisions = _import_options(payload)
        decisions.auto_create_creators = bool(create)
        return decisions

    async def import_project(ctx: JobContext) -> JSONObject:
        # One project is the unit a stop waits for: no control, so SIGTERM lets it finish.
        p = ctx.job.payload
        return await _guard(
            engine, ctx,
            service.run_import(p.get("account_id"), [str(p["project_id"])], resume=True,
                               decisions=await decisions_for(p)),
        )

    async def import_account(ctx: JobContext) -> JSONObject:
        # The worker's stop event cancels the run: SIGTERM finishes the current project and
        # no more (the engine checks the control between projects).
        return await _guard(
            engine, ctx,
            service.run_import(
                ctx.job.payload.get("account_id"), None, incremental=True,
                control=RunControl(cancel_event=ctx.stop), resume=True,
                decisions=await decisions_for(ctx.job.payload),
            ),
        )

    async def retry_errors(ctx: JobContext) -> JSONObject:
        return await _guard(
            engine, ctx,
            service.retry_errors(list(ctx.job.payload["error_ids"]),
                                 control=RunControl(cancel_event=ctx.stop)),
        )

    async def discover(ctx: JobContext) -> JSONObject:
        # Lookup failures never raise: they are sync errors (stage "discovery") that
        # support retries; the job itself succeeds with the per-release report.
        p = ctx.job.payload
        report = await discover_links(
            engine, list(p["release_ids"]), lookups.select(p.get("providers")), cancel=ctx.stop,
            run_id=p.get("run_id"), connection_id=p.get("connection_id"),
        )
        return {"counts": report.counts(), "requests": report.requests,
                "missing": [str(m) for m in report.missing]}

    return Handlers({
        queue.DISCOVER_LINKS: discover,
        queue.IMPORT_PROJECT: import_project,
        queue.IMPORT_ACCOUNT: import_account,
        queue.RETRY_ERRORS: retry_errors,
    }, lookups)
