"""Can the dashboard use this database? Two probes at start-up: the schema's revision (which
also proves the file is a database and the server answers) and a write that is rolled back
(which finds a read-only file or server before an import does)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine


async def schema_revision(engine: AsyncEngine) -> str | None:
    """The applied migration revision; None when ss-tui's tables were never created.
    Raises what the database raises (not a database, unreachable, …)."""
    from ss_tui.db.migrate import VERSION_TABLE

    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        if VERSION_TABLE not in tables:
            return None
        return (await conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))).scalar()


async def probe_write(engine: AsyncEngine) -> None:
    """Write one unchanged value and roll it back: raises when the database refuses writes."""
    from ss_tui.db.migrate import VERSION_TABLE

    async with engine.connect() as conn:
        tx = await conn.begin()
        try:
            await conn.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = version_num"))
        finally:
            await tx.rollback()
