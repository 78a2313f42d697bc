"""The Session Studio accounts ss-tui is connected to (``ss_connections``), the API client
for each, and the one place an account is marked "reconnect needed"."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.audit import record_audit
from ss_tui.config import Settings
from ss_tui.db import schema
from ss_tui.db.creators import normalize_username
from ss_tui.db.enums import ConnectionStatus, ErrorStage
from ss_tui.db.types import utcnow
from ss_tui.engine import events as ev
from ss_tui.engine.rows import T_CREATOR, as_uuid
from ss_tui.engine.run import operator
from ss_tui.sessionstudio.errors import SessionStudioError
from ss_tui.sync_errors import from_exception, record_errors, resolve_account_errors
from ss_tui.values import Row

if TYPE_CHECKING:
    from ss_tui.sessionstudio.client import EventCallback, SessionStudioClient
    from ss_tui.sessionstudio.tokens import TokenSet, TokenStore

T_CONN = schema.SSConnection.__table__

ClientFactory = Callable[[str, "EventCallback | None"], "SessionStudioClient"]
# How a caller names a connection: its id, the account id, or None for the only one.
ConnectionRef = uuid.UUID | str | None


class NotConnected(LookupError):
    """No (or no such) Session Studio account is connected."""


@dataclass(slots=True)
class ConnectionInfo:
    id: str
    account_id: str
    account_name: str | None
    base_url: str
    status: ConnectionStatus = ConnectionStatus.connected


class ConnectionRegistry:
    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        *,
        token_store: TokenStore | None = None,
        api_base_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        client_factory: ClientFactory | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.token_store = token_store
        self.api_base_url = api_base_url
        self.http = http
        self._client_factory = client_factory

    def make_client(
        self, account_key: str, on_event: EventCallback | None = None
    ) -> SessionStudioClient:
        if self._client_factory is not None:
            return self._client_factory(account_key, on_event)
        from ss_tui.sessionstudio.auth import OAuthClient, TokenManager
        from ss_tui.sessionstudio.client import SessionStudioClient
        from ss_tui.sessionstudio.tokens import token_store_from_settings

        store = self.token_store or token_store_from_settings(self.settings, self.engine)
        secret = getattr(self.settings, "client_secret", None)
        oauth = OAuthClient(
            str(self.api_base_url),
            self.settings.client_id,
            secret.get_secret_value() if secret else None,
            http=self.http,
        )
        return SessionStudioClient(
            str(self.api_base_url),
            TokenManager(oauth, store, account_key),
            http=self.http,
            on_event=on_event,
            # A client lives for one fetch, which asks for each page once: caching every
            # page body for ETag revalidation only kept the whole catalogue in memory.
            etag_cache_size=8,
        )

    async def register_connection(self, tokens: TokenSet) -> ConnectionInfo:
        """After connecting: ask /me who this is, store the token, record the connection."""
        from ss_tui.sessionstudio.tokens import MemoryTokenStore

        probe_store = MemoryTokenStore()
        await probe_store.set("probe", tokens)
        from ss_tui.sessionstudio.auth import TokenManager
        from ss_tui.sessionstudio.client import SessionStudioClient

        async with SessionStudioClient(
            str(self.api_base_url), TokenManager(None, probe_store, "probe"), http=self.http
        ) as client:
            account = await client.me()
        store = self.token_store
        if store is None:
            from ss_tui.sessionstudio.tokens import token_store_from_settings

            store = token_store_from_settings(self.settings, self.engine)
        await store.set(account.id, tokens)
        info = await self.ensure_connection(
            account.id, account.name, " ".join(account.scopes) or tokens.scope
        )
        await record_audit(
            self.engine, actor=operator(self.settings), action="connect",
            entity_type="account", entity_id=account.id,
            detail={"account_name": account.name, "base_url": str(self.api_base_url)},
        )
        return info

    async def ensure_connection(
        self, account_id: str, account_name: str | None = None, scopes: str | None = None
    ) -> ConnectionInfo:
        now = utcnow()
        async with self.engine.begin() as conn:
            row = (
                (await conn.execute(sa.select(T_CONN).where(T_CONN.c.account_id == account_id)))
                .mappings()
                .first()
            )
            if row is None:
                cid = uuid.uuid4()
                await conn.execute(
                    sa.insert(T_CONN).values(
                        id=cid,
                        account_id=account_id,
                        account_name=account_name,
                        base_url=self.api_base_url,
                        scopes=scopes,
                        status=ConnectionStatus.connected,
                        metadata={},
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                cid = row["id"]
                await conn.execute(
                    sa.update(T_CONN)
                    .where(T_CONN.c.id == cid)
                    .values(
                        account_name=account_name or row["account_name"],
                        status=ConnectionStatus.connected,
                        base_url=self.api_base_url,
                        scopes=scopes or row["scopes"],
                        updated_at=now,
                    )
                )
            await resolve_account_errors(conn, cid, why="ss-tui (account reconnected)")
        return ConnectionInfo(str(cid), account_id, account_name, str(self.api_base_url))

    async def connections(self) -> list[ConnectionInfo]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(sa.select(T_CONN).order_by(T_CONN.c.created_at))).mappings()
            return [
                ConnectionInfo(
                    str(r["id"]), r["account_id"], r["account_name"], r["base_url"],
                    ConnectionStatus(r["status"]),
                )
                for r in rows
            ]

    async def disconnect(self, connection_id: ConnectionRef) -> None:
        row = await self.get(connection_id)
        store = self.token_store
        if store is not None:
            await store.delete(row["account_id"])
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(T_CONN)
                .where(T_CONN.c.id == row["id"])
                .values(status=ConnectionStatus.disconnected, updated_at=utcnow())
            )
            await record_audit(
                conn, actor=operator(self.settings), action="disconnect",
                entity_type="account", entity_id=row["account_id"],
            )

    async def get(self, connection_id: ConnectionRef) -> Row:
        async with self.engine.connect() as conn:
            if connection_id is None:
                rows = (
                    (await conn.execute(
                        sa.select(T_CONN).where(T_CONN.c.status != ConnectionStatus.disconnected)
                    ))
                    .mappings()
                    .all()
                )
                if len(rows) != 1:
                    raise NotConnected(
                        "No Session Studio account is connected."
                        if not rows
                        else "Several accounts are connected; choose one with --account."
                    )
                return dict(rows[0])
            cond = T_CONN.c.account_id == str(connection_id)
            try:
                cond = sa.or_(cond, T_CONN.c.id == as_uuid(connection_id))
            except ValueError:
                pass
            row = (await conn.execute(sa.select(T_CONN).where(cond))).mappings().first()
        if row is None:
            raise NotConnected(f"No Session Studio connection {connection_id!r}.")
        return dict(row)

    async def creator_profiles(self) -> list[tuple[str, str]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(
                    T_CREATOR.c.id, T_CREATOR.c.display_name, T_CREATOR.c.username
                ).order_by(T_CREATOR.c.display_name)
            )
            return [(str(i), n or h or str(i)) for i, n, h in rows.all()]

    async def resolve_creator(self, ref: str) -> str:
        """A creator profile by id or Jovie ``username`` (CLI ``--creator``), matched the way
        Jovie matches usernames (``username_normalized``)."""
        async with self.engine.connect() as conn:
            cond = T_CREATOR.c.username_normalized == normalize_username(ref)
            try:
                cond = sa.or_(cond, T_CREATOR.c.id == uuid.UUID(ref))
            except ValueError:
                pass
            row = (await conn.execute(sa.select(T_CREATOR.c.id).where(cond))).first()
        if row is None:
            raise LookupError(f"No creator profile with id or username {ref!r}.")
        return str(row[0])

    async def advance_cursor(self, cid: uuid.UUID, cursor: datetime) -> None:
        now = utcnow()
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(T_CONN)
                .where(T_CONN.c.id == cid)
                .values(sync_cursor=cursor, last_sync_at=now, updated_at=now)
            )

    async def mark_reconnect_needed(
        self,
        connection: Row,
        exc: SessionStudioError,
        sink: ev.EventSink,
        *,
        run_id: uuid.UUID | None = None,
    ) -> None:
        """The token was refused (revoked, expired refresh): the account reads "reconnect
        needed" until staff connect it again; within a run, the failure is a sync error."""
        async with self.engine.begin() as conn:
            if run_id is not None:
                record = from_exception(
                    exc,
                    stage=ErrorStage.fetch,
                    entity_type="account",
                    external_id=connection["account_id"],
                )
                await record_errors(conn, [record], run_id=run_id, connection_id=connection["id"])
            await conn.execute(
                sa.update(T_CONN)
                .where(T_CONN.c.id == connection["id"])
                .values(status=ConnectionStatus.reconnect_needed, updated_at=utcnow())
            )
        await sink(ev.ReconnectNeeded(connection["account_id"], exc.message))
