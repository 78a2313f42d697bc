"""Run control and events: cancel at a project boundary, pause/resume, typed events."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.engine import events as ev
from ss_tui.engine.run import RunControl
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.engine import count_rows


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=4, projects=8)


async def test_cancel_stops_at_a_project_boundary(harness, db_engine):
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
    assert len(finished) == 3 and result.items == {"applied": 3}
    assert await count_rows(db_engine, "discog_releases") == 3  # nothing half-written
    kinds = [type(e) for e in seen]
    assert kinds.index(ev.RunStarted) < kinds.index(ev.ProjectStarted)
    assert ev.RateLimited in kinds  # the API budget reaches the screen
    assert isinstance(seen[-1], ev.RunFinished) and seen[-1].status == "cancelled"
    started = [e.project_id for e in seen if isinstance(e, ev.ProjectStarted)]
    assert started == [e.project_id for e in finished]

    again = await harness.service.run_import(harness.connection_id)
    assert again.status == "succeeded"
    assert again.items.get("unchanged") == 3 and again.items.get("applied") == 5


async def test_pause_holds_the_run_until_resumed(harness, db_engine):
    control = RunControl()
    finished: list[str] = []
    checked = asyncio.Event()
    runs = schema.ImportRun.__table__

    async def watch(count_at_pause: int) -> None:
        while True:  # wait for the engine to record the pause
            async with db_engine.connect() as conn:
                status = (await conn.execute(sa.select(runs.c.status))).scalar_one()
            if status == "paused":
                break
            await asyncio.sleep(0.01)
        assert len(finished) == count_at_pause  # nothing ran while paused
        checked.set()
        control.resume()

    tasks = []

    async def sink(event):
        if isinstance(event, ev.ProjectFinished):
            finished.append(event.project_id)
            if len(finished) == 2:
                control.pause()
                tasks.append(asyncio.create_task(watch(2)))

    result = await harness.service.run_import(harness.connection_id, sink=sink, control=control)
    await asyncio.gather(*tasks)
    assert checked.is_set()
    assert result.status == "succeeded" and result.items == {"applied": 8}
