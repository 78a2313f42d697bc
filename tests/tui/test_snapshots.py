"""SVG snapshots of every screen and modal in its normal, empty, error and narrow states.

Test ids read ``<screen>-<state>-<size>``. *normal* is the demo-like data at 160x45 and
*narrow* the same at 100x30 (the smallest supported terminal); *empty* and *error* are taken
at 100x30, where layouts are tightest. Errors come from real parts: a port nothing listens
on for Session Studio or the link services, a database file damaged while the dashboard
runs, a read-only database. Update with ``pytest tests/tui/test_snapshots.py
--snapshot-update`` after looking at the change (the SVGs open in any browser).

| screen    | normal 160x45 / narrow 100x30 | empty                 | error                    |
|-----------|-------------------------------|-----------------------|--------------------------|
| connect   | a signed-in account           | no account yet        | login, API down          |
| browser   | 60 projects, 3 selected       | fresh db, no account  | refresh, API down        |
| preview   | a plan with a conflict        | nothing to write      | planning, db damaged     |
| apply     | the confirm dialog            | nothing to write      | — (progress-error)       |
| progress  | a run in progress             | no run this session   | import, read-only db     |
| errors    | 6 open sync errors            | no open error         | db damaged while running |
| history   | 3 runs                        | no run yet            | db damaged while running |
| run       | one run's 4 projects          | a run with no project | db damaged while running |
| jobs      | 3 jobs                        | empty queue           | db damaged while running |
| stats     | 4 runs, an alert              | no run yet            | db damaged while running |
| discovery | found / failed / pending      | nothing imported yet  | link service down        |
| help      | F1 over Browse                | — (always has text)   | — (loads nothing)        |
| palette   | "import" matches              | nothing matches       | — (loads nothing)        |
| note      | resolve-with-note dialog      | — (a question)        | — (errors-error)         |
| database  | — (shown only on a failure)   | db never migrated     | not a database file      |

Extra states: connect token-missing / reconnect-needed, browser no-match, preview with an
exclusion and a conflict choice, progress finished / reconnect-needed, database read-only.
"""

from __future__ import annotations

import inspect
import shutil
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from ss_tui import logs
from ss_tui.config import Settings
from ss_tui.engine.plan_types import ImportPlan
from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet
from ss_tui.tui.messages import EngineEventPosted
from ss_tui.tui.screens.preview import PreviewScreen
from ss_tui.tui.screenshots import deterministic, settle
from tests.fixtures.db import run_async
from tests.tui.plans import failed_events, finished_events, running_events, sample_plan

CREATORS = [("cp-1", "Demo Creator"), ("cp-2", "Second Creator")]
SMALL, LARGE = (100, 30), (160, 45)
# The discard port: nothing listens on it on a test machine, and a fixed port keeps the
# "Nothing answered at …" message identical from run to run (a free port would not).
DEAD_PORT = 9
DEAD_API = f"http://127.0.0.1:{DEAD_PORT}/v1"
DB_FILE = "ss-tui.db"  # relative to the test's directory: messages naming it stay the same

RunBefore = Callable[[Pilot[Any]], Awaitable[None]]
Step = str | Callable[[Pilot[Any]], Any]  # a key to press, or a call given the pilot


def steps(*items: Step) -> RunBefore:
    """Settle, then each key or call in turn, settling after each."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for item in items:
            if isinstance(item, str):
                await pilot.press(item)
            else:
                result = item(pilot)
                if inspect.isawaitable(result):
                    await result
            await settle(pilot)

    return run


def post(events: list[Any]) -> Step:
    def send(pilot: Pilot[Any]) -> None:
        for event in events:
            pilot.app.post_message(EngineEventPosted(event))

    return send


def push(make: Callable[[], Any]) -> Step:
    return lambda pilot: pilot.app.push_screen(make())


def break_database(_pilot: Pilot[Any]) -> None:
    """The database file is damaged while the dashboard runs (the start-up check passed)."""
    for suffix in ("-wal", "-shm"):
        Path(DB_FILE + suffix).unlink(missing_ok=True)
    Path(DB_FILE).write_bytes(b"This is not an SQLite database. " * 256)


def _signed_in() -> MemoryTokenStore:
    """A token store holding the seeded account's token (as after signing in)."""
    store = MemoryTokenStore()
    store._tokens["acct_demo"] = TokenSet("snapshot-access-token")
    return store


def _nothing_to_write() -> ImportPlan:
    """A plan whose every entity is already in the database as Session Studio has it."""
    return ImportPlan(projects=[sample_plan().projects[1]])


@dataclass
class Parts:
    """What a case builds its app from (the fixtures, without asking for all of them)."""

    request: pytest.FixtureRequest
    seeded: Callable[..., Any]
    make_app: Callable[..., Any]
    db_url: str

    def fixture(self, name: str) -> Any:
        return self.request.getfixturevalue(name)


Build = Callable[[Parts], tuple[Any, RunBefore]]
CASES: dict[str, tuple[tuple[int, int], Build]] = {}


def case(screen: str, state: str, *sizes: tuple[int, int]) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        for w, h in sizes or (SMALL,):
            CASES[f"{screen}-{state}-{w}x{h}"] = ((w, h), build)
        return build

    return register


# -- connect ----------------------------------------------------------------------------------


@case("connect", "normal", LARGE, SMALL)
def _connect_normal(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=12)
    return p.make_app("connect", token_store=_signed_in()), steps()


@case("connect", "empty")
def _connect_empty(p: Parts) -> tuple[Any, RunBefore]:
    return p.make_app("connect"), steps()


@case("connect", "error")
def _connect_error(p: Parts) -> tuple[Any, RunBefore]:
    return p.make_app("connect", api_base_url=DEAD_API), steps("d")


@case("connect", "token-missing")
def _connect_token_missing(p: Parts) -> tuple[Any, RunBefore]:
    """The database remembers the account, the memory store forgot its token (a restart)."""
    p.seeded(projects=12)
    return p.make_app("connect"), steps()


@case("connect", "reconnect-needed")
def _connect_reconnect_needed(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=3, connection_status="reconnect_needed")
    return p.make_app("connect"), steps()


# -- browser ----------------------------------------------------------------------------------


@case("browser", "normal", LARGE, SMALL)
def _browser_normal(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=60, imported=5, titles={1: "[bold red]Boom[/]", 2: "⛔ Stop \x07Sign"})
    return p.make_app("browser"), steps("down", "space", "space", "space")


@case("browser", "empty")
def _browser_empty(p: Parts) -> tuple[Any, RunBefore]:
    return p.make_app("browser"), steps()


@case("browser", "no-match")
def _browser_no_match(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=20)
    return p.make_app("browser"), steps("slash", "z", "z", "z", "enter")


@case("browser", "error")
def _browser_error(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=3, errors=0)
    app = p.make_app("browser", token_store=_signed_in(), api_base_url=DEAD_API)
    return app, steps("r")


# -- preview and the apply dialog ---------------------------------------------------------------


def _preview(*keys: str, plan: Callable[[], ImportPlan] = sample_plan) -> Callable[[Parts], Any]:
    def build(p: Parts) -> tuple[Any, RunBefore]:
        app = p.make_app("browser")
        return app, steps(push(lambda: PreviewScreen(plan(), CREATORS)), *keys)

    return build


case("preview", "normal", LARGE, SMALL)(_preview("down", "down", "down"))
case("preview", "conflict-excluded")(_preview("down", "down", "down", "x", "down", "c"))
def _ready_to_apply() -> ImportPlan:
    """The sample plan with its conflict given a choice, and the rows its creates and updates
    write (the dialog counts them, table by table)."""
    plan = sample_plan()
    for project in plan.projects:
        for entity in project.entities:
            if entity.conflict is not None:
                entity.conflict.chosen = "skip"
            elif entity.writes:
                entity.row = {"id": entity.key}
    return plan


case("preview", "empty")(_preview(plan=_nothing_to_write))
case("apply", "normal", LARGE, SMALL)(_preview("a", plan=_ready_to_apply))
case("apply", "empty")(_preview("a", plan=_nothing_to_write))


@case("preview", "error")
def _preview_error(p: Parts) -> tuple[Any, RunBefore]:
    """Planning reads the local snapshots (no network): the database fails under it."""
    p.seeded(projects=5, errors=0)
    return p.make_app("browser"), steps("space", break_database, "p")


# -- progress ---------------------------------------------------------------------------------


@case("progress", "normal", LARGE, SMALL)
def _progress_running(p: Parts) -> tuple[Any, RunBefore]:
    return p.make_app("progress"), steps(post(running_events()))


@case("progress", "empty")
def _progress_empty(p: Parts) -> tuple[Any, RunBefore]:
    return p.make_app("progress"), steps()


@case("progress", "finished")
def _progress_finished(p: Parts) -> tuple[Any, RunBefore]:
    return p.make_app("progress"), steps(post(finished_events()))


@case("progress", "reconnect-needed")
def _progress_reconnect_needed(p: Parts) -> tuple[Any, RunBefore]:
    return p.make_app("progress"), steps(post(failed_events()))


def _app_over(url: str, start: str) -> Any:
    """The app over a database other than the test's own (read-only, damaged, empty)."""
    from sqlalchemy.pool import NullPool

    from ss_tui.db.engine import create_engine
    from ss_tui.tui.app import create_app
    from tests.tui.seed import T0

    settings = Settings(database_url=url, token_store="memory")
    return create_app(settings, db_engine=create_engine(url, poolclass=NullPool),
                      token_store=MemoryTokenStore(), api_base_url="http://sim.test/v1",
                      clock=lambda: T0, frozen=True, start=start, export_dir=".")


def _read_only_app(start: str) -> Any:
    from tests.cli.broken import read_only_url

    return _app_over(read_only_url(Path(DB_FILE)), start)


@case("progress", "error")
def _progress_error(p: Parts) -> tuple[Any, RunBefore]:
    """A real import of a plan into a read-only database: the first write fails."""
    app = _read_only_app("browser")
    return app, steps(lambda pilot: pilot.app.start_import(_nothing_to_write()))


@case("database", "read-only")
def _database_read_only(p: Parts) -> tuple[Any, RunBefore]:
    return _read_only_app("connect"), steps()


# -- errors, history, run, jobs, stats ------------------------------------------------------------


@case("errors", "normal", LARGE, SMALL)
def _errors_normal(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=10, errors=6, titles={1: "[bold red]Boom[/]"})
    return p.make_app("errors"), steps("down")


@case("errors", "empty")
def _errors_empty(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=5, errors=0)
    return p.make_app("errors"), steps()


@case("note", "normal", LARGE, SMALL)
def _note_normal(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=10, errors=6)
    return p.make_app("errors"), steps("space", "space", "R")


@case("history", "normal", LARGE, SMALL)
def _history_normal(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=10, runs=3, imported=4, errors=2)
    return p.make_app("history"), steps()


@case("history", "empty")
def _history_empty(p: Parts) -> tuple[Any, RunBefore]:
    return p.make_app("history"), steps()


@case("run", "normal", LARGE, SMALL)
def _run_normal(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=10, runs=1, imported=4, errors=2)
    return p.make_app("history"), steps("enter")


@case("run", "empty")
def _run_empty(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=3, runs=1, imported=0, errors=0)
    return p.make_app("history"), steps("enter")


@case("run", "error")
def _run_error(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=10, runs=1, imported=4, errors=2)
    return p.make_app("history"), steps(break_database, "enter")


@case("jobs", "normal", LARGE, SMALL)
def _jobs_normal(p: Parts) -> tuple[Any, RunBefore]:
    from tests.tui.test_jobs_stats import seed_jobs

    seed_jobs(p.db_url)
    return p.make_app("jobs"), steps()


@case("jobs", "empty")
def _jobs_empty(p: Parts) -> tuple[Any, RunBefore]:
    return p.make_app("jobs"), steps()


@case("stats", "normal", LARGE, SMALL)
def _stats_normal(p: Parts) -> tuple[Any, RunBefore]:
    from tests.tui.test_jobs_stats import seed_runs

    seed_runs(p.db_url)
    return p.make_app("stats"), steps()


@case("stats", "empty")
def _stats_empty(p: Parts) -> tuple[Any, RunBefore]:
    return p.make_app("stats"), steps()


def _damaged_while_running(key: str) -> Build:
    """Open on Connect, damage the database file, then go to the screen (``key``)."""

    def build(p: Parts) -> tuple[Any, RunBefore]:
        p.seeded(projects=3, errors=2)
        return p.make_app("connect"), steps(break_database, key)

    return build


for _screen, _key in (("errors", "f5"), ("history", "f6"), ("jobs", "f7"), ("stats", "f8")):
    case(_screen, "error")(_damaged_while_running(_key))


# -- discovery ----------------------------------------------------------------------------------


@case("discovery", "normal", LARGE, SMALL)
def _discovery_normal(p: Parts) -> tuple[Any, RunBefore]:
    from ss_tui.discovery import DiscoveryFinished, ReleaseDiscovered
    from ss_tui.tui.screens.discovery import DiscoveryScreen

    app = p.make_app("browser")

    def screen() -> DiscoveryScreen:
        state = app.discovery_state
        state.start([("rel-1", "Night Drive"), ("rel-2", "[bold]Evil[/] \x1b[31mTitle"),
                     ("rel-3", "Quiet Song")], not_imported=1)
        state.apply(ReleaseDiscovered("rel-1", "Night Drive", "found",
                                      {"apple_music": "found", "deezer": "found"}, 2))
        state.apply(ReleaseDiscovered("rel-2", "[bold]Evil[/] \x1b[31mTitle", "failed",
                                      {"apple_music": "failed", "deezer": "not_found"}, 0))
        state.apply(DiscoveryFinished({"found": 1, "failed": 1, "not_found": 0}, errors=1))
        return DiscoveryScreen()

    return app, steps(push(screen))


@case("discovery", "empty")
def _discovery_empty(p: Parts) -> tuple[Any, RunBefore]:
    """Links asked for projects none of which is imported yet."""
    p.seeded(projects=5, errors=0)
    return p.make_app("browser"), steps("space", "d")


@case("discovery", "error")
def _discovery_error(p: Parts) -> tuple[Any, RunBefore]:
    """Two imported releases; Deezer (the one service asked) does not answer."""
    from sqlalchemy.pool import NullPool

    from ss_tui.db.engine import create_engine
    from tests.discovery.conftest import seed_releases

    simulator = p.fixture("sim_app").state.simulator

    async def seed() -> list[str]:
        engine = create_engine(p.db_url, poolclass=NullPool)
        try:
            with deterministic():
                seeded = await seed_releases(engine, simulator, count=2)
            return [seeded.project_of[r]["id"] for r in seeded.release_ids]
        finally:
            await engine.dispose()

    project_ids = run_async(seed)
    settings = Settings(database_url=p.db_url, token_store="memory",
                        deezer_base_url=f"http://127.0.0.1:{DEAD_PORT}")
    app = p.make_app("browser", settings=settings, discovery_providers=["deezer"])
    return app, steps(lambda pilot: pilot.app.discover_links(project_ids))


# -- help, palette, the database problem screen -----------------------------------------------


@case("help", "normal", LARGE, SMALL)
def _help(p: Parts) -> tuple[Any, RunBefore]:
    return p.make_app("browser"), steps("f1")


@case("palette", "normal")
def _palette(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=5)
    return p.make_app("browser"), steps("ctrl+p", *"import")


@case("palette", "empty")
def _palette_empty(p: Parts) -> tuple[Any, RunBefore]:
    p.seeded(projects=5)
    return p.make_app("browser"), steps("ctrl+p", *"qqqq")


@case("database", "error", LARGE, SMALL)
def _database_error(p: Parts) -> tuple[Any, RunBefore]:
    Path("broken.db").write_bytes(b"This is not an SQLite database. " * 256)
    return _app_over("sqlite+aiosqlite:///broken.db", "connect"), steps()


@case("database", "empty")
def _database_empty(p: Parts) -> tuple[Any, RunBefore]:
    """A new, empty file: ss-tui's tables were never created."""
    return _app_over("sqlite+aiosqlite:///new.db", "connect"), steps()


# -- the test ---------------------------------------------------------------------------------


@pytest.fixture
def tui_db_url(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database at a path relative to the test's own directory, so the snapshots
    that name it read the same on every machine and run."""
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(sqlite_template, tmp_path / DB_FILE)
    # The log file screens point to for details, as `ss-tui tui` opens one; pinned because
    # another test of the session may have left its own open.
    monkeypatch.setattr(logs, "_log_file", Path("ss-tui.log"))
    return f"sqlite+aiosqlite:///{DB_FILE}"


def test_nothing_listens_on_the_dead_port() -> None:
    """The error snapshots rely on a refused connection, not a timeout."""
    with socket.socket() as s, pytest.raises(OSError):
        s.connect(("127.0.0.1", DEAD_PORT))


@pytest.mark.parametrize("name", list(CASES))
def test_screen(name: str, snap_compare: Any, request: pytest.FixtureRequest,
                seeded: Any, make_app: Any, tui_db_url: str) -> None:
    size, build = CASES[name]
    app, run_before = build(Parts(request, seeded, make_app, tui_db_url))
    assert snap_compare(app, terminal_size=size, run_before=run_before)

