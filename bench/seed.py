"""Fast seeding of ``source_snapshots`` for the browser figure (1,000,000 tracks in minutes).

The rows are the ones ss-tui itself writes after a fetch: ``engine.snapshots.project_rows``
builds them from the payloads, and each value is bound by the column's own SQLAlchemy type
(``bind_processor`` of the dialect: uuid, JSON, UTC timestamps, booleans as ss-tui stores
them). Only the way they reach the database differs from ``save_snapshots``: one plain
``sqlite3`` ``executemany`` per chunk on SQLite, ``COPY`` (asyncpg
``copy_records_to_table``) on PostgreSQL, into a fresh table (no upsert, no lookup of the
previous hashes). The catalogue is generated in chunks by worker processes (each its own
simulator, distinct seeds) while the main process writes the previous chunk; then the
PostgreSQL's statistics are gathered (``ANALYZE``), as its autovacuum would after such a
load (SQLite gets none: ss-tui never gathers them there).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

CHUNK = 10_000  # projects per worker task: a simulator each (bounded memory), as before
WORKERS = 2


def _columns() -> list[Any]:
    from ss_tui.db import schema

    return list(schema.SourceSnapshot.__table__.columns)


def _binders(dialect: Any) -> list[tuple[str, Callable[[Any], Any] | None]]:
    return [(c.name, c.type._cached_bind_processor(dialect)) for c in _columns()]


def _bound(
    rows: list[dict[str, Any]], binders: list[tuple[str, Any]], json_text: dict[int, Any]
) -> list[tuple[Any, ...]]:
    """The rows as the driver receives them. Values that repeat (the chunk's timestamps,
    the connection, statuses) are converted once; a payload's JSON text is made once for
    all dialects (``json_text``, by payload identity: both dialects serialize with
    ``json.dumps``)."""
    memos: list[dict[Any, Any] | None] = [
        None if name == "id" or p is None else {} for name, p in binders
    ]
    out = []
    for r in rows:
        values = []
        for (name, p), memo in zip(binders, memos, strict=True):
            v = r[name]
            if v is None or p is None:
                values.append(v)
            elif name == "payload":
                text = json_text.get(id(v))
                if text is None:
                    text = json_text[id(v)] = p(v)
                values.append(text)
            elif memo is None:
                values.append(p(v))
            else:
                bound = memo.get(v, memo)
                if bound is memo:
                    bound = memo[v] = p(v)
                values.append(bound)
        out.append(tuple(values))
    return out


def _dialects() -> dict[str, Any]:
    from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
    from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

    return {"sqlite": SQLiteDialect_aiosqlite(), "postgresql": PGDialect_asyncpg()}


def bound_rows(
    payloads: list[dict[str, Any]], targets: tuple[tuple[str, str], ...]
) -> list[list[tuple[Any, ...]]]:
    """ss-tui's snapshot rows of ``payloads`` (``project_rows``), bound for each of
    ``targets`` ((dialect, connection id)) as that dialect's driver receives them."""
    from ss_tui.db.types import utcnow
    from ss_tui.engine.snapshots import project_rows

    now = utcnow()
    rows = [r for p in payloads for r in project_rows(uuid.UUID(targets[0][1]), p, now)]
    dialects = _dialects()
    out, json_text = [], {}
    for dialect, cid in targets:
        for r in rows:
            r["connection_id"] = uuid.UUID(cid)
        out.append(_bound(rows, _binders(dialects[dialect]), json_text))
    return out


def chunk_rows(
    seed: int, counts: list[int], targets: tuple[tuple[str, str], ...]
) -> tuple[str, list[list[tuple[Any, ...]]]]:
    """A simulator's catalogue of ``counts`` project sizes as ``bound_rows``, and a search
    term from its titles (run by a worker process)."""
    from bench.browser import _search_term
    from bench.common import build_simulator, catalogue_payloads

    _, sim = build_simulator(len(counts), sum(counts), seed=seed)
    payloads = catalogue_payloads(sim)
    del sim
    return _search_term(payloads), bound_rows(payloads, targets)


def _chunks(counts: list[int], size: int) -> Iterator[tuple[int, list[int]]]:
    for n, start in enumerate(range(0, len(counts), size)):
        yield 7 + n, counts[start : start + size]


class _SQLiteWriter:
    def __init__(self, url: str) -> None:
        from bench.common import Workspace

        self.db = sqlite3.connect(
            Workspace.sqlite_path(url), isolation_level=None, check_same_thread=False
        )
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = OFF")  # a throwaway file: no fsync per chunk
        names = [c.name for c in _columns()]
        self.sql = (
            f"INSERT INTO source_snapshots ({', '.join(names)}) "
            f"VALUES ({', '.join('?' * len(names))})"
        )

    async def write(self, rows: list[tuple[Any, ...]]) -> None:
        # In a thread (sqlite3 lets go of the GIL while it writes): PostgreSQL's COPY of the
        # same chunk runs meanwhile.
        await asyncio.to_thread(self._write, rows)

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany(self.sql, rows)
        self.db.execute("COMMIT")

    async def close(self) -> None:
        # No ANALYZE: ss-tui never gathers SQLite statistics, so a user's file has none.
        self.db.close()


class _PostgresWriter:
    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None

    async def open(self) -> None:
        import asyncpg

        from bench.postgres import BenchPostgres

        self.conn = await asyncpg.connect(BenchPostgres.dsn(self.url))
        # COPY is binary: jsonb is a version byte then the JSON text SQLAlchemy's type made.
        await self.conn.set_type_codec(
            "jsonb",
            encoder=lambda text: b"\x01" + text.encode(),
            decoder=lambda data: data[1:].decode(),
            schema="pg_catalog",
            format="binary",
        )

    async def write(self, rows: list[tuple[Any, ...]]) -> None:
        names = [c.name for c in _columns()]
        await self.conn.copy_records_to_table("source_snapshots", records=rows, columns=names)

    async def close(self) -> None:
        await self.conn.execute("ANALYZE source_snapshots")
        await self.conn.close()


async def open_writer(dialect: str, url: str) -> Any:
    """A bulk writer of ``bound_rows`` into ``url``'s ``source_snapshots``: ``write(rows)``,
    then ``close()`` (which gathers PostgreSQL's statistics)."""
    if dialect == "sqlite":
        return _SQLiteWriter(url)
    pg = _PostgresWriter(url)
    await pg.open()
    return pg


async def seed_snapshots(
    targets: list[tuple[str, str]], connection_ids: list[str], counts: list[int]
) -> str:
    """Write a catalogue of ``counts`` project sizes as snapshots into each of ``targets``
    ((dialect, url)) under its connection id; returns a search term from the titles."""
    writers = [await open_writer(dialect, url) for dialect, url in targets]
    job = tuple(zip((d for d, _ in targets), connection_ids, strict=True))
    chunks = list(_chunks(counts, CHUNK))
    try:
        if len(chunks) == 1:  # nothing to overlap: no worker processes to start
            term, per_target = chunk_rows(*chunks[0], job)
            await asyncio.gather(*(w.write(r) for w, r in zip(writers, per_target, strict=True)))
            return term
        return await _seed_in_workers(writers, job, chunks)
    finally:
        for w in writers:
            await w.close()


async def _seed_in_workers(
    writers: list[Any], job: tuple[tuple[str, str], ...], chunks: list[tuple[int, list[int]]]
) -> str:
    """Chunks generated by worker processes (spawned: this process runs threads and an event
    loop) a few ahead, while this one writes the previous chunk into every database."""
    term = ""
    loop = asyncio.get_running_loop()
    todo = iter(chunks)
    window: list[asyncio.Future[Any]] = []
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:

        def submit() -> None:
            for seed, chunk in todo:
                window.append(loop.run_in_executor(pool, chunk_rows, seed, chunk, job))
                return

        try:
            for _ in range(WORKERS + 1):
                submit()
            while window:
                chunk_term, per_target = await window.pop(0)
                submit()
                term = term or chunk_term
                await asyncio.gather(
                    *(w.write(r) for w, r in zip(writers, per_target, strict=True))
                )
        finally:
            for future in window:
                future.cancel()
    return term
