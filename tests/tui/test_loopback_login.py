"""Browser login from the Connect screen: authorization code + PKCE with a one-shot loopback
redirect on 127.0.0.1, the user's browser played by the test over real HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from ss_tui.tui.screenshots import settle
from tests.tui.conftest import SIZE
from tests.tui.helpers import screen_text


async def _approve_in_browser(sim_app: Any, authorize_url: str) -> httpx.Response:
    """Load the consent page, approve, and follow the redirect to the loopback listener."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim_app),
                                 base_url="http://sim/v1") as sim:
        page = await sim.get(authorize_url)
        assert page.status_code == 200 and "<form" in page.text
        form = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        decision = await sim.post("http://sim/v1/oauth/authorize",
                                  data=form | {"decision": "approve", "approve": "1"})
    assert decision.status_code in (302, 303), decision.text
    location = decision.headers["location"]
    assert location.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient() as browser:  # a real request to the app's listener
        return await browser.get(location)


async def test_browser_login_connects_the_account(story_app, sim_app, simulator) -> None:
    app = story_app()
    opened: list[str] = []
    app.open_url = lambda url, **_kw: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        for _ in range(50):  # the listener starts in a worker; wait for the URL it opens
            if opened:
                break
            await pilot.pause(0.02)
        assert opened, "the app did not open the authorization URL"
        url = opened[0]
        query = parse_qs(urlsplit(url).query)
        assert query["code_challenge_method"] == ["S256"]
        assert "Open this URL in your browser" in screen_text(app)

        landing = await _approve_in_browser(sim_app, url)
        assert landing.status_code == 200
        for _ in range(50):
            await settle(pilot)
            if "Demo Label" in screen_text(app):
                break
        assert "Demo Label" in screen_text(app)
        assert await story_app.store.get(simulator.demo_account_id) is not None
        assert "access_token" not in screen_text(app)
