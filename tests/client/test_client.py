"""The API client against the in-process simulator: endpoints, ETags, refresh, faults,
lenient parsing, circuit breaker, pacing."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest

from ss_tui.sessionstudio.errors import (
    CircuitOpenError,
    ItemValidationProblem,
    NotFound,
    RateLimitedError,
    ReconnectNeeded,
    TransientError,
)
from ss_tui.sessionstudio.events import CircuitStateChanged, RateLimited
from ss_tui.sessionstudio.models import Project
from ss_tui.simulator import FaultConfig, SimulatorConfig
from tests.fixtures.client import open_kit


def demo_malformed(sim) -> set[str]:
    """Malformed items (projects or tracks) of the account the tests connect as."""
    cat = sim.catalogue
    mine = set(cat.project_ids(sim.demo_account_id))
    return {
        i for i in cat.malformed_items
        if i in mine or (i in cat.tracks and cat.tracks[i].get("projectId") in mine)
    }


async def test_every_endpoint_returns_typed_models(kit):
    await kit.connect()
    async with kit.client() as client:
        account = await client.me()
        assert account.id == kit.sim.demo_account_id and "tracks:read" in account.scopes
        projects = [p async for p in client.iter_projects(limit=7)]
        expected = kit.sim.catalogue.project_ids(kit.sim.demo_account_id)
        assert [p.id for p in projects] == list(expected)
        first = projects[0]
        assert isinstance(first, Project) and first.tracks
        detail = await client.get_project(first.id)
        assert detail.title == first.title and len(detail.tracks) == len(first.tracks)
        tracks = await client.project_tracks(first.id)
        assert [t.id for t in tracks] == [t.id for t in first.tracks]
        track = await client.get_track(first.tracks[0].id)
        assert track.isrc == first.tracks[0].isrc
        artists = await client.search_artists(first.artist_name.split()[0])
        assert any(a.id == first.artist_id for a in artists)
        found = await client.search_tracks(first.tracks[0].title)
        assert any(t.id == first.tracks[0].id for t in found)
        no_tracks = [p async for p in client.iter_projects(include_tracks=False, status="released")]
        assert no_tracks and all(p.tracks is None and p.status == "released" for p in no_tracks)
        with pytest.raises(NotFound, match="prj_nope"):
            await client.get_project("prj_nope")


async def test_etag_revalidation_serves_304_from_cache(kit):
    await kit.connect()
    pid = kit.sim.catalogue.project_ids(kit.sim.demo_account_id)[0]
    async with kit.client() as client:
        first = await client.get_project(pid)
        again = await client.get_project(pid)
        assert again == first
        assert client.metrics.not_modified == 1 and kit.sim.stats.not_modified == 1
        kit.sim.edit_project(pid, title="Renamed upstream")
        changed = await client.get_project(pid)
        assert changed.title == "Renamed upstream"


async def test_expiry_mid_catalogue_refreshes_once_and_loses_nothing(vtime):
    config = SimulatorConfig(projects=60, access_token_ttl=600)
    async with open_kit(config, vtime) as kit:
        await kit.connect()
        # The manager's clock lags the server's, so it believes the token is still
        # fresh: Session Studio's 401 is the only signal.
        kit.manager._now = lambda: datetime.fromtimestamp(vtime.start, UTC)
        seen: list[str] = []
        async with kit.client() as client:
            async for page in client.iter_project_pages(limit=10):
                seen += [p.id for p in page.results]
                if len(seen) == 30:
                    vtime.advance(601)  # the access token expires between pages
            assert client.metrics.by_status[401] == 1
        assert seen == list(kit.sim.catalogue.project_ids(kit.sim.demo_account_id))
        assert kit.manager.refreshes == 1
        tokens_requests = [p for _, p in kit.sent if p.endswith("/oauth/token")]
        assert len(tokens_requests) == 1


async def test_revoked_refresh_token_raises_reconnect_without_retrying(vtime):
    async with open_kit(SimulatorConfig(projects=5), vtime) as kit:
        await kit.connect()
        kit.sim.revoke_all_tokens()
        before = len(kit.sent)
        async with kit.client() as client:
            with pytest.raises(ReconnectNeeded) as err:
                [p async for p in client.iter_projects()]
            assert client.metrics.retries == 0
        paths = [p for _, p in kit.sent[before:]]
        assert paths == ["/v1/projects", "/v1/oauth/token"]  # one try, one refresh, no loop
        assert err.value.kind == "auth" and "connected again" in str(err.value)
        assert vtime.sleeps == []


async def test_concurrent_401s_share_one_refresh(vtime):
    async with open_kit(SimulatorConfig(projects=20, access_token_ttl=600), vtime) as kit:
        await kit.connect()
        kit.manager._now = lambda: datetime.fromtimestamp(vtime.start, UTC)
        ids = kit.sim.catalogue.project_ids(kit.sim.demo_account_id)
        async with kit.client(max_concurrency=8) as client:
            await client.me()  # learn the budget first
            vtime.advance(601)
            projects = await asyncio.gather(*(client.get_project(i) for i in ids))
        assert [p.id for p in projects] == list(ids)
        assert kit.manager.refreshes == 1


async def test_fault_mix_over_500_projects_fetches_each_valid_project_once(vtime):
    faults = FaultConfig(
        error_share=0.10, rate_limit_share=0.05, timeout_share=0.02, hang_s=5, seed=7
    )
    config = SimulatorConfig(projects=500, bad_data_share=0.04, faults=faults)
    async with open_kit(config, vtime) as kit:
        await kit.connect()
        fetched: Counter[str] = Counter()
        problems: list[ItemValidationProblem] = []
        cursor, resumes = None, 0
        async with kit.client(timeout=0.05) as client:
            while True:  # the engine's loop: resume from the last good cursor on failure
                try:
                    async for page in client.iter_project_pages(limit=20, cursor=cursor):
                        for r in page.results:
                            if isinstance(r, Project):
                                fetched[r.id] += 1
                            else:
                                problems.append(r)
                        cursor = page.next_cursor
                    break
                except TransientError:
                    resumes += 1
            metrics = client.metrics
        cat = kit.sim.catalogue
        bad_projects = {i for i in cat.malformed_items if i in cat.projects}
        valid = set(cat.project_ids(kit.sim.demo_account_id)) - bad_projects
        assert set(fetched) == valid and set(fetched.values()) == {1}
        assert {p.external_id for p in problems} == demo_malformed(kit.sim)
        stats = kit.sim.stats.faults
        assert stats["timeout"] and stats["429"] and sum(stats[c] for c in ("500", "502", "503"))
        assert metrics.retries >= sum(stats.values()) - 3 * resumes
        assert resumes <= 2


async def test_malformed_items_arrive_as_problems_next_to_their_page_mates(vtime):
    config = SimulatorConfig(projects=80, bad_data_share=0.5, seed=3)
    async with open_kit(config, vtime) as kit:
        await kit.connect()
        async with kit.client() as client:
            results = [r async for r in client.iter_projects(limit=100)]
    cat = kit.sim.catalogue
    problems = {r.external_id: r for r in results if isinstance(r, ItemValidationProblem)}
    assert set(problems) == demo_malformed(kit.sim) and problems
    for item_id, problem in problems.items():
        raw = cat.projects.get(item_id) or cat.tracks[item_id]
        assert problem.payload["id"] == item_id and problem.errors
        if item_id in cat.tracks:  # a bad track: its project and siblings still arrive
            assert problem.entity == "track" and problem.payload == raw
            parent = next(
                r for r in results if isinstance(r, Project) and r.id == problem.parent_id
            )
            assert item_id not in {t.id for t in parent.tracks}
            assert len(parent.tracks) == len(cat.project_tracks[parent.id]) - sum(
                1 for t in cat.project_tracks[parent.id] if t in cat.malformed_items
            )
        else:
            assert problem.entity == "project" and "updatedAt" in problem.message
    good = [r for r in results if isinstance(r, Project)]
    assert len(good) == 80 - sum(1 for i in demo_malformed(kit.sim) if i in cat.projects)


async def test_circuit_opens_stops_calling_and_recovers(vtime):
    async with open_kit(SimulatorConfig(projects=5), vtime) as kit:
        await kit.connect()
        kit.sim.set_faults(FaultConfig(error_share=1.0))
        async with kit.client() as client:
            for _ in range(5):
                with pytest.raises(TransientError):
                    await client.me()
            assert client.breaker.state == "open"
            before = len(kit.sent)
            with pytest.raises(CircuitOpenError) as err:
                await client.me()
            assert len(kit.sent) == before  # nothing sent while open
            assert err.value.kind == "transient"
            kit.sim.set_faults(FaultConfig())
            vtime.advance(30.001)
            await client.me()
            assert client.breaker.state == "half_open"
            await client.me()
            assert client.breaker.state == "closed"
            assert client.metrics.snapshot()["breaker_state"] == "closed"
    states = [e.state for e in kit.events if isinstance(e, CircuitStateChanged)]
    assert states == ["open", "half_open", "closed"]


async def test_retry_after_pauses_all_requests(vtime):
    async with open_kit(SimulatorConfig(projects=30), vtime) as kit:
        await kit.connect()
        ids = kit.sim.catalogue.project_ids(kit.sim.demo_account_id)
        paused_at: list[float] = []

        def on_event(event) -> None:
            if isinstance(event, RateLimited) and event.paused_for_s > 0:
                paused_at.append(vtime.now)
                kit.events.append(event)

        async with kit.client(on_event=on_event) as client:
            await client.me()
            kit.sim.set_faults(FaultConfig(retry_after_s=7))
            kit.sim.queue_faults("429")
            projects = await asyncio.gather(*(client.get_project(i) for i in ids))
            assert client.metrics.rate_limited == 1
        assert len(projects) == 30
        assert len(paused_at) == 1
        # once the 429 arrived, no task sent anything until Retry-After had passed
        during_pause = [t for t, _ in kit.api_sent() if paused_at[0] < t < paused_at[0] + 7]
        assert during_pause == []
        assert sum(1 for t, _ in kit.api_sent() if t >= paused_at[0] + 7) >= 20
        assert kit.events[0].paused_for_s == pytest.approx(7)


async def test_rate_limited_error_when_429s_persist(vtime):
    async with open_kit(SimulatorConfig(projects=3), vtime) as kit:
        await kit.connect()
        kit.sim.set_faults(FaultConfig(rate_limit_share=1.0, retry_after_s=2))
        async with kit.client() as client:
            with pytest.raises(RateLimitedError) as err:
                await client.me()
        assert err.value.kind == "rate_limited" and err.value.retry_after == 2
        assert client.metrics.rate_limited == 3  # three attempts, no more
        assert client.breaker.state == "closed"  # being throttled is not being broken


@pytest.mark.parametrize("rate", [5, 20])
async def test_pacing_runs_at_the_limit_with_at_most_one_429(vtime, rate):
    config = SimulatorConfig(projects=60, rate_limit=rate, rate_window_s=1)
    async with open_kit(config, vtime) as kit:
        await kit.connect()
        ids = kit.sim.catalogue.project_ids(kit.sim.demo_account_id)
        async with kit.client(max_concurrency=8) as client:
            await asyncio.gather(*(client.get_project(i) for i in ids))
            requests = client.metrics.requests
        assert kit.sim.stats.rate_limited <= 1
        assert requests <= len(ids) + 1
        # virtual time: the schedule itself runs at the limit, not above and not far below
        elapsed = vtime.now
        assert (len(ids) - rate) / rate <= elapsed <= 1.15 * len(ids) / rate


async def test_not_connected_then_connected_does_not_stall_the_pacer(kit):
    async with kit.client() as client:
        with pytest.raises(ReconnectNeeded, match="No Session Studio account"):
            await client.me()
        await kit.connect()
        account = await asyncio.wait_for(client.me(), 5)
    assert account.id == kit.sim.demo_account_id
