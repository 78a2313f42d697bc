"""The browser figure's bulk seeding writes the very rows ss-tui writes after a fetch, so
the figure measures the dashboard over what users have (never timings)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from bench.common import build_simulator, catalogue_payloads, seeded_service
from bench.seed import bound_rows, open_writer
from ss_tui.db import schema
from ss_tui.db.engine import create_engine, is_sqlite
from ss_tui.engine.rows import as_uuid

T_SNAP = schema.SourceSnapshot.__table__
# Everything but what differs by construction: the random row id and the write times.
COMPARED = [
    c
    for c in T_SNAP.columns
    if c.name not in ("id", "fetched_at", "created_at", "updated_at", "connection_id")
]


async def _stored(url: str, connection_id: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            stmt = sa.select(*COMPARED).where(T_SNAP.c.connection_id == as_uuid(connection_id))
            return sorted(tuple(r) for r in (await conn.execute(stmt)).all())
    finally:
        await engine.dispose()


async def _raw(url: str) -> list[tuple[object, ...]]:
    """How the database itself holds the columns (text forms, SQLite's storage classes)."""
    engine = create_engine(url)
    typeof = "typeof" if is_sqlite(url) else "pg_typeof"
    cols = ", ".join(
        f"{typeof}({c}), CAST({c} AS TEXT)"
        for c in ("connection_id", "fetched_at", "release_date", "payload")
    )
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text(f"SELECT {cols} FROM source_snapshots"))
            return sorted({tuple(str(v)[:12] for v in r[::2]) for r in rows.all()})
    finally:
        await engine.dispose()


async def test_bulk_seeded_snapshots_equal_the_ones_a_fetch_saves(fresh_database, db_kind) -> None:
    _, sim = build_simulator(12, 90)
    payloads = catalogue_payloads(sim)
    saved_url, bulk_url = fresh_database(db_kind), fresh_database(db_kind)

    # seeded_service stores the payloads through the engine's save_snapshots (a fetch's path).
    svc, saved_id = await seeded_service(saved_url, payloads, sim.demo_account_id)
    await svc.engine.dispose()
    svc, bulk_id = await seeded_service(bulk_url, [], sim.demo_account_id)
    await svc.engine.dispose()
    dialect = "sqlite" if is_sqlite(bulk_url) else "postgresql"
    (rows,) = bound_rows(payloads, ((dialect, bulk_id),))
    writer = await open_writer(dialect, bulk_url)
    await writer.write(rows)
    await writer.close()

    saved, bulk = await _stored(saved_url, saved_id), await _stored(bulk_url, bulk_id)
    assert len(saved) == 12 + 90
    assert bulk == saved
    assert await _raw(bulk_url) == await _raw(saved_url)  # same storage, not just same values
    # And the browser's own query finds them under the connection.
    engine = create_engine(bulk_url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                sa.select(sa.func.count()).where(
                    T_SNAP.c.connection_id == uuid.UUID(bulk_id), T_SNAP.c.entity_type == "project"
                )
            )
            assert found.scalar_one() == 12
    finally:
        await engine.dispose()
