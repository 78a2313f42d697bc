"""Figures 2 and 7 — planning, applying and the whole local pipeline against raw driver
writes of the very same rows, in the same run.

Each run (``--repeat``, 3 by default) takes the catalogue's listing pages through the
import's local pipeline (bench/local_work.py: decode → store → plan → apply) into a fresh
database, then writes the rows of that plan with the bare driver into a second fresh one:
``sqlite3.executemany`` in one transaction on SQLite, ``asyncpg`` ``executemany`` on
PostgreSQL (a throwaway server, when one can be started here).

- Figure 2: apply ÷ raw, and planning a first import ÷ applying it.
- Figure 7: decode + plan + apply ÷ raw (what the import costs on this machine when
  Session Studio is not the limit, against the least any program writing these rows pays).
  Beside it, informative: the headless import (``run_import``) of the same pages answered
  from memory, which works chunk by chunk with its run ledger (bench/local_work.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.common import Figure, Sizes, Timer, Workspace
from bench.local_work import LocalRun, run_headless, run_local
from bench.raw_writes import plan_rows, table_counts, write_postgres, write_sqlite

TARGET_APPLY_RATIO = 3.0
TARGET_PLAN_RATIO = 1.0  # planning a first import ≤ applying it (SQLite)
TARGET_LOCAL_SQLITE = 2.5
TARGET_LOCAL_POSTGRES = 2.0


@dataclass
class Applied:
    """What figure 3 re-plans against: a database that already holds the catalogue."""

    svc: Any
    connection_id: str
    project_ids: list[str]


@dataclass
class Run:
    local: LocalRun
    raw_s: float
    raw_rows: int
    same: bool
    headless_s: float  # the headless import of the same pages (chunks, run ledger)


async def _sqlite_run(ws: Workspace, pages: list[bytes], account_id: str) -> Run:
    local = await run_local(await ws.sqlite_url("apply"), pages, account_id)
    raw_url = await ws.sqlite_url("raw")
    rows = plan_rows(local.plan)
    # A run's plan is a million live objects: kept in the list of runs, every later run's
    # full collections scanned them all (0.7 s in one run's decode), which no import pays.
    local.plan = None
    with Timer() as tr:
        written = write_sqlite(str(ws.sqlite_path(raw_url)), rows)
    same = await _same_rows(local.svc.engine, raw_url)
    headless_s, _ = await run_headless(await ws.sqlite_url("headless"), pages, account_id)
    return Run(local, tr.s, written, same, headless_s)


async def _postgres_run(pg: Any, pages: list[bytes], account_id: str) -> Run:
    from ss_tui.db.engine import create_engine

    apply_url, raw_url = await pg.fresh(), await pg.fresh()
    local = await run_local(apply_url, pages, account_id)
    try:
        rows = plan_rows(local.plan)
        local.plan = None  # as on SQLite
        with Timer() as tr:
            written = await write_postgres(pg.dsn(raw_url), rows)
        raw_engine = create_engine(raw_url)
        try:
            same = await table_counts(local.svc.engine) == await table_counts(raw_engine)
        finally:
            await raw_engine.dispose()
    finally:
        await local.svc.engine.dispose()
    headless_s, _ = await run_headless(await pg.fresh(), pages, account_id)
    return Run(local, tr.s, written, same, headless_s)


async def _same_rows(engine: Any, raw_url: str) -> bool:
    from ss_tui.db.engine import create_engine

    raw = create_engine(raw_url)
    try:
        return await table_counts(engine) == await table_counts(raw)
    finally:
        await raw.dispose()


def _phases(runs: list[Run]) -> str:
    def med(xs: list[float]) -> float:
        return sorted(xs)[len(xs) // 2]

    return (
        f"decode+store {med([r.local.decode_s for r in runs]):.2f} s, "
        f"plan {med([r.local.plan_s for r in runs]):.2f} s, "
        f"apply {med([r.local.apply_s for r in runs]):.2f} s (medians)"
    )


def _apply_rows(fig: Figure, db: str, runs: list[Run]) -> None:
    rows = runs[-1].local.result.rows_written
    fig.add(f"{db} apply", [r.local.apply_s for r in runs], "s", note=f"{rows:,} entity rows")
    fig.add(
        f"{db} raw executemany",
        [r.raw_s for r in runs],
        "s",
        note=f"{runs[-1].raw_rows:,} rows, one transaction",
    )
    fig.add(
        f"{db} apply rows/s",
        [r.local.result.rows_written / r.local.apply_s for r in runs],
        "rows/s",
    )
    fig.add(
        f"{db} apply ÷ raw",
        [r.local.apply_s / r.raw_s for r in runs],
        "x",
        at_most=TARGET_APPLY_RATIO if db == "SQLite" else None,
    )
    fig.add(
        f"{db} plan a first import",
        [r.local.plan_s for r in runs],
        "s",
        note=f"{len(runs[-1].local.project_ids):,} new projects",
    )
    fig.add(
        f"{db} plan ÷ apply (first import)",
        [r.local.plan_s / r.local.apply_s for r in runs],
        "x",
        at_most=TARGET_PLAN_RATIO if db == "SQLite" else None,
    )
    fig.add(
        f"{db} same rows in both databases",
        int(all(r.same for r in runs)),
        "",
        at_least=1,
        note="row counts per table equal in every run (1 = yes)",
    )


def _local_rows(fig: Figure, db: str, runs: list[Run], target: float) -> None:
    fig.add(f"{db} decode → plan → apply", [r.local.total_s for r in runs], "s", note=_phases(runs))
    fig.add(
        f"{db} local work ÷ raw",
        [r.local.total_s / r.raw_s for r in runs],
        "x",
        at_most=target,
        note=f"raw {sorted(r.raw_s for r in runs)[len(runs) // 2]:.2f} s (median)",
    )
    # What a worker or `ss-tui import` pays: the same pages through run_import (fetched
    # from memory, saved, planned and applied chunk by chunk, with the run's ledger).
    fig.add(
        f"{db} headless import, listing from memory",
        [r.headless_s for r in runs],
        "s",
        note="ImportService.run_import, no network",
    )
    fig.add(f"{db} headless import ÷ raw", [r.headless_s / r.raw_s for r in runs], "x")


async def run(
    sizes: Sizes, ws: Workspace, pages: list[bytes], account_id: str, pg: Any
) -> tuple[Figure, Figure, Applied]:
    params = {
        "projects": sizes.apply_projects,
        "tracks": sizes.apply_tracks,
        "runs": sizes.repeat,
        "postgres": pg is not None and pg.available,
    }
    fig2 = Figure(2, "Plan and apply vs raw SQL", params=dict(params))
    fig7 = Figure(7, "End-to-end local work vs raw", params=dict(params))
    runs: list[Run] = []
    try:
        for _ in range(sizes.repeat):
            runs.append(await _sqlite_run(ws, pages, account_id))
    finally:  # figure 3 re-plans against the last run's database; the others are done
        for r in runs[:-1]:
            await r.local.svc.engine.dispose()
    last = runs[-1].local
    applied = Applied(last.svc, last.connection_id, last.project_ids)
    _apply_rows(fig2, "SQLite", runs)
    _local_rows(fig7, "SQLite", runs, TARGET_LOCAL_SQLITE)
    if pg is None or not pg.available:
        why = "skipped (--no-postgres)" if pg is None else f"skipped: {pg.why_not}"
        for fig in (fig2, fig7):
            fig.add("PostgreSQL", None, note=why)
        return fig2, fig7, applied
    pg_runs = [await _postgres_run(pg, pages, account_id) for _ in range(sizes.repeat)]
    _apply_rows(fig2, "PostgreSQL", pg_runs)
    _local_rows(fig7, "PostgreSQL", pg_runs, TARGET_LOCAL_POSTGRES)
    return fig2, fig7, applied


async def applied_only(ws: Workspace, pages: list[bytes], account_id: str) -> Applied:
    """Figure 3 on its own still needs the catalogue applied (untimed)."""
    local = await run_local(await ws.sqlite_url("apply"), pages, account_id)
    return Applied(local.svc, local.connection_id, local.project_ids)
