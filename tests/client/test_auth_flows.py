"""Each way of connecting an account, against the simulator's real OAuth endpoints."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ss_tui.sessionstudio.auth import TokenManager
from ss_tui.sessionstudio.errors import (
    AuthError,
    AuthorizationDenied,
    AuthorizationExpired,
    ReconnectNeeded,
)
from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.client import open_kit


async def test_device_flow_polls_at_the_servers_pace(vtime):
    config = SimulatorConfig(projects=3, auto_approve_device=False, device_interval=5)
    async with open_kit(config, vtime) as kit:
        device = await kit.oauth.start_device_flow()
        assert device.user_code and device.verification_uri.endswith("/oauth/device")
        polling = asyncio.ensure_future(kit.oauth.poll_device_flow(device))
        await vtime.until_sleeps(3)  # the user takes a few polls to approve
        assert kit.sim.approve_device(device.user_code)
        tokens = await asyncio.wait_for(polling, 5)
        assert set(vtime.sleeps) == {5}  # never faster than the interval the server gave
        assert tokens.refresh_token and tokens.expires_at is not None
        await kit.manager.save(tokens)
        async with kit.client() as client:
            assert (await client.me()).id == kit.sim.demo_account_id


async def test_device_flow_backs_off_on_slow_down(vtime):
    config = SimulatorConfig(projects=3, auto_approve_device=False, device_interval=5)
    async with open_kit(config, vtime) as kit:
        device = await kit.oauth.start_device_flow()
        device.interval = 2  # a client that polls too fast is told to slow down
        polling = asyncio.ensure_future(kit.oauth.poll_device_flow(device))
        await vtime.until_sleeps(4)
        kit.sim.deny_device(device.user_code)
        with pytest.raises(AuthorizationDenied):
            await asyncio.wait_for(polling, 5)
        assert vtime.sleeps[:4] == [2, 2, 7, 12]  # +5 s after each slow_down


async def test_device_flow_denied_and_expired(vtime):
    config = SimulatorConfig(projects=3, auto_approve_device=False, device_code_ttl=30)
    async with open_kit(config, vtime) as kit:
        device = await kit.oauth.start_device_flow()
        kit.sim.deny_device(device.user_code)
        with pytest.raises(AuthorizationDenied, match="declined"):
            await kit.oauth.poll_device_flow(device)
        device = await kit.oauth.start_device_flow()
        with pytest.raises(AuthorizationExpired, match="expired"):
            await kit.oauth.poll_device_flow(device)  # nobody approves


async def _follow_to_loopback(kit, authorize_url: str) -> httpx.Response:
    """Be the browser: load the consent page, approve, follow the redirect to 127.0.0.1."""
    page = await kit.http.get(authorize_url)
    assert page.status_code == 200 and "<form" in page.text
    query = parse_qs(urlsplit(authorize_url).query)
    form = {k: v[0] for k, v in query.items()} | {"decision": "approve", "approve": "1"}
    decision = await kit.http.post(f"{kit.base_url}/oauth/authorize", data=form)
    assert decision.status_code in (302, 303), decision.text
    location = decision.headers["location"]
    assert location.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient() as browser:  # a real HTTP request to the listener
        return await browser.get(location)


async def test_authorization_code_with_pkce_and_loopback_redirect(vtime):
    async with open_kit(SimulatorConfig(projects=3), vtime) as kit:
        flow = await kit.oauth.begin_loopback()
        query = parse_qs(urlsplit(flow.authorize_url).query)
        assert query["code_challenge_method"] == ["S256"]
        assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
        landing = await _follow_to_loopback(kit, flow.authorize_url)
        assert landing.status_code == 200 and "Connected" in landing.text
        tokens = await asyncio.wait_for(flow.wait(), 5)
        assert tokens.refresh_token
        # one shot: the listener is gone
        with pytest.raises(httpx.ConnectError):
            async with httpx.AsyncClient() as browser:
                await browser.get(flow.redirect_uri)


async def test_authorize_with_loopback_drives_the_browser_callback(vtime):
    async with open_kit(SimulatorConfig(projects=3), vtime) as kit:
        opened: list[asyncio.Future] = []

        async def browser(url: str) -> None:
            opened.append(asyncio.ensure_future(_follow_to_loopback(kit, url)))

        tokens = await kit.oauth.authorize_with_loopback(open_browser=False, on_url=browser)
        assert tokens.access_token
        assert "Connected" in (await opened[0]).text


async def test_loopback_rejects_a_forged_state(vtime):
    async with open_kit(SimulatorConfig(projects=3), vtime) as kit:
        flow = await kit.oauth.begin_loopback()
        with pytest.raises(AuthError, match="state"):
            await flow.complete_with_redirect(f"{flow.redirect_uri}?code=abc&state=forged")


async def test_personal_token_reads_but_cannot_refresh(vtime):
    async with open_kit(SimulatorConfig(projects=3), vtime) as kit:
        personal = kit.sim.personal_token()
        await kit.manager.save(kit.oauth.token_from_personal(f"  {personal}\n"))
        async with kit.client() as client:
            assert (await client.me()).id == kit.sim.demo_account_id
            kit.sim.revoke_all_tokens()
            with pytest.raises(ReconnectNeeded):
                await client.me()


async def test_refresh_rotates_and_saves_the_new_refresh_token(kit):
    first = await kit.connect()
    kit.vtime.advance(3600 - 30)  # within the 60 s refresh margin
    async with kit.client() as client:
        await client.me()
    saved = await kit.store.get("demo")
    assert saved.access_token != first.access_token
    assert saved.refresh_token != first.refresh_token  # rotated, and persisted
    # the old refresh token is single-use: replaying it means reconnecting
    with pytest.raises(ReconnectNeeded):
        await kit.oauth.refresh(first)


async def test_revoke_and_missing_account(kit):
    tokens = await kit.connect()
    await kit.manager.disconnect()
    assert await kit.store.get("demo") is None
    with pytest.raises(ReconnectNeeded, match="connected"):
        await kit.manager.access_token()
    with pytest.raises(ReconnectNeeded):
        await kit.oauth.refresh(tokens)  # revoked at the server too
    lonely = TokenManager(kit.oauth, MemoryTokenStore(), "nobody")
    with pytest.raises(ReconnectNeeded, match="No Session Studio account"):
        await lonely.access_token()


async def test_two_workers_sharing_a_store_do_not_burn_the_refresh_token(kit):
    await kit.connect()
    other = TokenManager(kit.oauth, kit.store, "demo", now=kit.manager._now)
    stale = await other.access_token()  # the second worker has the token cached
    kit.vtime.advance(3600)
    await kit.manager.access_token()  # the first worker refreshes (rotating the refresh token)
    fresh = await other.handle_unauthorized(stale)  # the second one sees a 401 later
    assert fresh == (await kit.store.get("demo")).access_token
    assert kit.manager.refreshes == 1 and other.refreshes == 0


async def test_workers_on_a_shared_database_store_refresh_once_at_the_same_moment(
    kit, db_engine
):
    """Two workers (own store objects, own connections) find the token expiring at the
    same moment. The second asks while the first is mid-refresh: it must wait on the stored
    row and then use the rotated token. Spending the single-use refresh token twice would
    have one of them told to reconnect."""
    from cryptography.fernet import Fernet

    from ss_tui.sessionstudio.tokens import DatabaseTokenStore

    key = Fernet.generate_key().decode()
    second = TokenManager(kit.oauth, DatabaseTokenStore(db_engine, key), "demo",
                          now=kit.manager._now)

    class LetsTheOtherWorkerIn:
        """The first worker's OAuth client: as its refresh starts, the second worker asks
        for a token and gets every chance to run before the refresh goes out."""

        other: asyncio.Future[str]

        async def refresh(self, tokens: TokenSet) -> TokenSet:
            self.other = asyncio.ensure_future(second.access_token())
            await asyncio.wait({self.other}, timeout=0.5)  # its turn, not a timing check
            return await kit.oauth.refresh(tokens)

    oauth = LetsTheOtherWorkerIn()
    first = TokenManager(oauth, DatabaseTokenStore(db_engine, key), "demo",  # type: ignore[arg-type]
                         now=kit.manager._now)
    await first.save(TokenSet.from_response(kit.sim.issue_token(), now=kit.manager._now()))
    kit.vtime.advance(3600 - 10)  # inside both workers' refresh margin

    token = await first.access_token()
    assert await oauth.other == token
    assert (first.refreshes, second.refreshes) == (1, 0)
    assert (await DatabaseTokenStore(db_engine, key).get("demo")).access_token == token
