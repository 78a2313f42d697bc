"""What each job type does: the same engine as the dashboard, run non-interactively.

Creates and updates of Session-Studio-owned rows apply; conflicts and bad data become
sync errors for support to review (the engine's headless mode). A job only fails for
what a retry can fix (Session Studio down, rate limited) or what needs a person
(reconnect), and says which.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.engine.run import RunResult
from ss_tui.engine.service import ImportService, NotConnected
from ss_tui.jobs import queue
from ss_tui.jobs.worker import Handler, Interrupted, JobContext, JobError
from ss_tui.sessionstudio.errors import AuthError, RateLimitedError, SessionStudioError


class _StopControl:
    """Adapts the worker's stop event to the engine's run control: the engine checks it
    between projects, so SIGTERM finishes the current project and no more."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.cancel_event = stop
        self.running = asyncio.Event()
        self.running.set()


def _outcome(result: RunResult, ctx: JobContext) -> dict[str, Any]:
    if result.status == "cancelled" and ctx.stop.is_set():
        raise Interrupted(f"run {result.run_id} stopped at a project boundary")
    if result.status == "failed":
        raise JobError(f"run {result.run_id} failed: {result}")
    # "partial": the good items are in; the bad ones are sync errors for support.
    return {**result.to_dict(), "job_outcome": result.status}


async def _guard(ctx: JobContext, call: Any) -> dict[str, Any]:
    try:
        return _outcome(await call, ctx)
    except AuthError as exc:
        raise JobError(f"reconnect needed: {exc}", retryable=False) from exc
    except NotConnected as exc:
        raise JobError(f"not connected: {exc}", retryable=False) from exc
    except RateLimitedError as exc:
        raise JobError(f"rate limited: {exc}", rate_limited=True) from exc
    except SessionStudioError as exc:
        raise JobError(str(exc), retryable=exc.kind in ("transient", "rate_limited")) from exc


def build_handlers(
    settings: Any,
    engine: AsyncEngine,
    *,
    token_store: Any = None,
    http: httpx.AsyncClient | None = None,
) -> dict[str, Handler]:
    service = ImportService(settings, engine, token_store=token_store, http=http)

    async def import_project(ctx: JobContext) -> dict[str, Any]:
        # One project is the unit a stop waits for: no control, so SIGTERM lets it finish.
        p = ctx.job.payload
        return await _guard(
            ctx, service.run_import(p.get("account_id"), [str(p["project_id"])], resume=True)
        )

    async def import_account(ctx: JobContext) -> dict[str, Any]:
        return await _guard(
            ctx,
            service.run_import(
                ctx.job.payload.get("account_id"), None, incremental=True,
                control=_StopControl(ctx.stop), resume=True,
            ),
        )

    async def retry_errors(ctx: JobContext) -> dict[str, Any]:
        return await _guard(
            ctx,
            service.retry_errors(list(ctx.job.payload["error_ids"]),
                                 control=_StopControl(ctx.stop)),
        )

    return {
        queue.IMPORT_PROJECT: import_project,
        queue.IMPORT_ACCOUNT: import_account,
        queue.RETRY_ERRORS: retry_errors,
    }
