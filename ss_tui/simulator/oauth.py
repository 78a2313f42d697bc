"""The simulator's authorization server state (RFC 6749, 7636, 7009, 8628).

Tokens are opaque random strings; only their SHA-256 is kept as a key, so neither
the state nor its reprs hold a usable token. Errors carry exactly the RFC error codes.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from itertools import count
from typing import TypedDict, Unpack

from ss_tui.sessionstudio.models import SCOPES, DeviceCodeResponse, TokenResponse
from ss_tui.simulator.clock import Clock
from ss_tui.simulator.config import SimulatorConfig

DEFAULT_SCOPES: tuple[str, ...] = ("projects:read", "tracks:read", "credits:read")


class OAuthProblem(Exception):
    """An RFC 6749 §5.2 error response."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


class TokenRejected(Exception):
    """An RFC 6750 bearer failure: ``invalid_token`` (401) or ``insufficient_scope`` (403)."""

    def __init__(self, error: str, description: str, scope: str | None = None) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.scope = scope
        self.status = 403 if error == "insufficient_scope" else 401


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def parse_scopes(raw: str | None) -> tuple[str, ...]:
    if not raw or not raw.strip():
        return DEFAULT_SCOPES
    requested = tuple(dict.fromkeys(raw.split()))
    unknown = [s for s in requested if s not in SCOPES]
    if unknown:
        raise OAuthProblem("invalid_scope", f"unknown scope: {' '.join(unknown)}")
    return requested


class TokenOwner(TypedDict):
    """Who a token belongs to (the fields every kind of token shares)."""

    account_id: str
    client_id: str
    scopes: tuple[str, ...]
    family: str


@dataclass
class TokenRecord:
    kind: str  # access | refresh | personal
    label: str  # a non-secret handle for logs and tests, e.g. "access#3"
    account_id: str
    client_id: str
    scopes: tuple[str, ...]
    family: str
    expires_at: float | None
    revoked: bool = False
    used: bool = False  # refresh tokens are single-use


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str
    account_id: str
    expires_at: float
    family: str
    used: bool = False


@dataclass
class DeviceGrant:
    client_id: str
    user_code: str
    scopes: tuple[str, ...]
    expires_at: float
    interval: int
    status: str = "pending"  # pending | approved | denied | issued
    account_id: str | None = None
    last_poll: float | None = None
    family: str = field(default_factory=lambda: secrets.token_hex(8))


class AuthServer:
    def __init__(self, config: SimulatorConfig, clock: Clock, default_account: str) -> None:
        self.config = config
        self.clock = clock
        self.default_account = default_account
        self.tokens: dict[str, TokenRecord] = {}
        self.codes: dict[str, AuthCode] = {}
        self.devices: dict[str, DeviceGrant] = {}
        self.user_codes: dict[str, str] = {}
        self._labels = count(1)
        self.issued = 0
        self.refreshed = 0

    # -- clients -------------------------------------------------------------------------

    def check_client(self, client_id: str | None, client_secret: str | None) -> str:
        """The client id once it is known and authenticated."""
        if not client_id or client_id != self.config.client_id:
            raise OAuthProblem("invalid_client", "unknown client_id", 401)
        expected = self.config.client_secret
        if expected is not None and not (
            client_secret and secrets.compare_digest(client_secret, expected)
        ):
            raise OAuthProblem("invalid_client", "client authentication failed", 401)
        return client_id

    @staticmethod
    def redirect_allowed(uri: str) -> bool:
        """Loopback redirects on any port (RFC 8252 §7.3); nothing else is registered."""
        return uri.startswith(("http://127.0.0.1:", "http://localhost:", "http://[::1]:"))

    # -- tokens --------------------------------------------------------------------------

    def _new(self, kind: str, prefix: str, ttl: float | None, **owner: Unpack[TokenOwner]) -> str:
        token = f"{prefix}_{secrets.token_urlsafe(32)}"
        expires = None if ttl is None else self.clock.time() + ttl
        label = f"{kind}#{next(self._labels)}"
        self.tokens[token_key(token)] = TokenRecord(
            kind=kind, label=label, expires_at=expires, **owner
        )
        return token

    def issue(
        self,
        account_id: str,
        client_id: str,
        scopes: tuple[str, ...],
        family: str | None = None,
    ) -> TokenResponse:
        family = family or secrets.token_hex(8)
        common: TokenOwner = {
            "account_id": account_id,
            "client_id": client_id,
            "scopes": scopes,
            "family": family,
        }
        access = self._new("access", "ssa", self.config.access_token_ttl, **common)
        refresh = None
        if "offline_access" in scopes:
            refresh = self._new("refresh", "ssr", self.config.refresh_token_ttl, **common)
        self.issued += 1
        return TokenResponse(
            access_token=access,
            expires_in=self.config.access_token_ttl,
            refresh_token=refresh,
            scope=" ".join(scopes),
        )

    def personal(self, account_id: str, scopes: tuple[str, ...]) -> str:
        """A personal access token: no expiry, no refresh, revocable."""
        return self._new(
            "personal",
            "ssp",
            None,
            account_id=account_id,
            client_id="personal",
            scopes=scopes,
            family=secrets.token_hex(8),
        )

    def record(self, token: str) -> TokenRecord | None:
        return self.tokens.get(token_key(token))

    def authenticate(self, token: str | None, required: tuple[str, ...]) -> TokenRecord:
        if not token:
            raise TokenRejected("", "missing bearer token")
        rec = self.tokens.get(token_key(token))
        if rec is None or rec.kind == "refresh":
            raise TokenRejected("invalid_token", "The access token is not recognised")
        if rec.revoked:
            raise TokenRejected("invalid_token", "The access token was revoked")
        if rec.expires_at is not None and self.clock.time() >= rec.expires_at:
            raise TokenRejected("invalid_token", "The access token expired")
        missing = [s for s in required if s not in rec.scopes]
        if missing:
            raise TokenRejected(
                "insufficient_scope",
                f"This request needs {' '.join(required)}",
                scope=" ".join(required),
            )
        return rec

    def revoke_family(self, family: str) -> None:
        for rec in self.tokens.values():
            if rec.family == family:
                rec.revoked = True

    def revoke(self, token: str) -> None:
        """RFC 7009: unknown tokens are fine; a refresh token takes its grant with it."""
        rec = self.tokens.get(token_key(token))
        if rec is None:
            return
        rec.revoked = True
        if rec.kind == "refresh":
            self.revoke_family(rec.family)

    def revoke_all(self) -> int:
        live = [r for r in self.tokens.values() if not r.revoked]
        for rec in live:
            rec.revoked = True
        return len(live)

    # -- grants --------------------------------------------------------------------------

    def create_code(
        self,
        client_id: str,
        redirect_uri: str,
        scopes: tuple[str, ...],
        challenge: str,
        account_id: str | None = None,
    ) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthCode(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            challenge=challenge,
            account_id=account_id or self.default_account,
            expires_at=self.clock.time() + self.config.auth_code_ttl,
            family=secrets.token_hex(8),
        )
        return code

    def exchange_code(
        self, client_id: str, code: str | None, redirect_uri: str | None, verifier: str | None
    ) -> TokenResponse:
        grant = self.codes.get(code or "")
        if grant is None:
            raise OAuthProblem("invalid_grant", "authorization code is not recognised")
        if grant.used:
            # RFC 6749 §4.1.2: a replayed code revokes what it already issued.
            self.revoke_family(grant.family)
            raise OAuthProblem("invalid_grant", "authorization code was already used")
        if self.clock.time() >= grant.expires_at:
            raise OAuthProblem("invalid_grant", "authorization code expired")
        if grant.client_id != client_id:
            raise OAuthProblem("invalid_grant", "authorization code was issued to another client")
        if grant.redirect_uri != redirect_uri:
            raise OAuthProblem("invalid_grant", "redirect_uri does not match the authorization")
        if not verifier:
            raise OAuthProblem("invalid_request", "code_verifier is required (PKCE)")
        if not secrets.compare_digest(pkce_challenge(verifier), grant.challenge):
            raise OAuthProblem("invalid_grant", "code_verifier does not match the code_challenge")
        grant.used = True
        return self.issue(grant.account_id, client_id, grant.scopes, grant.family)

    def refresh(self, client_id: str, token: str | None, scope: str | None) -> TokenResponse:
        rec = self.tokens.get(token_key(token or ""))
        if rec is None or rec.kind != "refresh":
            raise OAuthProblem("invalid_grant", "refresh token is not recognised")
        if rec.client_id != client_id:
            raise OAuthProblem("invalid_grant", "refresh token was issued to another client")
        if rec.used:
            # Reuse of a rotated token: assume it leaked and end the whole grant.
            self.revoke_family(rec.family)
            raise OAuthProblem("invalid_grant", "refresh token was already used")
        if rec.revoked:
            raise OAuthProblem("invalid_grant", "refresh token was revoked")
        if rec.expires_at is not None and self.clock.time() >= rec.expires_at:
            raise OAuthProblem("invalid_grant", "refresh token expired")
        scopes = rec.scopes
        if scope:
            narrowed = parse_scopes(scope)
            if any(s not in rec.scopes for s in narrowed):
                raise OAuthProblem("invalid_scope", "cannot widen the original grant")
            scopes = narrowed
        rec.used = True
        self.refreshed += 1
        return self.issue(rec.account_id, client_id, scopes, rec.family)

    def device_start(
        self, client_id: str, scopes: tuple[str, ...], verification_uri: str
    ) -> DeviceCodeResponse:
        device_code = secrets.token_urlsafe(24)
        alphabet = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no lookalikes
        user_code = "".join(secrets.choice(alphabet) for _ in range(8))
        user_code = f"{user_code[:4]}-{user_code[4:]}"
        grant = DeviceGrant(
            client_id=client_id,
            user_code=user_code,
            scopes=scopes,
            expires_at=self.clock.time() + self.config.device_code_ttl,
            interval=self.config.device_interval,
        )
        if self.config.auto_approve_device:
            grant.status, grant.account_id = "approved", self.default_account
        self.devices[device_code] = grant
        self.user_codes[user_code] = device_code
        return DeviceCodeResponse(
            device_code=device_code,
            user_code=user_code,
            verification_uri=verification_uri,
            verification_uri_complete=f"{verification_uri}?user_code={user_code}",
            expires_in=self.config.device_code_ttl,
            interval=grant.interval,
        )

    def device_poll(self, client_id: str, device_code: str | None) -> TokenResponse:
        grant = self.devices.get(device_code or "")
        if grant is None or grant.client_id != client_id:
            raise OAuthProblem("invalid_grant", "device code is not recognised")
        now = self.clock.time()
        if now >= grant.expires_at:
            raise OAuthProblem("expired_token", "the device code expired; start again")
        if grant.status == "denied":
            raise OAuthProblem("access_denied", "the user denied the request")
        if grant.status == "issued":
            raise OAuthProblem("invalid_grant", "device code was already used")
        too_fast = grant.last_poll is not None and now - grant.last_poll < grant.interval
        grant.last_poll = now
        if too_fast:
            grant.interval += 5  # RFC 8628 §3.5
            raise OAuthProblem("slow_down", f"poll at most every {grant.interval} s")
        if grant.status == "pending":
            raise OAuthProblem("authorization_pending", "waiting for the user to approve")
        grant.status = "issued"
        return self.issue(
            grant.account_id or self.default_account, client_id, grant.scopes, grant.family
        )

    def decide_device(self, user_code: str, approve: bool, account_id: str | None = None) -> bool:
        device_code = self.user_codes.get(user_code.strip().upper())
        grant = self.devices.get(device_code or "")
        if grant is None or grant.status != "pending" or self.clock.time() >= grant.expires_at:
            return False
        grant.status = "approved" if approve else "denied"
        grant.account_id = account_id or self.default_account
        return True
