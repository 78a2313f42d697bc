"""Two importers at once (two processes, PostgreSQL): no duplicates, neither run fails
because of the other."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.db.engine import create_engine
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.engine import count_rows, prepare_cli_database, run_cli
from tests.fixtures.simulator import start_live_simulator


@pytest.fixture(scope="module")
def live_sim():
    config = SimulatorConfig(seed=9, projects=120, bad_data_share=0.05, rate_limit=100_000)
    with start_live_simulator(config) as live:
        yield live


@pytest.mark.pg
async def test_two_concurrent_imports_make_no_duplicates(fresh_database, live_sim):
    url = fresh_database("postgresql")
    env = await prepare_cli_database(url, live_sim.simulator, live_sim.base_url)
    a, b = await asyncio.gather(
        run_cli(env, "import", "--all", "--yes", "--json", "--no-resume"),
        run_cli(env, "import", "--all", "--yes", "--json", "--no-resume"),
    )
    results = []
    for code, out, err in (a, b):
        assert code in (0, 1), err
        results.append(json.loads(out))
    assert all(r["status"] in ("succeeded", "partial") for r in results)

    engine = create_engine(url)
    try:
        errors = schema.SyncError.__table__
        async with engine.connect() as conn:
            apply_errors = (
                (await conn.execute(sa.select(errors.c.message).where(errors.c.stage == "apply")))
                .scalars()
                .all()
            )
            rec = schema.DiscogRecording.__table__
            dup_isrc = (
                await conn.execute(
                    sa.select(rec.c.isrc)
                    .where(rec.c.isrc.is_not(None))
                    .group_by(rec.c.creator_profile_id, rec.c.isrc)
                    .having(sa.func.count() > 1)
                )
            ).all()
            rel = schema.DiscogRelease.__table__
            ssid = rel.c.metadata["sessionStudioId"].as_string()
            dup_release = (
                await conn.execute(sa.select(ssid).group_by(ssid).having(sa.func.count() > 1))
            ).all()
        assert apply_errors == []  # no run tripped over the other
        assert dup_isrc == [] and dup_release == []
        # Each project's release exists once. Both runs account for it as applied or
        # unchanged, or — when the other importer kept changing its rows under it through
        # every re-plan — as stale (never overwritten blindly, never failed).
        releases = await count_rows(engine, "discog_releases")
        for r in results:
            done = r["items"].get("applied", 0) + r["items"].get("unchanged", 0)
            assert done + r["items"].get("stale", 0) >= releases, results
        assert max(r["items"].get("applied", 0) + r["items"].get("unchanged", 0)
                   for r in results) == releases, results
        # Only the catalogue's bad data fails, the same in both runs: nothing failed because
        # of the other importer.
        assert len({r["items"].get("failed", 0) for r in results}) == 1, results
    finally:
        await engine.dispose()


async def test_a_creator_another_importer_made_meanwhile_is_found_not_missing(db_engine, sim_app):
    """Planning reads the creators once, then each batch's artist assignments: another
    importer (a worker) that commits a creator and its assignment in between must not make
    the project "blocked: creator profile does not exist" — it goes to that creator."""
    from ss_tui.engine.apply import apply_project
    from ss_tui.engine.plan import build_plan
    from ss_tui.engine.state import PlanState
    from ss_tui.engine.transform import transform_project
    from tests.fixtures.engine import apply_plan, make_project, make_service

    h = await make_service(db_engine, sim_app)
    try:
        first, mine, theirs = (transform_project(make_project(n, artist=a))
                               for n, a in ((1, 1), (2, 2), (3, 2)))
        async with db_engine.connect() as conn:  # a creator exists: the planner caches them
            await apply_plan(db_engine, await build_plan(conn, [first],
                                                         connection_id=h.connection_id))
        state = PlanState(uuid.UUID(str(h.connection_id)))
        async with db_engine.connect() as conn:
            await state.load(conn, [first])  # this planner's first batch
        async with db_engine.connect() as conn:  # the other importer: artist 2's creator
            other = await build_plan(conn, [theirs], connection_id=h.connection_id)
        assert other.projects[0].new_creator is not None
        async with db_engine.begin() as conn:  # its creator and assignment, one commit
            await apply_project(conn, other.projects[0], connection_id=h.connection_id)
        async with db_engine.connect() as conn:  # this planner's next batch
            plan = await build_plan(conn, [mine], state=state)
        pp = plan.projects[0]
        assert pp.blocked is None, pp.blocked
        assert pp.new_creator is None  # the other importer's creator, not a second one
    finally:
        await h.service.http.aclose()
