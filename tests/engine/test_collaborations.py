"""includeCollaborations: projects of another account this account is a member of.

The simulator models membership (a second account's project lists the Demo Label as a
member; Session Studio lists it for both, marked ``"membership": "member"``)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.db.creators import new_profile_row
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.simulator import SimulatorConfig
from ss_tui.simulator.catalogue import DEMO_ACCOUNT_ID, OTHER_ACCOUNT_ID
from tests.fixtures.engine import count_rows

SHARED = 2


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(seed=42, projects=12, shared_projects=SHARED)


def _shared(sim) -> list[str]:
    cat = sim.catalogue
    ids = cat.project_ids(DEMO_ACCOUNT_ID)
    return [p for p in ids if cat.project_account[p] != DEMO_ACCOUNT_ID]


async def test_session_studio_lists_a_shared_project_for_every_member(sim_http, simulator):
    shared = _shared(simulator)
    assert len(shared) == SHARED
    assert all(simulator.catalogue.project_account[p] == OTHER_ACCOUNT_ID for p in shared)
    for account, membership in ((DEMO_ACCOUNT_ID, "member"), (OTHER_ACCOUNT_ID, None)):
        token = simulator.issue_token(account_id=account).access_token
        headers = {"Authorization": f"Bearer {token}"}
        listed = (await sim_http.get("/projects?limit=100", headers=headers)).json()["data"]
        mine = {p["id"]: p for p in listed}
        assert set(shared) <= set(mine)
        assert {mine[p].get("membership") for p in shared} == {membership}
        one = await sim_http.get(f"/projects/{shared[0]}", headers=headers)
        assert one.status_code == 200


async def test_collaborations_only_when_asked(harness, db_engine):
    svc = harness.service
    shared = _shared(harness.simulator)
    first = await svc.run_import(harness.connection_id)
    assert first.items.get("excluded") == SHARED
    async with db_engine.connect() as conn:
        t = schema.metadata.tables["discog_releases"]
        ids = {r[0] for r in await conn.execute(sa.select(t.c.metadata["sessionStudioId"]
                                                          .as_string()))}
    assert not ids & set(shared)
    assert first.summary()["releases_imported"] == first.items["applied"]
    assert first.summary()["tracks_imported"] == await count_rows(db_engine,
                                                                  "discog_release_tracks")


async def test_collaboration_goes_to_the_main_artists_profile_when_jovie_has_one(
    harness, db_engine
):
    svc = harness.service
    shared = _shared(harness.simulator)
    mara = uuid.uuid4()
    profiles = schema.metadata.tables["creator_profiles"]
    async with db_engine.begin() as conn:  # a profile Jovie already has for her
        await conn.execute(sa.insert(profiles).values(
            new_profile_row(profiles, mara, "Mara Vell", None)))
    await svc.run_import(harness.connection_id, shared)  # fetch their snapshots
    plan = await svc.plan(harness.connection_id, shared,
                          PlanDecisions(include_collaborations=True))
    assert {p.creator_profile_id for p in plan.projects} == {str(mara)}
    assert not plan.unresolved_conflicts()
    result = await svc.apply(plan)
    assert result.items.get("applied") == SHARED
    async with db_engine.connect() as conn:
        t = schema.metadata.tables["discog_releases"]
        owners = {r[0] for r in await conn.execute(sa.select(t.c.creator_profile_id))}
    assert owners == {mara}


async def test_collaboration_without_a_profile_is_a_conflict_with_choices(harness, db_engine):
    svc = harness.service
    shared = _shared(harness.simulator)
    await svc.run_import(harness.connection_id, shared)  # fetch their snapshots
    decisions = PlanDecisions(include_collaborations=True)
    plan = await svc.plan(harness.connection_id, shared, decisions)
    conflicts = plan.unresolved_conflicts()
    assert len(conflicts) == SHARED
    assert {c.conflict.code for c in conflicts} == {"collaboration_creator"}
    assert conflicts[0].conflict.choices == ["create_creator", "skip"]
    assert "no creator profile for Mara Vell" in conflicts[0].conflict.reason
    # Staff choose "skip": nothing is written.
    for pid in shared:
        decisions.set(pid).choices[f"release:{pid}"] = "skip"
    plan = await svc.plan(harness.connection_id, shared, decisions)
    assert [p.included for p in plan.projects] == [False] * SHARED
    assert (await svc.apply(plan)).rows_written == 0
    # "create_creator" on one: a profile for Mara Vell, which her other project then uses
    # too (the choice is remembered per Session Studio artist).
    first = sorted(shared)[0]
    decisions.set(first).choices[f"release:{first}"] = "create_creator"
    plan = await svc.plan(harness.connection_id, shared, decisions)
    assert all(p.included and not p.blocked for p in plan.projects)
    assert len({p.creator_profile_id for p in plan.projects}) == 1
    result = await svc.apply(plan)
    assert result.items.get("applied") == SHARED
    assert await count_rows(db_engine, "discog_releases") == SHARED


async def test_cli_flags_carry_the_import_options(sqlite_url):
    """``import --include-unreleased / --include-collaborations`` against a live simulator;
    the JSON result carries the run summary."""
    import json

    from tests.fixtures.engine import prepare_cli_database, run_cli
    from tests.fixtures.simulator import start_live_simulator

    config = SimulatorConfig(seed=5, projects=10, shared_projects=SHARED)
    with start_live_simulator(config) as live:
        env = await prepare_cli_database(sqlite_url, live.simulator, live.base_url)
        env["SS_TUI_INCLUDE_UNRELEASED"] = "false"  # the shipped default
        cat = live.simulator.catalogue
        own = [p for p in cat.project_ids(DEMO_ACCOUNT_ID) if cat.project_account[p] ==
               DEMO_ACCOUNT_ID]
        released = [p for p in own if cat.projects[p]["status"] == "released"]

        code, out, err = await run_cli(env, "import", "--all", "--yes", "--json")
        assert code in (0, 1), err
        result = json.loads(out)
        assert result["items"]["excluded"] == len(own) - len(released) + SHARED
        assert result["summary"]["releases_imported"] == len(released)
        assert result["summary"]["tracks_imported"] == sum(
            len(cat.project_tracks[p]) for p in released)

        code, out, err = await run_cli(env, "import", "--all", "--yes", "--json",
                                       "--include-unreleased", "--include-collaborations")
        result = json.loads(out)
        # Unreleased ones now imported; the collaborations wait for a creator profile choice.
        assert result["summary"]["releases_imported"] == len(own) - len(released), err
        assert result["items"].get("excluded", 0) == 0
        assert result["errors"] >= SHARED


def test_job_payloads_carry_the_import_options(monkeypatch):
    """Worker jobs take the options from their payload (snake_case or the original plan's
    camelCase); absent, the settings' defaults."""
    from ss_tui.jobs.handlers import _import_options

    monkeypatch.setenv("SS_TUI_INCLUDE_UNRELEASED", "false")
    plain = _import_options({})
    assert (plain.include_unreleased, plain.include_collaborations) == (False, False)
    snake = _import_options({"include_unreleased": True, "include_collaborations": True})
    assert (snake.include_unreleased, snake.include_collaborations) == (True, True)
    camel = _import_options({"includeUnreleased": True, "includeCollaborations": True})
    assert (camel.include_unreleased, camel.include_collaborations) == (True, True)
    monkeypatch.setenv("SS_TUI_INCLUDE_UNRELEASED", "true")
    assert _import_options({}).include_unreleased is True
    assert _import_options({"include_unreleased": False}).include_unreleased is False
