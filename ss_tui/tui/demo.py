"""``ss-tui demo`` and the screenshots: the simulator, a fresh SQLite database with demo
creator profiles, and the dashboard on the Connect screen pointed at the simulator.

The demo database is set up here (migrations, two creator profiles) before the app starts;
the app itself still only writes through the engine.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ss_tui.config import Settings
from ss_tui.db import schema
from ss_tui.db.creators import new_profile_row, normalize_username
from ss_tui.db.engine import create_engine
from ss_tui.db.migrate import upgrade
from ss_tui.sessionstudio.tokens import MemoryTokenStore
from ss_tui.simulator import SimulatorConfig

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    import httpx

    from ss_tui.tui.app import SsTuiApp

DEMO_CREATORS = (("Demo Label Roster", "demo-label"), ("Indie Artist", "indie-artist"))


def demo_simulator_config(*, projects: int = 120, seed: int = 42) -> SimulatorConfig:
    # Some bad data so the Errors screen has something to explain; a few collaborations
    # (Browse: owner filter; preview: m); instant device approval.
    return SimulatorConfig(seed=seed, projects=projects, bad_data_share=0.08, shared_projects=3,
                           auto_approve_device=True, device_interval=1,
                           auto_approve_authorize=True)


@dataclass(slots=True)
class DemoParts:
    settings: Settings
    database_url: str
    workdir: Path


async def prepare_database(database_url: str) -> None:
    """Migrate and add the demo creator profiles (idempotent)."""
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        table = schema.CreatorProfile.__table__
        async with engine.begin() as conn:
            existing = set((await conn.execute(sa.select(table.c.username))).scalars())
            for name, handle in DEMO_CREATORS:
                if handle not in existing:
                    pid = uuid.uuid5(uuid.NAMESPACE_URL, f"ss-tui-demo:{handle}")
                    row = new_profile_row(table, pid, name, None)
                    row.update(username=handle, username_normalized=normalize_username(handle),
                               settings={})
                    await conn.execute(sa.insert(table).values(**row))
    finally:
        await engine.dispose()


def demo_parts(workdir: Path | None = None, *, client_id: str = "ss-tui-demo") -> DemoParts:
    workdir = workdir or Path(tempfile.mkdtemp(prefix="ss-tui-demo-"))
    url = f"sqlite+aiosqlite:///{workdir / 'demo.db'}"
    settings = Settings(client_id=client_id, database_url=url,
                        token_store="memory", operator="demo")
    return DemoParts(settings=settings, database_url=url, workdir=workdir)


def build_demo_app(
    parts: DemoParts, *, api_base_url: str,
    http_transport: httpx.AsyncBaseTransport | None = None, simulator: object | None = None,
    clock: Callable[[], datetime] | None = None, frozen: bool = False,
    **extras: Any,  # create_app's extras (test and demo injections), passed through
) -> SsTuiApp:
    from ss_tui.tui.app import create_app

    return create_app(
        parts.settings,
        db_engine=create_engine(parts.database_url),
        token_store=MemoryTokenStore(),  # the demo never touches the OS keyring
        api_base_url=api_base_url,
        http_transport=http_transport,
        simulator=simulator,
        start="connect",
        clock=clock,
        frozen=frozen,
        export_dir=str(parts.workdir),
        **extras,
    )
