"""Alembic, configured in code (no alembic.ini): the scripts ship inside the package."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL, Connection

from ss_tui.db.engine import create_engine, redact

log = logging.getLogger(__name__)

# Our own version table name, so it never collides with another tool's alembic_version
# in a shared Jovie database.
VERSION_TABLE = "ss_tui_alembic_version"
JOVIE_REVISION = "0001_jovie"
SCRIPT_LOCATION = Path(__file__).parent / "migrations"
# Serialises concurrent `upgrade`s (several workers starting at once) on PostgreSQL.
_PG_LOCK_KEY = 0x55_5354_5549  # "USTUI"

Command = Literal["upgrade", "downgrade", "stamp"]


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


class SharedDatabaseError(RuntimeError):
    pass


async def run(cmd: Command, url: str | URL, revision: str, *, force: bool = False) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run_sync, cmd, revision, force)
            await conn.commit()
    finally:
        await engine.dispose()
    log.info("db %s %s done on %s", cmd, revision, redact(url))


def _run_sync(conn: Connection, cmd: Command, revision: str, force: bool) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
    if cmd == "downgrade" and not force:
        _refuse_to_drop_shared_jovie_tables(conn, revision)
    cfg = alembic_config(conn)
    if cmd == "upgrade":
        _adopt_existing_jovie(conn, cfg)
        command.upgrade(cfg, revision)
    elif cmd == "downgrade":
        command.downgrade(cfg, revision)
    else:
        command.stamp(cfg, revision)


def _refuse_to_drop_shared_jovie_tables(conn: Connection, revision: str) -> None:
    """Downgrading below the Jovie revision drops Jovie's tables. In a database that also
    holds tables ss-tui knows nothing about, that is a shared Jovie database: refuse."""
    if revision != "base" and not revision.startswith("-"):
        return
    from ss_tui.db.schema import metadata

    foreign = set(sa.inspect(conn).get_table_names()) - set(metadata.tables) - {VERSION_TABLE}
    if foreign:
        raise SharedDatabaseError(
            f"refusing to drop Jovie's tables: this database also holds {len(foreign)} other "
            f"table(s) (e.g. {sorted(foreign)[0]}), so it looks like a shared Jovie database. "
            f"Downgrade to {JOVIE_REVISION} to remove only ss-tui's tables, or use --force."
        )


def _adopt_existing_jovie(conn: Connection, cfg: Config) -> None:
    """A Jovie database already holds Jovie's tables: mark our first revision (which
    creates them) as applied, so upgrade only adds ss-tui's tables and seeds providers."""
    if _current(conn) is not None:
        return
    if sa.inspect(conn).has_table("discog_releases"):
        log.info("existing Jovie schema found; stamping %s", JOVIE_REVISION)
        command.stamp(cfg, JOVIE_REVISION)


def _current(conn: Connection) -> str | None:
    ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return ctx.get_current_revision()


async def current(url: str | URL) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_current)
    finally:
        await engine.dispose()


def head() -> str:
    from alembic.script import ScriptDirectory

    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert rev is not None
    return rev
