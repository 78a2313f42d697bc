"""Monitoring figures from what runs and jobs record in the database.

Everything here is read-only and computed from ``import_runs`` and ``ss_jobs``,
so the dashboard's Stats screen, ``ss-tui stats --json`` and any worker see the same
numbers, whichever machine produced them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db.enums import JobStatus, RunStatus
from ss_tui.db.schema import ImportRun, SSConnection, SSJob
from ss_tui.db.types import utcnow
from ss_tui.values import JSONObject

RUNS = ImportRun.__table__
JOBS = SSJob.__table__
CONNECTIONS = SSConnection.__table__

FAILED_RUN_STATUSES = (RunStatus.failed,)
FINISHED_RUN_STATUSES = (RunStatus.succeeded, RunStatus.partial, RunStatus.failed)
ALERT_CONSECUTIVE_FAILURES = 3


@dataclass(slots=True)
class DayFigures:
    day: str
    runs: int = 0
    succeeded: int = 0
    partial: int = 0
    failed: int = 0
    mean_duration_s: float | None = None
    api_requests: int = 0
    api_retries: int = 0
    rate_limited: int = 0
    mean_api_latency_ms: float | None = None  # mean of that day's runs' mean response time


@dataclass(slots=True)
class AccountHealth:
    connection_id: str
    account: str
    consecutive_failures: int
    last_status: str | None
    alert: bool


@dataclass(slots=True)
class Stats:
    generated_at: str
    runs_total: int = 0
    run_success_rate: float | None = None
    jobs_by_status: dict[str, int] = field(default_factory=dict)
    jobs_by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    mean_job_duration_s: float | None = None
    api_requests: int = 0
    api_retries: int = 0
    rate_limited: int = 0
    mean_api_latency_ms: float | None = None
    days: list[DayFigures] = field(default_factory=list)
    accounts: list[AccountHealth] = field(default_factory=list)

    @property
    def alerts(self) -> list[AccountHealth]:
        return [a for a in self.accounts if a.alert]

    def to_dict(self) -> JSONObject:
        out = asdict(self)
        out["alerts"] = [asdict(a) for a in self.alerts]
        return out


def _duration(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start and end else None


async def collect_stats(
    engine: AsyncEngine, *, days: int = 14, now: datetime | None = None
) -> Stats:
    now = now or utcnow()
    since = now - timedelta(days=days)
    stats = Stats(generated_at=now.isoformat())
    async with engine.connect() as conn:
        runs = (
            await conn.execute(
                sa.select(
                    RUNS.c.connection_id, RUNS.c.status, RUNS.c.started_at, RUNS.c.finished_at,
                    RUNS.c.api_requests, RUNS.c.api_retries, RUNS.c.api_rate_limited,
                    RUNS.c.counts, RUNS.c.dry_run,
                ).order_by(RUNS.c.started_at)
            )
        ).all()
        jobs = (
            await conn.execute(
                sa.select(
                    JOBS.c.job_type, JOBS.c.status, JOBS.c.last_run_started_at,
                    JOBS.c.finished_at,
                )
            )
        ).all()
        accounts = {
            row.id: row.account_name or row.account_id
            for row in await conn.execute(
                sa.select(CONNECTIONS.c.id, CONNECTIONS.c.account_id, CONNECTIONS.c.account_name)
            )
        }

    real_runs = [r for r in runs if not r.dry_run]
    finished = [r for r in real_runs if r.status in FINISHED_RUN_STATUSES]
    stats.runs_total = len(real_runs)
    if finished:
        stats.run_success_rate = round(
            sum(r.status == RunStatus.succeeded for r in finished) / len(finished), 4
        )
    latencies: list[float] = []
    by_day: dict[str, DayFigures] = {}
    durations: dict[str, list[float]] = defaultdict(list)
    day_latencies: dict[str, list[float]] = defaultdict(list)
    for r in real_runs:
        stats.api_requests += r.api_requests or 0
        stats.api_retries += r.api_retries or 0
        stats.rate_limited += r.api_rate_limited or 0
        latency = (r.counts or {}).get("api_mean_latency_ms")
        if isinstance(latency, int | float):
            latencies.append(float(latency))
        if r.started_at < since:
            continue
        day = r.started_at.date().isoformat()
        fig = by_day.setdefault(day, DayFigures(day=day))
        fig.runs += 1
        if r.status in FINISHED_RUN_STATUSES:
            setattr(fig, r.status, getattr(fig, r.status) + 1)
        fig.api_requests += r.api_requests or 0
        fig.api_retries += r.api_retries or 0
        fig.rate_limited += r.api_rate_limited or 0
        if (d := _duration(r.started_at, r.finished_at)) is not None:
            durations[day].append(d)
        if isinstance(latency, int | float):
            day_latencies[day].append(float(latency))
    for day, values in durations.items():
        by_day[day].mean_duration_s = round(sum(values) / len(values), 3)
    for day, values in day_latencies.items():
        by_day[day].mean_api_latency_ms = round(sum(values) / len(values), 1)
    # Every day of the window, quiet ones included, so "over time" reads as a timeline.
    first = since.date()
    window = [(first + timedelta(days=i)).isoformat() for i in range(days + 1)]
    stats.days = [by_day.get(d) or DayFigures(day=d) for d in window]
    if latencies:
        stats.mean_api_latency_ms = round(sum(latencies) / len(latencies), 1)

    job_durations: list[float] = []
    for j in jobs:
        stats.jobs_by_status[j.status] = stats.jobs_by_status.get(j.status, 0) + 1
        per_type = stats.jobs_by_type.setdefault(j.job_type, {})
        per_type[j.status] = per_type.get(j.status, 0) + 1
        if j.status == JobStatus.succeeded and (
            d := _duration(j.last_run_started_at, j.finished_at)
        ) is not None:
            job_durations.append(d)
    if job_durations:
        stats.mean_job_duration_s = round(sum(job_durations) / len(job_durations), 3)

    # Consecutive failures per account: failed runs since its last successful one.
    last_runs: dict[Any, list[str]] = defaultdict(list)
    for r in finished:
        if r.connection_id is not None:
            last_runs[r.connection_id].append(r.status)
    for conn_id, statuses in last_runs.items():
        streak = 0
        for status in reversed(statuses):
            if status not in FAILED_RUN_STATUSES:
                break
            streak += 1
        stats.accounts.append(
            AccountHealth(
                connection_id=str(conn_id),
                account=accounts.get(conn_id, str(conn_id)),
                consecutive_failures=streak,
                last_status=statuses[-1] if statuses else None,
                alert=streak >= ALERT_CONSECUTIVE_FAILURES,
            )
        )
    return stats
