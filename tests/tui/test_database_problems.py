"""The dashboard over a database it cannot use opens and says what is wrong and what to do,
instead of crashing: a file of random bytes, a database never migrated, a read-only one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy.pool import NullPool

from ss_tui.config import Settings
from ss_tui.db.engine import create_engine
from ss_tui.db.migrate import upgrade
from ss_tui.sessionstudio.tokens import MemoryTokenStore
from ss_tui.tui.app import create_app
from ss_tui.tui.failure import DatabaseProblemScreen
from ss_tui.tui.screens.connect import ConnectScreen
from ss_tui.tui.screenshots import settle
from tests.cli.broken import read_only_url
from tests.fixtures.db import make_sqlite_url
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text
from tests.tui.plans import sample_plan
from tests.tui.seed import T0


def _app(url: str, tmp_path: Path) -> Any:
    settings = Settings(database_url=url, token_store="memory",
                        log_file=str(tmp_path / "ss-tui.log"))
    return create_app(settings, db_engine=create_engine(url, poolclass=NullPool),
                      token_store=MemoryTokenStore(), api_base_url="http://sim.test/v1",
                      clock=lambda: T0, frozen=True)


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "ss.db"
    path.write_bytes(os.urandom(8192))
    app = _app(make_sqlite_url(path), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DatabaseProblemScreen)
        text = screen_text(app)
        assert "The database cannot be used" in text and "is not an SQLite database" in text
        assert "ss-tui db upgrade" in text and "Traceback" not in text
        await pilot.press("f3")  # the screens stay closed until the database is fixed
        await settle(pilot)
        assert isinstance(app.screen, DatabaseProblemScreen)
        assert any("cannot be used yet" in n for n in _notes(app))
    assert app.return_code in (0, None)  # quit normally: nothing crashed


async def test_a_database_never_migrated_opens_once_upgraded(tmp_path: Path) -> None:
    url = make_sqlite_url(tmp_path / "new" / "ss.db")
    app = _app(url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DatabaseProblemScreen)
        assert "run `ss-tui db upgrade`" in screen_text(app).lower()
        await upgrade(url)  # what the message says to do, then "check again"
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConnectScreen)


async def test_a_read_only_database_opens_and_an_import_says_why_it_failed(
    tmp_path: Path, sqlite_template: Path,
) -> None:
    path = tmp_path / "ss.db"
    shutil.copyfile(sqlite_template, path)
    app = _app(read_only_url(path), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ConnectScreen)  # browsing works
        assert "read-only database" in app.sub_title
        assert any("is read-only" in n for n in _notes(app))
        app.start_import(sample_plan())  # writing does not: said in words, not SQL
        await settle(pilot)
        failed = [n for n in _notes(app) if n.startswith("The import failed")]
        assert failed and "is read-only" in failed[0] and "writable" in failed[0]
        assert not any("INSERT" in n or "[SQL" in n or "readonly database" in n
                       for n in _notes(app))


async def test_a_refresh_from_an_unreachable_session_studio_says_so(
    seeded: Any, make_app: Any
) -> None:
    from ss_tui.sessionstudio.tokens import TokenSet
    from tests.cli.broken import free_port

    seeded(projects=3, errors=0)
    store = MemoryTokenStore()
    await store.set("acct_demo", TokenSet(access_token="ssp_personal_token_for_tests"))
    app = make_app("browser", token_store=store,
                   api_base_url=f"http://127.0.0.1:{free_port()}/v1")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.refresh_from_remote()
        await app.workers.wait_for_complete()
        await settle(pilot)
        notes = _notes(app)
        assert any(n.startswith("The refresh failed: Nothing answered at http://127.0.0.1:")
                   and "SESSION_STUDIO_API_BASE_URL" in n for n in notes), notes
        assert not any("Fetched 0 projects" in n for n in notes)
