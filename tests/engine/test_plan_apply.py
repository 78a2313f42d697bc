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


async def test_a_projects_new_rows_are_keyed_under_its_release(db_engine):
    """Ids stay deterministic (two importers converge) and a project's rows share its
    release's id prefix, so each per-project commit touches few index pages."""
    import sqlalchemy as sa

    projects = [make_project(1, 3), make_project(2, 2)]
    first = await plan_projects(db_engine, projects)
    again = await plan_projects(db_engine, projects)
    ids = [[e.row["id"] for e in p.entities if e.row] for p in first.projects]
    assert ids == [[e.row["id"] for e in p.entities if e.row] for p in again.projects]
    await apply_plan(db_engine, first)

    async with db_engine.connect() as conn:
        releases = (await conn.execute(sa.text("SELECT id FROM discog_releases"))).all()
        assert len(releases) == 2
        for (release_id,) in releases:
            prefix = str(release_id).replace("-", "")[:16]
            owned = {
                "discog_release_tracks": "release_id = :r",
                "discog_recordings": "id IN (SELECT recording_id FROM discog_release_tracks "
                "WHERE release_id = :r)",
                "release_artists": "release_id = :r",
                "recording_artists": "recording_id IN (SELECT recording_id FROM "
                "discog_release_tracks WHERE release_id = :r)",
                "provider_links": "release_id = :r OR release_track_id IN (SELECT id FROM "
                "discog_release_tracks WHERE release_id = :r)",
            }
            for table, where in owned.items():
                rows = (
                    await conn.execute(sa.text(f"SELECT id FROM {table} WHERE {where}"),
                                       {"r": release_id})
                ).all()
                assert rows, table
                assert {str(i).replace("-", "")[:16] for (i,) in rows} == {prefix}, table
