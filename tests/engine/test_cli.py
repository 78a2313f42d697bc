"""The headless CLI against a live (loopback) simulator: import, dry run, errors, runs."""

from __future__ import annotations

import json

import pytest

from ss_tui.simulator import SimulatorConfig
from tests.fixtures.engine import count_rows, prepare_cli_database, run_cli
from tests.fixtures.simulator import start_live_simulator


@pytest.fixture(scope="module")
def live_sim():
    with start_live_simulator(SimulatorConfig(seed=11, projects=15, bad_data_share=0.2)) as live:
        yield live


@pytest.fixture
def sqlite_only(sqlite_url):
    return sqlite_url


async def test_import_dry_run_then_apply_then_rerun(sqlite_only, live_sim, tmp_path):
    from ss_tui.db.engine import create_engine

    env = await prepare_cli_database(sqlite_only, live_sim.simulator, live_sim.base_url)
    code, out, err = await run_cli(env, "import", "--all", "--dry-run", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["totals"]["create"] > 0

    code, out, err = await run_cli(env, "import", "--all", "--yes", "--json")
    result = json.loads(out)
    assert code in (0, 1), err  # bad data makes it partial
    # Rows written are the rows the plan announced, table by table (creators included).
    assert result["rows_written"] == sum(n for by in plan["rows"].values() for n in by.values())
    assert result["tables"] == {t: by for t, by in plan["rows"].items() if any(by.values())}
    engine = create_engine(sqlite_only)
    try:
        releases = await count_rows(engine, "discog_releases")
    finally:
        await engine.dispose()
    assert releases == result["items"]["applied"]

    code, out, err = await run_cli(env, "import", "--all", "--yes")
    assert "0 rows written" in out and "nothing changed" in out

    code, out, err = await run_cli(env, "errors", "list", "--json")
    errors = json.loads(out)
    assert errors and all(e["message"] and e["suggested_action"] for e in errors)
    code, out, err = await run_cli(env, "errors", "show", errors[0]["id"][:8])
    assert code == 0 and "source payload" in out
    assert f"kind: {errors[0]['kind']}" in out and "resolved_by" not in out  # unset: left out
    code, out, err = await run_cli(env, "errors", "ignore", errors[0]["id"], "--note", "known")
    assert code == 0 and "1 error(s) ignored" in out
    csv_path = tmp_path / "errors.csv"
    code, out, err = await run_cli(env, "errors", "export", "--status", "all", "-o", str(csv_path))
    assert code == 0 and csv_path.read_text().count("\n") == len(errors) + 1

    code, out, err = await run_cli(env, "runs", "list", "--json")
    runs = json.loads(out)
    assert [r["started_by"] for r in runs] == ["ci-bot"] * len(runs)
    code, out, err = await run_cli(env, "runs", "show", runs[0]["id"], "--json")
    assert json.loads(out)["items"]
    code, out, err = await run_cli(env, "runs", "show", runs[0]["id"])
    assert code == 0 and "started_by: ci-bot" in out and "finished_at: " in out


async def test_not_connected_exit_code(sqlite_only, live_sim):
    env = await prepare_cli_database(sqlite_only, live_sim.simulator, live_sim.base_url)
    code, _out, err = await run_cli(env, "import", "--all", "--yes", "--account", "nobody")
    assert code == 4 and "No Session Studio connection" in err
