"""Alembic, configured in code (no alembic.ini): the scripts ship inside the package."""

from __future__ import annotations

import logging
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class MigrationResult:
    """What a migrate command did, for a message that says so."""

    before: str | None
    after: str | None
    adopted_jovie: bool = False  # an existing Jovie database was stamped, not re-created
    providers_added: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def describe(self, where: str) -> str:
        after = self.after or "base"
        if not self.changed:
            return f"{where} is already at revision {after}; nothing to do."
        if self.adopted_jovie:
            what = (
                f"Added ss-tui's tables to the existing Jovie database {where} (revision "
                f"{after}); Jovie's tables left as they were."
            )
        elif self.before is None:
            what = (
                f"Created the database schema in {where} (revision {after}): Jovie's "
                "discography tables and ss-tui's own."
            )
        else:
            what = f"Migrated {where} from revision {self.before} to {after}."
        if self.providers_added:
            what += f" Provider rows added: {', '.join(self.providers_added)}."
        return what


async def run(
    cmd: Command, url: str | URL, revision: str, *, force: bool = False
) -> MigrationResult:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.run_sync(_run_sync, cmd, revision, force)
            await conn.commit()
    finally:
        await engine.dispose()
    log.info("db %s %s done on %s", cmd, revision, redact(url))
    return result


def _providers(conn: Connection) -> set[str]:
    if not sa.inspect(conn).has_table("providers"):
        return set()
    return set(conn.execute(sa.text("SELECT id FROM providers")).scalars())


def _run_sync(conn: Connection, cmd: Command, revision: str, force: bool) -> MigrationResult:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
    if cmd == "downgrade" and not force:
        _refuse_to_drop_shared_jovie_tables(conn, revision)
    cfg = alembic_config(conn)
    before, providers = _current(conn), _providers(conn)
    adopted = False
    if cmd == "upgrade":
        adopted = _adopt_existing_jovie(conn, cfg)
        command.upgrade(cfg, revision)
    elif cmd == "downgrade":
        command.downgrade(cfg, revision)
    else:
        command.stamp(cfg, revision)
    added = tuple(sorted(_providers(conn) - providers)) if cmd == "upgrade" else ()
    return MigrationResult(before, _current(conn), adopted, added)


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


def _adopt_existing_jovie(conn: Connection, cfg: Config) -> bool:
    """A Jovie database already holds Jovie's tables: mark our first revision (which
    creates them) as applied, so upgrade only adds ss-tui's tables and seeds providers."""
    if _current(conn) is not None:
        return False
    if sa.inspect(conn).has_table("discog_releases"):
        log.info("existing Jovie schema found; stamping %s", JOVIE_REVISION)
        command.stamp(cfg, JOVIE_REVISION)
        return True
    return False


def _current(conn: Connection) -> str | None:
    ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return ctx.get_current_revision()


async def upgrade(url: str | URL, revision: str = "head") -> MigrationResult:
    """Migrate the database at ``url`` up to ``revision``; says what changed."""
    return await run("upgrade", url, revision)


async def downgrade(url: str | URL, revision: str, *, force: bool = False) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base`` drops everything).

    Below the Jovie revision it refuses when the database holds tables ss-tui does not
    know (a shared Jovie database), unless ``force``."""
    await run("downgrade", url, revision, force=force)


async def stamp(url: str | URL, revision: str) -> None:
    """Record ``revision`` as applied without running it (adopting an existing Jovie DB)."""
    await run("stamp", url, revision)


async def current_revision(url: str | URL) -> str | None:
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
