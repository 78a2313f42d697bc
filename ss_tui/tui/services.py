"""The dashboard's door to the core: auth flows, the engine's ImportService, link discovery.

Screens call these coroutines from workers (through ``ctx.services``). Nothing here touches
widgets, and nothing here writes SQL: writes go through the engine's service, reads through
``ss_tui.queries``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.config import Settings
from ss_tui.db.enums import ErrorStatus
from ss_tui.discovery.report import DiscoveryReport
from ss_tui.engine.events import EventSink
from ss_tui.engine.fetcher import FetchResult
from ss_tui.engine.plan_types import ImportPlan
from ss_tui.engine.run import RunControl, RunResult
from ss_tui.engine.service import ImportService
from ss_tui.sessionstudio.auth import LoopbackAuthorization, OAuthClient, TokenManager
from ss_tui.sessionstudio.models import DeviceCodeResponse
from ss_tui.sessionstudio.tokens import TokenSet, TokenStore

if TYPE_CHECKING:
    import uuid

    from ss_tui.engine.connections import ConnectionInfo, ConnectionRef
    from ss_tui.engine.decisions import PlanDecisions


class Parts(Protocol):
    """What the services are built over: the dashboard's context (ss_tui/tui/context.py)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def db_engine(self) -> AsyncEngine: ...
    @property
    def token_store(self) -> TokenStore: ...
    @property
    def api_base_url(self) -> str: ...
    @property
    def http_transport(self) -> httpx.AsyncBaseTransport | None: ...
    @property
    def simulator(self) -> object | None: ...
    @property
    # Test and demo injections by name (a sleep, providers, settings): their types vary.
    def extras(self) -> dict[str, Any]: ...


class Services:
    def __init__(self, ctx: Parts) -> None:
        self.ctx = ctx
        self._http: httpx.AsyncClient | None = None

    # -- plumbing ---------------------------------------------------------------------------

    def http(self) -> httpx.AsyncClient:
        """One shared HTTP client (over the demo's in-process transport when given)."""
        if self._http is None or self._http.is_closed:
            self._http = httpx.AsyncClient(timeout=10.0, transport=self.ctx.http_transport)
        return self._http

    def oauth(self) -> OAuthClient:
        secret = self.ctx.settings.client_secret
        return OAuthClient(
            self.ctx.api_base_url,
            self.ctx.settings.client_id,
            secret.get_secret_value() if secret else None,
            http=self.http(),
            **({"sleep": self.ctx.extras["oauth_sleep"]} if "oauth_sleep" in self.ctx.extras
               else {}),
        )

    async def has_token(self, account_key: str) -> bool:
        """Whether the token store holds a token for the account (never shown, only checked).
        A store that cannot be read counts as holding none."""
        try:
            return await self.ctx.token_store.get(account_key) is not None
        except Exception:
            return False

    def token_manager(self, account_key: str) -> TokenManager:
        return TokenManager(self.oauth(), self.ctx.token_store, account_key)

    def import_service(self) -> ImportService:
        from ss_tui.discovery import discovery_step

        return ImportService(
            self.ctx.settings,
            self.ctx.db_engine,
            token_store=self.ctx.token_store,
            api_base_url=self.ctx.api_base_url,
            http=self.http(),
            discovery=discovery_step,
        )

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    # -- connecting -------------------------------------------------------------------------

    async def start_device_flow(self) -> DeviceCodeResponse:
        return await self.oauth().start_device_flow()

    async def finish_device_flow(self, device: DeviceCodeResponse) -> ConnectionInfo:
        tokens = await self.oauth().poll_device_flow(device)
        return await self._register(tokens)

    async def begin_loopback(self) -> LoopbackAuthorization:
        return await self.oauth().begin_loopback()

    async def finish_loopback(self, flow: LoopbackAuthorization) -> ConnectionInfo:
        try:
            tokens = await flow.wait()
        finally:
            await flow.close()
        return await self._register(tokens)

    async def connect_personal_token(self, token: str) -> ConnectionInfo:
        return await self._register(self.oauth().token_from_personal(token))

    async def _register(self, tokens: TokenSet) -> ConnectionInfo:
        """Store the token and record the connection (via the engine's service)."""
        return await self.import_service().register_connection(tokens)

    async def disconnect(self, connection_id: ConnectionRef) -> None:
        await self.import_service().disconnect(connection_id)

    # -- importing --------------------------------------------------------------------------

    async def refresh(self, connection_id: ConnectionRef, sink: EventSink) -> FetchResult:
        """The FetchResult: its text for the screen, its ``listing_error`` when cut short."""
        return await self.import_service().refresh_snapshots(connection_id, sink=sink)

    async def plan(
        self, connection_id: ConnectionRef, project_ids: list[str],
        decisions: PlanDecisions | None = None,
    ) -> ImportPlan:
        return await self.import_service().plan(connection_id, project_ids, decisions)

    async def replan(self, plan: ImportPlan, project_id: str | None = None,
                     **changes: Any) -> ImportPlan:  # values as PlanDecisions' fields
        """The whole plan again from its decisions (after staff changed one): a project's
        plan depends on the projects planned before it (an artist one creates, an ISRC one
        takes), so no project is ever re-planned alone."""
        from ss_tui.engine.review import decisions_of

        decisions = decisions_of(plan)
        if project_id is not None:
            d = decisions.set(project_id)
            if "creator_profile_id" in changes:
                d.creator_profile_id = changes["creator_profile_id"]
            if "overwrite" in changes:
                d.overwrite = changes["overwrite"]
        for option in ("include_unreleased", "include_collaborations"):  # import options
            if option in changes:
                setattr(decisions, option, bool(changes[option]))
        return await self.plan(plan.connection_id, [p.project_id for p in plan.projects],
                               decisions)

    async def apply(self, plan: ImportPlan, sink: EventSink, control: RunControl) -> RunResult:
        return await self.import_service().apply(plan, sink=sink, control=control)

    async def plan_retry(self, error_ids: list[uuid.UUID]) -> ImportPlan | None:
        """The plan of just the items behind these errors (shown before anything is written)."""
        return await self.import_service().plan_retry(error_ids)

    async def close_errors(self, error_ids: list[uuid.UUID], *, status: str, note: str) -> None:
        await self.import_service().close_errors(error_ids, status=ErrorStatus(status), note=note)

    async def creator_profiles(self) -> list[tuple[str, str]]:
        return await self.import_service().creator_profiles()

    # -- link discovery -----------------------------------------------------------------

    def discovery_settings(self) -> Settings:
        """Settings for the lookup services. The demo points them at the simulator's
        stand-ins, served next to its API (``<root>/v1``)."""
        if self.ctx.simulator is None or "discovery_settings" in self.ctx.extras:
            chosen: Settings = self.ctx.extras.get("discovery_settings", self.ctx.settings)
            return chosen
        from ss_tui.simulator.lookups import standin_urls

        root = self.ctx.api_base_url.rstrip("/").removesuffix("/v1")
        return self.ctx.settings.model_copy(update=standin_urls(root))

    async def discover(
        self, release_ids: list[uuid.UUID], sink: Callable[[object], Awaitable[None]],
        connection_id: uuid.UUID | None,
    ) -> DiscoveryReport:
        """Look up links for these releases; failures become sync errors, never raise."""
        from ss_tui.discovery import discover_links, open_providers

        # Their own HTTP client: the real services (or their stand-ins), not the demo's API.
        names = self.ctx.extras.get("discovery_providers")
        async with open_providers(self.discovery_settings(), names) as lookups:
            return await discover_links(self.ctx.db_engine, release_ids, lookups.providers,
                                        sink=sink, connection_id=connection_id)
