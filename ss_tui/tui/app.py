"""The Textual app and its factory.

``create_app`` injects configuration, the database engine, the token store and the API base
URL so that tests, ``ss-tui demo`` and ``ss-tui tui`` build the same app over different parts.
The app never writes to the database itself: writes go through the engine's service; screens
read through ``ss_tui.queries``.

Screens do not call the app: they post requests (ss_tui/tui/messages.py), handled here, and
read the typed context (ss_tui/tui/context.py), whose live state the app updates. Everything
that runs in the background is an ``Operation`` (ss_tui/tui/operation.py) started, fed and
ended the same way.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen

from ss_tui.config import Settings
from ss_tui.db.enums import RunStatus
from ss_tui.engine.plan_types import ImportPlan
from ss_tui.engine.run import RunControl
from ss_tui.failures import Failure
from ss_tui.sessionstudio.errors import AuthError
from ss_tui.sessionstudio.tokens import TokenStore
from ss_tui.tui.context import AppContext, Live
from ss_tui.tui.discovery_state import DiscoveryState
from ss_tui.tui.failure import DatabaseProblemScreen, database_problem, describe
from ss_tui.tui.keymap import (
    KeymapProblem,
    bindings_of,
    check_ids,
    describe_problems,
    parse_keymap,
)
from ss_tui.tui.messages import (
    AccountConnected,
    AccountDisconnected,
    CancelRun,
    CheckDatabase,
    DataChanged,
    DiscoverLinks,
    EngineEventPosted,
    Navigate,
    OpenPreview,
    OperationEvent,
    PauseResume,
    RefreshFromRemote,
    ShowErrors,
    StartImport,
    UseAccount,
)
from ss_tui.tui.operation import Operation
from ss_tui.tui.palette import palette_commands
from ss_tui.tui.refresh_state import RefreshState
from ss_tui.tui.run_state import RunState
from ss_tui.tui.safe import clean, sentence
from ss_tui.tui.screens.browser import BrowserScreen, ProjectTable
from ss_tui.tui.screens.connect import ConnectScreen
from ss_tui.tui.screens.discovery import DiscoveryScreen
from ss_tui.tui.screens.errors import ErrorsScreen
from ss_tui.tui.screens.help import HelpScreen
from ss_tui.tui.screens.history import HistoryScreen
from ss_tui.tui.screens.jobs import JobsScreen
from ss_tui.tui.screens.preview import PreviewScreen
from ss_tui.tui.screens.progress import ProgressScreen
from ss_tui.tui.screens.run_detail import RunDetailScreen
from ss_tui.tui.screens.stats import StatsScreen
from ss_tui.tui.widgets.dialogs import ConfirmDialog, NoteDialog

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    import httpx
    from sqlalchemy.ext.asyncio import AsyncEngine

    from ss_tui.discovery.report import DiscoveryReport
    from ss_tui.engine.fetcher import FetchResult
    from ss_tui.engine.run import RunResult

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

Sink = Callable[[object], Awaitable[None]]


class SsTuiApp(App[None]):
    """Session Studio → Jovie discography importer."""

    TITLE = "ss-tui"
    SUB_TITLE = "Session Studio → Jovie"
    CSS_PATH = "app.tcss"
    # Below 130 columns screens get "-narrow": side panes stack under their table (app.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (130, "-wide")]
    MODES: ClassVar[dict[str, Any]] = {  # Textual types a mode's screen factory with Any
        "connect": ConnectScreen,
        "browser": BrowserScreen,
        "progress": ProgressScreen,
        "errors": ErrorsScreen,
        "history": HistoryScreen,
        "jobs": JobsScreen,
        "stats": StatsScreen,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help", tooltip="Help for this screen"),
        *(
            Binding(key, f"goto('{mode}')", label, id=f"app.goto.{mode}", tooltip=desc)
            for mode, key, label, desc in NAVIGATION
        ),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Quit ss-tui", priority=True),
    ]

    def __init__(self, ctx: AppContext, *, start: str = "connect",
                 keymap_problems: list[KeymapProblem] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        ctx.live = Live(self)
        self._start = start
        self._keymap_problems = keymap_problems or []
        self.run_control: RunControl | None = None  # of the current (or last) run
        # The connection whose refresh a revoked token stopped (resumes after reconnecting).
        self.pending_refresh: uuid.UUID | None = None
        self.database_failure: Failure | None = None  # while the database cannot be used
        self._clashes_told: set[frozenset[str]] = set()
        if ctx.frozen:
            self.animation_level = "none"

    # The live state under the names tests and scripts use (screens read ``ctx.live``).
    @property
    def run_state(self) -> RunState:
        return self.ctx.live.run.detail

    @property
    def refresh_state(self) -> RefreshState:
        return self.ctx.live.refresh.detail

    @property
    def discovery_state(self) -> DiscoveryState:
        return self.ctx.live.discovery.detail

    @property
    def selected_account(self) -> uuid.UUID | None:
        return self.ctx.live.account

    @selected_account.setter
    def selected_account(self, value: uuid.UUID | None) -> None:
        self.ctx.live.account = value

    async def on_mount(self) -> None:
        self.theme = self.ctx.extras.get("theme", "textual-dark")
        self.set_keymap(self.ctx.keymap)
        if self._keymap_problems:
            self.notify(describe_problems(self._keymap_problems), title="Keymap",
                        severity="error", timeout=30, markup=False)
        await self.check_database()
        self.call_after_refresh(self._freeze_heap)

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        """Two bindings of one screen on the same key after remapping: say so once."""
        ids = frozenset(b.id or b.action for b in clashed_bindings)
        if ids in self._clashes_told:
            return
        self._clashes_told.add(ids)
        self.notify(f"SS_TUI_KEYMAP: {', '.join(sorted(ids))} were given a key another "
                    "binding of this screen uses; the keymap's binding wins.",
                    title="Keymap", severity="warning", timeout=15, markup=False)

    @on(CheckDatabase)
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
        await self.ctx.services.aclose()  # the shared HTTP client's connections
        gc.unfreeze()  # an app run inside a longer process (tests) gives its heap back

    async def pick_default_account(self) -> None:
        """Work on the first connected account until the user picks another."""
        from ss_tui.queries.connections import default_account, list_connections

        if self.ctx.live.account is not None:
            return
        try:
            rows = await list_connections(self.ctx.db_engine)
        except Exception:  # an unmigrated database: the screens show their own errors
            return
        self.ctx.live.account = default_account(rows)

    # -- navigation ---------------------------------------------------------------------------

    def action_goto(self, mode: str) -> None:
        if self.database_failure is not None:
            self.notify("The database cannot be used yet: see the message (r checks again).",
                        severity="warning", markup=False)
            return
        if self.current_mode != mode:
            self.switch_mode(mode)

    @on(Navigate)
    def _navigate(self, request: Navigate) -> None:
        self.action_goto(request.mode)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    # Textual's own signature (its Screen's result type is Any).
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own (theme, keys, screenshot…), then ours: see ss_tui.tui.palette."""
        yield from super().get_system_commands(screen)
        yield from palette_commands(self, screen, NAVIGATION)

    @on(ShowErrors)
    def _show_errors(self, request: ShowErrors) -> None:
        self.show_errors(request.run_id)

    def show_errors(self, run_id: uuid.UUID | str | None = None) -> None:
        """Open the Errors screen, filtered on ``run_id`` when given."""
        self.switch_mode("errors")

        def apply_filter() -> None:
            screen = self.screen
            if isinstance(screen, ErrorsScreen) and run_id is not None:
                screen.show_run(run_id)

        self.call_after_refresh(apply_filter)

    # -- the account and "data changed" ---------------------------------------------------------

    @on(UseAccount)
    def _use_account(self, request: UseAccount) -> None:
        self.ctx.live.account = request.connection_id
        if request.browse:
            self.action_goto("browser")

    @on(AccountConnected)
    def _account_connected(self, request: AccountConnected) -> None:
        """After a login: the Connect screen picks the default account again, and the refresh
        a revoked token stopped resumes if it was this account."""
        self.ctx.live.account = None
        pending = self.pending_refresh
        if pending is not None and str(pending) == str(request.connection_id):
            self.pending_refresh = None
            self.ctx.live.account = pending
            self.notify("Reconnected: resuming the refresh from Session Studio…", timeout=3)
            self.action_goto("browser")
            self.run_refresh(pending)
        self.ctx.live.data_changed.publish("accounts")

    @on(AccountDisconnected)
    def _account_disconnected(self, request: AccountDisconnected) -> None:
        if self.ctx.live.account == request.connection_id:
            self.ctx.live.account = None
        self.ctx.live.data_changed.publish("accounts")

    @on(DataChanged)
    def _data_changed(self, message: DataChanged) -> None:
        self.ctx.live.data_changed.publish(message.reason)

    # -- operations -------------------------------------------------------------------------------

    def _sink(self, operation: Operation[Any, Any]) -> Sink:
        """The event sink handed to the engine (or discovery): events cross to the UI thread
        as messages and fold into ``operation`` there, in order."""

        async def forward(event: object) -> None:
            self.post_message(OperationEvent(operation, event))

        return forward

    @on(OperationEvent)
    def _fold(self, message: OperationEvent) -> None:
        message.operation.fold(message.event, self.ctx.clock())

    @on(EngineEventPosted)
    def _fold_run_event(self, message: EngineEventPosted) -> None:
        self.ctx.live.run.fold(message.event, self.ctx.clock())

    def _launch(
        self, operation: Operation[Any, Any], body: Coroutine[object, object, None]
    ) -> None:
        self.run_worker(body, group=operation.name, exclusive=True, exit_on_error=False)

    def _end(self, operation: Operation[Any, Any], result: object, failure: str | None) -> None:
        """Called through the message queue once the worker returned, so after the events
        it posted: the operation ends in the state its last event left."""
        if failure is None:
            operation.finish(result)
        else:
            operation.fail(failure)

    # An import run (or a retry's plan): one at a time, steered by one RunControl.

    @on(OpenPreview)
    def _open_preview(self, request: OpenPreview) -> None:
        self.open_preview(request.project_ids)

    def open_preview(self, project_ids: list[str]) -> None:
        """Plan the import of ``project_ids`` (in a worker) and show the preview."""
        self.notify(f"Planning {len(project_ids)} project(s)…", timeout=2)
        self.run_worker(self._build_plan(project_ids), group="plan", exclusive=True,
                        exit_on_error=False)

    async def _build_plan(self, project_ids: list[str]) -> None:
        try:
            plan = await self.ctx.services.plan(self.ctx.live.account, project_ids)
        except Exception as exc:  # shown to the user; the app must stay up
            self.notify(clean(describe(exc, self.ctx, "Building the preview")),
                        severity="error", markup=False, timeout=10)
            return
        self.push_screen(PreviewScreen(plan))

    @on(StartImport)
    def _start_import(self, request: StartImport) -> None:
        self.start_import(request.plan)

    def start_import(self, plan: ImportPlan) -> None:
        """Apply exactly ``plan``; progress arrives as engine events. Refused (and the user
        told why) while another run is going on."""
        run = self.ctx.live.run
        if run.active or run.detail.active:
            self.notify("Cannot start the import: an import is already running. Wait for it "
                        "to finish, or cancel it on the Progress screen (F4).",
                        severity="warning", markup=False)
            return
        control = self.run_control = RunControl()
        run.start(RunState(status=RunStatus.running))
        self.switch_mode("progress")
        self._launch(run, self._import(plan, control))

    async def _import(self, plan: ImportPlan, control: RunControl) -> None:
        run = self.ctx.live.run
        status: str = RunStatus.failed
        result: RunResult | None = None
        failure: str | None = None
        try:
            result = await self.ctx.services.apply(plan, self._sink(run), control)
            status = getattr(result, "status", None) or RunStatus.succeeded
        except Exception as exc:
            failure = clean(describe(exc, self.ctx, "The import"))
            self.notify(failure, severity="error", markup=False, timeout=15)
        else:
            self.notify(f"Import {status}.", severity="information"
                        if status == RunStatus.succeeded else "warning", markup=False)
        finally:
            self.call_later(self._end_run, control, status, result, failure)
            self.post_message(DataChanged("run"))

    def _end_run(self, control: RunControl, status: str, result: RunResult | None,
                 failure: str | None) -> None:
        """A run that never reported its end (it failed before RunFinished, or had nothing
        to do) must not stay "running" and block the next one."""
        if self.run_control is not control:
            return
        run = self.ctx.live.run
        if run.detail.active:
            run.detail.status = status
        self._end(run, result, failure)

    @on(PauseResume)
    def toggle_pause(self) -> None:
        control = self.run_control
        if control is None:
            return
        run = self.ctx.live.run
        if control.paused:
            control.resume()
        else:
            control.pause()
        run.detail.paused = control.paused
        run.publish()

    @on(CancelRun)
    def cancel_run(self) -> None:
        if self.run_control is not None:
            self.run_control.cancel()
            self.ctx.live.run.detail.cancel_requested = True
            self.ctx.live.run.publish()

    # "Refresh from Session Studio": fills the local snapshot the browser reads.

    @on(RefreshFromRemote)
    def refresh_from_remote(self) -> None:
        if self.ctx.live.account is None:
            self.notify("Connect an account first (F2).", severity="warning")
            return
        self.run_refresh(self.ctx.live.account)

    def run_refresh(self, connection_id: uuid.UUID | None) -> None:
        refresh = self.ctx.live.refresh
        refresh.start(RefreshState())
        self._launch(refresh, self._refresh(connection_id))

    async def _refresh(self, connection_id: uuid.UUID | None) -> None:
        refresh = self.ctx.live.refresh
        result: FetchResult | None = None
        failure: str | None = None
        try:
            result = await self.ctx.services.refresh(connection_id, self._sink(refresh))
        except AuthError as exc:
            # The token was revoked: what was fetched is saved; resume after reconnecting.
            self.pending_refresh = connection_id
            refresh.detail.reconnect_message = exc.message
            failure = clean(exc.message)
            self.notify(f"Reconnect needed: {sentence(exc.message)} Nothing fetched is lost: "
                        "reconnect on the Connect screen (F2) and the refresh resumes.",
                        severity="error", markup=False, timeout=15)
        except Exception as exc:
            failure = clean(describe(exc, self.ctx, "The refresh"))
            self.notify(failure, severity="error", markup=False, timeout=10)
        else:
            self.pending_refresh = None
            failure = self._listing_stopped(result, "The refresh")
            if failure is None:
                self.notify(clean(result), markup=False)
        finally:
            self.call_later(self._end, refresh, result, failure)
            self.post_message(DataChanged("refresh"))

    def _listing_stopped(self, result: FetchResult, doing: str) -> str | None:
        """A listing that stopped part-way is a failure to show, not "nothing changed"."""
        error = getattr(result, "listing_error", None)
        if error is None:
            return None
        fetched = len(getattr(result, "upstream", None) or getattr(result, "payloads", {}))
        text = describe(error, self.ctx, doing)
        if fetched:
            text += f" ({fetched} projects were listed before it stopped: run it again.)"
        self.notify(clean(text), severity="error", markup=False, timeout=15)
        return clean(text)

    # "Discover links" on the selected imported releases; the Discovery screen renders it.

    @on(DiscoverLinks)
    def _discover_links(self, request: DiscoverLinks) -> None:
        self.discover_links(request.project_ids)

    def discover_links(self, project_ids: list[str]) -> None:
        """Look up other services' links for the releases imported from these projects."""
        if self.ctx.live.discovery.active:
            self.notify("A link discovery is already running.", severity="warning")
            self.push_screen(DiscoveryScreen())
            return
        self._launch(self.ctx.live.discovery,
                     self._discover(project_ids, self.ctx.live.account))

    async def _discover(self, project_ids: list[str], connection_id: uuid.UUID | None) -> None:
        from ss_tui.queries.releases import releases_for_projects

        discovery = self.ctx.live.discovery
        releases = await releases_for_projects(self.ctx.db_engine, project_ids)
        if not releases:
            self.notify("None of the selected projects is imported yet: import them first.",
                        severity="warning")
            return
        detail = DiscoveryState()
        detail.start([(str(r.release_id), r.title) for r in releases],
                     len(project_ids) - len(releases))
        discovery.start(detail)
        self.push_screen(DiscoveryScreen())
        report: DiscoveryReport | None = None
        failure: str | None = None
        try:
            report = await self.ctx.services.discover([r.release_id for r in releases],
                                                      self._sink(discovery), connection_id)
        except Exception as exc:  # configuration or database trouble: shown, app stays up
            failure = clean(describe(exc, self.ctx, "Link discovery"))
            self.notify(failure, severity="error", markup=False, timeout=10)
        else:
            c = report.counts()
            self.notify(f"Links: {c.get('found', 0)} found, {c.get('not_found', 0)} not found, "
                        f"{c.get('failed', 0)} failed.",
                        severity="warning" if c.get("failed") else "information", markup=False)
        finally:
            self.call_later(self._end, discovery, report, failure)
            self.post_message(DataChanged("discovery"))


# Every class that declares bindings: their ids are what SS_TUI_KEYMAP may remap (README
# "Keymap"; tests check that each binding has an id and that this list is complete).
BINDING_OWNERS: tuple[type[DOMNode], ...] = (
    SsTuiApp, ConnectScreen, BrowserScreen, ProjectTable, PreviewScreen, ProgressScreen,
    ErrorsScreen, HistoryScreen, RunDetailScreen, JobsScreen, StatsScreen, DiscoveryScreen,
    HelpScreen, ConfirmDialog, NoteDialog, DatabaseProblemScreen,
)


def create_app(
    settings: Settings,
    *,
    db_engine: AsyncEngine,
    token_store: TokenStore,
    api_base_url: str | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
    simulator: object | None = None,
    clock: Callable[[], datetime] | None = None,
    frozen: bool = False,
    start: str = "connect",
    theme: str = "textual-dark",
    **extras: object,
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
    keymap, problems = parse_keymap(settings.keymap)
    known = {b.id for b in bindings_of(BINDING_OWNERS) if b.id is not None}
    ctx.keymap, unknown = check_ids(keymap, known)
    return SsTuiApp(ctx, start=start, keymap_problems=problems + unknown)
