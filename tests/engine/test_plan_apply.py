"""Plan then apply against real databases: idempotency, merge rules, conflicts."""

from __future__ import annotations

from ss_tui.engine.plan_types import Action
from tests.fixtures.engine import apply_plan, count_rows, make_project, plan_projects


async def test_first_import_creates_then_second_plan_is_unchanged(db_engine):
    projects = [make_project(1, 3, explicit_track=2), make_project(2, 1)]
    plan = await plan_projects(db_engine, projects)
    totals = plan.totals()
    assert totals["create"] > 0 and totals["update"] == 0 and totals["conflict"] == 0
    results = await apply_plan(db_engine, plan)
    assert [r.status for r in results] == ["applied", "applied"]
    assert await count_rows(db_engine, "discog_releases") == 2
    assert await count_rows(db_engine, "discog_recordings") == 4
    assert await count_rows(db_engine, "discog_release_tracks") == 4
    # Rows written equal the plan's counts.
    written = sum(r.rows_written for r in results)
    assert written == totals["create"]

    again = await plan_projects(db_engine, projects)
    assert {e.action for p in again.projects for e in p.entities} == {Action.unchanged}
    results = await apply_plan(db_engine, again)
    assert [r.status for r in results] == ["unchanged", "unchanged"]
