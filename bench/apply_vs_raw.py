"""Figure 2 — apply vs raw driver writes of the very same rows, in the same run.

A plan creating the catalogue (projects, recordings, release tracks, artists, credits,
provider links) is applied through ``ImportService.apply`` to a fresh SQLite file; the rows
of that plan are then written by plain ``sqlite3.executemany`` in one transaction into a
second fresh file. Same on PostgreSQL against ``asyncpg`` ``executemany`` when a server can
be started here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.common import Figure, Sizes, Timer, Workspace, seeded_service
from bench.raw_writes import plan_rows, table_counts, write_postgres, write_sqlite

TARGET_RATIO = 3.0
TARGET_ROWS_PER_S = 20_000


@dataclass
class Applied:
    """What figure 3 re-plans against: a database that already holds the catalogue."""

    svc: Any
    connection_id: str
    project_ids: list[str]


async def _apply_timed(svc: Any, cid: str, ids: list[str]) -> tuple[Any, Any, float, float]:
    with Timer() as tp:
        plan = await svc.plan(cid, ids)
    with Timer() as ta:
        result = await svc.apply(plan)
    # "partial" only means some items carry data warnings; every project must be written.
    if result.items.get("applied", 0) != len(ids):
        raise RuntimeError(f"apply did not write every project: {result}")
    return plan, result, tp.s, ta.s


async def sqlite_part(
    fig: Figure, ws: Workspace, payloads: list[dict[str, Any]], account_id: str
) -> Applied:
    ids = [p["id"] for p in payloads]
    svc, cid = await seeded_service(await ws.sqlite_url("apply"), payloads, account_id)
    plan, result, plan_s, apply_s = await _apply_timed(svc, cid, ids)
    rows = plan_rows(plan)
    raw_url = await ws.sqlite_url("raw")
    with Timer() as tr:
        raw_written = write_sqlite(str(ws.sqlite_path(raw_url)), rows)
    same = await _same_rows(svc.engine, raw_url)
    entity_rows = result.rows_written
    fig.add(
        "SQLite entity rows written by apply",
        entity_rows,
        "rows",
        note=f"{result.errors} item warnings recorded" if result.errors else None,
    )
    fig.add("SQLite apply", apply_s, "s", note=f"plan (not timed here) took {plan_s:.2f} s")
    fig.add("SQLite raw sqlite3.executemany", tr.s, "s", note=f"{raw_written:,} rows")
    fig.add("SQLite apply rows/s", entity_rows / apply_s, "rows/s", at_least=TARGET_ROWS_PER_S)
    fig.add("SQLite apply ÷ raw", apply_s / tr.s, "x", at_most=TARGET_RATIO)
    fig.add(
        "SQLite same rows in both databases",
        int(same),
        "",
        at_least=1,
        note="row counts per table equal (1 = yes)",
    )
    return Applied(svc, cid, ids)


async def _same_rows(engine: Any, raw_url: str) -> bool:
    from ss_tui.db.engine import create_engine

    raw = create_engine(raw_url)
    try:
        return await table_counts(engine) == await table_counts(raw)
    finally:
        await raw.dispose()


async def postgres_part(
    fig: Figure, pg: Any, payloads: list[dict[str, Any]], account_id: str
) -> None:
    from ss_tui.db.engine import create_engine

    ids = [p["id"] for p in payloads]
    apply_url, raw_url = await pg.fresh(), await pg.fresh()
    svc, cid = await seeded_service(apply_url, payloads, account_id)
    raw_engine = create_engine(raw_url)
    try:
        plan, result, plan_s, apply_s = await _apply_timed(svc, cid, ids)
        rows = plan_rows(plan)
        with Timer() as tr:
            raw_written = await write_postgres(pg.dsn(raw_url), rows)
        same = await table_counts(svc.engine) == await table_counts(raw_engine)
    finally:
        await svc.engine.dispose()
        await raw_engine.dispose()
    entity_rows = result.rows_written
    fig.add("PostgreSQL apply", apply_s, "s", note=f"plan took {plan_s:.2f} s")
    fig.add("PostgreSQL raw asyncpg executemany", tr.s, "s", note=f"{raw_written:,} rows")
    fig.add("PostgreSQL apply rows/s", entity_rows / apply_s, "rows/s")
    fig.add("PostgreSQL apply ÷ raw", apply_s / tr.s, "x", note="no target in the issue")
    fig.add("PostgreSQL same rows in both databases", int(same), "", at_least=1)


async def run(
    sizes: Sizes, ws: Workspace, payloads: list[dict[str, Any]], account_id: str, pg: Any
) -> tuple[Figure, Applied]:
    fig = Figure(
        2,
        "Apply vs raw SQL",
        params={
            "projects": sizes.apply_projects,
            "tracks": sizes.apply_tracks,
            "postgres": pg is not None and pg.available,
        },
    )
    applied = await sqlite_part(fig, ws, payloads, account_id)
    if pg is None:
        fig.add("PostgreSQL", None, note="skipped (--no-postgres)")
    elif not pg.available:
        fig.add("PostgreSQL", None, note=f"skipped: {pg.why_not}")
    else:
        await postgres_part(fig, pg, payloads, account_id)
    return fig, applied
