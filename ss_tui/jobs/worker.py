"""A job worker: claims ingestion jobs and runs them until told to stop.

Run as many as you like, on as many machines as you like, against one PostgreSQL. Each
running job heart-beats; a worker that dies (SIGKILL, lost machine) leaves a job whose
heartbeat goes stale, and any other worker requeues it after ``stall_timeout_s``.
SIGTERM sets ``stop``: the worker finishes the project it is on and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.failures import Failure, classify, record
from ss_tui.jobs import queue
from ss_tui.jobs.queue import Job
from ss_tui.values import JSONObject

log = logging.getLogger("ss_tui.worker")

JOBS_FINISHED = Counter(
    "ss_tui_jobs_finished_total", "Jobs finished by type and outcome", ["job_type", "outcome"]
)
JOB_SECONDS = Histogram("ss_tui_job_duration_seconds", "Job run time", ["job_type"])


class JobError(Exception):
    """A handler failure with its retry semantics."""

    def __init__(self, message: str, *, retryable: bool = True, rate_limited: bool = False):
        super().__init__(message)
        self.retryable = retryable
        self.rate_limited = rate_limited


class Interrupted(Exception):
    """The handler stopped at a project boundary because the worker is stopping;
    the job goes back to the queue without counting as a failure."""


@dataclass(slots=True)
class JobContext:
    job: Job
    worker_id: str
    stop: asyncio.Event  # set on SIGTERM: finish the current project, then return


Handler = Callable[[JobContext], Awaitable[JSONObject]]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Worker:
    engine: AsyncEngine
    handlers: dict[str, Handler]
    worker_id: str = field(default_factory=default_worker_id)
    concurrency: int = 1
    poll_interval_s: float = 1.0
    heartbeat_s: float = 10.0
    stall_timeout_s: float = 60.0
    stop_when_idle: bool = False  # drain mode: return once no job is due
    processed: int = 0
    _last_requeue: float = float("-inf")

    async def run(self, stop: asyncio.Event | None = None) -> int:
        """Process jobs until ``stop`` is set (or the queue is idle in drain mode)."""
        stop = stop or asyncio.Event()
        slots = [
            asyncio.create_task(self._slot(stop, f"{self.worker_id}/{i}"))
            for i in range(self.concurrency)
        ]
        await asyncio.gather(*slots)
        return self.processed

    async def _slot(self, stop: asyncio.Event, slot_id: str) -> None:
        outage = 0  # consecutive failed polls while the database is away
        while not stop.is_set():
            try:
                await self._requeue_stalled_now_and_then()
                job = await queue.claim(self.engine, slot_id, job_types=self.handlers.keys())
            except Exception as exc:
                failure = self._classify(exc)
                if not failure.transient or self.stop_when_idle:
                    raise  # not migrated, not a database… (or a drain run): `ss-tui worker`
                    # says so and exits; a service waits for the database to come back
                outage += 1
                if outage == 1:  # one line per outage, not one per poll
                    log.warning("%s Waiting for the database…", failure.message)
                    log.debug("Details of the failure above", exc_info=exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), min(2.0**outage, 30.0))
                continue
            if outage:
                log.warning("The database is back; claiming jobs again.")
                outage = 0
            if job is None:
                if self.stop_when_idle:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll_interval_s)
                continue
            await self._run_one(job, slot_id, stop)

    async def _requeue_stalled_now_and_then(self) -> None:
        """Sweep for jobs of dead workers, shared by this worker's slots and at most every
        few seconds: a stall is only declared after ``stall_timeout_s`` anyway."""
        now = time.monotonic()
        if now - self._last_requeue < min(self.stall_timeout_s / 3, 10.0):
            return
        self._last_requeue = now
        await queue.requeue_stalled(self.engine, timeout_s=self.stall_timeout_s)

    async def _run_one(self, job: Job, slot_id: str, stop: asyncio.Event) -> None:
        started = time.monotonic()
        beat = asyncio.create_task(self._heartbeat(job, slot_id))
        outcome, detail = "succeeded", ""
        try:
            try:
                result = await self.handlers[job.job_type](JobContext(job, slot_id, stop))
                await queue.complete(self.engine, job.id, slot_id, result)
            except Interrupted:
                outcome = "interrupted"
                await queue.release(self.engine, job.id, slot_id)
            except JobError as exc:
                detail = str(exc)
                outcome = await queue.fail(
                    self.engine, job.id, slot_id, detail,
                    retryable=exc.retryable, rate_limited=exc.rate_limited,
                )
            except Exception as exc:  # the database went away, or a bug: the worker stays up
                failure = record(exc, database_url=self._url(), doing=f"job {job.id}", logger=log)
                detail = str(failure)  # the cause and next step; never SQL or a traceback
                outcome = await queue.fail(
                    self.engine, job.id, slot_id, detail, retryable=failure.cause != "auth"
                )
        except Exception as exc:  # the queue itself is unreachable: the job stays claimed
            failure = record(exc, database_url=self._url(), doing=f"job {job.id}", logger=log)
            outcome, detail = "unrecorded", detail or str(failure)
            # Its heartbeat stops, so any worker requeues it once the database is back.
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        elapsed = time.monotonic() - started
        self.processed += 1
        JOBS_FINISHED.labels(job.job_type, outcome).inc()
        JOB_SECONDS.labels(job.job_type).observe(elapsed)
        log.info(
            json.dumps(
                {
                    "event": "job",
                    "job_id": str(job.id),
                    "type": job.job_type,
                    "worker": slot_id,
                    "attempt": job.attempts,
                    "outcome": outcome,
                    "duration_s": round(elapsed, 3),
                    "error": detail or None,
                },
                ensure_ascii=False,
            )
        )

    async def _heartbeat(self, job: Job, slot_id: str) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await queue.heartbeat(self.engine, job.id, slot_id)
            except Exception as exc:  # a missed beat; the job's own failure says the rest
                log.debug("heartbeat of job %s failed: %s", job.id, self._classify(exc))

    def _url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _classify(self, exc: BaseException) -> Failure:
        return classify(exc, database_url=self._url())
