"""One run at a time, whatever starts it (an import from the preview, a retry from the Errors
screen): the Progress screen's pause and cancel act on the run that is going on, and the
screen redraws at a bounded rate, only while it is shown."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from textual.widgets import DataTable

from ss_tui.engine import events as ev
from ss_tui.engine.plan_types import ImportPlan
from ss_tui.queries.connections import ConnectionRow, default_account
from ss_tui.tui.messages import EngineEventPosted
from ss_tui.tui.run_state import RunState
from ss_tui.tui.screens.errors import ErrorsScreen
from ss_tui.tui.screens.progress import REDRAW_INTERVAL_S, ProgressScreen
from ss_tui.tui.screenshots import settle
from ss_tui.tui.widgets.dialogs import ConfirmDialog
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text
from tests.tui.plans import finished_events, running_events, sample_plan
from tests.tui.seed import T0


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def settle_beside_runs(pilot: Any) -> None:
    """``settle`` without waiting for the run workers (a fake run here blocks on purpose)."""
    for _ in range(3):
        await pilot.pause()
        others = [w for w in pilot.app.workers if w.group not in ("run", "retry")]
        if others:  # (an empty list would mean every worker)
            await pilot.app.workers.wait_for_complete(others)
    for _ in range(3):
        await pilot.pause(REDRAW_INTERVAL_S)


class FakeEngine:
    """Stands in for the engine behind ``Services``: runs that report like the real one and
    end when cancelled (or released), recording what they were handed."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.retried: list[tuple[list[Any], Any]] = []
        self.retry_plan = sample_plan("Retried")
        for conflict in self.retry_plan.unresolved_conflicts():  # ready to apply
            assert conflict.conflict is not None
            conflict.conflict.chosen = conflict.conflict.choices[0]

    async def _run(self, run_id: str, sink: Any, control: Any) -> Any:
        await sink(ev.RunStarted(run_id, total_projects=2, started_by="tester", dry_run=False))
        await sink(ev.ProjectStarted(run_id, "prj_000001", "First", 1))
        cancelled = asyncio.ensure_future(control.cancel_event.wait())
        released = asyncio.ensure_future(self.release.wait())
        await asyncio.wait({cancelled, released}, return_when=asyncio.FIRST_COMPLETED)
        cancelled.cancel()
        released.cancel()
        await sink(ev.ProjectFinished(run_id, "prj_000001", "applied"))
        status = "cancelled" if control.cancel_event.is_set() else "succeeded"
        await sink(ev.RunFinished(run_id, status, {}, errors=0, duration_s=1.0))
        return type("Result", (), {"status": status, "__str__": lambda s: f"Run {status}."})()

    async def apply(self, plan: Any, sink: Any, control: Any) -> Any:
        return await self._run("retry-run" if plan is self.retry_plan else "import-run",
                               sink, control)

    async def plan_retry(self, error_ids: list[Any]) -> Any:
        """The retry is planned first (shown in the Preview), applied once confirmed."""
        self.retried.append((error_ids, None))
        return self.retry_plan


def _fake_engine(app: Any) -> FakeEngine:
    fake = FakeEngine()
    app.ctx.services.apply = fake.apply
    app.ctx.services.plan_retry = fake.plan_retry
    return fake


async def _confirm_preview(pilot: Any) -> None:
    from ss_tui.tui.screens.preview import PreviewScreen

    assert isinstance(pilot.app.screen, PreviewScreen)
    await pilot.press("a")
    await settle_beside_runs(pilot)
    assert isinstance(pilot.app.screen, ConfirmDialog)
    await pilot.press("y")
    await settle_beside_runs(pilot)


async def test_retry_while_an_import_runs_is_refused(seeded, make_app) -> None:
    from ss_tui.tui.screens.preview import PreviewScreen

    seeded(projects=5, errors=3)
    app = make_app("errors")
    async with app.run_test(size=SIZE) as pilot:
        fake = _fake_engine(app)
        await settle_beside_runs(pilot)
        app.start_import(sample_plan())
        await settle_beside_runs(pilot)
        import_state, import_control = app.run_state, app.run_control
        assert import_state.run_id == "import-run" and import_state.active

        await pilot.press("f5")
        await settle_beside_runs(pilot)
        errors = app.screen
        assert isinstance(errors, ErrorsScreen)
        await pilot.press("space")  # mark one error, then retry it: its plan is shown
        await pilot.press("t")
        await settle_beside_runs(pilot)
        assert len(fake.retried) == 1 and isinstance(app.screen, PreviewScreen)
        assert app.screen.plan is fake.retry_plan
        await _confirm_preview(pilot)
        assert any("Cannot start the import: an import is already running" in n
                   for n in _notes(app))
        # The import's state and control are untouched: pause/cancel still act on it.
        assert app.run_state is import_state and app.run_control is import_control
        assert import_state.run_id == "import-run" and import_state.active

        fake.release.set()
        await settle(pilot)
        assert import_state.status == "succeeded"


async def test_cancel_during_a_retry_cancels_the_retry(seeded, make_app) -> None:
    s = seeded(projects=5, errors=3)
    app = make_app("errors")
    async with app.run_test(size=SIZE) as pilot:
        fake = _fake_engine(app)
        await settle_beside_runs(pilot)
        await pilot.press("t")  # retry the highlighted error: preview, then apply
        await settle_beside_runs(pilot)
        assert fake.retried == [([s.error_ids[0]], None)]
        await _confirm_preview(pilot)
        control = app.run_control
        assert app.run_state.run_id == "retry-run" and app.run_state.active

        await pilot.press("f4")
        await settle_beside_runs(pilot)
        assert isinstance(app.screen, ProgressScreen)
        assert "Run retry-run" in screen_text(app)
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle_beside_runs(pilot)
        assert control.cancel_event.is_set()
        assert app.run_state.status == "cancelled"
        assert "Finished: cancelled" in screen_text(app)


async def test_a_run_that_never_reports_its_end_does_not_block_the_next(
    seeded, make_app
) -> None:
    """A run with nothing left to do emits no event at all; a failing one may stop before
    RunFinished. Neither may leave the state "running"."""
    seeded(projects=5, errors=3)
    app = make_app("errors")
    async with app.run_test(size=SIZE) as pilot:
        calls: list[Any] = []

        async def silent(plan: Any, sink: Any, control: Any) -> Any:
            calls.append(control)
            return "Nothing to apply."

        async def broken(plan: Any, sink: Any, control: Any) -> Any:
            calls.append(control)
            await sink(ev.RunStarted("r", total_projects=1, started_by="t", dry_run=False))
            raise RuntimeError("database went away")

        await settle(pilot)
        plan = ImportPlan()
        app.ctx.services.apply = silent
        app.start_import(plan)  # what the Preview's confirmed apply (and a retry's) calls
        await settle(pilot)
        assert len(calls) == 1 and not app.run_state.active

        app.ctx.services.apply = broken
        app.start_import(plan)
        await settle(pilot)
        assert len(calls) == 2 and app.run_state.status == "failed"
        assert any(n.startswith("The import failed:") and "(RuntimeError)" in n
                   for n in _notes(app))  # an unknown failure: its type, details in the log

        app.start_import(plan)
        await settle(pilot)
        assert len(calls) == 3  # not refused: nothing is running


async def test_progress_redraws_are_coalesced_and_skipped_while_hidden(make_app) -> None:
    app = make_app("progress")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        draws: list[int] = []
        original = progress.render_state

        def counting(state: RunState) -> None:
            draws.append(state.log_seq)
            original(state)

        progress.render_state = counting  # type: ignore[method-assign]

        run_id = "run-burst"
        burst = [ev.RunStarted(run_id, total_projects=1, started_by="t", dry_run=False),
                 ev.ProjectStarted(run_id, "prj_1", "Burst", 500)]
        burst += [ev.EntityWritten(run_id, "prj_1", "recording", "create", 1)
                  for _ in range(300)]
        for event in burst:
            app.post_message(EngineEventPosted(event))
        await settle(pilot)
        assert app.run_state.rows_written == 300
        assert 1 <= len(draws) <= 5, len(draws)  # not one redraw per event
        assert "300 rows" in screen_text(app)  # the last change is drawn

        # Hidden: events fold into the state, the screen does not redraw...
        await pilot.press("f5")
        await settle(pilot)
        await pilot.pause(REDRAW_INTERVAL_S * 2)
        draws.clear()
        for _ in range(50):
            app.post_message(EngineEventPosted(
                ev.EntityWritten(run_id, "prj_1", "recording", "create", 1)))
        await settle(pilot)
        await pilot.pause(REDRAW_INTERVAL_S * 2)
        assert draws == [] and app.run_state.rows_written == 350

        # ...until it shows again; the end of a run is drawn at once.
        await pilot.press("f4")
        await settle(pilot)
        assert len(draws) == 1 and "350 rows" in screen_text(app)
        app.post_message(EngineEventPosted(ev.ProjectFinished(run_id, "prj_1", "applied")))
        app.post_message(EngineEventPosted(
            ev.RunFinished(run_id, "succeeded", {}, errors=0, duration_s=3.0)))
        for _ in range(3):
            await pilot.pause()
        assert not progress.redraw_pending
        assert "Finished: succeeded" in screen_text(app)


def test_run_state_counts_finished_projects_once() -> None:
    state = RunState()
    for event in finished_events():
        state.apply(event, T0)
    assert state.done_projects == 4 == state.total_projects
    state.apply(ev.ProjectFinished("run-0001", "prj_000004", "failed"), T0)  # a repeat
    assert state.done_projects == 4
    assert state.eta_s(T0 + timedelta(seconds=10)) is None  # finished: no ETA


def test_run_started_keeps_the_operation_pause_and_cancel() -> None:
    """A retry over two accounts is two engine runs on one control: the second RunStarted
    must not forget that staff paused it."""
    state = RunState()
    for event in running_events():
        state.apply(event, T0)
    state.paused = True
    state.apply(ev.RunStarted("run-0002", total_projects=1, started_by="t", dry_run=False), T0)
    assert state.run_id == "run-0002" and state.paused and state.done_projects == 0
    assert not state.projects and state.rows_written == 0


def _conn(i: int, status: str) -> ConnectionRow:
    return ConnectionRow(id=i, account_id=f"a{i}", account_name=None, base_url="http://x",
                         scopes=None, status=status, last_sync_at=None, projects=0)


def test_default_account_prefers_connected_then_reconnect_needed() -> None:
    assert default_account([]) is None
    assert default_account([_conn(1, "disconnected")]) is None
    assert default_account([_conn(1, "reconnect_needed"), _conn(2, "connected")]) == 2
    assert default_account([_conn(1, "disconnected"), _conn(2, "reconnect_needed")]) == 2


async def test_connect_screen_marks_the_default_account(seeded, make_app) -> None:
    seeded(projects=2, connection_status="connected")
    app = make_app("connect")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.selected_account = None  # as after a login: the screen picks the default
        app.screen.load()
        await settle(pilot)
        assert app.selected_account is not None
        table = app.screen.query_one("#accounts", DataTable)
        assert str(table.get_cell_at((0, 0))).startswith("▶ ")
