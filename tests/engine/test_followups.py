"""Run options around the import itself: link discovery after the projects (discoverCrossLinks)
and the creator's ingestion_status while a run works on it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.engine import events as ev
from ss_tui.simulator import SimulatorConfig
from ss_tui.simulator.lookups import standin_urls
from tests.fixtures.engine import make_service

LINKS = schema.ProviderLink.__table__
RELEASES = schema.DiscogRelease.__table__
CREATORS = schema.CreatorProfile.__table__
RUNS = schema.ImportRun.__table__


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=11, projects=6, bad_data_share=0.0)


async def _deezer_links(db_engine) -> dict:
    async with db_engine.connect() as conn:
        rows = await conn.execute(
            sa.select(LINKS.c.release_id, LINKS.c.url).where(
                LINKS.c.provider_id == "deezer", LINKS.c.release_id.is_not(None)
            )
        )
        return dict(rows.all())


async def test_discover_links_runs_after_the_projects_when_asked(db_engine, sim_app):
    # The simulator's stand-ins for the lookup services live on its root (http://sim).
    h = await make_service(db_engine, sim_app, **standin_urls("http://sim"))
    try:
        plain = await h.service.run_import(h.connection_id)
        assert plain.items == {"applied": 6}
        assert await _deezer_links(db_engine) == {}  # off by default

        # Touch every project upstream so the next run writes (and so discovers) them all.
        for pid in h.simulator.catalogue.project_ids(h.simulator.demo_account_id):
            h.simulator.edit_project(pid, title=f"Renamed {pid[-4:]}")
        seen: list = []

        async def sink(event):
            seen.append(event)

        result = await h.service.run_import(
            h.connection_id, discover_links=True, discovery_providers=["deezer"], sink=sink
        )
    finally:
        await h.service.http.aclose()
    assert result.items == {"applied": 6}
    async with db_engine.connect() as conn:
        release_ids = set((await conn.execute(sa.select(RELEASES.c.id))).scalars())
        run = (
            await conn.execute(sa.select(RUNS.c.counts, RUNS.c.options).order_by(RUNS.c.started_at))
        ).all()[-1]
    links = await _deezer_links(db_engine)
    assert set(links) == release_ids  # found, or a search fallback: every release has one
    names = [type(e).__name__ for e in seen]
    assert names.count("ReleaseDiscovered") == 6
    # Discovery happens after the last project and before the run is reported finished.
    assert names.index("DiscoveryFinished") > max(
        i for i, n in enumerate(names) if n == "ProjectFinished"
    )
    assert names[-1] == "RunFinished"
    assert run.counts["discovery"]["found"] + run.counts["discovery"]["not_found"] == 6
    assert run.options["discoverCrossLinks"] == ["deezer"]


async def test_creator_reads_processing_while_the_run_works_on_it(db_engine, sim_app):
    h = await make_service(db_engine, sim_app)
    statuses: list[set[str]] = []

    async def sink(event):
        if isinstance(event, ev.ProjectFinished):
            async with db_engine.connect() as conn:
                statuses.append(
                    set((await conn.execute(sa.select(CREATORS.c.ingestion_status))).scalars())
                )

    try:
        result = await h.service.run_import(h.connection_id, sink=sink)
    finally:
        await h.service.http.aclose()
    assert result.status == "succeeded"
    assert statuses and all("processing" in s for s in statuses)
    async with db_engine.connect() as conn:
        after = set((await conn.execute(sa.select(CREATORS.c.ingestion_status))).scalars())
    assert after == {"idle"}
