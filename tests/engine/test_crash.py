"""Crash test: an import killed with SIGKILL at random moments, then run again, ends with
exactly the database an uninterrupted import produces (full table contents, no duplicates)."""

from __future__ import annotations

import asyncio
import json
import random
import signal

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.db.engine import create_engine
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.engine import cli_args, dump_tables, prepare_cli_database, run_cli
from tests.fixtures.simulator import start_live_simulator

PROJECTS = 300


@pytest.fixture(scope="module")
def live_sim():
    config = SimulatorConfig(seed=5, projects=PROJECTS, bad_data_share=0.03, rate_limit=100_000)
    with start_live_simulator(config) as live:
        yield live


async def _finished_items(engine) -> int:
    t = schema.ImportItem.__table__
    async with engine.connect() as conn:
        stmt = (
            sa.select(sa.func.count())
            .select_from(t)
            .where(t.c.status.in_(("applied", "unchanged", "failed")))
        )
        return (await conn.execute(stmt)).scalar_one()


async def _import_and_kill(env, engine, threshold: int) -> bool:
    """Start an import; SIGKILL it once ``threshold`` projects are done. False if it ended
    on its own first."""
    proc = await asyncio.create_subprocess_exec(
        *cli_args("import", "--all", "--yes", "--json"),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    while proc.returncode is None:
        if await _finished_items(engine) >= threshold:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            return True
        try:
            await asyncio.wait_for(proc.wait(), 0.02)
        except TimeoutError:
            pass
    return False


async def test_killed_import_resumes_to_the_same_database(fresh_database, db_kind, live_sim):
    reference_url, crashed_url = fresh_database(db_kind), fresh_database(db_kind)
    sim, base = live_sim.simulator, live_sim.base_url

    ref_env = await prepare_cli_database(reference_url, sim, base)
    code, out, err = await run_cli(ref_env, "import", "--all", "--yes", "--json")
    assert code in (0, 1), err
    reference = json.loads(out)
    assert reference["items"]["applied"] > PROJECTS * 0.9

    env = await prepare_cli_database(crashed_url, sim, base)
    engine = create_engine(crashed_url)
    try:
        rng = random.Random(1234)
        thresholds = sorted(rng.sample(range(1, PROJECTS - 20), 3))
        kills = 0
        for threshold in thresholds:
            kills += await _import_and_kill(env, engine, threshold)
        assert kills >= 2, "the import finished before it could be killed"
        code, out, err = await run_cli(env, "import", "--all", "--yes", "--json")
        assert code in (0, 1), err
        final = json.loads(out)
        assert final["resumed"] is True
        # Only the projects the kills left unfinished were imported by the last run.
        assert final["items"].get("applied", 0) > 0
        assert 0 < final["rows_written"] < reference["rows_written"]

        ref_engine = create_engine(reference_url)
        try:
            assert await dump_tables(engine) == await dump_tables(ref_engine)
        finally:
            await ref_engine.dispose()
        runs = schema.ImportRun.__table__
        async with engine.connect() as conn:
            statuses = (await conn.execute(sa.select(runs.c.status))).scalars().all()
        assert len(statuses) == 1  # every restart continued the same run
    finally:
        await engine.dispose()
