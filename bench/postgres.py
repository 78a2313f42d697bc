"""A throwaway PostgreSQL server for the benchmarks (the test suite's own server class)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.engine import make_url


class BenchPostgres:
    """Starts a server if its binaries are here; ``available``/``why_not`` say how it went.
    Fresh databases are copies of one migrated template (CREATE DATABASE … TEMPLATE)."""

    TEMPLATE = "bench_template"

    def __init__(self) -> None:
        self.server: Any = None
        self.why_not: str | None = None

    @property
    def available(self) -> bool:
        return self.server is not None

    async def start(self) -> None:
        from ss_tui.db.migrate import upgrade
        from tests.fixtures.db import PostgresServer, _find_pg_bin

        initdb, pg_ctl = _find_pg_bin("initdb"), _find_pg_bin("pg_ctl")
        if not (initdb and pg_ctl):
            self.why_not = "PostgreSQL binaries (initdb, pg_ctl) not found"
            return
        server = PostgresServer(initdb=initdb, pg_ctl=pg_ctl)
        try:
            server.start()
            await server._admin(f"CREATE DATABASE {self.TEMPLATE}")
            await upgrade(server.url(self.TEMPLATE))
        except Exception as exc:  # no server: the SQLite half still stands
            server.stop()
            self.why_not = f"PostgreSQL could not start: {exc}"
            return
        self.server = server

    async def fresh(self) -> str:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        await self.server._admin(f"CREATE DATABASE {name} TEMPLATE {self.TEMPLATE}")
        return self.server.url(name)

    @staticmethod
    def dsn(url: str) -> str:
        """The plain libpq form asyncpg takes."""
        return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
