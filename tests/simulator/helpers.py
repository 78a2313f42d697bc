"""Small helpers shared by the simulator tests."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx

CLIENT_ID = "ss-tui-demo"
REDIRECT = "http://127.0.0.1:53682/callback"
ALL_SCOPES = "projects:read tracks:read credits:read offline_access"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def redirect_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize_params(challenge: str, scope: str = ALL_SCOPES, state: str = "st-1") -> dict:
    return {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


async def authorization_code_flow(http: httpx.AsyncClient, scope: str = ALL_SCOPES) -> dict:
    """Consent page -> approve form post -> code -> token (PKCE S256)."""
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, scope)
    page = await http.get("oauth/authorize", params=params)
    assert page.status_code == 200 and 'value="approve"' in page.text
    approved = await http.post("oauth/authorize", data={**params, "decision": "approve"})
    got = redirect_params(approved)
    assert got["state"] == "st-1"
    token = await http.post(
        "oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": got["code"],
            "redirect_uri": REDIRECT,
            "client_id": CLIENT_ID,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.text
    return token.json()


async def refresh(http: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await http.post(
        "oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
        },
    )
