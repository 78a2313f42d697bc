"""Merge rules (docs/architecture.md) on real databases: other sources, locks, nulls,
conflicts, drift."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.engine.apply import Stale
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.plan_types import Action
from tests.fixtures.db import creator_values
from tests.fixtures.engine import (
    apply_plan,
    count_rows,
    make_project,
    plan_projects,
    upc_for,
)

REC = schema.DiscogRecording.__table__
REL = schema.DiscogRelease.__table__


async def _creator(engine, handle="label") -> str:
    cid = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(schema.CreatorProfile.__table__).values(
                id=cid, **creator_values(handle.title(), handle)
            )
        )
    return str(cid)


async def _row(engine, table, **where):
    async with engine.connect() as conn:
        stmt = sa.select(table)
        for k, v in where.items():
            stmt = stmt.where(table.c[k] == v)
        return (await conn.execute(stmt)).mappings().one()


async def _other_source_recording(engine, creator: str, isrc: str) -> uuid.UUID:
    rid = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(REC).values(
                id=rid,
                creator_profile_id=uuid.UUID(creator),
                title="Spotify Title",
                slug="spotify-title",
                isrc=isrc,
                duration_ms=None,
                is_explicit=False,
                source_type="manual",
                metadata={"spotifyId": "sp1", "bpm": 90},
            )
        )
        await conn.execute(
            sa.insert(schema.FieldLock.__table__).values(
                id=uuid.uuid4(),
                table_name="discog_recordings",
                row_id=rid,
                field_name="is_explicit",
                locked_by="staff",
                reason="legal",
            )
        )
    return rid


async def test_recording_from_another_source_is_linked_filled_not_duplicated(db_engine):
    creator = await _creator(db_engine)
    project = make_project(1, 1, explicit_track=1)
    isrc = project.tracks[0].isrc
    rid = await _other_source_recording(db_engine, creator, isrc)

    decisions = PlanDecisions(default_creator_profile_id=creator)
    plan = await plan_projects(db_engine, [project], decisions)
    rec = next(e for e in plan.projects[0].entities if e.kind.value == "recording")
    assert rec.action == Action.update and rec.row_id == str(rid)
    by_name = {f.name: f for f in rec.fields}
    assert by_name["title"].kept_other_source and by_name["is_explicit"].locked
    await apply_plan(db_engine, plan)

    assert await count_rows(db_engine, "discog_recordings") == 1
    row = await _row(db_engine, REC, id=rid)
    assert row["title"] == "Spotify Title"  # non-empty value of the other source kept
    assert row["duration_ms"] == project.tracks[0].duration_ms  # empty field filled
    assert row["is_explicit"] is False  # locked
    assert row["metadata"]["spotifyId"] == "sp1" and row["metadata"]["bpm"] == 90
    assert row["metadata"]["key"] == "Am"  # filled where absent
    assert row["source_type"] == "manual"

    # Staff choose overwrite: other source's values are replaced — the lock still holds.
    decisions.overwrite = True
    plan = await plan_projects(db_engine, [project], decisions)
    await apply_plan(db_engine, plan)
    row = await _row(db_engine, REC, id=rid)
    assert row["title"] == project.tracks[0].title
    assert row["is_explicit"] is False
    assert await count_rows(db_engine, "discog_recordings") == 1


async def test_source_null_never_erases_and_rename_keeps_slug(db_engine):
    project = make_project(2, 2)
    await apply_plan(db_engine, await plan_projects(db_engine, [project]))
    edited = project.model_copy(deep=True)
    edited.label = None
    edited.title = "Renamed Album"
    edited.tracks[0].duration_ms = None
    plan = await plan_projects(db_engine, [edited])
    await apply_plan(db_engine, plan)
    release = await _row(db_engine, REL, title="Renamed Album")
    assert release["label"] == "Demo Label"  # null from the source: unknown, kept
    assert release["slug"] == "project-2"  # pinned by sessionStudioId
    rec = await _row(db_engine, REC, isrc=project.tracks[0].isrc)
    assert rec["duration_ms"] == project.tracks[0].duration_ms


async def test_removed_collaborator_credit_is_deleted_and_slugs_get_suffixes(db_engine):
    a, b = make_project(3, 1), make_project(4, 1)
    b.title = a.title  # same slug base within one creator profile
    b.tracks[0].title = a.tracks[0].title
    await apply_plan(db_engine, await plan_projects(db_engine, [a, b]))
    slugs = sorted(await _all(db_engine, REL, "slug"))
    assert slugs == ["project-3", "project-3-2"]

    edited = a.model_copy(deep=True)
    edited.tracks[0].collaborators = edited.tracks[0].collaborators[:1]
    plan = await plan_projects(db_engine, [edited])
    deletes = [e for e in plan.projects[0].entities if e.action == Action.delete]
    # Composer and producer credits, on the recording and on its legacy discog_tracks row.
    assert sorted(e.key.split(":")[1] for e in deletes) == [
        "recording", "recording", "track", "track"]
    await apply_plan(db_engine, plan)
    assert {e.action for e in (await plan_projects(db_engine, [edited])).projects[0].entities} == {
        Action.unchanged
    }


async def _all(engine, table, col):
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(table.c[col]))).scalars().all()


async def test_upc_taken_is_a_conflict_with_choices(db_engine):
    creator = await _creator(db_engine)
    async with db_engine.begin() as conn:
        await conn.execute(
            sa.insert(REL).values(
                id=uuid.uuid4(),
                creator_profile_id=uuid.UUID(creator),
                title="Manual Release",
                slug="manual-release",
                upc=upc_for(5),
                source_type="manual",
            )
        )
    project = make_project(5, 1)
    decisions = PlanDecisions(default_creator_profile_id=creator)
    plan = await plan_projects(db_engine, [project], decisions)
    pp = plan.projects[0]
    conflict = next(e for e in pp.entities if e.action == Action.conflict)
    assert conflict.conflict.code == "upc_taken"
    assert "Manual Release" in conflict.conflict.reason
    assert set(conflict.conflict.choices) == {"link_existing", "drop_identifier", "skip"}
    results = await apply_plan(db_engine, plan)
    assert results[0].status == "failed" and await count_rows(db_engine, "discog_releases") == 1

    decisions.set(project.id).choices[conflict.key] = "link_existing"
    plan = await plan_projects(db_engine, [project], decisions)
    await apply_plan(db_engine, plan)
    assert await count_rows(db_engine, "discog_releases") == 1
    row = await _row(db_engine, REL, slug="manual-release")
    assert row["metadata"]["sessionStudioId"] == project.id and row["title"] == "Manual Release"


async def test_project_imported_into_another_creator_is_a_conflict(db_engine):
    first, second = await _creator(db_engine, "one"), await _creator(db_engine, "two")
    project = make_project(6, 1)
    await apply_plan(
        db_engine,
        await plan_projects(db_engine, [project], PlanDecisions(default_creator_profile_id=first)),
    )
    decisions = PlanDecisions()
    decisions.set(project.id).creator_profile_id = second
    plan = await plan_projects(db_engine, [project], decisions)
    entity = plan.projects[0].entities[0]
    assert entity.conflict.code == "other_creator" and plan.projects[0].blocked
    decisions.set(project.id).choices[entity.key] = "keep_existing_creator"
    plan = await plan_projects(db_engine, [project], decisions)
    assert plan.projects[0].creator_profile_id == first and not plan.projects[0].blocked


async def test_row_changed_after_preview_makes_project_stale(db_engine):
    project = make_project(7, 1)
    await apply_plan(db_engine, await plan_projects(db_engine, [project]))
    edited = project.model_copy(deep=True)
    edited.title = "New Title"
    plan = await plan_projects(db_engine, [edited])
    async with db_engine.begin() as conn:  # someone edits the release meanwhile
        await conn.execute(sa.update(REL).values(label="Changed By Staff"))
    with pytest.raises(Stale):
        await apply_plan(db_engine, plan)
    row = await _row(db_engine, REL, label="Changed By Staff")
    assert row["title"] == "Project 7"  # not silently overwritten


async def test_a_track_replaced_upstream_at_the_same_position_moves_the_old_one_aside(db_engine):
    """Session Studio swaps track 2 for a new song at position 2: the new track takes the
    position, the old release track is kept (never deleted) and moved to the end."""
    project = make_project(5, 3)
    await apply_plan(db_engine, await plan_projects(db_engine, [project]))
    edited = project.model_copy(deep=True)
    new = edited.tracks[1].model_copy(deep=True)
    new.id, new.title, new.isrc = "trk_0005_new", "Brand New Song", "USXYZ0099999"
    edited.tracks[1] = new

    plan = await plan_projects(db_engine, [edited])
    results = await apply_plan(db_engine, plan)
    assert [r.status for r in results] == ["applied"], results
    assert any("no longer in Session Studio" in w and "position 4" in w
               for w in plan.projects[0].warnings)
    rt = schema.DiscogReleaseTrack.__table__
    async with db_engine.connect() as conn:
        rows = (await conn.execute(sa.select(rt.c.title, rt.c.track_number)
                                   .order_by(rt.c.track_number))).all()
    assert [tuple(r) for r in rows] == [
        ("Song 5.1", 1), ("Brand New Song", 2), ("Song 5.3", 3), ("Song 5.2", 4)
    ]
    again = await plan_projects(db_engine, [edited])
    assert {e.action for e in again.projects[0].entities} == {Action.unchanged}
