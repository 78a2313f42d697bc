"""The ImportService end to end: simulator (in-process HTTP) → real database."""

from __future__ import annotations

import pytest

from ss_tui.engine import events as ev
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.engine import count_rows


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=7, projects=12)


async def test_import_all_then_rerun_writes_nothing(harness, db_engine):
    seen: list = []

    async def sink(event):
        seen.append(event)

    first = await harness.service.run_import(harness.connection_id, sink=sink)
    assert first.status in ("succeeded", "partial"), first
    assert first.items.get("applied", 0) >= 12
    assert await count_rows(db_engine, "discog_releases") == first.items["applied"]
    assert any(isinstance(e, ev.RunFinished) for e in seen)

    second = await harness.service.run_import(harness.connection_id)
    assert second.rows_written == 0
    assert second.items.get("unchanged", 0) == first.items["applied"]
