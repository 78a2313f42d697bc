"""OAuth 2.0 flows, token lifetimes and scope enforcement (RFC 6749/6750/7009/7636/8628)."""

from __future__ import annotations

import httpx
import pytest

from ss_tui.simulator import ManualClock, SimulatorConfig
from tests.simulator.helpers import (
    ALL_SCOPES,
    CLIENT_ID,
    REDIRECT,
    authorization_code_flow,
    authorize_params,
    bearer,
    pkce_pair,
    redirect_params,
    refresh,
)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


async def test_authorization_code_with_pkce_gives_working_tokens(sim_http) -> None:
    tokens = await authorization_code_flow(sim_http)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 600  # sim_config
    assert tokens["scope"] == ALL_SCOPES and tokens["refresh_token"]
    me = await sim_http.get("/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.json()["name"] == "Demo Label"


async def test_code_exchange_checks_verifier_and_is_single_use(sim_http) -> None:
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge)
    code = redirect_params(
        await sim_http.post("oauth/authorize", data={**params, "decision": "approve"})
    )["code"]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
    }
    wrong = await sim_http.post("oauth/token", data={**exchange, "code_verifier": "x" * 50})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    good = await sim_http.post("oauth/token", data={**exchange, "code_verifier": verifier})
    assert good.status_code == 200
    again = await sim_http.post("oauth/token", data={**exchange, "code_verifier": verifier})
    assert again.json()["error"] == "invalid_grant"
    # A replayed code revokes what it issued (RFC 6749 §4.1.2).
    me = await sim_http.get("/me", headers=bearer(good.json()["access_token"]))
    assert me.status_code == 401


async def test_authorize_rejects_missing_pkce_and_denial(sim_http) -> None:
    params = authorize_params("unused")
    no_pkce = {k: v for k, v in params.items() if not k.startswith("code_challenge")}
    got = redirect_params(await sim_http.get("oauth/authorize", params=no_pkce))
    assert got["error"] == "invalid_request" and got["state"] == "st-1"
    denied = redirect_params(
        await sim_http.post("oauth/authorize", data={**params, "decision": "deny"})
    )
    assert denied["error"] == "access_denied"
    evil = await sim_http.get(
        "oauth/authorize", params={**params, "redirect_uri": "https://evil.example/cb"}
    )
    assert evil.status_code == 400  # never redirect to an unregistered URI


async def test_refresh_rotates_and_old_refresh_token_is_rejected(sim_http) -> None:
    first = await authorization_code_flow(sim_http)
    rotated = await refresh(sim_http, first["refresh_token"])
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    replay = await refresh(sim_http, first["refresh_token"])
    assert replay.status_code == 400
    assert replay.json() == {
        "error": "invalid_grant",
        "error_description": "refresh token was already used",
    }
    assert replay.headers["cache-control"] == "no-store"
    # Reuse of a rotated token ends the whole grant: the newest pair is dead too.
    assert (await refresh(sim_http, second["refresh_token"])).json()["error"] == "invalid_grant"
    me = await sim_http.get("/me", headers=bearer(second["access_token"]))
    assert me.status_code == 401


async def test_no_refresh_token_without_offline_access(sim_http) -> None:
    tokens = await authorization_code_flow(sim_http, scope="projects:read")
    assert "refresh_token" not in tokens


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(projects=5, auto_approve_device=False, access_token_ttl=600)


async def test_device_flow_pending_slow_down_approve(sim_http, simulator) -> None:
    clock = ManualClock()
    simulator.set_clock(clock)
    start = await sim_http.post(
        "oauth/device/code", data={"client_id": CLIENT_ID, "scope": ALL_SCOPES}
    )
    device = start.json()
    assert device["verification_uri"].endswith("/v1/oauth/device")
    poll = {
        "grant_type": DEVICE_GRANT,
        "device_code": device["device_code"],
        "client_id": CLIENT_ID,
    }
    pending = await sim_http.post("oauth/token", data=poll)
    assert pending.json()["error"] == "authorization_pending"
    too_fast = await sim_http.post("oauth/token", data=poll)
    assert too_fast.json()["error"] == "slow_down"
    # The user approves on the verification page.
    page = await sim_http.get("oauth/device", params={"user_code": device["user_code"]})
    assert device["user_code"] in page.text
    approved = await sim_http.post(
        "oauth/device", data={"user_code": device["user_code"], "decision": "approve"}
    )
    assert approved.status_code == 200
    clock.advance(device["interval"] + 5)
    done = await sim_http.post("oauth/token", data=poll)
    assert done.status_code == 200 and done.json()["expires_in"] == 600
    reused = await sim_http.post("oauth/token", data=poll)
    assert reused.json()["error"] == "invalid_grant"


async def test_device_flow_denied_and_expired(sim_http, simulator) -> None:
    clock = ManualClock()
    simulator.set_clock(clock)
    codes = []
    for _ in range(2):
        r = await sim_http.post("oauth/device/code", data={"client_id": CLIENT_ID})
        codes.append(r.json())
    assert simulator.deny_device(codes[0]["user_code"])
    denied = await sim_http.post(
        "oauth/token",
        data={
            "grant_type": DEVICE_GRANT,
            "device_code": codes[0]["device_code"],
            "client_id": CLIENT_ID,
        },
    )
    assert denied.json()["error"] == "access_denied"
    clock.advance(codes[1]["expires_in"] + 1)
    expired = await sim_http.post(
        "oauth/token",
        data={
            "grant_type": DEVICE_GRANT,
            "device_code": codes[1]["device_code"],
            "client_id": CLIENT_ID,
        },
    )
    assert expired.json()["error"] == "expired_token"


async def test_access_token_expires_with_the_clock(sim_http, simulator) -> None:
    clock = ManualClock()
    simulator.set_clock(clock)
    token = simulator.issue_token().access_token
    assert (await sim_http.get("/me", headers=bearer(token))).status_code == 200
    clock.advance(600)
    expired = await sim_http.get("/me", headers=bearer(token))
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"] == (
        'Bearer realm="session-studio", error="invalid_token", '
        'error_description="The access token expired"'
    )
    assert expired.headers["content-type"] == "application/problem+json"


async def test_revocation_endpoint_and_revoke_all(sim_http, simulator) -> None:
    tokens = simulator.issue_token()
    ok = await sim_http.post(
        "oauth/revoke", data={"token": tokens.refresh_token, "client_id": CLIENT_ID}
    )
    assert ok.status_code == 200
    # Revoking the refresh token takes its access token with it.
    assert (await sim_http.get("/me", headers=bearer(tokens.access_token))).status_code == 401
    unknown = await sim_http.post("oauth/revoke", data={"token": "nope", "client_id": CLIENT_ID})
    assert unknown.status_code == 200  # RFC 7009 §2.2
    personal = simulator.personal_token()
    assert (await sim_http.get("/me", headers=bearer(personal))).status_code == 200
    assert simulator.revoke_all_tokens() >= 1
    assert (await sim_http.get("/me", headers=bearer(personal))).status_code == 401


async def test_token_endpoint_errors_follow_rfc_6749(sim_http) -> None:
    unknown = await sim_http.post(
        "oauth/token", data={"grant_type": "password", "client_id": CLIENT_ID}
    )
    assert unknown.json()["error"] == "unsupported_grant_type"
    bad_client = await sim_http.post(
        "oauth/token", data={"grant_type": "refresh_token", "client_id": "someone"}
    )
    assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"
    bad_scope = await sim_http.post(
        "oauth/device/code", data={"client_id": CLIENT_ID, "scope": "admin"}
    )
    assert bad_scope.json()["error"] == "invalid_scope"


async def test_confidential_client_needs_its_secret() -> None:
    from ss_tui.simulator import create_app

    app = create_app(SimulatorConfig(projects=2, client_secret="s3cret"))
    tokens = app.state.simulator.issue_token()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim/v1/") as http:
        form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        basic_wrong = await http.post("oauth/token", data=form, auth=(CLIENT_ID, "wrong"))
        assert basic_wrong.status_code == 401
        assert basic_wrong.headers["www-authenticate"].startswith("Basic")
        basic_ok = await http.post("oauth/token", data=form, auth=(CLIENT_ID, "s3cret"))
        assert basic_ok.status_code == 200


@pytest.mark.parametrize(
    ("path", "scopes", "needed"),
    [
        ("/projects", "tracks:read credits:read", "projects:read"),
        ("/projects?include=tracks", "projects:read", "projects:read tracks:read"),
        ("/search/artists?q=a", "projects:read tracks:read", "credits:read"),
        ("/search/tracks?q=a", "projects:read", "tracks:read"),
    ],
)
async def test_scopes_are_enforced_per_endpoint(sim_http, simulator, path, scopes, needed):
    token = simulator.issue_token(scopes).access_token
    response = await sim_http.get(path, headers=bearer(token))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert f'scope="{needed}"' in response.headers["www-authenticate"]
    assert response.json()["status"] == 403


async def test_credits_are_hidden_without_credits_scope(sim_http, simulator) -> None:
    tid = next(iter(simulator.catalogue.tracks))
    narrow = simulator.issue_token("tracks:read").access_token
    full = simulator.issue_token().access_token
    hidden = (await sim_http.get(f"/tracks/{tid}", headers=bearer(narrow))).json()
    shown = (await sim_http.get(f"/tracks/{tid}", headers=bearer(full))).json()
    assert hidden["collaborators"] == [] and hidden["splits"] == []
    assert shown["collaborators"]


async def test_missing_token_gets_a_bare_bearer_challenge(sim_http) -> None:
    response = await sim_http.get("/projects")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="session-studio"'
