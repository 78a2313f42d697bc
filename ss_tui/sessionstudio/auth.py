"""Connecting a Session Studio account: OAuth 2.0 flows and token refresh
(README "Connecting an account").

* Device authorization grant (RFC 8628): show a code, poll at the server's pace.
* Authorization code + PKCE S256 with a one-shot loopback redirect on 127.0.0.1 (RFC 8252).
* A pasted personal access token.

:class:`TokenManager` hands the client a valid access token: it refreshes ahead of
expiry, once more on a 401, shares one refresh between concurrent callers and saves
rotated refresh tokens. A rejected refresh token raises :class:`ReconnectNeeded`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import secrets
import webbrowser
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from ss_tui.sessionstudio.errors import (
    AuthError,
    AuthorizationDenied,
    AuthorizationExpired,
    ReconnectNeeded,
    SessionStudioError,
    TransientError,
)
from ss_tui.sessionstudio.models import DEVICE_GRANT, SCOPES, DeviceCodeResponse, TokenResponse
from ss_tui.sessionstudio.redaction import install_log_redaction, register_secret
from ss_tui.sessionstudio.tokens import TokenSet, TokenStore
from ss_tui.values import JSONObject

log = logging.getLogger(__name__)

DEFAULT_SCOPE = " ".join(SCOPES)
Sleep = Callable[[float], Awaitable[None]]


def pkce_pair() -> tuple[str, str]:
    """A fresh (code_verifier, S256 code_challenge) pair (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    register_secret(verifier)
    return verifier, challenge


class OAuthClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        scope: str = DEFAULT_SCOPE,
        sleep: Sleep = asyncio.sleep,
        timeout: float = 10.0,
    ) -> None:
        install_log_redaction()
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        register_secret(client_secret)
        self.scope = scope
        self._sleep = sleep
        self._timeout = timeout
        self._shared_http = http
        self._owned: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"OAuthClient(base_url={self.base_url!r}, client_id={self.client_id!r})"

    @property
    def _http(self) -> httpx.AsyncClient:
        if self._shared_http is not None:
            return self._shared_http
        if self._owned is None or self._owned.is_closed:  # reopened after aclose()
            self._owned = httpx.AsyncClient(timeout=self._timeout)
        return self._owned

    async def aclose(self) -> None:
        if self._owned is not None:
            await self._owned.aclose()

    async def __aenter__(self) -> OAuthClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- token endpoint -----------------------------------------------------------------
    def _client_auth(self, data: dict[str, str]) -> dict[str, str]:
        data = {**data, "client_id": self.client_id}
        if self._client_secret:
            data["client_secret"] = self._client_secret
        return data

    async def _post(self, path: str, data: dict[str, str]) -> httpx.Response:
        try:
            return await self._http.post(f"{self.base_url}{path}", data=self._client_auth(data))
        except httpx.TimeoutException as exc:
            raise TransientError(f"Session Studio did not answer {path} in time.") from exc
        except httpx.TransportError as exc:
            raise TransientError(
                f"Could not reach Session Studio at {self.base_url} ({type(exc).__name__})."
            ) from exc

    async def _token_request(self, data: dict[str, str]) -> tuple[TokenSet | None, JSONObject]:
        """POST /oauth/token: the tokens, or (None, error body) for an OAuth error."""
        resp = await self._post("/oauth/token", data)
        if resp.status_code >= 500:
            raise TransientError(
                f"Session Studio's token endpoint failed (HTTP {resp.status_code}).",
                http_status=resp.status_code,
            )
        try:
            body = resp.json()
        except ValueError as exc:
            raise TransientError(
                "Session Studio's token endpoint sent a response that is not JSON.",
                http_status=resp.status_code,
            ) from exc
        if resp.status_code == 200:
            return TokenSet.from_response(TokenResponse.model_validate(body)), {}
        if not isinstance(body, dict) or "error" not in body:
            raise AuthError(
                f"Session Studio's token endpoint refused the request (HTTP {resp.status_code}).",
                http_status=resp.status_code,
            )
        return None, body

    @staticmethod
    def _describe(body: JSONObject) -> str:
        desc = body.get("error_description")
        return f"{body.get('error')}" + (f": {desc}" if desc else "")

    # -- device flow (RFC 8628) ---------------------------------------------------------
    async def start_device_flow(self) -> DeviceCodeResponse:
        resp = await self._post("/oauth/device/code", {"scope": self.scope})
        if resp.status_code != 200:
            raise AuthError(
                f"Session Studio refused to start a device login (HTTP {resp.status_code}).",
                http_status=resp.status_code,
            )
        device = DeviceCodeResponse.model_validate(resp.json())
        register_secret(device.device_code)
        return device

    async def poll_device_flow(
        self,
        device: DeviceCodeResponse,
        *,
        clock: Callable[[], float] | None = None,
    ) -> TokenSet:
        """Poll until the user approves; honours the interval and ``slow_down`` (+5 s)."""
        interval = max(1, device.interval)
        loop_clock = clock or asyncio.get_running_loop().time
        deadline = loop_clock() + device.expires_in
        while True:
            await self._sleep(interval)
            tokens, err = await self._token_request(
                {"grant_type": DEVICE_GRANT, "device_code": device.device_code}
            )
            if tokens is not None:
                log.info("Device authorization approved")
                return tokens
            code = err.get("error")
            if code == "authorization_pending":
                pass
            elif code == "slow_down":
                interval += 5
            elif code == "access_denied":
                raise AuthorizationDenied("The Session Studio login was declined.")
            elif code == "expired_token":
                raise AuthorizationExpired(
                    "The Session Studio login code expired before it was approved."
                )
            else:
                raise AuthError(f"Device login failed: {self._describe(err)}.")
            if loop_clock() >= deadline:
                raise AuthorizationExpired(
                    "The Session Studio login code expired before it was approved."
                )

    # -- authorization code + PKCE with a loopback redirect (RFC 8252) ------------------
    async def begin_loopback(self) -> LoopbackAuthorization:
        """Start the one-shot listener; the caller opens ``.authorize_url`` somehow."""
        flow = LoopbackAuthorization(self)
        await flow.start()
        return flow

    async def authorize_with_loopback(
        self,
        open_browser: bool = True,
        *,
        on_url: Callable[[str], object] | None = None,
        wait_s: float = 300.0,
    ) -> TokenSet:
        flow = await self.begin_loopback()
        try:
            if on_url is not None:
                result = on_url(flow.authorize_url)
                if asyncio.iscoroutine(result):
                    await result
            if open_browser:
                await asyncio.to_thread(webbrowser.open, flow.authorize_url)
            return await asyncio.wait_for(flow.wait(), wait_s)
        except TimeoutError as exc:
            raise AuthorizationExpired(
                f"No answer from the browser within {wait_s:.0f} s; start connecting again."
            ) from exc
        finally:
            await flow.close()

    async def exchange_code(self, code: str, verifier: str, redirect_uri: str) -> TokenSet:
        tokens, err = await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": redirect_uri,
            }
        )
        if tokens is None:
            raise AuthError(
                f"Session Studio refused the authorization code: {self._describe(err)}."
            )
        return tokens

    # -- personal tokens, refresh, revoke -----------------------------------------------
    def token_from_personal(self, token: str) -> TokenSet:
        token = token.strip()
        if not token:
            raise AuthError("The pasted personal access token is empty.")
        return TokenSet(access_token=token, scope="")

    async def refresh(self, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            raise ReconnectNeeded(
                "The Session Studio access token expired and there is no refresh token "
                "(a personal token?)."
            )
        new, err = await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        )
        if new is None:
            code = err.get("error")
            if code in ("invalid_grant", "unauthorized_client", "invalid_client"):
                raise ReconnectNeeded(
                    "Session Studio rejected the saved refresh token "
                    f"({self._describe(err)}); the account must be connected again.",
                    http_status=400,
                    problem=err,
                )
            raise AuthError(f"Refreshing the Session Studio token failed: {self._describe(err)}.")
        log.info("Session Studio access token refreshed")
        return tokens.with_refreshed(new)

    async def revoke(self, token: str | TokenSet) -> None:
        """Revoke a token (RFC 7009): a refresh token revokes its whole grant."""
        if isinstance(token, TokenSet):
            values = [t for t in (token.refresh_token, token.access_token) if t]
        else:
            values = [token]
        for value in values:
            resp = await self._post("/oauth/revoke", {"token": value})
            if resp.status_code >= 500:
                raise TransientError(
                    f"Session Studio could not revoke the token (HTTP {resp.status_code}).",
                    http_status=resp.status_code,
                )


_DONE_PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>ss-tui</title></head><body>"
    b"<h1>%s</h1><p>You can close this window and return to ss-tui.</p></body></html>"
)


class LoopbackAuthorization:
    """One authorization-code login: PKCE pair, state, and a one-shot 127.0.0.1 listener."""

    def __init__(self, oauth: OAuthClient) -> None:
        self._oauth = oauth
        self.verifier, self.challenge = pkce_pair()
        self.state = secrets.token_urlsafe(24)
        self._server: asyncio.base_events.Server | None = None
        self._result: asyncio.Future[dict[str, str]] | None = None
        self.redirect_uri = ""
        self.authorize_url = ""

    async def start(self) -> None:
        self._result = asyncio.get_running_loop().create_future()
        # Port 0: the OS picks a free port, bound to loopback only (RFC 8252 §7.3).
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.redirect_uri = f"http://127.0.0.1:{port}/callback"
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._oauth.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": self._oauth.scope,
                "state": self.state,
                "code_challenge": self.challenge,
                "code_challenge_method": "S256",
            }
        )
        self.authorize_url = f"{self._oauth.base_url}/oauth/authorize?{query}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), 10)
            while (await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b"\n", b""):
                pass  # headers: not needed
            parts = request_line.decode("latin-1").split()
            target = urlsplit(parts[1]) if len(parts) >= 2 else None
            if target is None or target.path != "/callback":
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
                return
            params = {k: v[0] for k, v in parse_qs(target.query).items()}
            ok = "code" in params and params.get("state") == self.state
            title = b"Connected to Session Studio" if ok else b"Login failed"
            body = _DONE_PAGE % title
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            if self._result is not None and not self._result.done():
                self._result.set_result(params)
        except (TimeoutError, ConnectionError, IndexError):
            pass
        finally:
            with contextlib.suppress(Exception):
                await writer.drain()
                writer.close()

    async def wait(self) -> TokenSet:
        """Wait for the browser's redirect, check ``state``, exchange the code."""
        assert self._result is not None, "call start() first"
        params = await self._result
        await self.close()  # one shot
        return await self.complete(params)

    async def complete_with_redirect(self, redirect_url: str) -> TokenSet:
        """Finish from a redirect URL pasted by the user (or driven by a test)."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(redirect_url).query).items()}
        await self.close()
        return await self.complete(params)

    async def complete(self, params: dict[str, str]) -> TokenSet:
        if params.get("state") != self.state:
            raise AuthError(
                "The login answer did not match this login attempt (state mismatch); "
                "start connecting again."
            )
        if "error" in params:
            if params["error"] == "access_denied":
                raise AuthorizationDenied("The Session Studio login was declined.")
            raise AuthError(f"Session Studio login failed: {params['error']}.")
        code = params.get("code")
        if not code:
            raise AuthError("Session Studio's answer carried no authorization code.")
        register_secret(code)
        return await self._oauth.exchange_code(code, self.verifier, self.redirect_uri)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None


class TokenManager:
    """Hands out a valid access token for one account, refreshing as needed."""

    def __init__(
        self,
        oauth: OAuthClient | None,
        store: TokenStore,
        account_key: str,
        *,
        refresh_margin_s: float = 60.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.oauth = oauth
        self.store = store
        self.account_key = account_key
        self.refresh_margin_s = refresh_margin_s
        self._now = now
        self._lock = asyncio.Lock()
        self._tokens: TokenSet | None = None
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"TokenManager(account_key={self.account_key!r}, store={self.store!r})"

    async def _load(self) -> TokenSet:
        if self._tokens is None:
            self._tokens = await self.store.get(self.account_key)
        if self._tokens is None:
            raise ReconnectNeeded(
                f"No Session Studio account is connected for {self.account_key!r}."
            )
        return self._tokens

    async def save(self, tokens: TokenSet) -> None:
        """Store freshly obtained tokens (after connecting)."""
        async with self._lock:
            await self.store.set(self.account_key, tokens)
            self._tokens = tokens

    async def current(self) -> TokenSet | None:
        try:
            return await self._load()
        except ReconnectNeeded:
            return None

    async def access_token(self) -> str:
        tokens = await self._load()
        if tokens.expires_within(self.refresh_margin_s, now=self._now()) and tokens.refresh_token:
            tokens = await self._refresh_if_still(tokens.access_token)
        return tokens.access_token

    async def handle_unauthorized(self, rejected_access_token: str) -> str:
        """After a 401: refresh once (shared) and return the token to replay with."""
        tokens = await self._refresh_if_still(rejected_access_token)
        return tokens.access_token

    async def _refresh_if_still(self, stale_access_token: str) -> TokenSet:
        # A store shared by several processes (the database store) holds the account's row
        # for the whole refresh; the others wait, then find the rotated tokens.
        held = getattr(self.store, "locked", None)
        async with self._lock, (
            held(self.account_key) if held else contextlib.nullcontext(self.store)
        ) as store:
            # Re-read the store: another task, or another worker sharing the database
            # store, may have refreshed already. Refreshing again with the old (single-use)
            # refresh token would get the whole grant revoked.
            stored = await store.get(self.account_key)
            if stored is not None:
                self._tokens = stored
            tokens = await self._load()
            if tokens.access_token != stale_access_token:
                return tokens
            if self.oauth is None:
                raise ReconnectNeeded(
                    "The Session Studio token was rejected and cannot be refreshed."
                )
            fresh = await self.oauth.refresh(tokens)  # ReconnectNeeded propagates: no retry
            await store.set(self.account_key, fresh)  # rotated refresh token saved first
            self._tokens = fresh
            self.refreshes += 1
            return fresh

    async def disconnect(self, *, revoke: bool = True) -> None:
        """Forget the account's tokens (and revoke them at Session Studio if possible)."""
        async with self._lock:
            tokens = await self.store.get(self.account_key)
            if tokens is not None and revoke and self.oauth is not None:
                with contextlib.suppress(SessionStudioError):
                    await self.oauth.revoke(tokens)
            await self.store.delete(self.account_key)
            self._tokens = None
