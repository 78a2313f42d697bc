"""Where Session Studio tokens live (README "Connecting an account").

* :class:`KeyringTokenStore` — the OS keyring (default). keyring is blocking, so every
  call goes through ``asyncio.to_thread``. keyring's fail/null backends are refused.
* :class:`DatabaseTokenStore` — the ``ss_tokens`` table, Fernet-encrypted with
  ``SS_TUI_TOKEN_KEY``; for headless workers on several machines.
* :class:`MemoryTokenStore` — demo mode and tests.

Tokens are never written to a file, a log or the database in clear.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ss_tui.db.enums import ErrorKind
from ss_tui.sessionstudio.errors import NoKeyringBackend, SessionStudioError
from ss_tui.sessionstudio.redaction import mask, register_secret

if TYPE_CHECKING:
    import sqlalchemy as sa
    from keyring.backend import KeyringBackend
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from ss_tui.config import Settings
    from ss_tui.sessionstudio.models import TokenResponse

KEYRING_SERVICE = "ss-tui"


@dataclass(frozen=True, slots=True, repr=False)
class TokenSet:
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None  # None: does not expire (personal token)
    scope: str = ""
    token_type: str = "Bearer"

    def __post_init__(self) -> None:
        register_secret(self.access_token)
        register_secret(self.refresh_token)

    def __repr__(self) -> str:
        expires = self.expires_at.isoformat() if self.expires_at else None
        return (
            f"TokenSet(access_token={mask(self.access_token)}, "
            f"refresh_token={mask(self.refresh_token)}, expires_at={expires}, "
            f"scope={self.scope!r}, token_type={self.token_type!r})"
        )

    __str__ = __repr__

    @classmethod
    def from_response(cls, resp: TokenResponse, *, now: datetime | None = None) -> TokenSet:
        now = now or datetime.now(UTC)
        return cls(
            access_token=resp.access_token,
            refresh_token=resp.refresh_token,
            expires_at=now + timedelta(seconds=resp.expires_in) if resp.expires_in else None,
            scope=resp.scope,
            token_type=resp.token_type or "Bearer",
        )

    def expires_within(self, seconds: float, *, now: datetime | None = None) -> bool:
        if self.expires_at is None:
            return False
        now = now or datetime.now(UTC)
        return self.expires_at - now <= timedelta(seconds=seconds)

    def with_refreshed(self, newer: TokenSet) -> TokenSet:
        """``newer``, keeping our refresh token if the server did not rotate it."""
        if newer.refresh_token is None and self.refresh_token is not None:
            return replace(newer, refresh_token=self.refresh_token)
        return newer

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
                "scope": self.scope,
                "token_type": self.token_type,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> TokenSet:
        data = json.loads(text)
        expires = data.get("expires_at")
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=datetime.fromisoformat(expires) if expires else None,
            scope=data.get("scope") or "",
            token_type=data.get("token_type") or "Bearer",
        )


@runtime_checkable
class TokenStore(Protocol):
    async def get(self, account_key: str) -> TokenSet | None: ...

    async def set(self, account_key: str, tokens: TokenSet) -> None: ...

    async def delete(self, account_key: str) -> None: ...


class MemoryTokenStore:
    """Tokens in this process only (demo mode, tests)."""

    def __init__(self) -> None:
        self._tokens: dict[str, TokenSet] = {}

    async def get(self, account_key: str) -> TokenSet | None:
        return self._tokens.get(account_key)

    async def set(self, account_key: str, tokens: TokenSet) -> None:
        self._tokens[account_key] = tokens

    async def delete(self, account_key: str) -> None:
        self._tokens.pop(account_key, None)

    def __repr__(self) -> str:
        return f"MemoryTokenStore(accounts={sorted(self._tokens)})"


def _unusable_backend_name(backend: KeyringBackend) -> str | None:
    """The backend's name if keyring could not find a real one, else None."""
    from keyring.backends import chainer, fail

    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if isinstance(backend, fail.Keyring):
        return name
    try:
        from keyring.backends import null

        if isinstance(backend, null.Keyring):
            return name
    except ImportError:  # pragma: no cover - keyring always ships null
        pass
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return name
    return None


class KeyringTokenStore:
    """Tokens in the OS keyring (the default). Blocking keyring calls run in a thread."""

    def __init__(
        self, service: str = KEYRING_SERVICE, backend: KeyringBackend | None = None
    ) -> None:
        self.service = service
        self._backend = backend

    def _keyring(self) -> KeyringBackend:
        import keyring

        backend = self._backend or keyring.get_keyring()
        bad = _unusable_backend_name(backend)
        if bad is not None:
            raise NoKeyringBackend(bad)
        return backend

    def check(self) -> None:
        """Raise :class:`NoKeyringBackend` now if there is no usable keyring."""
        self._keyring()

    async def get(self, account_key: str) -> TokenSet | None:
        def read() -> str | None:
            raw: str | None = self._keyring().get_password(self.service, account_key)
            return raw

        raw = await asyncio.to_thread(read)
        return TokenSet.from_json(raw) if raw else None

    async def set(self, account_key: str, tokens: TokenSet) -> None:
        raw = tokens.to_json()
        await asyncio.to_thread(
            lambda: self._keyring().set_password(self.service, account_key, raw)
        )

    async def delete(self, account_key: str) -> None:
        import keyring.errors

        def remove() -> None:
            try:
                self._keyring().delete_password(self.service, account_key)
            except keyring.errors.PasswordDeleteError:
                pass  # already gone

        await asyncio.to_thread(remove)

    def __repr__(self) -> str:
        return f"KeyringTokenStore(service={self.service!r})"


class TokenKeyError(SessionStudioError):
    kind = ErrorKind.internal
    default_action = (
        "Set SS_TUI_TOKEN_KEY to a Fernet key, e.g. the output of `python -c "
        "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
    )


class DatabaseTokenStore:
    """Tokens in the ``ss_tokens`` table, encrypted with a Fernet key (headless workers)."""

    def __init__(self, engine: AsyncEngine, key: str | bytes) -> None:
        from cryptography.fernet import Fernet

        try:
            self._fernet = Fernet(key.encode() if isinstance(key, str) else key)
        except (ValueError, TypeError) as exc:
            raise TokenKeyError("SS_TUI_TOKEN_KEY is not a valid Fernet key.") from exc
        self._engine = engine

    @staticmethod
    def _table() -> sa.Table:
        from ss_tui.db.schema import SSToken

        return SSToken.__table__

    async def get(self, account_key: str) -> TokenSet | None:
        async with self._engine.connect() as conn:
            return await self._get(conn, account_key)

    async def set(self, account_key: str, tokens: TokenSet) -> None:
        async with self._engine.begin() as conn:
            await self._set(conn, account_key, tokens)

    @contextlib.asynccontextmanager
    async def locked(self, account_key: str) -> AsyncIterator[TokenStore]:
        """The account's tokens held for one refresh: workers on other machines sharing this
        database wait here, then read the rotated tokens instead of spending the same
        single-use refresh token twice (which revokes the grant). Yields a store bound to
        the lock's transaction; what it sets is committed when the block ends."""
        table = self._table()
        async with self._engine.begin() as conn:
            # A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite.
            await conn.execute(
                table.update()
                .where(table.c.account_key == account_key)
                .values(updated_at=table.c.updated_at)
            )
            yield _BoundDatabaseStore(self, conn)

    async def _get(self, conn: AsyncConnection, account_key: str) -> TokenSet | None:
        from cryptography.fernet import InvalidToken
        from sqlalchemy import select

        table = self._table()
        row = (
            await conn.execute(select(table.c.ciphertext).where(table.c.account_key == account_key))
        ).first()
        if row is None:
            return None
        cipher = row[0]
        try:
            plain = self._fernet.decrypt(cipher.encode() if isinstance(cipher, str) else cipher)
        except InvalidToken as exc:
            raise TokenKeyError(
                f"The stored Session Studio token for {account_key!r} cannot be decrypted with "
                "SS_TUI_TOKEN_KEY (a different key?). Use the key it was saved with, or reconnect."
            ) from exc
        return TokenSet.from_json(plain.decode())

    async def _set(self, conn: AsyncConnection, account_key: str, tokens: TokenSet) -> None:
        from sqlalchemy import select

        table = self._table()
        cipher = self._fernet.encrypt(tokens.to_json().encode()).decode()
        now = datetime.now(UTC)
        if conn.dialect.name in ("sqlite", "postgresql"):
            from ss_tui.db.engine import dialect_insert

            stmt = dialect_insert(conn.dialect.name, table).values(
                id=uuid.uuid4(), account_key=account_key, ciphertext=cipher,
                created_at=now, updated_at=now,
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c.account_key],
                set_={"ciphertext": cipher, "updated_at": now},
            )
            await conn.execute(stmt)
            return
        exists = (
            await conn.execute(select(table.c.id).where(table.c.account_key == account_key))
        ).first()
        if exists:
            await conn.execute(
                table.update()
                .where(table.c.account_key == account_key)
                .values(ciphertext=cipher, updated_at=now)
            )
        else:
            await conn.execute(
                table.insert().values(
                    id=uuid.uuid4(), account_key=account_key, ciphertext=cipher,
                    created_at=now, updated_at=now,
                )
            )

    async def delete(self, account_key: str) -> None:
        table = self._table()
        async with self._engine.begin() as conn:
            await conn.execute(table.delete().where(table.c.account_key == account_key))

    def __repr__(self) -> str:
        return f"DatabaseTokenStore(engine={self._engine.url.render_as_string(hide_password=True)})"


class _BoundDatabaseStore:
    """A :class:`DatabaseTokenStore` working inside one open transaction (see ``locked``)."""

    def __init__(self, store: DatabaseTokenStore, conn: AsyncConnection) -> None:
        self._store, self._conn = store, conn

    async def get(self, account_key: str) -> TokenSet | None:
        return await self._store._get(self._conn, account_key)

    async def set(self, account_key: str, tokens: TokenSet) -> None:
        await self._store._set(self._conn, account_key, tokens)

    async def delete(self, account_key: str) -> None:
        raise RuntimeError("tokens are not deleted while held for a refresh")


def token_store_from_settings(settings: Settings, engine: AsyncEngine | None = None) -> TokenStore:
    """The store ``SS_TUI_TOKEN_STORE`` asks for (keyring | database | memory)."""
    kind = (settings.token_store or "keyring").strip().lower()
    if kind == "memory":
        return MemoryTokenStore()
    if kind == "database":
        if settings.token_key is None:
            raise TokenKeyError(
                "SS_TUI_TOKEN_STORE=database needs SS_TUI_TOKEN_KEY (a Fernet key) to encrypt "
                "tokens."
            )
        if engine is None:
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine(settings.database_url)
        return DatabaseTokenStore(engine, settings.token_key.get_secret_value())
    if kind == "keyring":
        store = KeyringTokenStore()
        store.check()  # fail now, with both fixes named, rather than at first use
        return store
    raise SessionStudioError(
        f"Unknown SS_TUI_TOKEN_STORE {settings.token_store!r}; use keyring, database or memory."
    )
