"""Test helpers: read what is on the screen as plain text."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from ss_tui.db.engine import create_engine
from ss_tui.tui.text_dump import screen_text as screen_text  # what the tests read


async def count_rows(url: str, table: str, where: str = "") -> int:
    """Rows of ``table`` in the database at ``url`` (a fresh engine: what a user would see)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
            return int((await conn.execute(sa.text(sql))).scalar_one())
    finally:
        await engine.dispose()
