"""Honest summaries: a listing that stops part-way is not "nothing changed", a resumed run
counts the errors of its interrupted part, and reconnecting ends "reconnect needed"."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ss_tui.cli import cli
from ss_tui.db import schema
from ss_tui.engine import events as ev
from ss_tui.simulator import SimulatorConfig
from ss_tui.simulator.config import FaultConfig
from ss_tui.simulator.faults import FaultPlanner
from tests.fixtures.engine import make_service, prepare_cli_database
from tests.fixtures.simulator import start_live_simulator

ERRORS = schema.SyncError.__table__
RUNS = schema.ImportRun.__table__


def _seed_failing_pages(good: int, bad: int) -> int:
    """A fault seed whose first ``good`` requests pass and the next ``bad`` get a 5xx: the
    listing's first pages arrive, then one page fails every attempt."""
    for seed in range(10_000):
        planner = FaultPlanner(FaultConfig(error_share=0.5, seed=seed))
        faults = [planner.decide(None, api=True) for _ in range(good + bad)]
        if all(f is None for f in faults[:good]) and all(faults[good:]):
            return seed
    raise AssertionError("no such seed")


@pytest.fixture(scope="module")
def live_250():
    with start_live_simulator(SimulatorConfig(seed=5, projects=250, rate_limit=10_000)) as live:
        yield live


async def test_a_listing_cut_short_says_what_was_never_looked_at(
    sqlite_url: str, live_250: Any, tmp_path: Path
) -> None:
    env = await prepare_cli_database(sqlite_url, live_250.simulator, live_250.base_url)
    env["SS_TUI_LOG_FILE"] = str(tmp_path / "ss-tui.log")
    first = await asyncio.to_thread(CliRunner().invoke, cli, ["import", "--all", "--yes"], env=env)
    assert first.exit_code == 0, first.output
    known = int(first.stdout.split(" applied")[0].rsplit(" ", 1)[-1])  # "Run succeeded: N…"

    # Page 1 (100 projects) arrives, page 2 fails all three attempts.
    live_250.simulator.set_faults(FaultConfig(error_share=0.5, seed=_seed_failing_pages(1, 3)))
    again = await asyncio.to_thread(CliRunner().invoke, cli, ["import", "--all", "--yes"], env=env)
    assert again.exit_code == 1, again.output  # partial, not "succeeded, nothing changed"
    assert "nothing changed" not in again.output
    assert "The project listing stopped after 100 projects" in again.stderr
    assert "answered HTTP 50" in again.stderr and "even after retries" in again.stderr
    assert f"{known - 100} projects known from earlier listings were not looked at" in (
        again.stderr
    )
    assert "Run the same command again" in again.stderr

    live_250.simulator.set_faults(FaultConfig(error_share=0.5, seed=_seed_failing_pages(1, 3)))
    dry = await asyncio.to_thread(
        CliRunner().invoke, cli, ["import", "--all", "--dry-run", "--json"], env=env
    )
    assert dry.exit_code == 1
    listing = json.loads(dry.stdout)["listing"]
    assert listing["complete"] is False and listing["cause"] == "api_failing"
    assert (listing["listed"], listing["not_reached"]) == (100, known - 100)

    live_250.simulator.set_faults(FaultConfig())  # Session Studio is back: the rerun is whole
    whole = await asyncio.to_thread(
        CliRunner().invoke, cli, ["import", "--all", "--yes"], env=env
    )
    assert whole.exit_code == 0 and "stopped" not in whole.output


async def test_a_resumed_run_counts_the_errors_of_its_interrupted_part(
    db_engine: Any, sim_app: Any
) -> None:
    h = await make_service(db_engine, sim_app)
    svc = h.service
    finished = 0
    killed = asyncio.Event()

    async def sink(event: Any) -> None:
        nonlocal finished
        if isinstance(event, ev.ProjectFinished):
            finished += 1
            if finished == 25:
                killed.set()
                await asyncio.sleep(3600)  # the process "dies" here

    task = asyncio.create_task(svc.run_import(h.connection_id, None, sink=sink))
    await killed.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db_engine.begin() as conn:  # as if its process had been killed
        run_id, options = (await conn.execute(sa.select(RUNS.c.id, RUNS.c.options))).one()
        await conn.execute(sa.update(RUNS).values(options={**options, "pid": 2**22 + 17}))
        before = (await conn.execute(
            sa.select(sa.func.count()).where(ERRORS.c.run_id == run_id,
                                             ERRORS.c.status == "open"))).scalar_one()
    assert before > 0, "the catalogue's bad data must give the first part errors"

    result = await svc.run_import(h.connection_id, None)
    assert result.resumed and result.run_id == str(run_id)
    async with db_engine.connect() as conn:
        open_now = (await conn.execute(
            sa.select(sa.func.count()).where(ERRORS.c.run_id == run_id,
                                             ERRORS.c.status == "open"))).scalar_one()
    assert result.errors == open_now > before  # both parts, as the Errors screen lists them
    await svc.http.aclose()


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(seed=42, projects=50, bad_data_share=0.3)


async def test_reconnecting_resolves_the_reconnect_needed_error(
    db_engine: Any, sim_app: Any
) -> None:
    from ss_tui.sessionstudio.errors import AuthError
    from ss_tui.sessionstudio.tokens import TokenSet

    h = await make_service(db_engine, sim_app)
    svc, sim = h.service, h.simulator
    sim.revoke_all_tokens()
    with pytest.raises(AuthError):
        await svc.run_import(h.connection_id, None)
    account_errors = sa.select(ERRORS.c.status, ERRORS.c.resolved_by).where(
        ERRORS.c.entity_type == "account", ERRORS.c.kind == "auth"
    )
    async with db_engine.connect() as conn:
        assert [r.status for r in await conn.execute(account_errors)] == ["open"]

    await svc.register_connection(TokenSet.from_response(sim.issue_token()))  # reconnected
    result = await svc.run_import(h.connection_id, None)
    assert result.status in ("succeeded", "partial")
    async with db_engine.connect() as conn:
        rows = (await conn.execute(account_errors)).all()
    assert [(r.status, r.resolved_by) for r in rows] == [
        ("resolved", "ss-tui (account reconnected)")
    ]
    await svc.http.aclose()
