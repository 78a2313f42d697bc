"""Monitoring and scheduling from the command line: stats, schedule, jobs admin, audit."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import sqlalchemy as sa
from click.testing import CliRunner

from ss_tui.cli import cli
from ss_tui.db import schema
from ss_tui.db.engine import create_engine
from ss_tui.db.types import utcnow
from ss_tui.jobs import queue
from tests.fixtures.db import run_async

RUNS = schema.ImportRun.__table__
CONNECTIONS = schema.SSConnection.__table__


def _seed_runs(url: str, statuses: list[str], account: str = "acc_1") -> None:
    async def go() -> None:
        engine = create_engine(url)
        now = utcnow()
        conn_id = uuid.uuid4()
        async with engine.begin() as conn:
            await conn.execute(CONNECTIONS.insert().values(
                id=conn_id, account_id=account, account_name="Label One",
                base_url="http://sim/v1", status="connected"))
            for i, status in enumerate(statuses):
                start = now - timedelta(hours=len(statuses) - i)
                await conn.execute(RUNS.insert().values(
                    id=uuid.uuid4(), connection_id=conn_id, started_by="ops", status=status,
                    dry_run=False, started_at=start, finished_at=start + timedelta(seconds=30),
                    counts={"api_mean_latency_ms": 40}, api_requests=10, api_retries=1,
                    api_rate_limited=i % 2))
        await engine.dispose()

    run_async(go)


def test_stats_json_reports_rates_and_flags_an_account_failing_in_a_row(sqlite_url):
    _seed_runs(sqlite_url, ["succeeded", "failed", "failed", "failed"])
    result = CliRunner().invoke(cli, ["stats", "--json", "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["runs_total"] == 4
    assert stats["run_success_rate"] == 0.25
    assert stats["api_requests"] == 40 and stats["rate_limited"] == 2
    assert [a["account"] for a in stats["alerts"]] == ["Label One"]
    assert stats["alerts"][0]["consecutive_failures"] == 3

    human = CliRunner().invoke(cli, ["stats", "--database-url", sqlite_url])
    assert "ALERT Label One: 3 failed runs in a row" in human.output


def test_a_recovered_account_is_not_flagged(sqlite_url):
    _seed_runs(sqlite_url, ["failed", "failed", "failed", "succeeded"])
    stats = json.loads(CliRunner().invoke(
        cli, ["stats", "--json", "--database-url", sqlite_url]).output)
    assert stats["alerts"] == []


def test_schedule_enqueues_one_sync_per_account_per_interval(sqlite_url):
    _seed_runs(sqlite_url, [])
    runner = CliRunner()
    first = runner.invoke(cli, ["schedule", "--database-url", sqlite_url])
    second = runner.invoke(cli, ["schedule", "--database-url", sqlite_url])
    assert "acc_1: enqueued" in first.output
    assert "already queued" in second.output

    async def jobs() -> list:
        engine = create_engine(sqlite_url)
        try:
            from ss_tui.jobs.monitor import list_jobs

            return await list_jobs(engine)
        finally:
            await engine.dispose()

    listed = run_async(jobs)
    assert [(j["job_type"], j["payload"]) for j in listed] == [
        (queue.IMPORT_ACCOUNT, {"account_id": "acc_1"})]


def test_jobs_reset_is_audited(sqlite_url):
    async def failed_job() -> str:
        engine = create_engine(sqlite_url)
        try:
            job_id, _ = await queue.enqueue(engine, "t", {}, max_attempts=1)
            await queue.claim(engine, "w")
            await queue.fail(engine, job_id, "w", "boom")
            return str(job_id)
        finally:
            await engine.dispose()

    job_id = run_async(failed_job)
    result = CliRunner().invoke(cli, ["jobs", "reset", job_id, "--database-url", sqlite_url],
                                env={"SS_TUI_OPERATOR": "support-ann"})
    assert result.output.strip() == "1 job(s) reset"
    listed = CliRunner().invoke(cli, ["jobs", "list", "--json", "--database-url", sqlite_url])
    assert json.loads(listed.output)[0]["status"] == "pending"

    async def audit() -> list:
        engine = create_engine(sqlite_url)
        try:
            async with engine.connect() as conn:
                t = schema.AuditLog.__table__
                return (await conn.execute(sa.select(t.c.actor, t.c.action))).all()
        finally:
            await engine.dispose()

    assert [tuple(r) for r in run_async(audit)] == [("support-ann", "job.reset")]
