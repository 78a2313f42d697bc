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
