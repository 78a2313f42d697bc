"""CLI commands for running at scale: ``ss-tui worker``, ``webhooks serve``, ``schedule``,
``jobs list|enqueue|reset|cancel`` and ``stats``."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from ss_tui.config import load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from ss_tui.jobs.stats import Stats
    from ss_tui.values import Row

url_option = click.option(
    "--database-url", "database_url", default=None, metavar="URL",
    help="Database holding the job queue (default: SS_TUI_DATABASE_URL).",
)


def _engine(database_url: str | None) -> AsyncEngine:
    from ss_tui.db.engine import create_engine

    # Workers run several jobs at once: on SQLite a transaction that reads then writes must
    # queue for the write lock at BEGIN, not fail with "database is locked" when it upgrades.
    return create_engine(database_url or load_settings().database_url, sqlite_begin="IMMEDIATE")


def _setup_logging() -> None:
    """Services print their log lines (one JSON line per job) on stderr, never a traceback;
    the log file keeps those (see ss_tui/logs.py)."""
    from ss_tui.cli.boundary import VERBOSE_KEY
    from ss_tui.logs import configure_logging

    settings = load_settings()
    ctx = click.get_current_context(silent=True)
    verbose = bool(ctx and ctx.find_root().meta.get(VERBOSE_KEY))
    configure_logging(settings, verbose=verbose, stderr_level="DEBUG" if verbose
                      else settings.log_level)


@click.command("worker")
@click.option("--concurrency", default=1, show_default=True, help="Jobs run at once.")
@click.option("--stall-timeout", default=120.0, show_default=True,
              help="Seconds without a heartbeat after which another worker requeues a job.")
@click.option("--metrics-port", default=None, type=int,
              help="Serve Prometheus /metrics on 127.0.0.1:PORT.")
@click.option("--drain", is_flag=True, help="Exit once no job is due (for cron and tests).")
@url_option
def worker_cmd(
    concurrency: int, stall_timeout: float, metrics_port: int | None, drain: bool,
    database_url: str | None,
) -> None:
    """Run ingestion jobs until stopped. SIGTERM finishes the current project, then exits."""
    _setup_logging()

    async def main() -> int:
        from ss_tui.heap import freeze_start_up
        from ss_tui.jobs.handlers import build_handlers
        from ss_tui.jobs.worker import Worker

        engine = _engine(database_url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if metrics_port:
            from prometheus_client import start_http_server

            start_http_server(metrics_port, addr="127.0.0.1")
        handlers = build_handlers(load_settings(), engine)
        freeze_start_up()  # full collections scan only what the jobs allocate (heap.py)
        worker = Worker(
            engine, handlers, concurrency=concurrency,
            stall_timeout_s=stall_timeout, heartbeat_s=min(10.0, stall_timeout / 3),
            stop_when_idle=drain,
        )
        try:
            return await worker.run(stop)
        finally:
            await handlers.aclose()  # the lookup client the discover jobs shared
            await engine.dispose()

    processed = asyncio.run(main())
    click.echo(f"worker stopped after {processed} job(s)", err=True)


@click.group("webhooks")
def webhooks_group() -> None:
    """Receive Session Studio webhooks and turn them into jobs."""


@webhooks_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8787, show_default=True)
@url_option
def webhooks_serve(host: str, port: int, database_url: str | None) -> None:
    """Verify, deduplicate and enqueue deliveries at POST /webhooks/session-studio."""
    import uvicorn

    from ss_tui.jobs.receiver import create_receiver_app, signature_verifier

    settings = load_settings()
    if settings.webhook_secret is None:
        raise click.UsageError("SESSION_STUDIO_WEBHOOK_SECRET is not set: deliveries can't be "
                               "verified, so the receiver refuses to start.")
    _setup_logging()
    app = create_receiver_app(
        _engine(database_url), signature_verifier(settings.webhook_secret.get_secret_value())
    )
    click.echo(f"receiving webhooks at http://{host}:{port}/webhooks/session-studio", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@click.command("schedule")
@click.option("--every-minutes", default=60, show_default=True,
              help="The cron interval: at most one incremental sync per account per interval.")
@url_option
def schedule_cmd(every_minutes: int, database_url: str | None) -> None:
    """Enqueue an incremental sync for every connected account (run it from cron)."""

    async def main() -> list[tuple[str, bool]]:
        from ss_tui.jobs.schedule import enqueue_incremental_syncs

        engine = _engine(database_url)
        try:
            return await enqueue_incremental_syncs(engine, every_minutes=every_minutes)
        finally:
            await engine.dispose()

    for account, created in asyncio.run(main()):
        click.echo(f"{account}: {'enqueued' if created else 'already queued for this interval'}")


@click.group("jobs")
def jobs_group() -> None:
    """Inspect and administer the ingestion job queue."""


@jobs_group.command("list")
@click.option("--status", default=None, help="pending | processing | succeeded | failed")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@url_option
def jobs_list(status: str | None, limit: int, as_json: bool, database_url: str | None) -> None:
    """The newest jobs, with their state, attempts and last error."""

    async def main() -> list[Row]:
        from ss_tui.jobs.monitor import list_jobs

        engine = _engine(database_url)
        try:
            return await list_jobs(engine, status=status, limit=limit)
        finally:
            await engine.dispose()

    rows = asyncio.run(main())
    if as_json:
        click.echo(json.dumps(rows, default=str, indent=2))
        return
    for r in rows:
        err = f"  {r['error']}" if r["error"] else ""
        click.echo(f"{r['id']}  {r['status']:<10} {r['job_type']:<18} "
                   f"attempt {r['attempts']}/{r['max_attempts']}  {r['locked_by'] or ''}{err}")


@jobs_group.command("enqueue")
@click.argument("job_type")
@click.option("--payload", default="{}", help="JSON payload.")
@click.option("--dedup-key", default=None)
@click.option("--priority", default=0)
@url_option
def jobs_enqueue(job_type: str, payload: str, dedup_key: str | None, priority: int,
                 database_url: str | None) -> None:
    """Add a job (ss_import_project, ss_import_account, ss_retry_errors, ...)."""
    from ss_tui.jobs import queue

    try:
        body = json.loads(payload)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--payload") from exc

    async def main() -> tuple[uuid.UUID, bool]:
        engine = _engine(database_url)
        try:
            return await queue.enqueue(engine, job_type, body, dedup_key=dedup_key,
                                       priority=priority)
        finally:
            await engine.dispose()

    job_id, created = asyncio.run(main())
    click.echo(f"{job_id} {'enqueued' if created else 'already queued (same dedup key)'}")


def _admin(action: str, ids: tuple[str, ...], database_url: str | None) -> int:
    from ss_tui.engine.run import operator
    from ss_tui.jobs.admin import cancel_jobs, reset_jobs

    job_ids = [uuid.UUID(i) for i in ids]
    do = reset_jobs if action == "reset" else cancel_jobs

    async def main() -> int:
        engine = _engine(database_url)
        try:
            return await do(engine, job_ids, actor=operator(load_settings()))
        finally:
            await engine.dispose()

    return asyncio.run(main())


@jobs_group.command("reset")
@click.argument("job_ids", nargs=-1, required=True)
@url_option
def jobs_reset(job_ids: tuple[str, ...], database_url: str | None) -> None:
    """Make failed or stuck jobs pending again with fresh attempts."""
    click.echo(f"{_admin('reset', job_ids, database_url)} job(s) reset")


@jobs_group.command("cancel")
@click.argument("job_ids", nargs=-1, required=True)
@url_option
def jobs_cancel(job_ids: tuple[str, ...], database_url: str | None) -> None:
    """Cancel pending jobs."""
    click.echo(f"{_admin('cancel', job_ids, database_url)} job(s) cancelled")


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--days", default=14, show_default=True)
@url_option
def stats_cmd(as_json: bool, days: int, database_url: str | None) -> None:
    """Import success rates, durations, API figures and per-account failure alerts."""
    from ss_tui.jobs.stats import collect_stats

    async def main() -> Stats:
        engine = _engine(database_url)
        try:
            return await collect_stats(engine, days=days)
        finally:
            await engine.dispose()

    stats = asyncio.run(main())
    if as_json:
        click.echo(json.dumps(stats.to_dict(), default=str, indent=2))
        return
    rate = "n/a" if stats.run_success_rate is None else f"{stats.run_success_rate:.0%}"
    click.echo(f"as of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    click.echo(f"runs: {stats.runs_total}  success rate: {rate}")
    click.echo(f"jobs: {stats.jobs_by_status}")
    click.echo(f"API: {stats.api_requests} requests, {stats.api_retries} retries, "
               f"{stats.rate_limited} rate-limited")
    for alert in stats.alerts:
        click.secho(f"ALERT {alert.account}: {alert.consecutive_failures} failed runs in a row",
                    fg="red")


def register(root: click.Group) -> None:
    for command in (worker_cmd, webhooks_group, schedule_cmd, jobs_group, stats_cmd):
        root.add_command(command)
