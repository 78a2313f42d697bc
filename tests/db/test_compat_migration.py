"""Migration 0004_jovie_compat carries an earlier ss-tui database over: the Session Studio
ids its artists held in a column of their own, and the jobs it queued in ingestion_jobs."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from ss_tui.db.engine import create_engine
from ss_tui.db.migrate import downgrade, upgrade

LEGACY_JOB_COLUMNS = (
    ("locked_by", "TEXT"),
    ("locked_at", "TIMESTAMP"),
    ("heartbeat_at", "TIMESTAMP"),
    ("last_run_started_at", "TIMESTAMP"),
    ("finished_at", "TIMESTAMP"),
    ("result", "TEXT"),
)


async def test_earlier_layout_is_carried_over(db_kind: str, fresh_database) -> None:
    url = fresh_database(db_kind, migrated=False)
    await upgrade(url)
    await downgrade(url, "0003_browse_index")
    artist_id, job_id = uuid.uuid4(), uuid.uuid4()
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE artists ADD COLUMN session_studio_id TEXT")
            for name, typ in LEGACY_JOB_COLUMNS:
                if db_kind == "postgresql" and name == "result":
                    typ = "JSONB"
                await conn.exec_driver_sql(f"ALTER TABLE ingestion_jobs ADD COLUMN {name} {typ}")
            await conn.execute(
                sa.text(
                    "INSERT INTO artists (id, name, name_normalized, is_auto_created,"
                    " session_studio_id) VALUES (:id, 'Nova', 'nova', true, 'ar_1')"
                ),
                {"id": artist_id if db_kind == "postgresql" else artist_id.hex},
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO ingestion_jobs (id, job_type, payload, status, attempts,"
                    " max_attempts, priority, dedup_key) VALUES (:id, 'ss_import_account',"
                    " '{}', 'pending', 0, 3, 0, 'acct')"
                ),
                {"id": job_id if db_kind == "postgresql" else job_id.hex},
            )
    finally:
        await engine.dispose()

    await upgrade(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            idents = (await conn.exec_driver_sql(
                "SELECT ss_artist_id FROM ss_artist_identities")).scalars().all()
            jobs = (await conn.exec_driver_sql("SELECT dedup_key FROM ss_jobs")).scalars().all()
            left = (await conn.exec_driver_sql("SELECT count(*) FROM ingestion_jobs")).scalar()
    finally:
        await engine.dispose()
    assert idents == ["ar_1"]
    assert jobs == ["acct"] and left == 0
