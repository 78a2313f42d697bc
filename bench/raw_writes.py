"""The bound for figure 2: a plan's rows written by hand with the plain database driver.

The rows are exactly the ones apply writes (``EntityChange.row`` of every written entity,
plus the creator profiles they hang off), converted the way a hand-written program would
convert them (UUIDs, timestamps, JSON) — that conversion is timed too, because any program
writing these rows has to do it.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ss_tui import jsontext
from ss_tui.db.types import UTCWallClock, utcnow
from ss_tui.engine.apply import entity_table
from ss_tui.engine.plan_types import Action, ImportPlan
from ss_tui.engine.rows import (
    T_ARTIST,
    T_CREATOR,
    T_LINK,
    T_RECORDING,
    T_RECORDING_ARTIST,
    T_RELEASE,
    T_RELEASE_ARTIST,
    T_RELEASE_TRACK,
    T_TRACK,
    T_TRACK_ARTIST,
)

# Parents before children, so foreign keys hold at every insert.
TABLE_ORDER = (
    T_CREATOR,
    T_ARTIST,
    T_RELEASE,
    T_RECORDING,
    T_RELEASE_ARTIST,
    T_RECORDING_ARTIST,
    T_RELEASE_TRACK,
    T_TRACK,
    *((T_TRACK_ARTIST,) if T_TRACK_ARTIST is not None else ()),
    T_LINK,
)
ENTITY_TABLES = tuple(t.name for t in TABLE_ORDER[1:])


def plan_rows(plan: ImportPlan) -> dict[str, list[dict[str, Any]]]:
    """Every row a fresh-database apply of ``plan`` inserts, per table, once per id."""
    out: dict[str, dict[Any, dict[str, Any]]] = {t.name: {} for t in TABLE_ORDER}
    for pp in plan.projects:
        if not pp.included or pp.blocked:
            continue
        if pp.new_creator:
            out[T_CREATOR.name][pp.new_creator["id"]] = pp.new_creator
        for e in pp.entities:
            if e.writes and e.row is not None and e.action != Action.delete:
                out[entity_table(e).name][e.row["id"]] = e.row
    return {name: list(rows.values()) for name, rows in out.items()}


def _common(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _sqlite_converter(column: sa.Column[Any]) -> Callable[[Any], Any]:
    impl = column.type.dialect_impl(sqlite.dialect())
    if isinstance(impl, sa.JSON):
        return lambda v: None if v is None else jsontext.dumps(v)  # as ss-tui encodes JSON
    if isinstance(impl, sa.Uuid):
        return lambda v: (
            None if v is None else (v if isinstance(v, uuid.UUID) else uuid.UUID(v)).hex
        )

    def scalar(v: Any) -> Any:
        if isinstance(v, datetime):  # SQLAlchemy's SQLite DATETIME text form, naive UTC
            return v.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        if isinstance(v, date):
            return v.isoformat()
        return _common(v)

    return scalar


def _pg_converter(column: sa.Column[Any]) -> Callable[[Any], Any]:
    impl = column.type.dialect_impl(postgresql.dialect())
    if isinstance(impl, sa.JSON):  # asyncpg sends json/jsonb as text
        return lambda v: None if v is None else jsontext.dumps(v)  # as ss-tui encodes JSON
    if isinstance(impl, sa.Uuid):
        return lambda v: v if v is None or isinstance(v, uuid.UUID) else uuid.UUID(v)
    if isinstance(column.type, UTCWallClock):  # Jovie's `timestamp`: naive UTC
        return lambda v: (
            v.astimezone(UTC).replace(tzinfo=None)
            if isinstance(v, datetime) and v.tzinfo is not None
            else v
        )
    return _common


def _full(table: sa.Table, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    out = {c.name: row.get(c.name) for c in table.columns}
    out["created_at"] = row.get("created_at") or now
    out["updated_at"] = now
    return out


def write_sqlite(path: str, rows: dict[str, list[dict[str, Any]]]) -> int:
    """Insert ``rows`` with ``sqlite3.executemany`` in one transaction, with the same
    pragmas ss-tui's engine uses (WAL, synchronous NORMAL, foreign keys on)."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute("PRAGMA foreign_keys = ON")
        now = utcnow()
        written = 0
        con.execute("BEGIN IMMEDIATE")
        for table in TABLE_ORDER:
            batch = rows.get(table.name) or []
            if not batch:
                continue
            cols = list(table.columns)
            conv = [_sqlite_converter(c) for c in cols]
            sql = (
                f"INSERT INTO {table.name} ({', '.join(c.name for c in cols)}) "
                f"VALUES ({', '.join('?' for _ in cols)})"
            )
            params = []
            for r in batch:
                full = _full(table, r, now)
                params.append([f(full[c.name]) for f, c in zip(conv, cols, strict=True)])
            con.executemany(sql, params)
            written += len(params)
        con.execute("COMMIT")
        return written
    finally:
        con.close()


async def write_postgres(dsn: str, rows: dict[str, list[dict[str, Any]]]) -> int:
    """Insert ``rows`` with ``asyncpg`` ``executemany`` in one transaction."""
    import asyncpg

    con = await asyncpg.connect(dsn)
    try:
        now = utcnow()
        written = 0
        async with con.transaction():
            for table in TABLE_ORDER:
                batch = rows.get(table.name) or []
                if not batch:
                    continue
                cols = list(table.columns)
                conv = [_pg_converter(c) for c in cols]
                sql = (
                    f"INSERT INTO {table.name} ({', '.join(c.name for c in cols)}) "
                    f"VALUES ({', '.join(f'${i + 1}' for i in range(len(cols)))})"
                )
                params = []
                for r in batch:
                    full = _full(table, r, now)
                    params.append([f(full[c.name]) for f, c in zip(conv, cols, strict=True)])
                await con.executemany(sql, params)
                written += len(params)
        return written
    finally:
        await con.close()


async def table_counts(engine: Any, names: tuple[str, ...] = ENTITY_TABLES) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            n: (await conn.execute(sa.text(f"SELECT count(*) FROM {n}"))).scalar_one()
            for n in names
        }
