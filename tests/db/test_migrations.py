"""Migrations build exactly the schema the models describe, and go up, down and up again."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ss_tui.db.engine import create_engine
from ss_tui.db.migrate import (
    JOVIE_REVISION,
    VERSION_TABLE,
    SharedDatabaseError,
    current_revision,
    downgrade,
    head,
    upgrade,
)
from ss_tui.db.schema import JOVIE_TABLES, SS_TUI_TABLES, metadata

ALL_TABLES = set(JOVIE_TABLES) | set(SS_TUI_TABLES)


async def _sync(url: str, fn: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.run_sync(fn)
            await conn.commit()
            return result
    finally:
        await engine.dispose()


def _diff(conn: sa.Connection) -> list[Any]:
    ctx = MigrationContext.configure(
        conn,
        opts={
            "compare_type": True,
            "version_table": VERSION_TABLE,
            "include_object": lambda o, n, t, r, c: n != VERSION_TABLE,
        },
    )
    return compare_metadata(ctx, metadata)


def _tables(conn: sa.Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names())


async def test_migrated_schema_matches_models(db_kind: str, fresh_database) -> None:
    url = fresh_database(db_kind, migrated=False)
    await upgrade(url)
    assert await _sync(url, _diff) == []


async def test_up_down_up(db_kind: str, fresh_database) -> None:
    url = fresh_database(db_kind, migrated=False)
    await upgrade(url)
    assert ALL_TABLES <= await _sync(url, _tables)
    assert await current_revision(url) == head()

    await downgrade(url, JOVIE_REVISION)
    left = await _sync(url, _tables)
    assert set(JOVIE_TABLES) <= left and not (set(SS_TUI_TABLES) & left)

    await downgrade(url, "base")
    assert not (ALL_TABLES & await _sync(url, _tables))
    assert await current_revision(url) is None

    await upgrade(url)
    assert await current_revision(url) == head()
    assert await _sync(url, _diff) == []
    providers = await _sync(
        url, lambda c: set(c.execute(sa.text("SELECT id FROM providers")).scalars())
    )
    assert {"session-studio", "spotify", "apple_music", "deezer"} <= providers


async def test_upgrade_adopts_an_existing_jovie_database(db_kind: str, fresh_database) -> None:
    """A Jovie database already has Jovie's tables (and its own providers) but was never
    migrated by ss-tui: upgrade adds only our tables and keeps Jovie's rows."""
    url = fresh_database(db_kind, migrated=False)
    await upgrade(url, JOVIE_REVISION)

    def make_it_jovies(conn: sa.Connection) -> None:
        conn.execute(sa.text(f"DROP TABLE {VERSION_TABLE}"))
        conn.execute(
            sa.text(
                "INSERT INTO providers (id, display_name, kind, is_active, created_at, updated_at)"
                " VALUES ('spotify', 'Spotify (Jovie)', 'music_streaming', true,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )

    await _sync(url, make_it_jovies)
    await upgrade(url)
    assert ALL_TABLES <= await _sync(url, _tables)
    names = await _sync(
        url, lambda c: dict(c.execute(sa.text("SELECT id, display_name FROM providers")).all())
    )
    assert names["spotify"] == "Spotify (Jovie)"  # Jovie's row wins
    assert "session-studio" in names


async def test_downgrade_base_refuses_in_a_shared_jovie_database(
    db_kind: str, fresh_database
) -> None:
    url = fresh_database(db_kind)
    await _sync(url, lambda c: c.execute(sa.text("CREATE TABLE users (id integer primary key)")))
    with pytest.raises(SharedDatabaseError, match="users"):
        await downgrade(url, "base")
    assert ALL_TABLES <= await _sync(url, _tables)  # nothing dropped
    await downgrade(url, JOVIE_REVISION)  # removing only ss-tui's tables is fine
    await downgrade(url, "base", force=True)
    assert not (ALL_TABLES & await _sync(url, _tables))
