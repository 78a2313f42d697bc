"""The ingestion job queue on SQLite and a real PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest

from ss_tui.db.engine import create_engine
from ss_tui.db.types import utcnow
from ss_tui.jobs import queue
from ss_tui.jobs.backoff import nominal_delay
from tests.fixtures.db import run_async


async def test_dedup_key_returns_the_existing_job(db_engine):
    first, created = await queue.enqueue(db_engine, queue.IMPORT_PROJECT, {"project_id": "p1"},
                                         dedup_key="webhook:evt-1")
    again, created_again = await queue.enqueue(db_engine, queue.IMPORT_PROJECT,
                                               {"project_id": "p1"}, dedup_key="webhook:evt-1")
    assert created and not created_again
    assert again == first
    assert await queue.counts_by_status(db_engine) == {"pending": 1}


async def test_jobs_without_dedup_key_are_all_kept(db_engine):
    for _ in range(3):
        await queue.enqueue(db_engine, queue.IMPORT_ACCOUNT, {"account_id": "a"})
    assert await queue.counts_by_status(db_engine) == {"pending": 3}


async def test_claim_takes_priority_then_run_at_and_skips_future_jobs(db_engine):
    now = utcnow()
    late, _ = await queue.enqueue(db_engine, "t", {}, priority=5, run_at=now - timedelta(seconds=9))
    urgent, _ = await queue.enqueue(db_engine, "t", {}, priority=1, run_at=now)
    older, _ = await queue.enqueue(
        db_engine, "t", {}, priority=1, run_at=now - timedelta(seconds=5)
    )
    await queue.enqueue(db_engine, "t", {}, priority=0, run_at=now + timedelta(hours=1))

    order = []
    while (job := await queue.claim(db_engine, "w1", now=now)) is not None:
        assert job.status == "processing" and job.attempts == 1 and job.locked_by == "w1"
        order.append(job.id)
    assert order == [older, urgent, late]


async def test_failures_follow_the_backoff_schedule_then_fail(db_engine):
    job_id, _ = await queue.enqueue(db_engine, "t", {}, max_attempts=3)
    rng = random.Random(7)
    now = utcnow()
    recorded = []
    for attempt in (1, 2):
        job = await queue.claim(db_engine, "w", now=now)
        assert job is not None and job.id == job_id and job.attempts == attempt
        status = await queue.fail(db_engine, job_id, "w", "Session Studio 503", now=now, rng=rng)
        assert status == "pending"
        stored = await queue.get(db_engine, job_id)
        delay = (stored.run_at - now).total_seconds()
        recorded.append(delay)
        nominal = nominal_delay(attempt)
        assert nominal * 0.8 - 0.01 <= delay <= nominal * 1.2 + 0.01
        assert await queue.claim(db_engine, "w", now=now) is None  # not due yet
        now = stored.run_at
    assert recorded[1] > recorded[0]  # 5 s, then ~10 s
    job = await queue.claim(db_engine, "w", now=now)
    assert job.attempts == 3
    assert await queue.fail(db_engine, job_id, "w", "still down", now=now) == "failed"
    assert (await queue.get(db_engine, job_id)).error == "still down"


async def test_rate_limited_failures_back_off_longer(db_engine):
    job_id, _ = await queue.enqueue(db_engine, "t", {})
    now = utcnow()
    await queue.claim(db_engine, "w", now=now)
    await queue.fail(db_engine, job_id, "w", "429", rate_limited=True, now=now,
                     rng=random.Random(1))
    delay = ((await queue.get(db_engine, job_id)).run_at - now).total_seconds()
    assert 24 <= delay <= 36  # 30 s ± 20 %


async def test_stalled_jobs_are_requeued_and_other_workers_jobs_are_not(db_engine):
    stalled_id, _ = await queue.enqueue(db_engine, "t", {"n": 1})
    alive_id, _ = await queue.enqueue(db_engine, "t", {"n": 2})
    start = utcnow()
    await queue.claim(db_engine, "dead-worker", now=start)
    await queue.claim(db_engine, "live-worker", now=start)
    assert await queue.heartbeat(
        db_engine, alive_id, "live-worker", now=start + timedelta(seconds=50)
    )
    # only the job whose heartbeat is older than the timeout goes back
    requeued = await queue.requeue_stalled(
        db_engine, timeout_s=30, now=start + timedelta(seconds=60)
    )
    assert requeued == 1
    assert (await queue.get(db_engine, stalled_id)).status == "pending"
    assert (await queue.get(db_engine, alive_id)).status == "processing"
    # the dead worker can no longer complete the job it lost
    assert not await queue.complete(db_engine, stalled_id, "dead-worker")


async def test_a_failure_reported_after_the_job_changed_hands_leaves_it_alone(
    db_engine, db_url, monkeypatch
):
    """Worker A's failure must not clobber worker B's claim: between A's read of the job
    and its write, the job is requeued as stalled and claimed by B (on another connection)."""
    job_id, _ = await queue.enqueue(db_engine, "t", {}, max_attempts=3)
    start = utcnow()
    await queue.claim(db_engine, "worker-a", now=start)
    later = start + timedelta(minutes=5)

    async def requeue_and_claim_elsewhere() -> None:
        other = create_engine(db_url)
        try:
            assert await queue.requeue_stalled(other, timeout_s=60, now=later) == 1
            job = await queue.claim(other, "worker-b", now=later)
            assert job is not None and job.id == job_id
        finally:
            await other.dispose()

    real_retry_delay = queue.retry_delay

    def retry_delay_while_b_claims(*args, **kwargs):  # runs between fail's read and write
        run_async(requeue_and_claim_elsewhere)
        return real_retry_delay(*args, **kwargs)

    monkeypatch.setattr(queue, "retry_delay", retry_delay_while_b_claims)
    assert await queue.fail(db_engine, job_id, "worker-a", "Session Studio 503", now=start) == (
        "lost"
    )
    job = await queue.get(db_engine, job_id)
    assert (job.status, job.locked_by, job.attempts) == ("processing", "worker-b", 2)
    assert job.error != "Session Studio 503" and job.run_at == later
    # and once it is B's, A's late failure is refused up front
    assert await queue.fail(db_engine, job_id, "worker-a", "again", now=later) == "lost"
    assert not await queue.complete(db_engine, job_id, "worker-a")
    assert (await queue.get(db_engine, job_id)).locked_by == "worker-b"


async def test_reset_and_cancel(db_engine):
    failed_id, _ = await queue.enqueue(db_engine, "t", {}, max_attempts=1)
    await queue.claim(db_engine, "w")
    await queue.fail(db_engine, failed_id, "w", "boom")
    assert (await queue.get(db_engine, failed_id)).status == "failed"
    assert await queue.reset(db_engine, [failed_id]) == 1
    job = await queue.get(db_engine, failed_id)
    assert job.status == "pending" and job.attempts == 0
    assert await queue.cancel(db_engine, [failed_id], by="support") == 1
    assert (await queue.get(db_engine, failed_id)).error == "cancelled by support"


@pytest.mark.pg
async def test_concurrent_claims_never_share_a_job(fresh_database):
    from ss_tui.db.engine import create_engine

    engine = create_engine(fresh_database("postgresql"), pool_size=10)
    try:
        for i in range(60):
            await queue.enqueue(engine, "t", {"i": i})

        async def drain(worker: str) -> list:
            got = []
            while (job := await queue.claim(engine, worker)) is not None:
                got.append(job.id)
                await queue.complete(engine, job.id, worker)
            return got

        results = await asyncio.gather(*(drain(f"w{i}") for i in range(6)))
        claimed = [j for r in results for j in r]
        assert len(claimed) == 60 and len(set(claimed)) == 60
        assert await queue.counts_by_status(engine) == {"succeeded": 60}
    finally:
        await engine.dispose()
