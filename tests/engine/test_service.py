"""The ImportService end to end: simulator (in-process HTTP) → real database."""

from __future__ import annotations

from datetime import UTC, datetime

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


async def test_unchanged_projects_take_the_fast_path_until_something_changes(harness, db_engine):
    import sqlalchemy as sa

    from ss_tui.db import schema

    svc, sim = harness.service, harness.simulator
    await svc.run_import(harness.connection_id)
    pids = sorted(sim.catalogue.project_ids(sim.demo_account_id))
    plan = await svc.plan(harness.connection_id, pids)
    quick = {p.project_id for p in plan.projects if p.upstream_unchanged}
    clean = {p for p in pids if p not in sim.catalogue.bad_projects}
    assert clean <= quick  # nothing to diff: no entity work at all
    assert all(not p.entities for p in plan.projects if p.upstream_unchanged)

    # Upstream edit → that project is diffed in full and shows the update.
    sim.edit_project(pids[0], label="Another Label")
    await svc.refresh_snapshots(harness.connection_id)
    # A release edited in the database → diffed in full too (staff may have changed it).
    rel = schema.DiscogRelease.__table__
    ssid = rel.c.metadata["sessionStudioId"].as_string()
    async with db_engine.begin() as conn:
        await conn.execute(
            sa.update(rel)
            .where(ssid == pids[1])
            .values(artwork_url="https://staff.example/cover.jpg", updated_at=datetime.now(UTC))
        )
    plan = await svc.plan(harness.connection_id, pids)
    by_id = {p.project_id: p for p in plan.projects}
    assert not by_id[pids[0]].upstream_unchanged and not by_id[pids[1]].upstream_unchanged
    assert by_id[pids[0]].counts()["release"] == {"update": 1}
