"""New projects are written several to a transaction (one statement per table for all of
them); anything the group cannot explain (a row that exists, a refused write, an interrupt)
leaves each project exactly as writing it alone would: stale, failed or not written, the
others applied, an item applied exactly when its rows are committed."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.db.engine import create_engine
from ss_tui.engine import applier
from ss_tui.engine import events as ev
from ss_tui.engine.plan_types import Action, EntityKind, ImportPlan, ProjectPlan
from ss_tui.engine.rows import T_ARTIST
from ss_tui.engine.summary import plan_rows
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.engine import count_rows, dump_tables, make_service

ITEMS = schema.ImportItem.__table__
RUNS = schema.ImportRun.__table__
PROJECTS = 12


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=11, projects=PROJECTS)


async def clean_plan(harness) -> ImportPlan:
    """A first import of the catalogue's projects that have nothing to record: every one
    of them can join a group."""
    svc, cid = harness.service, harness.connection_id
    await svc.refresh_snapshots(cid, full=True)
    pids = sorted(await svc.upstream_changes(cid))
    full = await svc.plan(cid, pids)
    clean = [p.project_id for p in full.projects if p.included and not p.blocked
             and not p.issues and not any(e.conflict for e in p.entities)]
    assert len(clean) >= 8
    return await svc.plan(cid, clean)


def dependents(plan: ImportPlan, target: ProjectPlan, exists: frozenset[str] = frozenset()
               ) -> list[str]:
    """Later projects that write rows pointing at rows ``target`` was to create (credits of
    its new artists, releases of its new creator profile) and that are not there
    (``exists``: ids found in the database all the same), directly or through another such
    project: stale with it."""
    gone: set[str] = set()
    out = []
    for pp in plan.projects[plan.projects.index(target):]:
        refs = {str(v) for e in pp.entities if e.writes and e.row is not None
                for k, v in e.row.items() if (k == "id" or k.endswith("_id")) and v is not None}
        if pp is target or refs & gone:
            if pp is not target:
                out.append(pp.project_id)
            gone |= {str(e.row["id"]) for e in pp.entities
                     if e.writes and e.row is not None and e.action is Action.create} - exists
            if pp.new_creator:  # the creator profile it was to create
                gone.add(str(pp.new_creator["id"]))
    return out


async def item_statuses(engine) -> dict[str, tuple[str, str | None]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(ITEMS.c.project_external_id, ITEMS.c.status, ITEMS.c.error))).all()
    return {pid: (status, error) for pid, status, error in rows}


async def releases_of(engine, plan: ImportPlan) -> set[str]:
    """Projects of ``plan`` whose release row is in the database."""
    by_id = {uuid.UUID(str(e.row["id"])): p.project_id for p in plan.projects
             for e in p.entities if e.kind is EntityKind.release and e.row}
    t = schema.DiscogRelease.__table__
    async with engine.connect() as conn:
        ids = (await conn.execute(sa.select(t.c.id))).scalars().all()
    return {by_id[uuid.UUID(str(i))] for i in ids if uuid.UUID(str(i)) in by_id}


def count_commits(engine) -> list[int]:
    commits = [0]

    def on_commit(_conn) -> None:
        commits[0] += 1

    sa.event.listen(engine.sync_engine, "commit", on_commit)
    return commits


async def test_a_group_writes_what_one_project_at_a_time_writes_in_few_transactions(
    harness, db_kind, fresh_database, sim_app, monkeypatch
):
    plan = await clean_plan(harness)
    announced = plan_rows(plan)
    commits = count_commits(harness.service.engine)
    grouped = await harness.service.apply(plan)
    grouped_commits = commits[0]

    other_engine = create_engine(fresh_database(db_kind))
    try:
        other = await make_service(other_engine, sim_app)
        other_plan = await clean_plan(other)
        monkeypatch.setattr(applier, "GROUP_PROJECTS", 1)
        commits = count_commits(other_engine)
        alone = await other.service.apply(other_plan)
        assert commits[0] >= len(plan.projects)  # one transaction a project
        assert await dump_tables(other_engine) == await dump_tables(harness.service.engine)
        await other.service.http.aclose()
    finally:
        await other_engine.dispose()

    n = len(plan.projects)
    assert grouped.items == alone.items == {"applied": n}
    assert grouped.tables == alone.tables == announced  # rows written == rows announced
    # the run's own bookkeeping (start, items, finish) and one transaction for the group
    assert grouped_commits <= commits[0] - n + 2
    assert await releases_of(harness.service.engine, plan) == {p.project_id for p in plan.projects}


async def test_a_row_created_behind_the_plans_back_makes_only_its_project_stale(
    harness, db_engine
):
    plan = await clean_plan(harness)
    # the last project creating an artist: that artist appears before apply, with another
    # name (so it is not "already as planned")
    target, artist = next(
        (p, e) for p in reversed(plan.projects) for e in p.entities
        if e.kind is EntityKind.artist and e.action is Action.create and e.row
    )
    async with db_engine.begin() as conn:
        await conn.execute(sa.insert(T_ARTIST).values(
            {**artist.row, "name": "Someone Else", "name_normalized": "someone else"}))
    # later projects crediting that artist are written (it exists); those crediting another
    # of its new artists cannot be
    also_stale = dependents(plan, target, frozenset({str(artist.row["id"])}))

    result = await harness.service.apply(plan)

    assert result.stale == [target.project_id, *also_stale]
    applied = {p.project_id for p in plan.projects} - set(result.stale)
    assert result.items == {"applied": len(applied), "stale": 1 + len(also_stale)}
    assert await releases_of(db_engine, plan) == applied  # the stale ones wrote nothing
    statuses = await item_statuses(db_engine)
    assert statuses[target.project_id][0] == "stale"
    assert "appeared since the preview" in (statuses[target.project_id][1] or "")
    assert all(statuses[p][0] == "applied" for p in applied)


async def test_a_refused_write_in_a_group_fails_only_its_project(harness, db_engine):
    plan = await clean_plan(harness)
    target = plan.projects[len(plan.projects) // 2]
    rec = next(e for e in target.entities if e.kind is EntityKind.recording and e.row)
    # a recording naming a creator that does not exist: the database refuses the group
    rec.row["creator_profile_id"] = type(rec.row["creator_profile_id"])(str(uuid.uuid4()))
    also_stale = dependents(plan, target)

    result = await harness.service.apply(plan)

    applied = {p.project_id for p in plan.projects} - {target.project_id, *also_stale}
    assert result.items.get("failed") == 1 and result.stale == also_stale
    assert result.items.get("applied") == len(applied) > len(plan.projects) // 2
    assert await releases_of(db_engine, plan) == applied
    statuses = await item_statuses(db_engine)
    assert statuses[target.project_id][0] == "failed"
    async with db_engine.connect() as conn:
        (message,) = (await conn.execute(sa.text(
            "SELECT message FROM sync_errors WHERE stage = 'apply'"))).one()
    assert "INSERT" not in message and "constraint failed" not in message


@pytest.mark.parametrize("after", [2, 7])
async def test_an_interrupted_group_leaves_no_rows_without_an_applied_item(
    harness, db_engine, monkeypatch, after
):
    """The process stops while a group is being written: what is committed is exactly the
    projects whose items read applied; running the import again finishes the rest."""
    monkeypatch.setattr(applier, "GROUP_PROJECTS", 3)
    svc, cid = harness.service, harness.connection_id
    finished = 0
    loop = asyncio.get_running_loop()

    async def sink(event):
        nonlocal finished
        if isinstance(event, ev.ProjectFinished):
            finished += 1
            if finished == after:  # stop at the next thing the run waits for
                loop.call_soon(task.cancel)

    task = asyncio.create_task(svc.run_import(cid, sink=sink))
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db_engine.connect() as conn:
        applied = (await conn.execute(sa.select(ITEMS.c.release_id).where(
            ITEMS.c.status == "applied"))).scalars().all()
        t = schema.DiscogRelease.__table__
        releases = (await conn.execute(sa.select(t.c.id))).scalars().all()
    assert after <= len(applied) < PROJECTS
    assert sorted(map(str, applied)) == sorted(map(str, releases))

    async with db_engine.begin() as conn:  # as if its process had been killed
        options = (await conn.execute(sa.select(RUNS.c.options))).scalar_one()
        await conn.execute(sa.update(RUNS).values(options={**options, "pid": 2**22 + 17}))
    again = await svc.run_import(cid)
    assert again.resumed and again.items == {"applied": PROJECTS}  # both parts counted
    assert await count_rows(db_engine, "discog_releases") == PROJECTS
