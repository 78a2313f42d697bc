"""The plan is the contract, seen from the dashboard: a hostile catalogue previewed, its
conflicts resolved with one choice per kind, applied without a constraint error; a track
Session Studio sent unreadable stays visible from preview to Progress to Errors; a retry
from Errors previews just its item."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from ss_tui.db.engine import create_engine
from ss_tui.engine.plan_types import EntityKind
from ss_tui.sessionstudio.tokens import TokenSet
from ss_tui.simulator import SimulatorConfig
from ss_tui.tui.screens.browser import BrowserScreen
from ss_tui.tui.screens.errors import ErrorsScreen
from ss_tui.tui.screens.preview import PreviewScreen
from ss_tui.tui.screens.progress import ProgressScreen
from ss_tui.tui.screenshots import settle
from ss_tui.tui.widgets.dialogs import ConfirmDialog
from ss_tui.tui.widgets.format import options_text
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(seed=42, projects=40, bad_data_share=0.5)


async def _query(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.text(sql), params)).all())
    finally:
        await engine.dispose()


async def test_hostile_catalogue_bulk_choice_skipped_track_and_previewed_retry(
    story_app, simulator, tui_db_url
) -> None:
    app = story_app("browser")
    unreadable = next(t for t, k in simulator.catalogue.malformed_items.items()
                      if k == "malformed_duration_string")
    async with app.run_test(size=SIZE) as pilot:
        tokens = TokenSet.from_response(
            simulator.issue_token(account_id=simulator.demo_account_id))
        await app.ctx.services.import_service().register_connection(tokens)
        await app.pick_default_account()
        await pilot.press("r")
        await settle(pilot)
        browser = app.screen
        assert isinstance(browser, BrowserScreen) and browser.total >= 35  # some unreadable
        await pilot.press("ctrl+a", "p")
        await settle(pilot)
        preview = app.screen
        assert isinstance(preview, PreviewScreen)

        # The unreadable track is a visible row with its reason, not a silent gap.
        (holder,) = [p for p in preview.plan.projects
                     if any(s["external_id"] == unreadable for s in p.skipped)]
        assert "track(s) skipped" in screen_text(app)

        # Conflicts: jump to one (n), choose (c), the same for every one of its kind (C).
        assert preview.plan.unresolved_conflicts()
        for _ in range(6):
            if not preview.plan.unresolved_conflicts():
                break
            pending = preview.plan.unresolved_conflicts()[0]
            preview._restore_cursor(
                next(p.project_id for p in preview.plan.projects if pending in p.entities),
                pending.key)
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            await pilot.press("C")
            await settle(pilot)
        assert not preview.plan.unresolved_conflicts()
        choices = {k: v for d in preview.plan.decisions.projects.values()
                   for k, v in d.choices.items()}
        assert choices
        # A resolved project's header no longer says blocked.
        assert "conflict(s) to resolve" not in screen_text(app)

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ProgressScreen)
        state = app.run_state
        assert state.status in ("succeeded", "partial"), list(state.log)
        assert state.skipped_tracks >= 1 and re.search(r"tracks? skipped", screen_text(app))
        assert state.projects[holder.project_id].skipped == 1

        # No constraint error, no duplicate identifier; the run recorded the choices.
        assert await _query(tui_db_url, "SELECT message FROM sync_errors "
                                        "WHERE stage = 'apply'") == []
        assert await _query(
            tui_db_url, "SELECT creator_profile_id, isrc FROM discog_recordings WHERE isrc "
            "IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1") == []
        assert await _query(tui_db_url, "SELECT upc FROM discog_releases WHERE upc IS NOT "
                                        "NULL GROUP BY 1 HAVING count(*) > 1") == []
        ((options,),) = await _query(tui_db_url, "SELECT options FROM import_runs "
                                                 "WHERE dry_run = 0")
        recorded = json.loads(options) if isinstance(options, str) else options
        assert {k: v for d in recorded["decisions"]["projects"].values()
                for k, v in d["choices"].items()} == choices
        assert recorded["plan_hash"]
        # History says what was approved, readably: the plan and how many choices.
        approved = options_text(recorded)
        assert approved.startswith(f"plan {recorded['plan_hash'][:8]} · ")
        assert f"{len(choices)} choice" in approved and "plan_hash" not in approved
        app.switch_mode("history")
        await settle(pilot)
        assert f"plan {recorded['plan_hash'][:8]}" in screen_text(app)
        # The unreadable track's error stays open: the track was not imported.
        assert await _query(tui_db_url, "SELECT status FROM sync_errors WHERE external_id = "
                                        ":t", t=unreadable) == [("open",)]

        # Retry one track's error from Errors: a preview of only that track.
        await pilot.press("f5")
        await settle(pilot)
        errors = app.screen
        assert isinstance(errors, ErrorsScreen)
        row = next(r for r in errors.rows.values() if r.stage == "transform"
                   and r.entity_type == "track" and "dropped" in r.message)  # imported
        table = errors.query_one("#errors")
        table.move_cursor(row=table.get_row_index(str(row.id)))
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        retry = app.screen
        assert isinstance(retry, PreviewScreen) and retry is not preview
        (project,) = retry.plan.projects
        assert project.project_id == row.project_external_id
        recordings = [e.external_id for e in project.entities
                      if e.kind is EntityKind.recording and e.included]
        assert recordings == [row.external_id]
        others = [e for e in project.entities if e.kind is EntityKind.recording
                  and e.external_id != row.external_id]
        assert others and not any(e.included for e in others)  # shown, left out


async def test_the_preview_saves_its_plan_and_opens_a_saved_one(make_app, tmp_path) -> None:
    from ss_tui.engine.planfile import loads
    from tests.tui.plans import sample_plan

    app = make_app("browser")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(PreviewScreen(sample_plan(), []))
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        (saved,) = tmp_path.glob("plan-*.json")
        assert [p.title for p in loads(saved.read_text()).projects] == [
            p.title for p in sample_plan().projects]

        other = sample_plan("Saved Elsewhere")
        path = tmp_path / "other.json"
        from ss_tui.engine.planfile import dumps

        path.write_text(dumps(other))
        await pilot.press("O")
        await settle(pilot)
        await pilot.press(*str(path), "enter")
        await settle(pilot)
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        assert preview.plan.projects[0].title == "Saved Elsewhere"
        assert "Saved Elsewhere" in screen_text(app)
