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


async def test_a_recording_staff_edited_is_diffed_again_not_taken_as_unchanged(
    harness, db_engine
):
    """The fast path must not hide a database edit below the release: an unlocked field
    staff changed on a recording is planned back to Session Studio's value; a link another
    provider added (link discovery) leaves the project on the fast path."""
    import uuid

    import sqlalchemy as sa

    from ss_tui.db import schema
    from ss_tui.engine.plan_types import Action, EntityKind

    svc, sim = harness.service, harness.simulator
    await svc.run_import(harness.connection_id)
    pids = sorted(p for p in sim.catalogue.project_ids(sim.demo_account_id)
                  if p not in sim.catalogue.bad_projects)
    edited, linked = pids[0], pids[1]
    rel = schema.DiscogRelease.__table__
    rec = schema.DiscogRecording.__table__
    rt = schema.DiscogReleaseTrack.__table__
    link = schema.ProviderLink.__table__
    ssid = rel.c.metadata["sessionStudioId"].as_string()
    later = datetime.now(UTC)
    async with db_engine.begin() as conn:
        release_of = {
            pid: (await conn.execute(sa.select(rel.c.id).where(ssid == pid))).scalar_one()
            for pid in (edited, linked)
        }
        recording_id, title = (
            await conn.execute(
                sa.select(rec.c.id, rec.c.title)
                .join(rt, rt.c.recording_id == rec.c.id)
                .where(rt.c.release_id == release_of[edited])
                .limit(1)
            )
        ).one()
        await conn.execute(
            sa.update(rec).where(rec.c.id == recording_id)
            .values(title="Staff Typo", updated_at=later)
        )
        await conn.execute(
            sa.insert(link).values(
                id=uuid.uuid4(), provider_id="deezer", owner_type="release",
                release_id=release_of[linked], external_id="dz-1",
                url="https://www.deezer.com/album/1", is_primary=False,
                source_type="ingested", metadata={}, created_at=later, updated_at=later,
            )
        )

    plan = await svc.plan(harness.connection_id, [edited, linked])
    by_id = {p.project_id: p for p in plan.projects}
    assert by_id[linked].upstream_unchanged
    assert not by_id[edited].upstream_unchanged
    changes = [e for e in by_id[edited].entities
               if e.kind is EntityKind.recording and e.action is Action.update]
    assert [(f.name, f.before, f.after) for e in changes for f in e.fields] == [
        ("title", "Staff Typo", title)
    ]
