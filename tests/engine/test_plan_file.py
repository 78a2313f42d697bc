"""A saved plan is the contract: versioned JSON that loads back to the same plan, applies
exactly its summary, goes stale (and stays untouched) when its rows moved on."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from ss_tui.engine import review
from ss_tui.engine.planfile import PlanFileError, dumps, loads, plan_to_json
from ss_tui.engine.summary import plan_rows
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.engine import prepare_cli_database, run_cli
from tests.fixtures.simulator import start_live_simulator


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=42, projects=30, bad_data_share=0.5)


def nonzero(rows):
    return {t: {a: n for a, n in by.items() if n} for t, by in rows.items() if any(by.values())}


async def saved_plan(harness):
    svc, cid = harness.service, harness.connection_id
    await svc.refresh_snapshots(cid, full=True)
    pids = sorted(await svc.upstream_changes(cid))
    plan = await svc.plan(cid, pids)
    for code in {e.conflict.code for _p, e in review.conflicts(plan)}:
        review.choose_all(plan, code, "drop_identifier")
    first = next(p for p in plan.projects if p.entities)
    recording = next(e for e in first.entities if e.kind.value == "recording")
    plan.decisions.set(first.project_id).excluded.add(recording.key)
    return await svc.plan(cid, pids, plan.decisions)


async def test_save_load_apply_writes_exactly_the_summary_then_nothing(harness, db_engine):
    plan = await saved_plan(harness)
    text = dumps(plan)
    data = json.loads(text)
    assert data["format_version"] == 1
    assert data["summary"]["rows"] == plan_rows(plan)
    loaded = loads(text)
    assert plan_to_json(loaded) == data  # round trip: the same plan, decisions included
    assert loaded.decisions.to_dict() == plan.decisions.to_dict()

    result = await harness.service.apply(loaded)
    assert nonzero(result.tables) == nonzero(data["summary"]["rows"])
    assert result.stale == []

    again = await harness.service.apply(loads(text))
    assert again.rows_written == 0 and again.tables == {} and again.stale == []

    async with db_engine.connect() as conn:
        runs = (await conn.execute(sa.text(
            "SELECT started_by, options FROM import_runs ORDER BY started_at"))).all()
    started_by, options = runs[-2]
    options = options if isinstance(options, dict) else json.loads(options)
    assert started_by == "tester" and options["plan_hash"] == data["plan_hash"]
    assert options["decisions"] == data["decisions"]


async def test_a_row_edited_after_planning_makes_only_its_project_stale(harness, db_engine):
    svc, cid = harness.service, harness.connection_id
    await svc.refresh_snapshots(cid, full=True)
    pids = sorted(await svc.upstream_changes(cid))[:6]
    await svc.apply(await svc.plan(cid, pids))  # imported once: the next plan reads rows
    harness.simulator.edit_project(pids[0], title="Renamed upstream")
    harness.simulator.edit_project(pids[1], title="Renamed upstream too")
    await svc.refresh_snapshots(cid)
    text = dumps(await svc.plan(cid, pids))

    async with db_engine.begin() as conn:  # someone edits the first release meanwhile
        await conn.execute(sa.text(
            "UPDATE discog_releases SET label = 'Edited by hand' "
            "WHERE json_extract(metadata, '$.sessionStudioId') = :p"
            if db_engine.dialect.name == "sqlite" else
            "UPDATE discog_releases SET label = 'Edited by hand' "
            "WHERE metadata->>'sessionStudioId' = :p"), {"p": pids[0]})

    result = await svc.apply(loads(text))
    assert result.stale == [pids[0]]
    async with db_engine.connect() as conn:
        rows = dict((await conn.execute(sa.text(
            "SELECT title, label FROM discog_releases WHERE label = 'Edited by hand' "
            "OR title LIKE 'Renamed%'"))).all())
    # The stale project is untouched (the hand edit stays, the new title is not written);
    # the other project was applied.
    assert "Renamed upstream" not in rows and "Edited by hand" in rows.values()
    assert "Renamed upstream too" in rows


def test_a_damaged_or_foreign_file_is_refused_in_plain_words():
    with pytest.raises(PlanFileError, match="Not an ss-tui plan"):
        loads("{}")
    with pytest.raises(PlanFileError, match="invalid JSON"):
        loads("{")
    good = {"format": "ss-tui.import-plan", "format_version": 99}
    with pytest.raises(PlanFileError, match="version 99"):
        loads(json.dumps(good))


@pytest.fixture(scope="module")
def live_sim():
    with start_live_simulator(SimulatorConfig(seed=11, projects=8, bad_data_share=0.3)) as live:
        yield live


async def test_cli_dry_run_out_then_apply_round_trip_and_stale(sqlite_url, live_sim, tmp_path):
    from ss_tui.db.engine import create_engine

    env = await prepare_cli_database(sqlite_url, live_sim.simulator, live_sim.base_url)
    path = tmp_path / "plan.json"
    code, out, err = await run_cli(env, "import", "--all", "--dry-run", "--out", str(path))
    assert code == 0, err
    saved = json.loads(path.read_text())
    code, out, err = await run_cli(env, "apply", str(path), "--yes", "--json")
    assert code in (0, 1), err
    result = json.loads(out)
    assert nonzero(result["tables"]) == nonzero(saved["summary"]["rows"])
    assert result["stale"] == []
    code, out, err = await run_cli(env, "runs", "show", result["run_id"])
    assert code == 0, err
    assert f"approved: plan {saved['plan_hash']} by ci-bot" in " ".join(out.split())

    # Plan again after an upstream change, edit one row by hand, then apply the plan.
    sim = live_sim.simulator
    pids = sorted(p["project_id"] for p in saved["projects"] if p["entities"]
                  and not p["blocked"])[:2]
    for pid in pids:
        sim.edit_project(pid, title=f"Retitled {pid}")
    code, out, err = await run_cli(env, "import", "--all", "--dry-run", "--out", str(path))
    assert code == 0, err
    engine = create_engine(sqlite_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(
                "UPDATE discog_releases SET label = 'hand edit' "
                "WHERE json_extract(metadata, '$.sessionStudioId') = :p"), {"p": pids[0]})
        code, out, err = await run_cli(env, "apply", str(path), "--yes", "--json")
        assert code == 1, err
        result = json.loads(out)
        assert result["stale"] == [pids[0]]
        async with engine.connect() as conn:
            query = sa.text("SELECT title FROM discog_releases")
            titles = {t for (t,) in await conn.execute(query)}
    finally:
        await engine.dispose()
    assert f"Retitled {pids[1]}" in titles and f"Retitled {pids[0]}" not in titles


async def test_cli_retry_prints_its_plan_and_asks_first(sqlite_url, live_sim):
    env = await prepare_cli_database(sqlite_url, live_sim.simulator, live_sim.base_url)
    code, out, err = await run_cli(env, "import", "--all", "--yes")
    assert code in (0, 1), err
    code, out, err = await run_cli(env, "errors", "list", "--json")
    error = next(e for e in json.loads(out) if e["stage"] == "transform"
                 and e["entity_type"] == "track" and "dropped" in e["message"])
    code, out, err = await run_cli(env, "errors", "retry", error["id"])
    assert code == 2 and "--yes" in err  # no terminal to confirm on: nothing applied
    assert error["project_external_id"] in out  # the plan was printed
    code, out, err = await run_cli(env, "errors", "retry", error["id"], "--yes", "--json")
    assert code in (0, 1), err
    result = json.loads(out)
    assert result["rows_written"] == 0  # already imported: the retry plan writes nothing else
