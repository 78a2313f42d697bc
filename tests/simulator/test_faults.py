"""Fault injection: per request (header, queue, admin) and per run (seeded shares)."""

from __future__ import annotations

import httpx
import pytest

from ss_tui.simulator import FaultConfig, SimulatorConfig, create_app
from ss_tui.simulator.http import SimulatedConnectionReset
from tests.simulator.helpers import bearer


@pytest.fixture
def token(simulator) -> str:
    return simulator.issue_token().access_token


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_problem_json(sim_http, token, status) -> None:
    response = await sim_http.get(
        "/projects", headers={**bearer(token), "X-Simulator-Fault": str(status)}
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


async def test_injected_429_has_retry_after(sim_http, simulator, token) -> None:
    simulator.set_faults(FaultConfig(retry_after_s=7))
    response = await sim_http.get(
        "/projects", headers={**bearer(token), "X-Simulator-Fault": "429"}
    )
    assert response.status_code == 429 and response.headers["retry-after"] == "7"


async def test_malformed_json(sim_http, token) -> None:
    response = await sim_http.get(
        "/projects", headers={**bearer(token), "X-Simulator-Fault": "malformed"}
    )
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


async def test_reset_in_process_raises_a_transport_error(sim_http, token) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        await sim_http.get("/projects", headers={**bearer(token), "X-Simulator-Fault": "reset"})
    assert issubclass(SimulatedConnectionReset, httpx.TransportError)


async def test_revoke_fault_revokes_the_calling_token(sim_http, token) -> None:
    response = await sim_http.get("/me", headers={**bearer(token), "X-Simulator-Fault": "revoke"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert (await sim_http.get("/me", headers=bearer(token))).status_code == 401


async def test_queued_faults_hit_the_next_requests_in_order(sim_http, simulator, token) -> None:
    simulator.queue_faults("503", "429")
    statuses = [(await sim_http.get("/me", headers=bearer(token))).status_code for _ in range(3)]
    assert statuses == [503, 429, 200]
    assert simulator.stats.faults == {"503": 1, "429": 1}


async def test_revoke_after_n_requests(sim_http, simulator, token) -> None:
    simulator.set_faults(FaultConfig(revoke_after_requests=2))
    statuses = [(await sim_http.get("/me", headers=bearer(token))).status_code for _ in range(3)]
    assert statuses == [200, 200, 401]


async def _statuses(config: FaultConfig, n: int = 60) -> list[int]:
    app = create_app(SimulatorConfig(projects=3, faults=config))
    token = app.state.simulator.issue_token().access_token
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim/v1") as http:
        return [(await http.get("/me", headers=bearer(token))).status_code for _ in range(n)]


async def test_fault_shares_are_reproducible_from_the_seed() -> None:
    config = FaultConfig(error_share=0.3, rate_limit_share=0.2, malformed_share=0.0, seed=5)
    first = await _statuses(config)
    assert first == await _statuses(config)
    assert first != await _statuses(config.with_changes(seed=6))
    assert {200, 429} <= set(first) and set(first) & {500, 502, 503}


async def test_oauth_is_spared_by_run_faults_unless_asked(sim_http, simulator) -> None:
    simulator.set_faults(FaultConfig(error_share=1.0))
    form = {"grant_type": "x", "client_id": "ss-tui-demo"}
    assert (await sim_http.post("oauth/token", data=form)).status_code == 400
    simulator.set_faults(FaultConfig(error_share=1.0, include_oauth=True))
    assert (await sim_http.post("oauth/token", data=form)).status_code >= 500


async def test_admin_endpoints_set_faults_and_are_loopback_only(sim_app, token) -> None:
    transport = httpx.ASGITransport(app=sim_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        put = await http.put("/_sim/faults", json={"error_share": 1.0, "seed": 1})
        assert put.status_code == 200 and put.json()["error_share"] == 1.0
        assert (await http.get("/v1/me", headers=bearer(token))).status_code >= 500
        bad = await http.put("/_sim/faults", json={"nonsense": 1})
        assert bad.status_code == 400
        queued = await http.post("/_sim/faults/queue", json={"faults": ["502"]})
        assert queued.json() == {"queued": ["502"]}
    remote = httpx.ASGITransport(app=sim_app, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=remote, base_url="http://sim") as http:
        assert (await http.get("/_sim/state")).status_code == 403


def test_fault_spec_parsing() -> None:
    parsed = FaultConfig.parse(
        "error_share=0.1, latency-ms=25,include_oauth=true,revoke_after_requests=none"
    )
    assert parsed == FaultConfig(error_share=0.1, latency_ms=25, include_oauth=True)
    with pytest.raises(ValueError):
        FaultConfig.parse("bogus=1")


async def test_latency_is_applied(sim_http, simulator, token, monkeypatch) -> None:
    slept: list[float] = []
    import asyncio

    real_sleep = asyncio.sleep

    async def record(delay: float, *args, **kwargs):
        slept.append(delay)
        await real_sleep(0)

    monkeypatch.setattr("ss_tui.simulator.http.asyncio.sleep", record)
    simulator.set_faults(FaultConfig(latency_ms=250))
    assert (await sim_http.get("/me", headers=bearer(token))).status_code == 200
    assert slept == [0.25]


async def test_timeout_and_reset_over_real_loopback(live_simulator) -> None:
    sim = live_simulator.simulator
    token = sim.issue_token().access_token
    async with httpx.AsyncClient(
        base_url=live_simulator.base_url, headers=bearer(token), timeout=0.5
    ) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/projects", headers={"X-Simulator-Fault": "timeout"})
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/projects", headers={"X-Simulator-Fault": "reset"})
        sim.queue_faults("malformed")
        broken = await http.get("/projects")
        assert broken.status_code == 200
        with pytest.raises(ValueError):
            broken.json()
        # The service is still healthy afterwards.
        assert (await http.get("/projects")).status_code == 200
