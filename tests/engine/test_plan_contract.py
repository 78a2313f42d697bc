"""The plan is the contract: decisions travel with it, apply writes exactly its rows, and no
constraint error reaches a person (simulator catalogues with realistic bad data)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.engine import review
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.plan_types import EntityKind
from ss_tui.engine.summary import plan_rows
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.engine import apply_plan, count_rows, make_project, plan_projects


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=42, projects=80, bad_data_share=0.5)


def nonzero(rows: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {t: {a: n for a, n in by.items() if n} for t, by in rows.items()
            if any(by.values())}


async def hostile_plan(harness, choice: str):
    svc, cid = harness.service, harness.connection_id
    await svc.refresh_snapshots(cid, full=True)
    pids = sorted(await svc.upstream_changes(cid))
    plan = await svc.plan(cid, pids)
    codes = {e.conflict.code for _p, e in review.conflicts(plan)}
    assert {"upc_taken", "isrc_taken"} <= codes  # the catalogue really is hostile
    for code in codes:  # one bulk choice per kind, as the preview's "C" does
        review.choose_all(plan, code, choice)
    return await svc.plan(cid, pids, plan.decisions), pids


@pytest.mark.parametrize("choice", ["drop_identifier", "link_existing", "skip"])
async def test_bulk_choice_is_honoured_recorded_and_written_exactly(harness, db_engine, choice):
    plan, _ = await hostile_plan(harness, choice)
    assert not plan.unresolved_conflicts() or choice == "link_existing"
    for pending in plan.unresolved_conflicts():  # link_existing is not offered everywhere
        review.cycle_choice(plan, next(p for p in plan.projects
                                       if pending in p.entities), pending)
    plan = await harness.service.plan(harness.connection_id,
                                      [p.project_id for p in plan.projects], plan.decisions)
    expected = nonzero(plan_rows(plan))

    result = await harness.service.apply(plan)

    assert nonzero(result.tables) == expected
    async with db_engine.connect() as conn:
        kinds = (await conn.execute(sa.text(
            "SELECT kind, message FROM sync_errors WHERE stage = 'apply'"))).all()
        assert kinds == []  # no constraint error, no internal error
        dup_isrc = (await conn.execute(sa.text(
            "SELECT creator_profile_id, isrc, count(*) FROM discog_recordings "
            "WHERE isrc IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1"))).all()
        dup_upc = (await conn.execute(sa.text(
            "SELECT upc, count(*) FROM discog_releases WHERE upc IS NOT NULL "
            "GROUP BY 1 HAVING count(*) > 1"))).all()
        assert dup_isrc == [] and dup_upc == []
        runs = schema.ImportRun.__table__
        options = (await conn.execute(sa.select(runs.c.options).where(
            runs.c.id == uuid.UUID(result.run_id)))).scalar_one()
    recorded = PlanDecisions.from_dict(options["decisions"])
    chosen = {k: v for d in recorded.projects.values() for k, v in d.choices.items()}
    assert chosen and choice in set(chosen.values())
    assert chosen == {k: v for d in plan.decisions.projects.values()
                      for k, v in d.choices.items()}

    again = await harness.service.plan(harness.connection_id,
                                       [p.project_id for p in plan.projects], plan.decisions)
    changed = [(p.project_id, e.key, [(f.name, f.before, f.after) for f in e.fields])
               for p in again.projects for e in p.entities if e.writes]
    assert changed == []  # applying, then planning again: nothing to write


async def test_an_isrc_dropped_at_a_conflict_comes_back_as_that_conflict_not_an_update(harness):
    """Staff dropped an ISRC another recording holds; a later preview (no decisions yet)
    asks again, as it does for a new recording, instead of quietly adding it back."""
    from ss_tui.engine.plan_types import Action

    plan, pids = await hostile_plan(harness, "drop_identifier")
    dropped = {k for d in plan.decisions.projects.values()
               for k, v in d.choices.items() if v == "drop_identifier" and k.startswith("rec")}
    assert dropped
    await harness.service.apply(plan)

    again = await harness.service.plan(harness.connection_id, pids)
    readded = [(e.key, f.after) for p in again.projects for e in p.entities
               if e.action is Action.update for f in e.fields if f.name == "isrc"]
    assert readded == []
    asked = {e.key for _p, e in review.conflicts(again) if e.conflict.code == "isrc_taken"}
    assert dropped <= asked


async def test_excluding_a_track_drops_the_artist_only_it_credits(db_engine):
    project = make_project(1, 2)
    only_second = "artist:ss:col_1_2"
    plan = await plan_projects(db_engine, [project])
    assert any(e.key == only_second for e in plan.projects[0].entities)

    decisions = PlanDecisions()
    decisions.set(project.id).excluded.add("recording:trk_0001_2")
    plan = await plan_projects(db_engine, [project], decisions)
    keys = {e.key for e in plan.projects[0].entities if e.included}
    assert only_second not in keys and "artist:ss:col_1_1" in keys
    rows = plan_rows(plan)
    assert rows["artists"]["create"] == 3  # main artist, writer 1, producer

    results = await apply_plan(db_engine, plan)
    assert nonzero(results[0].tables) == nonzero(rows)
    async with db_engine.connect() as conn:
        names = {n for (n,) in await conn.execute(sa.text("SELECT name FROM artists"))}
    assert "Writer 1.2" not in names and "Writer 1.1" in names


async def test_excluding_a_new_artist_takes_its_credits_with_it(db_engine):
    project = make_project(1, 1)
    decisions = PlanDecisions()
    decisions.set(project.id).excluded.add("artist:ss:col_1_1")
    plan = await plan_projects(db_engine, [project], decisions)
    credits = [e for e in plan.projects[0].entities if e.kind is EntityKind.credit]
    assert credits and all("Writer" not in e.label for e in credits)
    results = await apply_plan(db_engine, plan)
    assert results[0].status == "applied"
    written = sum([await count_rows(db_engine, table)  # Jovie's legacy track credits too
                   for table in ("recording_artists", "release_artists", "track_artists")])
    assert written == len(credits)


@pytest.mark.parametrize("which", ["last", "first"])
async def test_an_identifier_taken_behind_the_plans_back_is_stale_and_the_rest_applies(
    harness, db_engine, which
):
    """A row the plan could not know about (written behind its back with the same ISRC):
    the plan's claim "no other row holds this ISRC" no longer holds, so that project is
    reported stale and left untouched, the others are written, and no error blames a bug.
    A later project that credits an artist the stale one was to create is stale too."""
    svc, cid = harness.service, harness.connection_id
    await svc.refresh_snapshots(cid, full=True)
    pids = sorted(await svc.upstream_changes(cid))
    full = await svc.plan(cid, pids)
    clean = [p.project_id for p in full.projects if p.included and not p.blocked
             and not p.issues and not any(e.conflict for e in p.entities)][:4]
    plan = await svc.plan(cid, clean)
    order = reversed(plan.projects) if which == "last" else iter(plan.projects)
    target = next(p for p in order if any(
        e.kind is EntityKind.recording and e.row and e.row.get("isrc") for e in p.entities))
    rec = next(e for e in target.entities
               if e.kind is EntityKind.recording and e.row and e.row.get("isrc"))
    release_id = next(e.row["id"] for e in target.entities if e.kind is EntityKind.release)
    other = make_project(999, 1)
    other_plan = await plan_projects(db_engine, [other])
    for e in other_plan.projects[0].entities:  # same creator, same ISRC, other slug
        if e.row is not None and "creator_profile_id" in e.row:
            e.row["creator_profile_id"] = target.entities[0].row["creator_profile_id"]
        if e.kind is EntityKind.recording:
            e.row["isrc"] = rec.row["isrc"]
    other_plan.projects[0].new_creator = target.new_creator
    await apply_plan(db_engine, other_plan)

    result = await svc.apply(plan)
    assert result.stale[0] == target.project_id and not result.items.get("failed")
    if which == "last":
        assert result.stale == [target.project_id] and result.items.get("applied", 0) >= 1
    else:  # this catalogue's later projects credit artists the first one creates
        assert len(result.stale) > 1
    async with db_engine.connect() as conn:
        for pid in result.stale[1:]:  # stale only because they rely on the target's rows
            (reason,) = (await conn.execute(sa.text(
                "SELECT error FROM import_items WHERE project_external_id = :p"),
                {"p": pid})).one()
            assert "relies on rows of project" in reason and target.title in reason
    async with db_engine.connect() as conn:
        written = (await conn.execute(sa.text(
            "SELECT count(*) FROM discog_releases WHERE id = :r"),
            {"r": release_id if db_engine.dialect.name == "postgresql"
             else uuid.UUID(str(release_id)).hex})).scalar_one()
        internal = (await conn.execute(sa.text(
            "SELECT count(*) FROM sync_errors WHERE stage = 'apply'"))).scalar_one()
        item = (await conn.execute(sa.text(
            "SELECT status, error FROM import_items WHERE project_external_id = :p"),
            {"p": target.project_id})).one()
    assert written == 0 and internal == 0
    assert item[0] == "stale" and "isrc" in item[1] and "INSERT" not in item[1]


async def test_a_constraint_error_at_apply_is_internal_plain_and_not_retry(harness, db_engine):
    """A write the database refuses for no reason the plan can see (here a plan whose
    recording names a creator that does not exist: a bug, not a stale plan) is classified
    internal, in a plain sentence without SQL, advised "report it", never "retry"."""
    svc, cid = harness.service, harness.connection_id
    await svc.refresh_snapshots(cid, full=True)
    pid = sorted(await svc.upstream_changes(cid))[0]
    plan = await svc.plan(cid, [pid])
    rec = next(e for e in plan.projects[0].entities
               if e.kind is EntityKind.recording and e.row)
    rec.row["creator_profile_id"] = type(rec.row["creator_profile_id"])(str(uuid.uuid4()))

    result = await svc.apply(plan)
    assert result.items.get("failed") == 1 and not result.stale
    async with db_engine.connect() as conn:
        row = (await conn.execute(sa.text(
            "SELECT kind, message, suggested_action, detail FROM sync_errors "
            "WHERE stage = 'apply'"))).one()
    kind, message, action, detail = row
    assert kind == "internal" and action != "retry"
    assert "SQL" not in message and "INSERT" not in message and "constraint failed" not in message
    assert "report" in (detail if isinstance(detail, dict) else __import__("json").loads(detail))[
        "advice"]


async def test_an_unreadable_track_is_skipped_visibly_and_its_error_stays_open(
    harness, db_engine
):
    from ss_tui.engine import events as ev

    svc, cid, sim = harness.service, harness.connection_id, harness.simulator
    tid = next(t for t, kind in sim.catalogue.malformed_items.items()
               if kind == "malformed_duration_string")
    pid = sim.catalogue.tracks[tid]["projectId"]
    await svc.refresh_snapshots(cid, full=True)

    plan = await svc.plan(cid, [pid])
    (skipped,) = plan.projects[0].skipped
    assert skipped["external_id"] == tid and "durationMs" in skipped["reason"]

    seen: list = []

    async def sink(event):
        seen.append(event)

    await svc.apply(plan, sink=sink)
    (finished,) = [e for e in seen if isinstance(e, ev.ProjectFinished)]
    assert finished.status == "applied" and finished.skipped == 1

    async def status_of_track_error() -> str:
        async with db_engine.connect() as conn:
            return (await conn.execute(sa.text(
                "SELECT status FROM sync_errors WHERE external_id = :t"), {"t": tid})).scalar_one()

    assert await status_of_track_error() == "open"  # the track was not imported

    sim.edit_track(tid, duration_ms=200_000)  # fixed in Session Studio
    await svc.refresh_snapshots(cid)
    plan = await svc.plan(cid, [pid])
    assert plan.projects[0].skipped == []
    await svc.apply(plan)
    assert await status_of_track_error() == "resolved"


async def test_progress_counts_every_row_the_apply_dialog_announced(harness):
    """Progress adds up the rows of each finished project; a creator the import creates and
    the remembered artist assignment are rows too, so its total is the dialog's total."""
    from ss_tui.engine import events as ev
    from ss_tui.engine.summary import rows_total

    plan, _ = await hostile_plan(harness, "drop_identifier")
    announced = rows_total(plan_rows(plan))
    assert plan_rows(plan).get("creator_assignments")  # the case this guards
    finished: list[ev.ProjectFinished] = []
    written: list[ev.EntityWritten] = []

    async def sink(event):
        if isinstance(event, ev.ProjectFinished):
            finished.append(event)
        elif isinstance(event, ev.EntityWritten):
            written.append(event)

    result = await harness.service.apply(plan, sink=sink)

    assert rows_total(result.tables) == announced
    assert sum(e.count for e in written) == announced  # Progress's live figure
    assert sum(n for e in finished for n in e.written.values()) == announced
    assert result.rows_written == announced  # the CLI's "N rows written"
