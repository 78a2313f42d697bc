"""Dry run equals apply: what ``--dry-run`` shows is exactly what apply then writes. Also
incremental sync and the per-project "what changed upstream"."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from ss_tui.engine.apply import entity_table
from ss_tui.engine.plan_types import Action, EntityKind
from ss_tui.engine.render import plan_to_dict
from ss_tui.engine.rows import json_ready
from ss_tui.simulator import SimulatorConfig


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=3, projects=10)


async def _db_row(engine, table, rid):
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(table).where(table.c.id == uuid.UUID(rid)))).mappings()
        return row.first()


async def test_dry_run_is_exactly_what_apply_writes(harness, db_engine):
    svc, sim = harness.service, harness.simulator
    await svc.run_import(harness.connection_id)  # a first import, so the next one has updates
    pids = sim.catalogue.project_ids(sim.demo_account_id)
    tid = sim.catalogue.project_tracks[pids[0]][0]
    sim.edit_track(tid, title="Brand New Title", bpm=133.0)
    sim.edit_project(pids[1], label="New Label")
    added = sim.add_project(title="Fresh Release", tracks=2)

    dry = await svc.run_import(harness.connection_id, dry_run=True)
    shown = plan_to_dict(dry.plan)
    assert shown["totals"]["update"] >= 2 and shown["totals"]["create"] > 0

    result = await svc.apply(dry.plan)
    assert result.rows_written == sum(shown["totals"][a] for a in ("create", "update", "delete"))
    checked = 0
    for pp in dry.plan.projects:
        for e in pp.entities:
            if not e.writes:
                continue
            row = await _db_row(db_engine, entity_table(e), e.row_id)
            if e.action == Action.delete:
                assert row is None
                continue
            for f in e.fields:
                if not (f.locked or f.kept_other_source):
                    assert json_ready(row[f.name]) == json_ready(f.after), (e.key, f.name)
                    checked += 1
    assert checked > 0
    titles = {
        e.label
        for p in dry.plan.projects
        for e in p.entities
        if e.kind == EntityKind.recording and e.action == Action.update
    }
    assert "Brand New Title" in titles

    changes = await svc.upstream_changes(harness.connection_id)
    assert changes[added["id"]] == "unchanged" and changes[pids[0]] == "unchanged"


async def test_incremental_sync_fetches_only_what_changed(harness):
    svc, sim = harness.service, harness.simulator
    await svc.run_import(harness.connection_id)
    pids = sim.catalogue.project_ids(sim.demo_account_id)
    sim.edit_project(pids[2], title="Retitled")
    fetched = await svc.refresh_snapshots(harness.connection_id)
    # updatedSince is inclusive: the newest project may come again, unchanged.
    assert {k: v for k, v in fetched.upstream.items() if v != "unchanged"} == {pids[2]: "changed"}
    assert len(fetched.upstream) <= 2
    changes = await svc.upstream_changes(harness.connection_id)
    assert changes[pids[2]] == "changed"
    assert sum(1 for v in changes.values() if v == "unchanged") == len(pids) - 1

    # A dry run shows the change but must not move the cursor past it.
    dry = await svc.run_import(harness.connection_id, incremental=True, dry_run=True)
    assert dry.plan.totals()["update"] >= 1
    result = await svc.run_import(harness.connection_id, incremental=True)
    assert result.items.get("applied") == 1 and result.rows_written > 0
    assert sum(result.items.values()) <= 2
    assert (await svc.upstream_changes(harness.connection_id))[pids[2]] == "unchanged"


async def test_a_dry_run_leaves_open_sync_errors_alone(db_engine):
    """A dry run stores no sync errors, and must not close the ones a real run recorded
    for projects that still fail."""
    from ss_tui.simulator import create_app
    from tests.fixtures.engine import make_service

    h = await make_service(
        db_engine, create_app(SimulatorConfig(seed=5, projects=40, bad_data_share=0.5))
    )
    await h.service.run_import(h.connection_id)
    errors = sa.text("SELECT id, status, attempts FROM sync_errors ORDER BY id")
    async with db_engine.connect() as conn:
        before = (await conn.execute(errors)).all()
    assert any(status == "open" for _, status, _ in before)

    await h.service.run_import(h.connection_id, dry_run=True)
    async with db_engine.connect() as conn:
        assert (await conn.execute(errors)).all() == before
