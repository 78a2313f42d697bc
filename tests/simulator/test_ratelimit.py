"""Per-token rate limits: headers on every response, 429 + Retry-After past the budget."""

from __future__ import annotations

import httpx
import pytest

from ss_tui.simulator import ManualClock, SimulatorConfig
from tests.simulator.helpers import bearer


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(projects=5, rate_limit=3, rate_window_s=10)


async def test_headers_count_down_then_429_with_retry_after(sim_http, simulator) -> None:
    clock = ManualClock()
    simulator.set_clock(clock)
    token = simulator.issue_token().access_token
    remaining = []
    for _ in range(3):
        response = await sim_http.get("/me", headers=bearer(token))
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "3"
        assert response.headers["x-ratelimit-reset"] == "10"
        remaining.append(response.headers["x-ratelimit-remaining"])
    assert remaining == ["2", "1", "0"]
    clock.advance(4)
    limited = await sim_http.get("/me", headers=bearer(token))
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "6"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.json()["type"].endswith("/rate-limited")
    # Another token has its own budget.
    other = simulator.issue_token().access_token
    assert (await sim_http.get("/me", headers=bearer(other))).status_code == 200
    clock.advance(6)
    again = await sim_http.get("/me", headers=bearer(token))
    assert again.status_code == 200 and again.headers["x-ratelimit-remaining"] == "2"
    assert simulator.rate_limited_count == 1


async def test_errors_and_oauth_responses_carry_rate_headers(sim_http) -> None:
    unauthorized = await sim_http.get("/projects")
    token_error = await sim_http.post(
        "oauth/token", data={"grant_type": "x", "client_id": "ss-tui-demo"}
    )
    for response in (unauthorized, token_error):
        assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(
            response.headers
        )


async def test_rate_limit_over_loopback(live_simulator) -> None:
    sim = live_simulator.simulator
    token = sim.issue_token().access_token
    async with httpx.AsyncClient(base_url=live_simulator.base_url, headers=bearer(token)) as http:
        statuses = [(await http.get("/me")).status_code for _ in range(4)]
        last = await http.get("/me")
    assert statuses == [200, 200, 200, 429]
    assert last.status_code == 429 and 1 <= int(last.headers["retry-after"]) <= 10
