"""Broken environments, built for real: a file of random bytes, a database never migrated, a
read-only database, a PostgreSQL port with nothing listening, a Session Studio address with
nothing listening, a path that cannot be written. Each comes as the environment variables an
``ss-tui`` process would run with, plus the ids of rows the commands can act on."""

from __future__ import annotations

import os
import socket
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from ss_tui.db.engine import create_engine
from tests.fixtures.db import make_sqlite_url, run_async

KINDS = ("garbage", "unmigrated", "read_only", "pg_down", "api_down", "unwritable_path")
# Folders that do not exist: nothing may create the first (only the export would write there);
# the second cannot be created even by root (for the log file, which makes its folder).
NOWHERE = "/nonexistent/ss-tui-test"
NEVER = "/proc/ss-tui-test"


@dataclass
class Environment:
    kind: str
    env: dict[str, str]
    error_id: str = "00000000"  # a sync error / run / job the commands can name
    run_id: str = "00000000"
    job_id: str = str(uuid.UUID(int=1))
    personal_token: str = "ssp_unused_token_0000"
    export_path: str = ""
    extras: dict[str, Any] = field(default_factory=dict)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_only_url(path: Path) -> str:
    """The database at ``path`` made read-only the way a user would (no write permission).
    Root ignores file permissions, so as root SQLite is asked to open it read-only instead:
    both end in SQLite's own "attempt to write a readonly database"."""
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    if os.geteuid() == 0:
        return f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
    return make_sqlite_url(path)


def base_env(tmp: Path, database_url: str, api_base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SS_TUI_", "SESSION_"))}
    env.update(
        SS_TUI_DATABASE_URL=database_url,
        SS_TUI_TOKEN_STORE="database",
        SS_TUI_TOKEN_KEY=Fernet.generate_key().decode(),
        SS_TUI_OPERATOR="ci-bot",
        SS_TUI_LOG_FILE=str(tmp / "ss-tui.log"),
        SESSION_STUDIO_API_BASE_URL=api_base_url,
        SESSION_STUDIO_CLIENT_ID="ss-tui-demo",
        # Discovery must never leave the machine: every lookup service is a dead port.
        SS_TUI_MUSICBRAINZ_BASE_URL=f"http://127.0.0.1:{free_port()}/ws/2",
        SS_TUI_DEEZER_BASE_URL=f"http://127.0.0.1:{free_port()}",
        SS_TUI_ITUNES_BASE_URL=f"http://127.0.0.1:{free_port()}",
    )
    return env


async def _populate(url: str, env: dict[str, str], simulator: Any, api: str) -> dict[str, str]:
    """A connected account (token in the database store), an import run, a sync error of a
    project and a pending job: something for every command to act on."""
    from ss_tui.config import Settings
    from ss_tui.engine.run import RunLedger as Run
    from ss_tui.engine.service import ImportService
    from ss_tui.jobs import queue
    from ss_tui.sessionstudio.tokens import DatabaseTokenStore, TokenSet
    from ss_tui.sync_errors import ErrorRecord, record_errors

    engine = create_engine(url)
    try:
        account = simulator.demo_account_id
        tokens = TokenSet.from_response(simulator.issue_token(account_id=account))
        await DatabaseTokenStore(engine, env["SS_TUI_TOKEN_KEY"]).set(account, tokens)
        svc = ImportService(Settings(database_url=url), engine, api_base_url=api)
        info = await svc.ensure_connection(account, "Demo Label")
        cid = uuid.UUID(info.id)
        run = Run(engine, connection_id=cid, started_by="ci-bot")
        await run.start({"project_ids": ["prj_missing"]}, dry_run=False, resume=False)
        await run.finish()
        async with engine.begin() as conn:
            await record_errors(
                conn,
                [ErrorRecord(stage="fetch", kind="transient", message="Session Studio was down.",
                             entity_type="project", external_id="prj_missing",
                             project_external_id="prj_missing")],
                run_id=run.run_id, connection_id=cid,
            )
        job_id, _ = await queue.enqueue(engine, "ss_import_project",
                                        {"account_id": account, "project_id": "prj_missing"})
        async with engine.connect() as conn:
            import sqlalchemy as sa

            from ss_tui.db import schema

            t = schema.SyncError.__table__
            error_id = (await conn.execute(sa.select(t.c.id))).scalar_one()
    finally:
        await engine.dispose()
    return {"error_id": str(error_id), "run_id": str(run.run_id), "job_id": str(job_id)}


def build(kind: str, tmp: Path, template: Path, live: Any) -> Environment:
    """The environment ``kind`` in ``tmp``: ``template`` is a migrated SQLite file, ``live``
    a simulator on loopback (the healthy Session Studio)."""
    api, token = live.base_url, live.simulator.personal_token()
    if kind == "garbage":
        path = tmp / "garbage.db"
        path.write_bytes(os.urandom(8192))
        return Environment(kind, base_env(tmp, make_sqlite_url(path), api), personal_token=token)
    if kind == "unmigrated":
        url = make_sqlite_url(tmp / "new" / "ss.db")
        return Environment(kind, base_env(tmp, url, api), personal_token=token)
    if kind == "pg_down":
        url = f"postgresql+asyncpg://ss_tui:secret@127.0.0.1:{free_port()}/jovie"
        return Environment(kind, base_env(tmp, url, api), personal_token=token)
    path = tmp / "ss.db"
    path.write_bytes(template.read_bytes())
    url = make_sqlite_url(path)
    dead_api = f"http://127.0.0.1:{free_port()}/v1"
    env = base_env(tmp, url, dead_api if kind == "api_down" else api)
    ids = run_async(lambda: _populate(url, env, live.simulator, env["SESSION_STUDIO_API_BASE_URL"]))
    out = Environment(kind, env, personal_token=token, **ids)
    if kind == "read_only":
        _checkpoint(url)
        env["SS_TUI_DATABASE_URL"] = read_only_url(path)
    if kind == "unwritable_path":
        out.export_path = f"{NOWHERE}/errors.csv"
        env["SS_TUI_LOG_FILE"] = f"{NEVER}/ss-tui.log"  # the log file cannot be written either
    else:
        out.export_path = str(tmp / "errors.csv")
    return out


def _checkpoint(url: str) -> None:
    """Fold the WAL into the file, so a read-only open sees every row."""

    async def go() -> None:
        import sqlalchemy as sa

        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                await conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        finally:
            await engine.dispose()

    run_async(go)


