"""The Textual app and its factory.

``create_app`` injects configuration, the database engine, the token store and the API base
URL so that tests, ``ss-tui demo`` and ``ss-tui tui`` build the same app over different parts.
The app never writes to the database itself: writes go through the engine's service; screens
read through ``ss_tui.queries``.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal

from ss_tui.config import Settings
from ss_tui.engine.events import EngineEvent
from ss_tui.engine.plan_types import ImportPlan
from ss_tui.sessionstudio.errors import AuthError
from ss_tui.tui.context import AppContext
from ss_tui.tui.discovery_state import DiscoveryState
from ss_tui.tui.failure import DatabaseProblemScreen, database_problem, describe
from ss_tui.tui.messages import (
    DataChanged,
    DiscoveryEventPosted,
    EngineEventPosted,
    RefreshEventPosted,
)
from ss_tui.tui.palette import palette_commands
from ss_tui.tui.refresh_state import RefreshState
from ss_tui.tui.run_state import RunState
from ss_tui.tui.safe import clean, sentence
from ss_tui.tui.screens.browser import BrowserScreen
from ss_tui.tui.screens.connect import ConnectScreen
from ss_tui.tui.screens.discovery import DiscoveryScreen
from ss_tui.tui.screens.errors import ErrorsScreen
from ss_tui.tui.screens.help import HelpScreen
from ss_tui.tui.screens.history import HistoryScreen
from ss_tui.tui.screens.jobs import JobsScreen
from ss_tui.tui.screens.preview import PreviewScreen
from ss_tui.tui.screens.progress import ProgressScreen
from ss_tui.tui.screens.stats import StatsScreen
from ss_tui.tui.services import RunControl, Services

# Top-level screens: (mode, key, label, description). Order is the footer/palette order.
NAVIGATION: tuple[tuple[str, str, str, str], ...] = (
    ("connect", "f2", "Connect", "Accounts: connect, disconnect, last sync"),
    ("browser", "f3", "Browse", "Browse the account's projects and pick some to import"),
    ("progress", "f4", "Progress", "The running (or last) import"),
    ("errors", "f5", "Errors", "Sync errors: inspect, retry, resolve, export"),
    ("history", "f6", "History", "Past import runs"),
    ("jobs", "f7", "Jobs", "The worker job queue: running, failed, retry, cancel"),
    ("stats", "f8", "Stats", "Import success rates, durations, API figures, alerts"),
)


class SsTuiApp(App[None]):
    """Session Studio → Jovie discography importer."""

    TITLE = "ss-tui"
    SUB_TITLE = "Session Studio → Jovie"
    CSS_PATH = "app.tcss"
    # Below 130 columns screens get "-narrow": side panes stack under their table (app.tcss).
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (130, "-wide")]
    MODES: ClassVar[dict[str, Any]] = {
        "connect": ConnectScreen,
        "browser": BrowserScreen,
        "progress": ProgressScreen,
        "errors": ErrorsScreen,
        "history": HistoryScreen,
        "jobs": JobsScreen,
        "stats": StatsScreen,
    }
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("f1", "help", "Help", id="app.help", tooltip="Help for this screen"),
        *(
            Binding(key, f"goto('{mode}')", label, id=f"app.goto.{mode}", tooltip=desc)
            for mode, key, label, desc in NAVIGATION
        ),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Quit ss-tui", priority=True),
    ]

    def __init__(self, ctx: AppContext, *, start: str = "connect") -> None:
        super().__init__()
        self.ctx = ctx
        self._start = start
        self.run_state = RunState()
        # Published after every engine event; the Progress screen subscribes.
        self.run_changed: Signal[RunState] = Signal(self, "run_changed")
        # Published when the database changed under the screens (runs, refreshes, retries).
        self.data_changed: Signal[str] = Signal(self, "data_changed")
        self.selected_account: Any = None  # ss_connections.id the screens work on
        # "Refresh from Session Studio": its own state (the browser shows it), and the
        # connection whose refresh a revoked token stopped (it resumes after reconnecting).
        self.refresh_state = RefreshState()
        self.refresh_changed: Signal[RefreshState] = Signal(self, "refresh_changed")
        self.pending_refresh: Any = None
        # "Discover links" on selected releases; the Discovery screen renders it.
        self.discovery_state = DiscoveryState()
        self.discovery_changed: Signal[DiscoveryState] = Signal(self, "discovery_changed")
        self.run_control: RunControl | None = None  # of the current (or last) run
        self._run_busy = False  # a run's worker has not returned yet (even after RunFinished)
        self.services = Services(ctx)
        self.database_failure: Any = None  # a Failure while the database cannot be used
        if ctx.frozen:
            self.animation_level = "none"

    async def on_mount(self) -> None:
        self.theme = self.ctx.extras.get("theme", "textual-dark")
        await self.check_database()
        self.call_after_refresh(self._freeze_heap)

    async def check_database(self) -> None:
        """At start-up (and on "check again"): the screens open only over a database they can
        use; otherwise a screen says what is wrong and what to do. A read-only database opens
        with a warning (browsing works; imports would fail)."""
        blocking, warning = await database_problem(self.ctx)
        self.database_failure = blocking
        if blocking is not None:
            if isinstance(self.screen, DatabaseProblemScreen):
                self.screen.show(blocking)
            else:
                await self.push_screen(DatabaseProblemScreen(blocking))
            return
        if isinstance(self.screen, DatabaseProblemScreen):
            self.pop_screen()
        if warning is not None:
            self.sub_title = f"{self.SUB_TITLE} · read-only database"
            self.notify(str(warning), title="Read-only database", severity="warning",
                        timeout=30, markup=False)
        await self.pick_default_account()
        await self.switch_mode(self._start)

    def _fatal_error(self) -> None:
        """A failure nobody caught ends the app with one line (the cause, or where the
        details are), not a traceback: the log file keeps that."""
        from rich.text import Text

        error = sys.exc_info()[1] or self._exception
        message = describe(error, self.ctx, "The dashboard") if error else "ss-tui stopped."
        self.bell()
        self._exit_renderables.append(Text(message, style="red"))
        self._close_messages_no_wait()

    def _freeze_heap(self) -> None:
        """Everything alive once the first screen is up (modules, Textual, SQLAlchemy: ~200k
        objects) lives as long as the app. Moving it out of the collector's reach turns a full
        collection landing on a keystroke from ~120 ms into ~25 ms (bench/tui_browser.py)."""
        gc.collect()  # garbage is not frozen forever
        gc.freeze()

    async def on_unmount(self) -> None:
        await self.services.aclose()  # the shared HTTP client's connections
        gc.unfreeze()  # an app run inside a longer process (tests) gives its heap back

    async def pick_default_account(self) -> None:
        """Work on the first connected account until the user picks another."""
        from ss_tui.queries.connections import default_account, list_connections

        if self.selected_account is not None:
            return
        try:
            rows = await list_connections(self.ctx.db_engine)
        except Exception:  # an unmigrated database: the screens show their own errors
            return
        self.selected_account = default_account(rows)

    # -- navigation ---------------------------------------------------------------------------

    def action_goto(self, mode: str) -> None:
        if self.database_failure is not None:
            self.notify("The database cannot be used yet: see the message (r checks again).",
                        severity="warning", markup=False)
            return
        if self.current_mode != mode:
            self.switch_mode(mode)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own (theme, keys, screenshot…), then ours: see ss_tui.tui.palette."""
        yield from super().get_system_commands(screen)
        yield from palette_commands(self, screen, NAVIGATION)

    # -- engine events --------------------------------------------------------------------------

    async def sink(self, event: EngineEvent) -> None:
        """The EventSink handed to the engine: forwards events as Textual messages."""
        self.post_message(EngineEventPosted(event))

    def on_engine_event_posted(self, message: EngineEventPosted) -> None:
        self.run_state.apply(message.event, self.ctx.clock())
        self.run_changed.publish(self.run_state)

    async def refresh_sink(self, event: EngineEvent) -> None:
        """The EventSink of a refresh: its events feed ``refresh_state``, not the run."""
        self.post_message(RefreshEventPosted(event))

    def on_refresh_event_posted(self, message: RefreshEventPosted) -> None:
        if self.refresh_state.apply(message.event):
            self.refresh_changed.publish(self.refresh_state)

    async def discovery_sink(self, event: Any) -> None:
        self.post_message(DiscoveryEventPosted(event))

    def on_discovery_event_posted(self, message: DiscoveryEventPosted) -> None:
        if self.discovery_state.apply(message.event):
            self.discovery_changed.publish(self.discovery_state)

    def on_data_changed(self, message: DataChanged) -> None:
        self.data_changed.publish(message.reason)

    # -- flows shared by screens ------------------------------------------------------------

    def show_errors(self, run_id: Any = None) -> None:
        """Open the Errors screen, filtered on ``run_id`` when given."""
        self.switch_mode("errors")

        def apply_filter() -> None:
            screen = self.screen
            if isinstance(screen, ErrorsScreen) and run_id is not None:
                screen.show_run(run_id)

        self.call_after_refresh(apply_filter)

    def open_preview(self, project_ids: list[str]) -> None:
        """Plan the import of ``project_ids`` (in a worker) and show the preview."""
        self.notify(f"Planning {len(project_ids)} project(s)…", timeout=2)
        self.build_plan(project_ids)

    @work(exclusive=True, group="plan", exit_on_error=False)
    async def build_plan(self, project_ids: list[str]) -> None:
        try:
            plan = await self.services.plan(self.selected_account, project_ids)
        except Exception as exc:  # shown to the user; the app must stay up
            self.notify(clean(describe(exc, self.ctx, "Building the preview")),
                        severity="error", markup=False, timeout=10)
            return
        self.push_screen(PreviewScreen(plan))

    def _begin_run(self, what: str) -> RunControl | None:
        """Start-up shared by everything that runs the engine (an import, a retry): one run
        at a time, a fresh control for the Progress screen's pause/cancel, a fresh state.
        None (and the user told why) while another run is active."""
        if self.run_state.active or self._run_busy:
            self.notify(f"Cannot start the {what}: an import is already running. Wait for it "
                        "to finish, or cancel it on the Progress screen (F4).",
                        severity="warning", markup=False)
            return None
        self._run_busy = True
        self.run_control = RunControl()
        self.run_state = RunState()
        self.run_state.status = "running"
        self.run_changed.publish(self.run_state)
        return self.run_control

    def _end_run(self, control: RunControl, status: str) -> None:
        """After the engine returned: a run that never reported its end (it failed before
        RunFinished, or had nothing to do) must not stay "running" and block the next one.
        Called through the message queue, so after the run's own events."""
        if self.run_control is not control:
            return
        self._run_busy = False
        if self.run_state.active:
            self.run_state.status = status
            self.run_changed.publish(self.run_state)

    def start_import(self, plan: ImportPlan) -> None:
        """Apply exactly ``plan``; progress arrives as engine events."""
        control = self._begin_run("import")
        if control is None:
            return
        self.switch_mode("progress")
        self.run_import(plan, control)

    @work(exclusive=True, group="run", exit_on_error=False)
    async def run_import(self, plan: ImportPlan, control: RunControl) -> None:
        status = "failed"
        try:
            result = await self.services.apply(plan, self.sink, control)
            status = getattr(result, "status", None) or "succeeded"
        except Exception as exc:
            self.notify(clean(describe(exc, self.ctx, "The import")), severity="error",
                        markup=False, timeout=15)
        else:
            self.notify(f"Import {status}.", severity="information" if status == "succeeded"
                        else "warning", markup=False)
        finally:
            self.call_later(self._end_run, control, status)
            self.post_message(DataChanged("run"))

    def toggle_pause(self) -> None:
        control = self.run_control
        if control is None:
            return
        if control.paused:
            control.resume()
            self.run_state.paused = False
        else:
            control.pause()
            self.run_state.paused = True
        self.run_changed.publish(self.run_state)

    def cancel_run(self) -> None:
        if self.run_control is not None:
            self.run_control.cancel()
            self.run_state.cancel_requested = True
            self.run_changed.publish(self.run_state)

    def refresh_from_remote(self) -> None:
        if self.selected_account is None:
            self.notify("Connect an account first (F2).", severity="warning")
            return
        self.run_refresh(self.selected_account)

    @work(exclusive=True, group="refresh", exit_on_error=False)
    async def run_refresh(self, connection_id: Any) -> None:
        self.refresh_state.start()
        self.refresh_changed.publish(self.refresh_state)
        try:
            result = await self.services.refresh(connection_id, self.refresh_sink)
        except AuthError as exc:
            # The token was revoked: what was fetched is saved; resume after reconnecting.
            self.pending_refresh = connection_id
            self.refresh_state.reconnect_message = exc.message
            self.notify(f"Reconnect needed: {sentence(exc.message)} Nothing fetched is lost: "
                        "reconnect on the Connect screen (F2) and the refresh resumes.",
                        severity="error", markup=False, timeout=15)
        except Exception as exc:
            self.notify(clean(describe(exc, self.ctx, "The refresh")), severity="error",
                        markup=False, timeout=10)
        else:
            self.pending_refresh = None
            if not self._listing_stopped(result, "The refresh"):
                self.notify(clean(result), markup=False)
        finally:
            self.refresh_state.active = False
            self.refresh_changed.publish(self.refresh_state)
            self.post_message(DataChanged("refresh"))

    def discover_links(self, project_ids: list[str]) -> None:
        """Look up other services' links for the releases imported from these projects."""
        if self.discovery_state.active:
            self.notify("A link discovery is already running.", severity="warning")
            self.push_screen(DiscoveryScreen())
            return
        self.run_discovery(project_ids, self.selected_account)

    @work(exclusive=True, group="discover", exit_on_error=False)
    async def run_discovery(self, project_ids: list[str], connection_id: Any) -> None:
        from ss_tui.queries.releases import releases_for_projects

        state = self.discovery_state
        releases = await releases_for_projects(self.ctx.db_engine, project_ids)
        if not releases:
            self.notify("None of the selected projects is imported yet: import them first.",
                        severity="warning")
            return
        state.start([(str(r.release_id), r.title) for r in releases],
                    len(project_ids) - len(releases))
        self.push_screen(DiscoveryScreen())
        self.discovery_changed.publish(state)
        try:
            report = await self.services.discover([r.release_id for r in releases],
                                                  self.discovery_sink, connection_id)
        except Exception as exc:  # configuration or database trouble: shown, app stays up
            text = describe(exc, self.ctx, "Link discovery")
            state.failure, state.active = clean(text), False
            self.notify(clean(text), severity="error", markup=False, timeout=10)
        else:
            c = report.counts()
            self.notify(f"Links: {c.get('found', 0)} found, {c.get('not_found', 0)} not found, "
                        f"{c.get('failed', 0)} failed.",
                        severity="warning" if c.get("failed") else "information", markup=False)
        finally:
            self.discovery_changed.publish(state)
            self.post_message(DataChanged("discovery"))

    def _listing_stopped(self, result: Any, doing: str) -> bool:
        """A listing that stopped part-way is a failure to show, not "nothing changed"."""
        error = getattr(result, "listing_error", None)
        if error is None:
            return False
        fetched = len(getattr(result, "upstream", None) or getattr(result, "payloads", {}))
        text = describe(error, self.ctx, doing)
        if fetched:
            text += f" ({fetched} projects were listed before it stopped: run it again.)"
        self.notify(clean(text), severity="error", markup=False, timeout=15)
        return True

    def account_connected(self, connection_id: Any) -> None:
        """After a login: resume the refresh a revoked token stopped, if it was this account."""
        pending = self.pending_refresh
        if pending is None or str(pending) != str(connection_id):
            return
        self.pending_refresh = None
        self.selected_account = pending
        self.notify("Reconnected: resuming the refresh from Session Studio…", timeout=3)
        self.action_goto("browser")
        self.run_refresh(pending)


def create_app(
    settings: Settings,
    *,
    db_engine: Any,
    token_store: Any,
    api_base_url: str | None = None,
    http_transport: Any = None,
    simulator: Any = None,
    clock: Any = None,
    frozen: bool = False,
    start: str = "connect",
    theme: str = "textual-dark",
    **extras: Any,
) -> SsTuiApp:
    """Build the dashboard over the given parts (the one way tests, demo and CLI build it)."""
    ctx = AppContext(
        settings=settings,
        db_engine=db_engine,
        token_store=token_store,
        api_base_url=api_base_url or settings.api_base_url,
        http_transport=http_transport,
        simulator=simulator,
        frozen=frozen,
        extras={"theme": theme, **extras},
    )
    if clock is not None:
        ctx.clock = clock
    return SsTuiApp(ctx, start=start)
