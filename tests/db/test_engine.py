"""Engine set-up and how values come back from either database."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db.engine import create_engine, redact, session_factory
from ss_tui.db.migrate import upgrade
from ss_tui.db.schema import CreatorProfile, DiscogRelease, SSToken
from tests.fixtures.db import creator_values, make_sqlite_url


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path) -> None:
    path = tmp_path / "nested" / "dir" / "ss.db"  # parent directories are created
    engine = create_engine(make_sqlite_url(path))
    try:
        async with engine.connect() as conn:
            journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            fks = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
            busy = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    finally:
        await engine.dispose()
    assert (journal, fks) == ("wal", 1)
    assert busy >= 5000
    assert path.exists()


async def test_plain_urls_get_async_drivers() -> None:
    engine = create_engine("sqlite:///:memory:")
    try:
        assert engine.url.drivername == "sqlite+aiosqlite"
    finally:
        await engine.dispose()
    assert redact("postgresql://u:s3cret@h/db") == "postgresql+asyncpg://u:***@h/db"


async def test_orm_round_trip_keeps_types(db_engine: AsyncEngine) -> None:
    sessions = session_factory(db_engine)
    when = datetime(2024, 5, 17, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    async with sessions() as s, s.begin():
        creator = CreatorProfile(**creator_values("Label", "label"))
        s.add(creator)
        await s.flush()
        s.add(
            DiscogRelease(
                creator_profile_id=creator.id,
                title="Über Night",
                slug="uber-night",
                release_type="album",
                release_date=when,
                genres=["pop", "électro"],
                metadata_={"sessionStudioId": "prj_1", "nested": {"n": 1}},
                source_type="ingested",
            )
        )
    async with sessions() as s:
        rel = (await s.execute(sa.select(DiscogRelease))).scalar_one()
    assert rel.release_date == when and rel.release_date.tzinfo is not None
    assert rel.release_date.utcoffset() == timedelta(0)  # normalised to UTC
    assert rel.genres == ["pop", "électro"]
    assert rel.metadata_ == {"sessionStudioId": "prj_1", "nested": {"n": 1}}
    assert rel.created_at.tzinfo is not None
    assert rel.created_at <= datetime.now(UTC)
    assert (rel.total_tracks, rel.is_explicit, rel.status) == (0, False, "released")


async def test_updated_at_moves_on_update(db_engine: AsyncEngine) -> None:
    sessions = session_factory(db_engine)
    async with sessions() as s, s.begin():
        creator = CreatorProfile(**creator_values("A", "a-creator"))
        s.add(creator)
    first = creator.updated_at
    async with sessions() as s, s.begin():
        row = await s.get(CreatorProfile, creator.id)
        assert row is not None
        row.display_name = "B"
    async with sessions() as s:
        row = await s.get(CreatorProfile, creator.id)
    assert row is not None and row.updated_at >= first and row.display_name == "B"


def test_token_repr_hides_ciphertext() -> None:
    assert "gAAAA" not in repr(SSToken(account_key="acct", ciphertext="gAAAAsecret"))


async def test_upgrade_twice_is_a_no_op(fresh_database) -> None:
    url = fresh_database("sqlite")
    await upgrade(url)  # already at head
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            n = (await conn.exec_driver_sql("SELECT count(*) FROM providers")).scalar()
    finally:
        await engine.dispose()
    assert n == 11


async def test_immediate_sqlite_writers_queue_instead_of_failing(sqlite_url: str) -> None:
    """Two engines each doing read-then-write transactions at once: with BEGIN IMMEDIATE
    the second waits on the busy timeout rather than failing on a lock upgrade."""
    engines = [create_engine(sqlite_url, sqlite_begin="IMMEDIATE") for _ in range(2)]

    async def bump(engine: AsyncEngine, n: int) -> None:
        for i in range(n):
            async with engine.begin() as conn:
                await conn.exec_driver_sql("SELECT count(*) FROM creator_profiles")
                await asyncio.sleep(0)  # let the other writer interleave
                await conn.execute(
                    sa.insert(CreatorProfile.__table__).values(
                        id=uuid.uuid4(), **creator_values(f"w{i}", f"w{i}-{uuid.uuid4().hex[:6]}")
                    )
                )

    try:
        await asyncio.gather(*(bump(e, 20) for e in engines))
        async with engines[0].connect() as conn:
            total = (await conn.exec_driver_sql("SELECT count(*) FROM creator_profiles")).scalar()
    finally:
        for e in engines:
            await e.dispose()
    assert total == 40
