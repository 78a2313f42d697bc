"""`ss-tui db check`: all-present on a fresh database, names what is missing otherwise,
and never writes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from ss_tui.cli import cli
from ss_tui.db.engine import create_engine
from ss_tui.db.migrate import head


def run_check(url: str) -> tuple[int, str]:
    # CliRunner runs in this thread; the command's asyncio.run needs no running loop.
    result = CliRunner().invoke(cli, ["db", "check", "--database-url", url])
    return result.exit_code, result.output


async def execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for sql in statements:
                await conn.exec_driver_sql(sql)
    finally:
        await engine.dispose()


async def check_in_thread(url: str) -> tuple[int, str]:
    return await asyncio.to_thread(run_check, url)


async def test_fresh_database_is_complete(db_url: str) -> None:
    code, out = await check_in_thread(db_url)
    assert code == 0, out
    assert "all tables, columns, keys, constraints and indexes present" in out
    assert "discog_releases" in out and "sync_errors" in out


async def test_dropped_column_is_named_and_fails(db_url: str) -> None:
    await execute(db_url, "ALTER TABLE discog_releases DROP COLUMN artwork_url")
    code, out = await check_in_thread(db_url)
    assert code == 1
    assert "missing column discog_releases.artwork_url" in out
    assert "artists" in out  # the other tables are still reported


async def test_dropped_unique_index_and_table_are_named(db_url: str) -> None:
    await execute(db_url, "DROP INDEX discog_releases_creator_upc_unique", "DROP TABLE field_locks")
    code, out = await check_in_thread(db_url)
    assert code == 1
    assert "discog_releases_creator_upc_unique (creator_profile_id, upc)" in out
    assert "field_locks" in out and "MISSING TABLE" in out


async def test_missing_sqlite_file_is_reported_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "ss.db"
    code, out = await check_in_thread(f"sqlite+aiosqlite:///{path}")
    assert code == 6 and "not found" in out  # database unavailable (README, exit codes)
    assert not path.exists() and not path.parent.exists()


async def test_check_never_writes(db_url: str) -> None:
    """Even an empty, never-migrated database is only inspected."""
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP TABLE ss_tui_alembic_version")
    finally:
        await engine.dispose()
    code, out = await check_in_thread(db_url)
    assert code == 0 and "migration revision: none" in out
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
    finally:
        await engine.dispose()
    assert "ss_tui_alembic_version" not in tables


def test_cli_upgrade_then_current_uses_the_configured_url(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "data" / "ss.db"
    monkeypatch.setenv("SS_TUI_DATABASE_URL", f"sqlite:///{path}")
    runner = CliRunner()
    up = runner.invoke(cli, ["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert path.exists()
    # A brand-new file says what was created, not that it "is at head" as if untouched.
    assert "Created the database schema" in up.output
    assert "already" not in up.output
    again = runner.invoke(cli, ["db", "upgrade"])
    assert "already at" in again.output and "nothing to do" in again.output
    current = runner.invoke(cli, ["db", "current"])
    assert current.output.strip() == head()
    assert runner.invoke(cli, ["db", "check"]).exit_code == 0
    down = runner.invoke(cli, ["db", "downgrade", "base"])
    assert down.exit_code == 0, down.output
    assert runner.invoke(cli, ["db", "current"]).output.strip() == "none"
    assert runner.invoke(cli, ["db", "check"]).exit_code == 1


def test_cli_failure_hides_the_password() -> None:
    result = CliRunner().invoke(
        cli, ["db", "upgrade", "--database-url", "postgresql://u:hunter2@127.0.0.1:1/db"]
    )
    assert result.exit_code == 6  # database unavailable (README, exit codes)
    assert "hunter2" not in result.output and "refused the connection" in result.output
