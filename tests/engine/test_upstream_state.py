"""One answer to "did this project change in Session Studio since its last import?": Browse's
import state, ``ss-tui projects list`` and the engine's ``upstream_changes`` agree, also when a
preview is applied after Session Studio edited the project (the release then holds the older,
previewed payload: the project has changed upstream since, whatever the clocks say)."""

from __future__ import annotations

import json
import os
import uuid

import pytest

from ss_tui.db.enums import UpstreamState
from ss_tui.queries.projects import ProjectFilter, count_projects, page_projects
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.engine import REPO, run_cli

# Browse says "imported" for a project Session Studio has as it was imported.
BROWSE = {UpstreamState.new: "new", UpstreamState.changed: "changed",
          UpstreamState.unchanged: "imported"}


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=3, projects=8)


def _cli_env(db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SS_TUI_", "SESSION_"))}
    return env | {"SS_TUI_DATABASE_URL": db_url, "PYTHONPATH": str(REPO)}


async def test_browse_the_cli_and_the_engine_agree_on_what_changed_upstream(
    harness, db_engine, db_url
):
    svc, sim, cid = harness.service, harness.simulator, harness.connection_id
    await svc.run_import(cid)
    pids = sorted(sim.catalogue.project_ids(sim.demo_account_id))
    preview = await svc.plan(cid, pids)
    sim.edit_project(pids[0], title="Edited while the preview was open")
    await svc.apply(preview)  # writes the previewed (older) payload, after the edit
    sim.edit_project(pids[1], label="Another Label")  # an ordinary edit after the import
    await svc.refresh_snapshots(cid)

    engine_view = await svc.upstream_changes(cid)
    changed = {p for p, s in engine_view.items() if s == UpstreamState.changed}
    assert changed == {pids[0], pids[1]}
    assert set(engine_view.values()) <= {UpstreamState.changed, UpstreamState.unchanged}

    f = ProjectFilter(connection_id=uuid.UUID(cid))
    browse = {r.external_id: r.import_state for r in await page_projects(db_engine, f)}
    assert browse == {p: BROWSE[s] for p, s in engine_view.items()}
    changed_filter = ProjectFilter(connection_id=uuid.UUID(cid), import_state="changed")
    assert {r.external_id for r in await page_projects(db_engine, changed_filter)} == changed
    assert await count_projects(db_engine, changed_filter) == 2

    code, out, err = await run_cli(_cli_env(db_url), "projects", "list", "--json", "--limit", "0")
    assert code == 0, err
    assert {r["external_id"]: r["import_state"] for r in json.loads(out)} == browse
    code, out, err = await run_cli(_cli_env(db_url), "projects", "list", "--state", "changed")
    assert code == 0, err
    assert pids[0] in out and pids[1] in out and pids[2] not in out

    # Importing them settles it everywhere: nothing changed upstream any more.
    await svc.run_import(cid, [pids[0], pids[1]])
    assert set((await svc.upstream_changes(cid)).values()) == {UpstreamState.unchanged}
    assert {r.import_state for r in await page_projects(db_engine, f)} == {"imported"}
    code, out, err = await run_cli(_cli_env(db_url), "projects", "list", "--state", "changed")
    assert code == 0, err
    # Projects exist, the filter leaves none: say so, not "fetch them first".
    assert out.strip() == "No project matches these filters: change or drop them."


async def test_a_headless_import_records_the_hash_of_each_snapshot_it_saved(harness):
    """The streamed import plans each chunk with the hashes its snapshots were saved with
    (not hashed again): every project it imported is then unchanged upstream."""
    svc, sim, cid = harness.service, harness.simulator, harness.connection_id
    result = await svc.run_import(cid)
    pids = sorted(sim.catalogue.project_ids(sim.demo_account_id))
    assert result.items.get("applied") == len(pids)
    assert await svc.upstream_changes(cid) == dict.fromkeys(pids, UpstreamState.unchanged)
