"""Async engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from ss_tui import jsontext

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.pool import ConnectionPoolEntry

# An INSERT that can say ON CONFLICT: PostgreSQL's or SQLite's (same API on both).
UpsertInsert: TypeAlias = "postgresql.Insert | sqlite.Insert"

SQLITE_BUSY_TIMEOUT_MS = 10_000

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def normalize_url(url: str | URL) -> URL:
    """Accept plain ``sqlite:///`` / ``postgresql://`` URLs and pick the async driver."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in _DRIVERS:
        parsed = parsed.set(drivername=_DRIVERS[parsed.drivername])
    return parsed


def is_sqlite(url: str | URL) -> bool:
    return normalize_url(url).get_backend_name() == "sqlite"


def redact(url: str | URL) -> str:
    """The URL with its password hidden, for messages and logs."""
    return normalize_url(url).render_as_string(hide_password=True)


def create_engine(
    url: str | URL,
    *,
    sqlite_begin: Literal["DEFERRED", "IMMEDIATE"] = "DEFERRED",
    **kwargs: Any,
) -> AsyncEngine:
    """An AsyncEngine for ``url``.

    SQLite connections run in WAL mode (readers never block the writer), wait up to
    SQLITE_BUSY_TIMEOUT_MS for locks instead of failing at once, and enforce foreign keys.
    ``sqlite_begin="IMMEDIATE"`` takes the write lock at BEGIN: use it for engines whose
    transactions read then write (apply), so two writers queue on the busy timeout
    instead of one failing on a lock upgrade.
    """
    parsed = normalize_url(url)
    # JSON columns written by orjson: snapshots' payloads are most of what an import
    # writes (bench/README.md, "decode7 round").
    kwargs.setdefault("json_serializer", jsontext.dumps)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return _create_async_engine(parsed, **kwargs)

    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = _create_async_engine(parsed, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module (it would otherwise
        # BEGIN lazily, before the first write only); SQLAlchemy's begin event below does it.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, much faster commits
        # Imports commit once per project: checkpointing (with fsync) every 4 MB of WAL cost
        # a quarter of apply's time; every ~40 MB copies each hot index page far less often.
        cursor.execute("PRAGMA wal_autocheckpoint = 10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(f"BEGIN {sqlite_begin}")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: rows stay readable after commit without a lazy reload,
    # which async sessions cannot do implicitly.
    return async_sessionmaker(engine, expire_on_commit=False)


def dialect_insert(dialect_name: str, table: sa.Table) -> UpsertInsert:
    """``INSERT`` with ``ON CONFLICT`` support for the two databases ss-tui runs on."""
    from sqlalchemy.dialects import postgresql, sqlite

    if dialect_name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
