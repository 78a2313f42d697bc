"""The Jovie-DDL fixture itself: Jovie's tables, seeds and the shape facts ss-tui relies on."""

from __future__ import annotations

import asyncpg
import pytest

from tests.fixtures.jovie import (
    JOVIE_PROVIDER_IDS,
    JOVIE_TABLES,
    SEEDED_PROFILE_ID,
    JovieDatabaseFactory,
)

pytestmark = pytest.mark.pg


async def _fetch(db, sql: str):
    conn = await asyncpg.connect(
        host="127.0.0.1", port=db.server.port, user="postgres", database=db.name
    )
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


async def test_builds_jovie_tables_with_seeds(jovie_database: JovieDatabaseFactory) -> None:
    db = jovie_database()
    tables = {
        r[0]
        for r in await _fetch(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }
    assert tables == set(JOVIE_TABLES)
    providers = {r[0] for r in await _fetch(db, "SELECT id FROM providers")}
    assert providers == set(JOVIE_PROVIDER_IDS)
    (profile,) = await _fetch(db, "SELECT * FROM creator_profiles")
    assert profile["id"] == SEEDED_PROFILE_ID
    assert profile["is_claimed"] and profile["is_public"] and profile["user_id"] is not None
    # Jovie's timestamps carry no time zone.
    types = {
        r[0]
        for r in await _fetch(
            db,
            "SELECT DISTINCT data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name LIKE '%\\_at'",
        )
    }
    assert types == {"timestamp without time zone"}


async def test_time_zone_and_schema_dump(jovie_database: JovieDatabaseFactory) -> None:
    db = jovie_database(timezone="America/New_York")
    (row,) = await _fetch(db, "SHOW timezone")
    assert row[0] == "America/New_York"
    dump = db.dump_schema()
    assert "CREATE TABLE public.discog_releases" in dump
    assert "release_sync_status" in dump and "provider_links_owner_match" in dump
    assert db.dump_schema() == dump  # deterministic: comparable before/after
