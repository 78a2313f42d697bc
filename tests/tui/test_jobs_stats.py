"""The Jobs and Stats screens: what support sees of the worker queue and of import
health, and that their actions reach the queue."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool
from textual.widgets import DataTable, Static

from ss_tui.db import schema
from ss_tui.db.engine import create_engine
from ss_tui.jobs import queue
from ss_tui.tui.screenshots import settle
from tests.fixtures.db import run_async
from tests.tui.conftest import SIZE
from tests.tui.seed import T0


def _with_engine(url: str, fn: Any) -> Any:
    async def go() -> Any:
        engine = create_engine(url, poolclass=NullPool)
        try:
            return await fn(engine)
        finally:
            await engine.dispose()

    return run_async(go)


def seed_jobs(url: str) -> dict[str, uuid.UUID]:
    async def go(engine: Any) -> dict[str, uuid.UUID]:
        ids = {}
        ids["pending"], _ = await queue.enqueue(
            engine, queue.IMPORT_PROJECT, {"account_id": "acc", "project_id": "prj_[bold]x[/]"},
            run_at=T0)
        ids["failed"], _ = await queue.enqueue(engine, queue.IMPORT_ACCOUNT,
                                               {"account_id": "acc"}, max_attempts=1, run_at=T0)
        await queue.claim(engine, "host-a:42/0", job_types=[queue.IMPORT_ACCOUNT], now=T0)
        await queue.fail(engine, ids["failed"], "host-a:42/0",
                         "reconnect needed: the refresh token was revoked", now=T0)
        ids["running"], _ = await queue.enqueue(engine, queue.RETRY_ERRORS,
                                                {"error_ids": ["e1", "e2"]}, run_at=T0)
        await queue.claim(engine, "host-b:7/0", job_types=[queue.RETRY_ERRORS], now=T0)
        # fixed timestamps keep the snapshot stable
        t = schema.SSJob.__table__
        async with engine.begin() as conn:
            await conn.execute(sa.update(t).values(
                created_at=T0, last_run_started_at=T0 - timedelta(minutes=3)))
        return ids

    return _with_engine(url, go)


def seed_runs(url: str) -> None:
    async def go(engine: Any) -> None:
        conn_id = uuid.uuid4()
        async with engine.begin() as conn:
            await conn.execute(schema.SSConnection.__table__.insert().values(
                id=conn_id, account_id="acc_x", account_name="Label [red]X[/]",
                base_url="http://sim/v1", status="connected"))
            for i, status in enumerate(["succeeded", "failed", "failed", "failed"]):
                start = T0 - timedelta(days=3 - i)
                await conn.execute(schema.ImportRun.__table__.insert().values(
                    id=uuid.uuid4(), connection_id=conn_id, started_by="ops", status=status,
                    dry_run=False, started_at=start, finished_at=start + timedelta(minutes=2),
                    counts={"api_mean_latency_ms": 80.0 + 15 * i}, api_requests=120,
                    api_retries=3, api_rate_limited=i))

    _with_engine(url, go)


async def test_jobs_screen_lists_the_queue_and_retries_a_failed_job(make_app, tui_db_url):
    ids = seed_jobs(tui_db_url)
    app = make_app("jobs")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#jobs", DataTable)
        assert table.row_count == 3
        counts = str(app.screen.query_one("#jobs-counts", Static).render())
        assert "pending: 1" in counts and "processing: 1" in counts and "failed: 1" in counts
        failed_row = table.get_row(str(ids["failed"]))
        assert "reconnect needed" in str(failed_row[-1])
        running_row = table.get_row(str(ids["running"]))
        assert str(running_row[5]) == "host-b:7/0"
        assert str(table.get_row(str(ids["pending"]))[2]) == "project prj_[bold]x[/]"

        table.move_cursor(row=table.get_row_index(str(ids["failed"])))
        await pilot.press("t")
        await settle(pilot)
    job = _with_engine(tui_db_url, lambda e: queue.get(e, ids["failed"]))
    assert job.status == "pending" and job.attempts == 0


async def test_cancel_asks_first_and_only_then_cancels(make_app, tui_db_url):
    ids = seed_jobs(tui_db_url)
    app = make_app("jobs")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#jobs", DataTable)
        table.move_cursor(row=table.get_row_index(str(ids["pending"])))
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("n")  # keep it
        await settle(pilot)
        assert _with_engine(tui_db_url, lambda e: queue.get(e, ids["pending"])).status == "pending"
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    job = _with_engine(tui_db_url, lambda e: queue.get(e, ids["pending"]))
    assert job.status == "failed" and job.error.startswith("cancelled by")


async def test_stats_screen_flags_an_account_failing_in_a_row(make_app, tui_db_url):
    seed_runs(tui_db_url)
    app = make_app("stats")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        summary = str(app.screen.query_one("#stats-summary", Static).render())
        assert "4 runs" in summary and "success 25%" in summary
        alerts = str(app.screen.query_one("#stats-alerts", Static).render())
        assert "ALERT Label [red]X[/]: 3 failed runs in a row" in alerts
        assert app.screen.query_one("#stats-days", DataTable).row_count == 4
