"""The questions the dashboard asks of every project snapshot when it opens (the accounts
list's project count and newest fetch, the browser's artist filter) are answered from an
index alone: with 100,000 projects a read of the payload rows takes seconds on a cold file
(migration 0005, bench/README.md "browser5 round")."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ss_tui.db.engine import create_engine
from ss_tui.queries.connections import list_connections
from ss_tui.queries.projects import artists


async def _plans_of_snapshot_reads(url: str, ask: Any) -> list[str]:
    """EXPLAIN QUERY PLAN of every statement ``ask`` sends that reads source_snapshots."""
    engine = create_engine(url)
    seen: list[tuple[str, Any]] = []

    def capture(conn: Connection, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "source_snapshots" in statement and not statement.startswith("EXPLAIN"):
            seen.append((statement, params))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await ask(engine)
        details: list[str] = []
        async with engine.connect() as conn:
            for statement, params in list(seen):
                rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
                details += [str(r[-1]) for r in rows.all()]
        return details
    finally:
        await engine.dispose()


def _reads_payload_rows(details: list[str]) -> list[str]:
    return [
        d for d in details
        if "source_snapshots" in d and ("COVERING INDEX" not in d or d.startswith("SCAN"))
    ]


async def test_the_accounts_list_reads_no_snapshot_row(sqlite_url: str) -> None:
    details = await _plans_of_snapshot_reads(sqlite_url, list_connections)
    assert details, "list_connections asked nothing of source_snapshots"
    assert _reads_payload_rows(details) == []


async def test_the_artist_filter_reads_no_snapshot_row(sqlite_url: str) -> None:
    import uuid

    async def ask(engine: Any) -> None:
        await artists(engine, uuid.uuid4())

    details = await _plans_of_snapshot_reads(sqlite_url, ask)
    assert details
    assert _reads_payload_rows(details) == []
