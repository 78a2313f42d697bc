"""ImportService: the one door the dashboard, the CLI and workers use. A thin facade:

- :class:`~ss_tui.engine.connections.ConnectionRegistry`: accounts, API clients, the one
  "reconnect needed" path;
- :class:`~ss_tui.engine.fetcher.Fetcher`: Session Studio → ``source_snapshots``;
- :class:`~ss_tui.engine.pipeline.Pipeline`: fetch → transform → plan → apply, runs;
- error triage here: retry (a plan of just the affected items, engine/retry.py), resolve
  and ignore with a note.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.audit import record_audit
from ss_tui.config import Settings
from ss_tui.db.enums import ErrorStatus, RunStatus
from ss_tui.engine import events as ev
from ss_tui.engine.connections import (
    ClientFactory,
    ConnectionInfo,
    ConnectionRef,
    ConnectionRegistry,
    NotConnected,
)
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.fetcher import Fetcher, FetchResult
from ss_tui.engine.pipeline import Pipeline
from ss_tui.engine.plan_types import ImportPlan
from ss_tui.engine.retry import plan_retry
from ss_tui.engine.rows import as_uuid, row_id
from ss_tui.engine.run import Control, RunResult, operator
from ss_tui.engine.steps import LinkDiscovery
from ss_tui.sync_errors import close_errors
from ss_tui.values import Row

if TYPE_CHECKING:
    from ss_tui.sessionstudio.client import EventCallback, SessionStudioClient
    from ss_tui.sessionstudio.tokens import TokenSet, TokenStore
    from ss_tui.values import JSONObject

__all__ = ["ConnectionInfo", "FetchResult", "ImportService", "NotConnected"]


class ImportService:
    def __init__(
        self,
        settings: Settings,
        db_engine: AsyncEngine,
        *,
        token_store: TokenStore | None = None,
        api_base_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        client_factory: ClientFactory | None = None,
        discovery: LinkDiscovery | None = None,
    ) -> None:
        self.settings = settings
        self.engine = db_engine
        self.token_store = token_store
        self.api_base_url = api_base_url or getattr(settings, "api_base_url", None)
        self.http = http
        self.registry = ConnectionRegistry(
            settings, db_engine, token_store=token_store, api_base_url=self.api_base_url,
            http=http, client_factory=client_factory,
        )
        self.fetcher = Fetcher(db_engine, self.registry)
        self.pipeline = Pipeline(
            settings, db_engine, self.registry, self.fetcher, http, discovery=discovery
        )

    # ------------------------------------------------------------------ accounts

    def make_client(
        self, account_key: str, on_event: EventCallback | None = None
    ) -> SessionStudioClient:
        return self.registry.make_client(account_key, on_event)

    async def register_connection(self, tokens: TokenSet) -> ConnectionInfo:
        """After connecting: ask /me who this is, store the token, record the connection."""
        return await self.registry.register_connection(tokens)

    async def ensure_connection(
        self, account_id: str, account_name: str | None = None, scopes: str | None = None
    ) -> ConnectionInfo:
        return await self.registry.ensure_connection(account_id, account_name, scopes)

    async def connections(self) -> list[ConnectionInfo]:
        return await self.registry.connections()

    async def connection(self, connection_id: ConnectionRef) -> Row:
        """One connection row (``None``: the only connected account)."""
        return await self.registry.get(connection_id)

    async def disconnect(self, connection_id: ConnectionRef) -> None:
        await self.registry.disconnect(connection_id)

    async def creator_profiles(self) -> list[tuple[str, str]]:
        return await self.registry.creator_profiles()

    async def resolve_creator(self, ref: str) -> str:
        """A creator profile by id or Jovie username (CLI ``--creator``)."""
        return await self.registry.resolve_creator(ref)

    # ------------------------------------------------------------------ fetch

    async def refresh_snapshots(
        self,
        connection_id: ConnectionRef = None,
        *,
        sink: ev.EventSink = ev.discard,
        full: bool = False,
    ) -> FetchResult:
        """Browse data for the dashboard: fetch changed (or all) projects into snapshots."""
        return await self.fetcher.refresh(connection_id, sink=sink, full=full)

    async def upstream_changes(
        self, connection_id: ConnectionRef = None, project_ids: list[str] | None = None
    ) -> dict[str, str]:
        """Per project: ``new``, ``changed``, ``unchanged`` or ``removed`` upstream."""
        return await self.fetcher.upstream_changes(connection_id, project_ids)

    # ------------------------------------------------------------------ plan & apply

    async def plan(
        self,
        connection_id: ConnectionRef,
        project_ids: list[str],
        decisions: PlanDecisions | None = None,
    ) -> ImportPlan:
        """The preview: a plan for these projects from their snapshots (no network)."""
        return await self.pipeline.plan(connection_id, project_ids, decisions)

    async def apply(
        self,
        plan: ImportPlan,
        *,
        sink: ev.EventSink = ev.discard,
        control: Control | None = None,
        options: JSONObject | None = None,
        discover_links: bool = False,
        discovery_providers: list[str] | None = None,
    ) -> RunResult:
        """Write exactly this plan (projects whose rows moved on since: ``stale``)."""
        return await self.pipeline.apply(
            plan, sink=sink, control=control, options=options, discover_links=discover_links,
            discovery_providers=discovery_providers,
        )

    async def run_import(
        self,
        connection_id: ConnectionRef = None,
        project_ids: list[str] | None = None,
        *,
        incremental: bool = False,
        decisions: PlanDecisions | None = None,
        dry_run: bool = False,
        sink: ev.EventSink = ev.discard,
        control: Control | None = None,
        resume: bool = True,
        discover_links: bool = False,
        discovery_providers: list[str] | None = None,
    ) -> RunResult:
        """Headless import (CLI, workers), streamed; ``dry_run=True`` returns the plan."""
        return await self.pipeline.run_import(
            connection_id, project_ids, incremental=incremental, decisions=decisions,
            dry_run=dry_run, sink=sink, control=control, resume=resume,
            discover_links=discover_links, discovery_providers=discovery_providers,
        )

    # ------------------------------------------------------------------ errors

    async def plan_retry(self, error_ids: Sequence[uuid.UUID | str]) -> ImportPlan | None:
        """What retrying these errors would write: only the items behind them, fetched
        again and planned (nothing written). None when none of them is open any more."""
        return await plan_retry(self, error_ids)

    async def retry_errors(
        self,
        error_ids: Sequence[uuid.UUID | str],
        *,
        sink: ev.EventSink = ev.discard,
        control: Control | None = None,
    ) -> RunResult:
        """Headless retry (CLI --yes, workers): apply the retry plan of these errors."""
        ids = [str(as_uuid(i)) for i in error_ids]
        async with self.engine.begin() as conn:
            await record_audit(
                conn, actor=operator(self.settings), action="retry", entity_type="sync_error",
                detail={"error_ids": ids},
            )
        plan = await self.plan_retry(ids)
        if plan is None or not plan.projects:
            return RunResult(run_id=None, status=RunStatus.succeeded)
        return await self.apply(plan, sink=sink, control=control, options={"retry_of": ids})

    async def close_errors(
        self,
        error_ids: Sequence[uuid.UUID | str],
        *,
        status: ErrorStatus,
        note: str | None = None,
        actor: str | None = None,
    ) -> int:
        who = actor or operator(self.settings)
        async with self.engine.begin() as conn:
            closed = await close_errors(
                conn,
                [row_id(i) for i in error_ids],
                status=status,
                note=note,
                actor=who,
            )
            await record_audit(
                conn, actor=who, action="resolve" if status == ErrorStatus.resolved else "ignore",
                entity_type="sync_error",
                detail={"error_ids": [str(i) for i in error_ids], "note": note,
                        "closed": closed},
            )
            return closed
