"""The audit log: every connect, import, retry, resolve/ignore and disconnect says who and what."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.sessionstudio.tokens import TokenSet
from ss_tui.simulator import SimulatorConfig

AUDIT = schema.AuditLog.__table__
ERRORS = schema.SyncError.__table__


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=21, projects=8, bad_data_share=0.4)


async def _audit(engine) -> list[tuple[str, str, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(AUDIT.c.actor, AUDIT.c.action, AUDIT.c.entity_type)
            .order_by(AUDIT.c.created_at))
        return [tuple(r) for r in rows]


async def test_staff_actions_are_audited_with_who_did_them(harness, db_engine):
    svc, sim = harness.service, harness.simulator
    tokens = TokenSet.from_response(sim.issue_token(account_id=sim.demo_account_id))
    await svc.register_connection(tokens)
    result = await svc.run_import(harness.connection_id)
    assert result.errors > 0  # bad data gives us errors to act on
    async with db_engine.connect() as conn:
        ids = (await conn.execute(sa.select(ERRORS.c.id))).scalars().all()
    await svc.retry_errors(ids[:1])
    await svc.close_errors(ids[1:2], status="resolved", note="fixed upstream")
    await svc.close_errors(ids[2:3], status="ignored", note="not ours")
    await svc.disconnect(harness.connection_id)

    actions = [a for _, a, _ in await _audit(db_engine)]
    assert actions[0] == "connect"
    assert actions.count("import") >= 2  # the import, and the retry's re-run
    for expected in ("retry", "resolve", "ignore", "disconnect"):
        assert expected in actions
    assert actions[-1] == "disconnect"
    assert {actor for actor, _, _ in await _audit(db_engine)} == {"tester"}

    async with db_engine.connect() as conn:
        details = (await conn.execute(sa.select(AUDIT.c.detail))).scalars().all()
    assert all(tokens.access_token not in str(d) and tokens.refresh_token not in str(d)
               for d in details)
    assert "fixed upstream" in str(details)
