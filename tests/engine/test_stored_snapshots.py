"""A stored snapshot read back from the database is input: one that is not a valid project
becomes that project's sync error when planned, never a failed plan or apply."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.simulator import SimulatorConfig

ERRORS = schema.SyncError.__table__
SNAPSHOTS = schema.SourceSnapshot.__table__


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=5, projects=6)


async def test_a_malformed_stored_snapshot_blocks_its_project_only(harness, db_engine):
    svc, cid = harness.service, harness.connection_id
    await svc.refresh_snapshots(cid, full=True)
    pids = sorted(await svc.upstream_changes(cid))
    bad, good = pids[0], pids[1:]
    async with db_engine.begin() as conn:
        where = (SNAPSHOTS.c.entity_type == "project", SNAPSHOTS.c.external_id == bad)
        payload = (await conn.execute(sa.select(SNAPSHOTS.c.payload).where(*where))).scalar_one()
        # What no Session Studio payload can be: a project without its kind, a track number
        # that is no number.
        del payload["type"]
        payload["tracks"][0]["trackNumber"] = "first"
        await conn.execute(sa.update(SNAPSHOTS).where(*where).values(payload=payload))

    plan = await svc.plan(cid, pids)

    by_id = {p.project_id: p for p in plan.projects}
    assert set(by_id) == set(pids)
    blocked = by_id[bad]
    assert blocked.blocked and "not a valid project" in blocked.blocked
    assert "fetch it again" in blocked.blocked and not blocked.entities
    assert [i["fatal"] for i in blocked.issues] == [True]
    assert all(not by_id[p].blocked and by_id[p].entities for p in good)

    result = await svc.apply(plan)

    assert result.items.get("applied") == len(good)
    async with db_engine.connect() as conn:
        errors = (await conn.execute(sa.select(ERRORS))).mappings().all()
    assert [(e["project_external_id"], e["kind"]) for e in errors] == [(bad, "invalid_data")]
    assert "not a valid project" in errors[0]["message"]
