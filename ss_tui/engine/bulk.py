"""Bulk upserts with the statement compiled once and the rows sent to the driver directly.

SQLAlchemy re-processes every parameter set of an ``executemany`` (cache lookup, bind
processors through several layers) and, on aiosqlite, each statement costs three trips to the
driver's worker thread. Apply writes ~100 rows in 8 statements per project, so both dominate:
here a statement is compiled once per (dialect, table, conflict target), rows become tuples
through the columns' own bind processors, and on SQLite a project's statements go to the
worker thread in one trip; on PostgreSQL each goes to asyncpg as one ``executemany``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.db.engine import dialect_insert
from ss_tui.values import Row


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    columns: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # name, bind processor

    def params(self, rows: list[Row], now: datetime) -> list[tuple[Any, ...]]:
        """One parameter tuple per row: ``updated_at`` is ``now`` (upserts bypass the ORM's
        onupdate), ``created_at`` the row's or ``now``; values through their processors."""
        names = [n for n, _ in self.columns]
        # ``now`` converted once per column, not once per row
        stamped = [(i, proc(now) if proc else now) for i, (n, proc) in enumerate(self.columns)
                   if n == "updated_at"]
        created = [(i, proc(now) if proc else now) for i, (n, proc) in enumerate(self.columns)
                   if n == "created_at"]
        convert = [(i, proc) for i, (n, proc) in enumerate(self.columns)
                   if proc is not None and n != "updated_at"]
        out = []
        for row in rows:
            get = row.get
            values = [get(n) for n in names]  # a comprehension: a third of a per-column loop
            for i, proc in convert:
                v = values[i]
                if v is not None:
                    values[i] = proc(v)
            for i, v in stamped:
                values[i] = v
            for i, v in created:
                if not get("created_at"):
                    values[i] = v
            out.append(tuple(values))
        return out


_COMPILED: dict[tuple[Any, ...], Compiled] = {}
Batch = tuple[str, list[tuple[Any, ...]]]
Probe = tuple[str, list[Any]]


def upsert_statement(
    dialect_name: str, table: sa.Table, target: list[str], where: str | None
) -> sa.Insert:
    """``INSERT … ON CONFLICT (<unique key>) DO UPDATE`` every column but id/created_at/key."""
    stmt = dialect_insert(dialect_name, table)
    keep = {"id", "created_at", *target}
    upsert: sa.Insert = stmt.on_conflict_do_update(
        index_elements=target,
        index_where=sa.text(where) if where else None,
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keep},
    )
    return upsert


def compiled_upsert(
    dialect: Dialect, table: sa.Table, target: list[str], where: str | None = None
) -> Compiled:
    key = ("upsert", dialect.name, table.name, tuple(target), where)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = _compile(
            dialect, table, upsert_statement(dialect.name, table, target, where)
        )
    return found


def compiled_insert(dialect: Dialect, table: sa.Table) -> Compiled:
    """A plain ``INSERT`` (rows known to be new: any clash is an error)."""
    key = ("insert", dialect.name, table.name)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = _compile(dialect, table, sa.insert(table))
    return found


def compiled_insert_ignore(dialect: Dialect, table: sa.Table, target: list[str]) -> Compiled:
    """``INSERT … ON CONFLICT (<target>) DO NOTHING``."""
    key = ("ignore", dialect.name, table.name, tuple(target))
    found = _COMPILED.get(key)
    if found is None:
        ins = dialect_insert(dialect.name, table)
        found = _COMPILED[key] = _compile(
            dialect, table, ins.on_conflict_do_nothing(index_elements=target)
        )
    return found


def _compile(dialect: Dialect, table: sa.Table, stmt: Any) -> Compiled:
    names = [c.name for c in table.columns]
    comp = stmt.compile(dialect=dialect, column_keys=names)
    order = list(comp.positiontup or [])
    if sorted(order) != sorted(names):  # anything unexpected: not for this path
        raise RuntimeError(f"unexpected parameters for {table.name}: {order}")
    procs = {c.name: c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.columns}
    return Compiled(comp.string, tuple((n, procs[n]) for n in order))


def compiled_statement(
    dialect: Dialect, key: str, build: Callable[[], Any], types: dict[str, Any]
) -> Compiled:
    """Any statement with named bind parameters (``types``: name → column type), compiled
    once per dialect; ``Compiled.params`` then takes dicts keyed by those names."""
    found = _COMPILED.get((key, dialect.name))
    if found is None:
        comp = build().compile(dialect=dialect)
        order = list(comp.positiontup or [])
        procs = {n: t.dialect_impl(dialect).bind_processor(dialect) for n, t in types.items()}
        if sorted(order) != sorted(procs):
            raise RuntimeError(f"unexpected parameters for {key}: {order}")
        found = _COMPILED[(key, dialect.name)] = Compiled(
            comp.string, tuple((n, procs[n]) for n in order)
        )
    return found


def exists_probes(dialect: Dialect, ids: dict[sa.Table, list[Any]]) -> list[Probe]:
    """``SELECT 1 … LIMIT 1`` finding any of these rows, as driver SQL and parameters: on
    SQLite one per table and 500 ids (its variable limit), on PostgreSQL one for all the
    tables (an array of ids each: one round trip)."""
    out: list[Probe] = []
    if dialect.name != "sqlite":
        parts, params = [], []
        for table, values in ids.items():
            if values:
                params.append(list(dict.fromkeys(values)))
                name = dialect.identifier_preparer.format_table(table)
                parts.append(f"SELECT 1 FROM {name} WHERE id = ANY(${len(params)})")
        if parts:
            out.append((" UNION ALL ".join(parts) + " LIMIT 1", params))
        return out
    for table, values in ids.items():
        proc = table.c.id.type.dialect_impl(dialect).bind_processor(dialect)
        unique = list(dict.fromkeys(values))
        for i in range(0, len(unique), 500):
            chunk = unique[i : i + 500]
            marks = ", ".join("?" for _ in chunk)
            params = [proc(v) if proc else v for v in chunk]
            name = dialect.identifier_preparer.format_table(table)
            out.append((f"SELECT 1 FROM {name} WHERE id IN ({marks}) LIMIT 1", params))
    return out




def _run_all(dbapi_conn: Any, batches: list[Batch], probes: list[Probe]) -> bool:
    sql = ""
    try:
        for sql, args in probes:
            if dbapi_conn.execute(sql, args).fetchone() is not None:
                return False
        for sql, params in batches:
            dbapi_conn.executemany(sql, params)
    except sqlite3.Error as exc:  # as SQLAlchemy would raise it (retry logic keys on it)
        raise DBAPIError.instance(sql, None, exc, sqlite3.Error) from exc
    return True


async def execute_batches(
    conn: AsyncConnection, batches: list[Batch], probes: list[Probe] | None = None
) -> bool:
    """Run these ``executemany`` batches, in order, inside ``conn``'s transaction (SQLite),
    unless one of ``probes`` (``SELECT 1 …``) finds a row: then nothing is written and the
    answer is False."""
    batches = [(sql, params) for sql, params in batches if params]
    probes = probes or []
    if not batches and not probes:
        return True
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    run_in_thread = getattr(driver, "_execute", None)
    dbapi_conn = getattr(driver, "_connection", None)
    if conn.dialect.name == "sqlite" and run_in_thread is not None and dbapi_conn is not None:
        # aiosqlite: one trip to its worker thread, on the connection SQLAlchemy began.
        return bool(await run_in_thread(_run_all, dbapi_conn, batches, probes))
    for sql, args in probes:  # another driver: through SQLAlchemy, still precompiled
        if (await conn.exec_driver_sql(sql, tuple(args))).first() is not None:
            return False
    for sql, params in batches:  # asyncpg: one pipelined executemany (one trip) each
        await conn.exec_driver_sql(sql, params)
    return True
