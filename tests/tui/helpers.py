"""Test helpers: read what is on the screen as plain text."""

from __future__ import annotations

import io

import sqlalchemy as sa
from rich.console import Console
from sqlalchemy.pool import NullPool
from textual.app import App

from ss_tui.db.engine import create_engine


def screen_text(app: App[object]) -> str:
    """The current screen as the user sees it, without colours."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text()


async def count_rows(url: str, table: str, where: str = "") -> int:
    """Rows of ``table`` in the database at ``url`` (a fresh engine: what a user would see)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
            return int((await conn.execute(sa.text(sql))).scalar_one())
    finally:
        await engine.dispose()
