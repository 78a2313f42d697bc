"""The client over real loopback HTTP against a served simulator (uvicorn in a thread)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import httpx
import pytest

from ss_tui.sessionstudio.auth import OAuthClient, TokenManager
from ss_tui.sessionstudio.client import SessionStudioClient
from ss_tui.sessionstudio.errors import ReconnectNeeded, TransientError
from ss_tui.sessionstudio.models import Project
from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet
from ss_tui.simulator import FaultConfig, SimulatorConfig
from ss_tui.simulator.server import start_live_simulator


async def no_wait(_seconds: float) -> None:
    """Backoff and device polling without real waiting (the server's clock is real)."""
    await asyncio.sleep(0)


class RecordingStore(MemoryTokenStore):
    """Remembers every token set ever saved, so tests can look for leaks."""

    def __init__(self) -> None:
        super().__init__()
        self.history: list[TokenSet] = []

    async def set(self, account_key: str, tokens: TokenSet) -> None:
        self.history.append(tokens)
        await super().set(account_key, tokens)


async def test_device_flow_and_catalogue_with_faults_over_loopback():
    faults = FaultConfig(error_share=0.1, timeout_share=0.02, reset_share=0.02, hang_s=3, seed=11)
    config = SimulatorConfig(projects=120, faults=faults)
    with start_live_simulator(config) as live:
        async with OAuthClient(live.base_url, config.client_id, sleep=no_wait) as oauth:
            device = await oauth.start_device_flow()
            tokens = await oauth.poll_device_flow(device)
            manager = TokenManager(oauth, MemoryTokenStore(), "demo")
            await manager.save(tokens)
            fetched: Counter[str] = Counter()
            async with SessionStudioClient(
                live.base_url, manager, timeout=0.5, sleep=no_wait
            ) as client:
                live.simulator.queue_faults("timeout", "reset")  # the first page's first tries
                cursor = None
                for _ in range(5):  # resume from the last good page, as the engine does
                    try:
                        async for page in client.iter_project_pages(limit=10, cursor=cursor):
                            fetched.update(r.id for r in page.results if isinstance(r, Project))
                            cursor = page.next_cursor
                        break
                    except TransientError:
                        continue
                metrics = client.metrics.snapshot()
        sim = live.simulator
        assert set(fetched) == set(sim.catalogue.project_ids(sim.demo_account_id))
        assert set(fetched.values()) == {1}
        assert sim.stats.faults["timeout"] and sim.stats.faults["reset"]
        assert metrics["retries"] > 0 and metrics["latency_p50_ms"] is not None


async def test_pacing_over_loopback_draws_at_most_one_429():
    rate = 20
    config = SimulatorConfig(projects=50, rate_limit=rate, rate_window_s=1)
    with start_live_simulator(config) as live:
        sim = live.simulator
        store = MemoryTokenStore()
        manager = TokenManager(None, store, "demo")
        await manager.save(TokenSet.from_response(sim.issue_token()))
        ids = sim.catalogue.project_ids(sim.demo_account_id)
        async with SessionStudioClient(live.base_url, manager, max_concurrency=8) as client:
            await asyncio.gather(*(client.get_project(i) for i in ids))
            requests = client.metrics.requests
    assert sim.stats.rate_limited <= 1
    assert requests <= len(ids) + 1  # N requests (plus the one retry a 429 costs)


async def test_no_token_text_in_logs_during_a_full_flow(caplog):
    config = SimulatorConfig(projects=15, client_secret="cs-very-secret-123456")
    caplog.set_level(logging.DEBUG)  # everything, including httpx/httpcore internals
    with start_live_simulator(config) as live:
        sim = live.simulator
        store = RecordingStore()
        async with OAuthClient(
            live.base_url, config.client_id, config.client_secret, sleep=no_wait
        ) as oauth:
            device = await oauth.start_device_flow()
            manager = TokenManager(oauth, store, "demo")
            await manager.save(await oauth.poll_device_flow(device))
            async with SessionStudioClient(live.base_url, manager, sleep=no_wait) as client:
                [p async for p in client.iter_projects(limit=5)]
                sim.queue_faults("revoke")  # the access token dies mid-run: 401, refresh, replay
                await client.me()
                assert manager.refreshes == 1
                logging.getLogger("test").info("state: %r %s", manager, await store.get("demo"))
                sim.revoke_all_tokens()
                sim.queue_faults("revoke")
                with pytest.raises(ReconnectNeeded) as err:
                    await client.me()
                logging.getLogger("test").error("failed: %s / %r", err.value, err.value)
                # even code that carelessly logs a token has it masked
                careless = (await store.get("demo")).access_token
                logging.getLogger("somelib").debug("Authorization: Bearer %s", careless)
            personal = sim.personal_token()
            await manager.save(oauth.token_from_personal(personal))
            await manager.disconnect()
    secrets = {config.client_secret, device.device_code, personal}
    for tokens in store.history:
        secrets |= {tokens.access_token, tokens.refresh_token} - {None}
    assert len(secrets) >= 6
    text = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    assert "HTTP Request" in text  # httpx did log every request …
    for secret in secrets:
        assert secret not in text  # … and no token, code or secret anywhere


async def test_injected_http_client_is_shared_and_left_open():
    config = SimulatorConfig(projects=3)
    with start_live_simulator(config) as live:
        manager = TokenManager(None, MemoryTokenStore(), "demo")
        await manager.save(TokenSet.from_response(live.simulator.issue_token()))
        async with httpx.AsyncClient() as http:
            async with SessionStudioClient(live.base_url, manager, http=http) as client:
                await client.me()
            assert not http.is_closed  # the owner closes it, not the API client
