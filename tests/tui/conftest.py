"""Fixtures for the dashboard tests: a migrated, seeded SQLite file and an app factory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.pool import NullPool

from ss_tui.config import Settings
from ss_tui.db.engine import create_engine
from ss_tui.sessionstudio.tokens import MemoryTokenStore
from ss_tui.tui.app import SsTuiApp, create_app
from tests.fixtures.db import run_async
from tests.tui.seed import T0, Seeded, seed

SIZE = (140, 40)  # every snapshot is taken at this terminal size


@pytest.fixture
def tui_db_url(fresh_database: Any) -> str:
    return fresh_database("sqlite")


@pytest.fixture
def seeded(tui_db_url: str) -> Callable[..., Seeded]:
    """Seed the test database (call with seed() keyword arguments)."""

    def _seed(**kwargs: Any) -> Seeded:
        async def go() -> Seeded:
            engine = create_engine(tui_db_url, poolclass=NullPool)
            try:
                return await seed(engine, **kwargs)
            finally:
                await engine.dispose()

        return run_async(go)

    return _seed


@pytest.fixture
def make_app(tui_db_url: str, tmp_path: Any) -> Iterator[Callable[..., SsTuiApp]]:
    """Build the app the way the CLI does, over the test database and a memory token store.
    NullPool: snapshot tests run the app on their own event loop."""

    def _make(start: str = "connect", settings: Settings | None = None,
              **kwargs: Any) -> SsTuiApp:
        engine = create_engine(tui_db_url, poolclass=NullPool)
        settings = settings or Settings(database_url=tui_db_url, token_store="memory")
        kwargs.setdefault("token_store", MemoryTokenStore())
        return create_app(
            settings,
            db_engine=engine,
            api_base_url=kwargs.pop("api_base_url", "http://sim.test/v1"),
            clock=lambda: T0,
            frozen=True,
            start=start,
            export_dir=str(tmp_path),
            **kwargs,
        )

    yield _make


async def no_wait(_seconds: float) -> None:
    """The device-flow poll interval, without waiting in tests."""
    await asyncio.sleep(0)


@pytest.fixture
def story_app(make_app, sim_app, tui_db_url) -> Any:
    """The app over the in-process simulator (ASGI) and a shared memory token store;
    ``story_app.store`` is that store."""
    store = MemoryTokenStore()

    def build(start: str = "connect", **extras: Any) -> Any:
        settings = Settings(SESSION_STUDIO_CLIENT_ID="ss-tui-demo", database_url=tui_db_url,
                            token_store="memory", operator="tester")
        return make_app(start, settings=settings, token_store=store,
                        api_base_url="http://sim/v1",
                        http_transport=httpx.ASGITransport(app=sim_app), oauth_sleep=no_wait,
                        **extras)

    build.store = store  # type: ignore[attr-defined]
    return build
