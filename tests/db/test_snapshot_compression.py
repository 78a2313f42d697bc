"""On PostgreSQL a project's snapshot payload is compressed with lz4, not pglz: pglz was a
quarter of the server's work in saving a listing page (migration 0006, bench/README.md
"Session 8"). Payloads written before the upgrade still read back whole."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from ss_tui.db.engine import create_engine
from ss_tui.db.migrate import upgrade
from ss_tui.db.schema import SSConnection
from ss_tui.engine.snapshots import load_projects, save_snapshots
from ss_tui.values import JSONObject

pytestmark = pytest.mark.pg


def _project(pid: str) -> JSONObject:
    """A payload well past the size PostgreSQL compresses (2 kB), as a real one is."""
    tracks = [
        {"id": f"{pid}-t{k}", "title": f"Track {k} of {pid}", "isrc": None,
         "collaborators": [{"id": f"c{j}", "name": f"Writer {j}", "role": "composer"}
                           for j in range(8)]}
        for k in range(12)
    ]
    return {"id": pid, "title": f"Project {pid}", "type": "album", "tracks": tracks}


async def _save_and_methods(url: str, pid: str) -> tuple[uuid.UUID, dict[str, str]]:
    """Save one project; the compression method of every project payload stored so far."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            cid = (
                await conn.execute(
                    sa.select(SSConnection.__table__.c.id).where(
                        SSConnection.__table__.c.account_id == "acct"
                    )
                )
            ).scalar()
            if cid is None:
                cid = uuid.uuid4()
                await conn.execute(
                    sa.insert(SSConnection.__table__).values(
                        id=cid, account_id="acct", base_url="http://127.0.0.1/v1",
                        status="connected",
                    )
                )
            await save_snapshots(conn, cid, [_project(pid)])
            rows = await conn.execute(
                sa.text(
                    "SELECT external_id, pg_column_compression(payload) FROM source_snapshots"
                    " WHERE entity_type = 'project'"
                )
            )
            return cid, {e: m for e, m in rows.all()}
    finally:
        await engine.dispose()


async def test_a_saved_project_payload_is_compressed_with_lz4(fresh_database) -> None:
    url = fresh_database("postgresql")
    _, methods = await _save_and_methods(url, "prj_new")
    assert methods == {"prj_new": "lz4"}


async def test_payloads_saved_before_the_upgrade_keep_pglz_and_still_read_back(
    fresh_database,
) -> None:
    url = fresh_database("postgresql", migrated=False)
    await upgrade(url, "0005_snapshot_indexes")
    _, before = await _save_and_methods(url, "prj_old")
    assert before == {"prj_old": "pglz"}  # the server's default, as before this migration

    await upgrade(url)
    cid, after = await _save_and_methods(url, "prj_new")
    assert after == {"prj_old": "pglz", "prj_new": "lz4"}
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            payloads = await load_projects(conn, cid, ["prj_old", "prj_new"])
    finally:
        await engine.dispose()
    assert payloads == {"prj_old": _project("prj_old"), "prj_new": _project("prj_new")}
