"""PostgreSQL stops in the middle of an import: the CLI says the database went away and what
to do (exit 6, not "partial", no traceback), and once the server is back the same command
continues the interrupted run."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ss_tui.db.migrate import upgrade
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.db import PostgresServer, _find_pg_bin
from tests.fixtures.engine import REPO, cli_args, prepare_cli_database
from tests.fixtures.simulator import start_live_simulator

pytestmark = pytest.mark.pg


@pytest.fixture
def own_pg() -> Iterator[PostgresServer]:
    """A server of this test's own: stopping the session's would break the others."""
    initdb, pg_ctl = _find_pg_bin("initdb"), _find_pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL binaries not found; CI=true requires the PostgreSQL cases")
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found")
    server = PostgresServer(initdb=initdb, pg_ctl=pg_ctl)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _pg_ctl(server: PostgresServer, *args: str) -> None:
    data, sock = server.root / "data", server.root / "sock"
    opts = f"-p {server.port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    res = server._run(server.pg_ctl, "-D", str(data), "-l", str(server.root / "server.log"),
                      "-o", opts, "-w", "-t", "60", *args)
    assert res.returncode == 0, res.stderr


async def _applied(url: str) -> int:
    import sqlalchemy as sa

    from ss_tui.db.engine import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(sa.text(
                "SELECT count(*) FROM import_items WHERE status = 'applied'"))).scalar_one())
    finally:
        await engine.dispose()


async def test_postgres_stopping_mid_import(own_pg: PostgresServer, tmp_path: Path) -> None:
    own_pg.admin("CREATE DATABASE jovie")
    url = own_pg.url("jovie")
    await upgrade(url)
    # 300 projects in pages of 100, one request a second: the listing outlasts the stop.
    config = SimulatorConfig(seed=4, projects=300, rate_limit=1, rate_window_s=1.0)
    with start_live_simulator(config) as live:
        env = await prepare_cli_database(url, live.simulator, live.base_url)
        env["SS_TUI_LOG_FILE"] = str(tmp_path / "ss-tui.log")
        proc = await asyncio.create_subprocess_exec(
            *cli_args("import", "--all", "--yes"), env=env, cwd=str(REPO),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2400):  # until the import is writing (a state, not a duration)
            if await _applied(url):
                break
            await asyncio.sleep(0.05)
        await asyncio.to_thread(_pg_ctl, own_pg, "-m", "fast", "stop")
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        text = out.decode() + err.decode()
        assert proc.returncode == 6, text  # database unavailable, not "partial"
        assert "PostgreSQL at 127.0.0.1" in text and "Start the database server" in text
        assert "Traceback" not in text and "[SQL" not in text
        assert len([line for line in err.decode().splitlines() if line.strip()]) <= 4

        await asyncio.to_thread(_pg_ctl, own_pg, "start")
        again = await asyncio.to_thread(
            subprocess.run, cli_args("import", "--all", "--yes"), env=env, cwd=REPO,
            capture_output=True, text=True, timeout=600, check=False,
        )
    assert again.returncode in (0, 1), again.stderr
    assert "(continued an interrupted run)" in again.stdout
