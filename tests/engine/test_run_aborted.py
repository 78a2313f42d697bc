"""A run that dies of an exception is finished with its reason, never left ``running``.

The fault is injected (a storage step that raises): real parts cannot produce an arbitrary
internal error on demand."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

import ss_tui.engine.pipeline as service_module  # where the streamed import saves chunks
from ss_tui.db import schema

RUNS = schema.ImportRun.__table__


async def _runs(engine):
    async with engine.connect() as conn:
        stmt = sa.select(RUNS).order_by(RUNS.c.started_at)
        return [dict(r) for r in (await conn.execute(stmt)).mappings()]


async def test_a_run_that_dies_is_marked_failed_with_its_reason(harness, db_engine, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(service_module, "save_chunk", broken)
    with pytest.raises(RuntimeError):
        await harness.service.run_import(harness.connection_id)
    (run,) = await _runs(db_engine)
    assert run["status"] == "failed" and run["finished_at"] is not None
    assert run["counts"]["aborted"] == "error: RuntimeError: disk on fire"


async def test_an_interrupted_run_is_paused_not_left_running(
    harness, db_engine, monkeypatch
):
    real = service_module.save_chunk

    async def interrupted(*args, **kwargs):
        raise asyncio.CancelledError

    monkeypatch.setattr(service_module, "save_chunk", interrupted)
    with pytest.raises(asyncio.CancelledError):
        await harness.service.run_import(harness.connection_id)
    (run,) = await _runs(db_engine)
    assert run["status"] == "paused"
    assert run["counts"]["aborted"].startswith("interrupted: CancelledError")

    # "paused" is what a later run (from another process) resumes; this one runs on.
    monkeypatch.setattr(service_module, "save_chunk", real)
    result = await harness.service.run_import(harness.connection_id)
    assert result.status in ("succeeded", "partial")
    assert "running" not in {r["status"] for r in await _runs(db_engine)}


async def test_an_import_whose_run_cannot_be_written_leaves_no_fetch_behind(
    fresh_database, sim_app, monkeypatch
):
    """The first listing request goes out while the run's row is written: when that write
    fails (another process holds the database's write lock), the fetch stops with it and
    nothing is left running or half-recorded."""
    import sqlite3

    import ss_tui.db.engine as db_engine_module
    from ss_tui.db.engine import create_engine
    from ss_tui.engine import stream
    from tests.fixtures.engine import make_service

    url = fresh_database("sqlite")
    monkeypatch.setattr(db_engine_module, "SQLITE_BUSY_TIMEOUT_MS", 200)  # fail fast
    engine = create_engine(url)
    h = await make_service(engine, sim_app)
    holder = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # the other writer
        with pytest.raises(Exception, match="locked"):
            await h.service.run_import(h.connection_id)
        await asyncio.sleep(0)  # let a cancelled producer finish unwinding
        producers = [t for t in asyncio.all_tasks()
                     if t.get_coro().__qualname__ == stream.produce.__qualname__]
        assert producers == []  # the fetch stopped with the run
        holder.execute("ROLLBACK")
        assert await _runs(engine) == []  # no run row was written
    finally:
        holder.close()
        await h.service.http.aclose()
        await engine.dispose()
