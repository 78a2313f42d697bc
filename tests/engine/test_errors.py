"""Sync errors: one row per problem across runs, resolve/ignore with a note, run bookkeeping."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.simulator import SimulatorConfig

ERRORS = schema.SyncError.__table__


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=13, projects=20, bad_data_share=0.3)


async def _rows(engine, table):
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(sa.select(table))).mappings()]


async def test_repeated_failures_update_one_row_and_staff_can_close_them(harness, db_engine):
    svc = harness.service
    first = await svc.run_import(harness.connection_id)
    assert first.status == "partial" and first.errors > 0
    errors = await _rows(db_engine, ERRORS)
    assert errors and all(e["attempts"] == 1 for e in errors)
    assert all(e["message"] and e["suggested_action"] for e in errors)

    await svc.run_import(harness.connection_id)
    again = await _rows(db_engine, ERRORS)
    assert len(again) == len(errors)  # the same problems, not new rows
    assert {e["id"] for e in again} == {e["id"] for e in errors}
    assert all(e["attempts"] == 2 for e in again)

    target = again[0]["id"]
    assert await svc.close_errors([target], status="ignored", note="known bad upstream") == 1
    row = next(e for e in await _rows(db_engine, ERRORS) if e["id"] == target)
    assert row["status"] == "ignored" and row["note"] == "known bad upstream"
    assert row["resolved_by"] == "tester"

    runs = await _rows(db_engine, schema.ImportRun.__table__)
    assert {r["started_by"] for r in runs} == {"tester"}
    assert all(r["finished_at"] and r["counts"]["items"] for r in runs)
    sync = await _rows(db_engine, schema.ReleaseSyncStatus.__table__)
    assert sync and all(s["provider_id"] == "session-studio" for s in sync)
    assert sum(s["total_releases_synced"] for s in sync) == first.items["applied"]


async def test_revoked_token_stops_the_run_and_asks_to_reconnect(harness, db_engine):
    from ss_tui.engine import events as ev
    from ss_tui.sessionstudio.errors import AuthError
    from ss_tui.simulator import FaultConfig

    harness.simulator.set_faults(FaultConfig(revoke_after_requests=0))
    seen = []

    async def sink(event):
        seen.append(event)

    with pytest.raises(AuthError):
        await harness.service.run_import(harness.connection_id, sink=sink)
    assert any(isinstance(e, ev.ReconnectNeeded) for e in seen)
    auth = [e for e in await _rows(db_engine, ERRORS) if e["kind"] == "auth"]
    assert auth and auth[0]["suggested_action"] == "reconnect"
    conns = await _rows(db_engine, schema.SSConnection.__table__)
    assert conns[0]["status"] == "reconnect_needed"
    runs = await _rows(db_engine, schema.ImportRun.__table__)
    assert runs[0]["status"] == "failed"
    token = harness.simulator.issue_token(account_id=harness.simulator.demo_account_id)
    assert token.access_token not in repr(auth) + str(seen)


async def test_one_status_writer_closes_only_live_errors_and_keeps_staff_notes(
    harness, db_engine
):
    """Staff (CLI and dashboard), a retry, an item that went through and discovery all close
    errors through ``sync_errors.change_status``: it touches live errors only, so an error
    staff ignored with a note stays as they left it when the item later goes through."""
    from ss_tui.db.enums import ErrorStatus
    from ss_tui.sync_errors import T_ERRORS, change_status

    svc = harness.service
    await svc.run_import(harness.connection_id)
    errors = await _rows(db_engine, ERRORS)
    ignored, other = errors[0]["id"], errors[1]["id"]
    assert await svc.close_errors([ignored], status=ErrorStatus.ignored, note="ours") == 1
    async with db_engine.begin() as conn:
        closed = await change_status(conn, T_ERRORS.c.id.in_([ignored, other]),
                                     ErrorStatus.resolved, by="ss-tui (retry succeeded)")
        with pytest.raises(ValueError):
            await change_status(conn, T_ERRORS.c.id == other, ErrorStatus.open, by="x")
    assert closed == 1  # the ignored one was not live any more
    rows = {e["id"]: e for e in await _rows(db_engine, ERRORS)}
    assert (rows[ignored]["status"], rows[ignored]["note"], rows[ignored]["resolved_by"]) == (
        "ignored", "ours", "tester")
    assert rows[other]["status"] == "resolved" and rows[other]["note"] is None
    assert rows[other]["resolved_by"] == "ss-tui (retry succeeded)"
    assert rows[other]["resolved_at"] is not None
