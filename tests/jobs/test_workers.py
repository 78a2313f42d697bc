"""Workers running real imports from the queue: in-process, as several processes on a real
PostgreSQL, after a SIGKILL, and fed end to end by the simulator's signed webhooks."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import uuid

import httpx
import pytest
import sqlalchemy as sa

from ss_tui.config import Settings
from ss_tui.db import schema
from ss_tui.db.engine import create_engine
from ss_tui.jobs import queue
from ss_tui.jobs.handlers import build_handlers
from ss_tui.jobs.receiver import create_receiver_app, signature_verifier
from ss_tui.jobs.worker import Worker
from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet
from ss_tui.simulator import SimulatorConfig
from ss_tui.simulator.server import serve_in_thread, start_live_simulator
from tests.fixtures.engine import cli_args, count_rows, prepare_cli_database

RELEASES = schema.DiscogRelease.__table__
JOBS = schema.SSJob.__table__


async def _releases_by_project(engine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(RELEASES.c.metadata))).scalars().all()
    out: dict[str, int] = {}
    for meta in rows:
        pid = (meta or {}).get("sessionStudioId")
        out[pid] = out.get(pid, 0) + 1
    return out


async def _in_process_worker(db_engine, sim_app, **kw) -> tuple[Worker, httpx.AsyncClient]:
    sim = sim_app.state.simulator
    store = MemoryTokenStore()
    await store.set(sim.demo_account_id,
                    TokenSet.from_response(sim.issue_token(account_id=sim.demo_account_id)))
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim_app), timeout=10)
    settings = Settings(operator="worker-test", api_base_url="http://sim/v1")
    from ss_tui.engine.service import ImportService

    await ImportService(settings, db_engine, token_store=store, http=http).ensure_connection(
        sim.demo_account_id, "Demo Label")
    handlers = build_handlers(settings, db_engine, token_store=store, http=http)
    return Worker(db_engine, handlers, stop_when_idle=True, poll_interval_s=0.05, **kw), http


async def test_worker_imports_projects_and_a_repeat_writes_nothing(db_engine, sim_app):
    sim = sim_app.state.simulator
    projects = [p for p in sim.catalogue.project_ids(sim.demo_account_id)
                if p not in sim.catalogue.bad_projects][:4]
    worker, http = await _in_process_worker(db_engine, sim_app)
    try:
        for pid in projects:
            await queue.enqueue(db_engine, queue.IMPORT_PROJECT,
                                {"account_id": sim.demo_account_id, "project_id": pid})
        assert await worker.run() == 4
        assert await queue.counts_by_status(db_engine) == {"succeeded": 4}
        assert {p: 1 for p in projects}.items() <= (await _releases_by_project(db_engine)).items()
        tracks_before = await count_rows(db_engine, "discog_release_tracks")

        job_id, _ = await queue.enqueue(db_engine, queue.IMPORT_PROJECT,
                                        {"account_id": sim.demo_account_id,
                                         "project_id": projects[0]})
        await worker.run()
        job = await queue.get(db_engine, job_id)
        assert job.status == "succeeded"
        async with db_engine.connect() as conn:
            result = (await conn.execute(sa.select(JOBS.c.result).where(JOBS.c.id == job_id))
                      ).scalar_one()
        assert result["rows_written"] == 0
        assert await count_rows(db_engine, "discog_release_tracks") == tracks_before
    finally:
        await worker.handlers.aclose()
        await http.aclose()


async def test_revoked_token_fails_the_job_without_retrying(db_engine, sim_app):
    sim = sim_app.state.simulator
    worker, http = await _in_process_worker(db_engine, sim_app)
    try:
        sim.revoke_all_tokens()
        job_id, _ = await queue.enqueue(
            db_engine, queue.IMPORT_PROJECT,
            {"account_id": sim.demo_account_id,
             "project_id": sim.catalogue.project_ids(sim.demo_account_id)[0]})
        await worker.run()
        job = await queue.get(db_engine, job_id)
        assert job.status == "failed" and job.attempts == 1
        assert "reconnect" in job.error.lower()
    finally:
        await worker.handlers.aclose()
        await http.aclose()


# --------------------------------------------------------------------------- processes, PG


def _spawn_worker(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(cli_args("worker", *args), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


async def _wait_for(predicate, *, limit_s: float = 120.0, what: str = "condition") -> None:
    """Poll a database condition (never a fixed sleep)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.mark.pg
@pytest.mark.slow
async def test_three_worker_processes_drain_300_jobs_exactly_once(fresh_database):
    url = fresh_database("postgresql")
    config = SimulatorConfig(seed=7, projects=60, rate_limit=100_000, rate_window_s=60)
    with start_live_simulator(config) as live:
        env = await prepare_cli_database(url, live.simulator, live.base_url)
        engine = create_engine(url)
        try:
            ids = live.simulator.catalogue.project_ids(live.simulator.demo_account_id)
            for i in range(300):  # five jobs per project: workers also race on the same rows
                await queue.enqueue(engine, queue.IMPORT_PROJECT,
                                    {"account_id": live.simulator.demo_account_id,
                                     "project_id": ids[i % len(ids)]}, dedup_key=f"job-{i}")
            workers = [_spawn_worker(env, "--drain", "--stall-timeout", "600")
                       for _ in range(3)]
            for w in workers:
                _, err = await asyncio.to_thread(w.communicate, timeout=600)
                assert w.returncode == 0, err[-2000:]
            async with engine.connect() as conn:
                rows = (await conn.execute(
                    sa.select(JOBS.c.status, JOBS.c.attempts, JOBS.c.locked_by,
                              JOBS.c.error))).all()
                runs = (await conn.execute(
                    sa.select(sa.func.count()).select_from(schema.ImportRun.__table__))
                ).scalar_one()
            assert len(rows) == 300
            why = [r.error for r in rows if r.status != "succeeded"]  # when it fails
            assert {(r.status, r.attempts) for r in rows} == {("succeeded", 1)}, why
            assert runs == 300  # each job ran its import once
            per_project = await _releases_by_project(engine)
            good = [p for p in ids if p not in live.simulator.catalogue.bad_projects]
            assert all(per_project.get(p) == 1 for p in good)
            assert max(per_project.values()) == 1  # no duplicate release anywhere
        finally:
            await engine.dispose()


@pytest.mark.pg
@pytest.mark.slow
async def test_a_killed_workers_job_is_requeued_and_finished_by_another(fresh_database):
    url = fresh_database("postgresql")
    config = SimulatorConfig(seed=11, projects=5, latency_ms=1500)
    with start_live_simulator(config) as live:
        env = await prepare_cli_database(url, live.simulator, live.base_url)
        engine = create_engine(url)
        try:
            pid = live.simulator.catalogue.project_ids(live.simulator.demo_account_id)[0]
            job_id, _ = await queue.enqueue(engine, queue.IMPORT_PROJECT,
                                            {"account_id": live.simulator.demo_account_id,
                                             "project_id": pid})
            doomed = _spawn_worker(env, "--stall-timeout", "3")

            async def claimed() -> bool:
                job = await queue.get(engine, job_id)
                return job.status == "processing"

            await _wait_for(claimed, what="the first worker to claim the job")
            first_owner = (await queue.get(engine, job_id)).locked_by
            doomed.send_signal(signal.SIGKILL)
            doomed.wait()

            rescuer = _spawn_worker(env, "--stall-timeout", "3")
            try:
                async def done() -> bool:
                    return (await queue.get(engine, job_id)).status == "succeeded"

                await _wait_for(done, what="another worker to finish the requeued job")
            finally:
                rescuer.send_signal(signal.SIGTERM)
                await asyncio.to_thread(rescuer.wait, 60)
            job = await queue.get(engine, job_id)
            assert job.attempts == 2 and job.locked_by is None
            assert first_owner.split(":")[1].split("/")[0] == str(doomed.pid)
            assert (await _releases_by_project(engine)).get(pid) == 1
        finally:
            await engine.dispose()


async def test_sigterm_finishes_the_current_project_then_exits(sqlite_url):
    config = SimulatorConfig(seed=3, projects=3, latency_ms=400)
    with start_live_simulator(config) as live:
        env = await prepare_cli_database(sqlite_url, live.simulator, live.base_url)
        engine = create_engine(sqlite_url)
        try:
            pid = live.simulator.catalogue.project_ids(live.simulator.demo_account_id)[0]
            job_id, _ = await queue.enqueue(engine, queue.IMPORT_PROJECT,
                                            {"account_id": live.simulator.demo_account_id,
                                             "project_id": pid})
            worker = _spawn_worker(env)

            async def processing() -> bool:
                return (await queue.get(engine, job_id)).status == "processing"

            await _wait_for(processing, what="the worker to start the job")
            worker.send_signal(signal.SIGTERM)
            _, err = await asyncio.to_thread(worker.communicate, timeout=60)
            assert worker.returncode == 0, err
            assert "worker stopped after 1 job" in err
            assert (await queue.get(engine, job_id)).status == "succeeded"
            assert (await _releases_by_project(engine)).get(pid) == 1
        finally:
            await engine.dispose()


# --------------------------------------------------------------------------- webhooks e2e


async def test_simulator_webhooks_end_in_an_import_by_a_worker(sqlite_url):
    secret = "whsec-e2e"
    engine = create_engine(sqlite_url)
    receiver_engine = create_engine(sqlite_url, poolclass=sa.pool.NullPool)
    try:
        with serve_in_thread(create_receiver_app(receiver_engine, signature_verifier(secret)),
                             lifespan="off") as receiver_port:
            config = SimulatorConfig(
                seed=5, projects=4,
                webhook_url=f"http://127.0.0.1:{receiver_port}/webhooks/session-studio",
                webhook_secret=secret,
            )
            with start_live_simulator(config) as live:
                sim = live.simulator
                env = await prepare_cli_database(sqlite_url, sim, live.base_url)
                pid = sim.catalogue.project_ids(sim.demo_account_id)[0]
                sim.edit_project(pid, title="Retitled by webhook")

                async def enqueued() -> bool:
                    return (await queue.counts_by_status(engine)).get("pending", 0) >= 1

                await _wait_for(enqueued, what="the signed delivery to become a job")
                code = await asyncio.to_thread(
                    subprocess.run, cli_args("worker", "--drain"), env=env,
                    capture_output=True, text=True, timeout=120)
                assert code.returncode == 0, code.stderr
        assert await queue.counts_by_status(engine) == {"succeeded": 1}
        async with engine.connect() as conn:
            titles = (await conn.execute(sa.select(RELEASES.c.title))).scalars().all()
        assert "Retitled by webhook" in titles
    finally:
        await engine.dispose()
        await receiver_engine.dispose()
    assert os.environ.get("SS_TUI_TOKEN_KEY") is None  # the test leaked nothing into our env


async def test_discovery_job_links_imported_releases_on_other_services(sqlite_url):
    from ss_tui.simulator.lookups import standin_urls

    engine = create_engine(sqlite_url)
    with start_live_simulator(SimulatorConfig(seed=9, projects=3)) as live:
        sim = live.simulator
        store = MemoryTokenStore()
        await store.set(sim.demo_account_id,
                        TokenSet.from_response(sim.issue_token(account_id=sim.demo_account_id)))
        settings = Settings(operator="worker-test", api_base_url=live.base_url,
                            **standin_urls(live.root_url))
        from ss_tui.engine.service import ImportService

        await ImportService(settings, engine, token_store=store).ensure_connection(
            sim.demo_account_id, "Demo Label")
        worker = Worker(engine, build_handlers(settings, engine, token_store=store),
                        stop_when_idle=True, poll_interval_s=0.05)
        try:
            pid = next(p for p in sim.catalogue.project_ids(sim.demo_account_id)
                       if p not in sim.catalogue.bad_projects)
            await queue.enqueue(engine, queue.IMPORT_PROJECT,
                                {"account_id": sim.demo_account_id, "project_id": pid})
            await worker.run()
            async with engine.connect() as conn:
                release_ids = (await conn.execute(sa.select(RELEASES.c.id))).scalars().all()
            assert release_ids
            job_id, _ = await queue.enqueue(
                engine, queue.DISCOVER_LINKS,
                {"release_ids": [str(r) for r in release_ids], "providers": ["deezer"]})
            await worker.run()
            job = await queue.get(engine, job_id)
            assert job.status == "succeeded", job.error
            links = schema.ProviderLink.__table__
            async with engine.connect() as conn:
                found = (await conn.execute(
                    sa.select(links.c.metadata).where(links.c.provider_id == "deezer"))
                ).scalars().all()
            assert found and all(m["discoveredFrom"] for m in found)
            async with engine.connect() as conn:
                result = (await conn.execute(
                    sa.select(JOBS.c.result).where(JOBS.c.id == job_id))).scalar_one()
            assert result["requests"] == {"deezer": result["requests"]["deezer"]}
            assert result["requests"]["deezer"] >= 1  # this job's own requests
        finally:
            await worker.handlers.aclose()
            await engine.dispose()


async def test_concurrent_discover_jobs_share_one_set_of_lookup_providers(
    db_engine, monkeypatch
):
    """The services' limits are per client (MusicBrainz 1 request/s): a worker running
    discover jobs side by side must pace them all through the same providers."""
    from ss_tui.discovery import ProviderHttp

    built: list[ProviderHttp] = []
    real_init = ProviderHttp.__init__

    def recording_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(ProviderHttp, "__init__", recording_init)
    handlers = build_handlers(Settings(operator="worker-test"), db_engine)
    worker = Worker(db_engine, handlers, concurrency=2, stop_when_idle=True,
                    poll_interval_s=0.05)
    try:
        jobs = [
            (await queue.enqueue(db_engine, queue.DISCOVER_LINKS,
                                 {"release_ids": [str(uuid.uuid4())], "providers": names}))[0]
            for names in (["musicbrainz"], ["deezer", "musicbrainz"], None)
        ]
        assert await worker.run() == 3
        for job_id in jobs:
            job = await queue.get(db_engine, job_id)
            assert job.status == "succeeded", job.error
        musicbrainz = [h for h in built if h.service == "MusicBrainz"]
        assert len(musicbrainz) == 1  # one pacer and one breaker for every job, not one each
        assert {h.service for h in built} == {"MusicBrainz", "Deezer", "iTunes"}
        assert len(built) == 3
        assert all(p.http._http is handlers.lookups.http for p in handlers.lookups.providers)
    finally:
        await handlers.aclose()
    assert handlers.lookups.http.is_closed  # the worker's teardown closes the lookup client
