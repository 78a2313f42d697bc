"""Run control and events: cancel and pause between transactions, typed events."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.engine import applier
from ss_tui.engine import events as ev
from ss_tui.engine.run import RunControl
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.engine import count_rows


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=4, projects=8)


async def test_cancel_stops_at_a_transaction_boundary(harness, db_engine, monkeypatch):
    """New projects are written a group per transaction: a cancel takes effect after the
    group in progress, and every project reported finished (and no other) is written."""
    monkeypatch.setattr(applier, "GROUP_PROJECTS", 2)  # 8 projects: several groups
    control = RunControl()
    finished: list[ev.ProjectFinished] = []
    seen: list = []

    async def sink(event):
        seen.append(event)
        if isinstance(event, ev.ProjectFinished):
            finished.append(event)
            if len(finished) == 3:
                control.cancel()

    result = await harness.service.run_import(harness.connection_id, sink=sink, control=control)
    assert result.status == "cancelled"
    done = len(finished)
    assert 3 <= done < 8 and result.items == {"applied": done}
    assert await count_rows(db_engine, "discog_releases") == done  # nothing half-written
    assert await _applied_items(db_engine) == done
    kinds = [type(e) for e in seen]
    assert kinds.index(ev.RunStarted) < kinds.index(ev.ProjectStarted)
    assert ev.RateLimited in kinds  # the API budget reaches the screen
    assert isinstance(seen[-1], ev.RunFinished) and seen[-1].status == "cancelled"
    started = [e.project_id for e in seen if isinstance(e, ev.ProjectStarted)]
    assert started == [e.project_id for e in finished]

    again = await harness.service.run_import(harness.connection_id)
    assert again.status == "succeeded"
    assert again.items.get("unchanged") == done and again.items.get("applied") == 8 - done


async def _applied_items(engine) -> int:
    items = schema.ImportItem.__table__
    async with engine.connect() as conn:
        stmt = sa.select(sa.func.count()).where(items.c.status == "applied")
        return (await conn.execute(stmt)).scalar_one()


async def test_pause_holds_the_run_until_resumed(harness, db_engine, monkeypatch):
    monkeypatch.setattr(applier, "GROUP_PROJECTS", 2)  # 8 projects: several groups
    control = RunControl()
    finished: list[str] = []
    at_pause: list[int] = []
    runs = schema.ImportRun.__table__

    async def watch() -> None:
        while True:  # wait for the engine to record the pause (or the run to end)
            async with db_engine.connect() as conn:
                status = (await conn.execute(sa.select(runs.c.status))).scalar_one()
            if status != "running":
                break
            await asyncio.sleep(0.01)
        if status == "paused":
            # the group in progress was finished, nothing after it started
            at_pause.append(len(finished))
            assert await _applied_items(db_engine) == len(finished)
        control.resume()

    tasks = []

    async def sink(event):
        if isinstance(event, ev.ProjectFinished):
            finished.append(event.project_id)
            if len(finished) == 2:
                control.pause()
                tasks.append(asyncio.create_task(watch()))

    result = await harness.service.run_import(harness.connection_id, sink=sink, control=control)
    await asyncio.gather(*tasks)
    assert at_pause and 2 <= at_pause[0] < 8  # it did hold, part-way
    assert result.status == "succeeded" and result.items == {"applied": 8}
