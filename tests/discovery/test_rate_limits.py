"""Provider pacing against the stand-ins' own limits, on virtual time (no real waiting).

The stand-ins log every request with the simulator clock, which the providers' sleeps
move forward; the assertions count requests per window in that log.
"""

from __future__ import annotations

import asyncio
import itertools

import httpx

from ss_tui.discovery import discover_links
from ss_tui.discovery.providers import LookupProvider
from ss_tui.simulator import Simulator
from ss_tui.simulator.lookups import LookupStandins
from tests.discovery.conftest import VirtualTime, make_providers, seed_releases


async def test_musicbrainz_never_above_one_request_per_second(
    sqlite_url: str, sim: Simulator, standins: LookupStandins,
    providers: list[LookupProvider], vtime: VirtualTime,
) -> None:
    from ss_tui.db.engine import create_engine

    engine = create_engine(sqlite_url)
    try:
        seeded = await seed_releases(engine, sim, count=4)
        # All three providers at once: the slow iTunes pace moves the shared clock in big
        # steps while MusicBrainz requests are in flight, the hardest case for spacing.
        report = await discover_links(engine, seeded.release_ids, providers)
    finally:
        await engine.dispose()

    mb = standins.requests("musicbrainz")
    isrcs = {isrc for isrc, _ in seeded.tracks.values() if isrc}
    assert len(mb) >= len(isrcs) >= 5  # one lookup per ISRC at least
    assert standins.max_in_window("musicbrainz", 1.0) == 1
    assert [r for r in standins.log if r.outcome == "rate_limited"] == []
    assert all(r.user_agent and r.user_agent.startswith("ss-tui/") for r in mb)
    assert all("ops@label.example" in (r.user_agent or "") for r in mb)
    assert standins.max_in_window("itunes", 60.0) <= 20
    assert report.counts().get("failed", 0) == 0


async def test_rate_limited_answers_pause_and_retry(
    sqlite_url: str, sim: Simulator, standins: LookupStandins,
    lookup_http: httpx.AsyncClient, vtime: VirtualTime,
) -> None:
    """A 429-like answer (Deezer's HTTP 200 quota error) pauses, then the lookup succeeds."""
    from ss_tui.db.engine import create_engine

    engine = create_engine(sqlite_url)
    try:
        seeded = await seed_releases(engine, sim, count=2)
        standins.limits["deezer"] = (2, 8.0)  # stricter than the 50 per 5 s the client knows
        deezer = make_providers(lookup_http, vtime, names=["deezer"])
        report = await discover_links(engine, seeded.release_ids, deezer)
    finally:
        await engine.dispose()
    outcomes = [r.outcome for r in standins.requests("deezer")]
    assert "rate_limited" in outcomes
    # Every rate-limited answer was followed by a pause of Retry-After (5 s) or more.
    log = standins.requests("deezer")
    for before, after in itertools.pairwise(log):
        if before.outcome == "rate_limited":
            assert after.at - before.at >= 5.0
    # Retries after the pauses got answers: nothing failed, every lookup was answered.
    assert report.counts().get("failed", 0) == 0
    answered = [r for r in log if r.outcome in ("found", "not_found")]
    isrcs = {isrc for isrc, _ in seeded.tracks.values() if isrc}
    assert len(answered) >= len(isrcs)


async def test_circuit_breaker_stops_calling_a_failing_provider(
    sqlite_url: str, sim: Simulator, standins: LookupStandins,
    lookup_http: httpx.AsyncClient, vtime: VirtualTime,
) -> None:
    from ss_tui.db.engine import create_engine

    engine = create_engine(sqlite_url)
    try:
        seeded = await seed_releases(engine, sim, count=8)
        standins.set_down("musicbrainz", 500)
        mb = make_providers(lookup_http, vtime, names=["musicbrainz"])
        report = await discover_links(engine, seeded.release_ids, mb)
    finally:
        await engine.dispose()
    # Five failed calls (3 attempts each) open the circuit; the rest fail without a request.
    assert len(standins.requests("musicbrainz")) == 5 * 3
    outcomes = [report.releases[r].providers["musicbrainz"] for r in seeded.release_ids]
    assert all(o.status == "failed" for o in outcomes)
    assert all("kept failing" in (o.error or "") for o in outcomes[5:])
    assert mb[0].http.breaker.state == "open"


async def test_passes_sharing_providers_keep_the_pace_and_count_their_own_requests(
    sqlite_url: str, sim: Simulator, standins: LookupStandins,
    providers: list[LookupProvider], vtime: VirtualTime,
) -> None:
    """Two passes at once on one set of providers (a worker's concurrent discover jobs):
    MusicBrainz still gets one request per second, and each report counts only the
    requests its own pass sent."""
    from ss_tui.db.engine import create_engine

    # IMMEDIATE: the two passes' link writes (read, then write) queue on SQLite's lock
    # instead of failing on a stale read snapshot; what is tested here is the lookups.
    engine = create_engine(sqlite_url, sqlite_begin="IMMEDIATE")
    try:
        seeded = await seed_releases(engine, sim, count=4)
        first, second = seeded.release_ids[:2], seeded.release_ids[2:]
        reports = await asyncio.gather(
            discover_links(engine, first, providers), discover_links(engine, second, providers)
        )
    finally:
        await engine.dispose()

    assert standins.max_in_window("musicbrainz", 1.0) == 1
    for provider_id, service in (
        ("musicbrainz", "musicbrainz"), ("deezer", "deezer"), ("apple_music", "itunes")
    ):
        sent = [r.requests[provider_id] for r in reports]
        assert all(n >= 1 for n in sent), (provider_id, sent)
        assert sum(sent) == len(standins.requests(service)), (provider_id, sent)
    for report, ids in zip(reports, (first, second), strict=True):
        isrcs = {isrc for isrc, rid in seeded.tracks.values() if isrc and rid in ids}
        assert report.requests["musicbrainz"] >= len(isrcs)
        assert report.counts().get("failed", 0) == 0
