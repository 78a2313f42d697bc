"""Property: for any simulator catalogue (with its bad-data mix) and any decisions staff can
take (exclusions, conflict choices, creator profiles, overwrite), plan → save → load → apply
writes exactly the plan's summary, table by table; the database then holds exactly the
planned rows; applying the same saved plan again writes nothing."""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ss_tui.db import schema
from ss_tui.db.engine import create_engine
from ss_tui.engine.apply import entity_table
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.plan_types import Action, EntityKind
from ss_tui.engine.planfile import dumps, loads
from ss_tui.engine.rows import as_uuid, row_version
from ss_tui.simulator import SimulatorConfig, create_app
from tests.fixtures.engine import make_service

TABLES = ("creator_profiles", "creator_assignments", "artists", "discog_releases",
          "discog_recordings", "discog_release_tracks", "release_artists",
          "recording_artists", "provider_links")


def nonzero(rows: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {t: {a: n for a, n in by.items() if n} for t, by in rows.items() if any(by.values())}


async def _counts(engine: Any) -> Counter[str]:
    out: Counter[str] = Counter()
    async with engine.connect() as conn:
        for name in TABLES:
            t = schema.metadata.tables[name]
            out[name] = (await conn.execute(sa.select(sa.func.count()).select_from(t))).scalar_one()
    return out


def _decide(plan: Any, rng: random.Random) -> PlanDecisions:
    """Random decisions from one drawn seed: the plan they apply to comes from the database,
    so drawing them one by one would make hypothesis's replays depend on that state."""
    decisions = PlanDecisions(overwrite=rng.random() < 0.5)
    creators = sorted({p.new_creator["id"] for p in plan.projects if p.new_creator}, key=str)
    for p in plan.projects:
        d = decisions.set(p.project_id)
        d.include = rng.random() < 0.8
        if creators and rng.random() < 0.3:
            # Another project's new creator profile (created by the same plan).
            d.creator_profile_id = str(rng.choice(creators))
        for e in p.entities:
            if e.conflict is not None and e.conflict.choices:
                d.choices[e.key] = rng.choice(e.conflict.choices)
            elif e.kind in (EntityKind.recording, EntityKind.artist, EntityKind.credit) and \
                    rng.random() < 0.1:
                d.excluded.add(e.key)
    return decisions


async def _check(url: str, seed: int, choices: int) -> None:
    engine = create_engine(url)
    harness = await make_service(
        engine, create_app(SimulatorConfig(seed=seed, projects=6, bad_data_share=0.5)))
    svc, cid = harness.service, harness.connection_id
    try:
        await svc.refresh_snapshots(cid, full=True)
        pids = sorted(await svc.upstream_changes(cid))
        decisions = _decide(await svc.plan(cid, pids), random.Random(choices))
        text = dumps(await svc.plan(cid, pids, decisions))
        plan = loads(text)
        summary = nonzero(__import__("json").loads(text)["summary"]["rows"])

        before = await _counts(engine)
        result = await svc.apply(plan)
        after = await _counts(engine)

        assert result.stale == []
        assert nonzero(result.tables) == summary
        for table in TABLES:  # nothing else was written either
            by = summary.get(table, {})
            assert after[table] - before[table] == by.get("create", 0) - by.get("delete", 0), table
        async with engine.connect() as conn:
            apply_errors = (await conn.execute(sa.text(
                "SELECT message FROM sync_errors WHERE stage = 'apply'"))).all()
            assert apply_errors == []
            last: dict[Any, Any] = {}  # a row several projects write holds the last state
            for p in plan.projects:
                if p.included and not p.blocked:
                    for e in p.entities:
                        if e.writes and e.row is not None:
                            last[(entity_table(e).name, as_uuid(e.row["id"]))] = e
            for (name, rid), e in last.items():
                table = schema.metadata.tables[name]
                row = (await conn.execute(sa.select(table).where(table.c.id == rid))
                       ).mappings().first()
                if e.action is Action.delete:
                    assert row is None, e.key
                    continue
                assert row is not None, e.key
                wanted = {k: v for k, v in e.row.items() if k not in ("created_at", "updated_at")}
                got = {k: v for k, v in dict(row).items() if k in wanted}
                assert row_version(got) == row_version(wanted), (e.key, got, wanted)

        again = await svc.apply(loads(text))
        assert again.rows_written == 0 and nonzero(again.tables) == {} and again.stale == []
    finally:
        await harness.service.http.aclose()
        await engine.dispose()


@settings(max_examples=int(os.environ.get('SS_TUI_PLAN_EXAMPLES', 5)), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), choices=st.integers(0, 2**32))
def test_saved_plan_writes_exactly_its_summary_sqlite(fresh_database, seed, choices):
    asyncio.run(_check(fresh_database("sqlite"), seed, choices))


@pytest.mark.pg
@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), choices=st.integers(0, 2**32))
def test_saved_plan_writes_exactly_its_summary_postgresql(
    pg_server, fresh_database, seed, choices
):
    asyncio.run(_check(fresh_database("postgresql"), seed, choices))
