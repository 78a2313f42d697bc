"""discover_links against the stand-ins (in-process ASGI), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.config import Settings
from ss_tui.db import schema
from ss_tui.discovery import (
    PROVIDER_ORDER,
    DiscoveryFinished,
    ReleaseDiscovered,
    discover_links,
    open_providers,
)
from ss_tui.discovery.providers import LookupProvider
from ss_tui.simulator import Simulator
from ss_tui.simulator.lookups import LookupStandins
from tests.discovery.conftest import links, seed_releases, sync_errors

SERVICE = {"apple_music": "itunes", "deezer": "deezer", "musicbrainz": "musicbrainz"}


def _real(rows: list[dict]) -> list[dict]:
    return [r for r in rows if not (r["metadata"] or {}).get("fallback")]


async def test_links_for_matched_isrcs_and_upcs_none_for_unmatched(
    db_engine: AsyncEngine, sim: Simulator, standins: LookupStandins,
    providers: list[LookupProvider],
) -> None:
    seeded = await seed_releases(db_engine, sim, count=6)
    events: list[object] = []

    async def sink(event: object) -> None:
        events.append(event)

    report = await discover_links(db_engine, seeded.release_ids, providers, sink=sink)

    for provider_id, service in SERVICE.items():
        rows = await links(db_engine, provider_id)
        real_tracks = {r["release_track_id"] for r in _real(rows) if r["release_track_id"]}
        expected = {
            rt for rt, (isrc, _) in seeded.tracks.items()
            if isrc and standins.knows(service, isrc)
        }
        assert real_tracks == expected, provider_id
        fallback_tracks = {r["release_track_id"] for r in rows
                           if (r["metadata"] or {}).get("fallback") and r["release_track_id"]}
        if provider_id == "musicbrainz":
            assert fallback_tracks == set()  # no search page worth linking
        else:
            assert fallback_tracks == set(seeded.tracks) - expected
        for row in _real(rows):
            meta = row["metadata"]
            assert meta["discoveredFrom"] in ("isrc", "upc", "isrc_album")
            assert meta["discoveredAt"]
            assert meta.get("isrc") or meta.get("upc")
            assert row["source_type"] == "ingested"
        # Every release whose UPC the service knows has its release link.
        release_links = {r["release_id"] for r in _real(rows) if r["release_id"]}
        for release_id, project in seeded.project_of.items():
            if project.get("upc") and standins.knows(service, project["upc"]):
                assert release_id in release_links

    apple = _real(await links(db_engine, "apple_music"))
    assert all(r["url"].startswith("https://music.apple.com/") for r in apple)
    deezer_fallbacks = [
        r for r in await links(db_engine, "deezer") if r["metadata"].get("fallback")
    ]
    assert all(r["url"].startswith("https://www.deezer.com/search/") for r in deezer_fallbacks)
    assert all(r["external_id"] is None for r in deezer_fallbacks)

    assert set(report.releases) == set(seeded.release_ids)
    assert {r.status for r in report.releases.values()} <= {"found", "not_found"}
    discovered = [e for e in events if isinstance(e, ReleaseDiscovered)]
    assert {uuid.UUID(e.release_id) for e in discovered} == set(seeded.release_ids)
    assert isinstance(events[-1], DiscoveryFinished)
    assert events[-1].errors == 0

    # Providers that already link are skipped: a second pass looks up only the fallbacks.
    before = len(standins.log)
    again = await discover_links(db_engine, seeded.release_ids, providers)
    assert again.counts().get("links_created", 0) == 0
    linked_isrcs = {
        seeded.tracks[r["release_track_id"]][0]
        for r in _real(await links(db_engine, "musicbrainz")) if r["release_track_id"]
    }
    second = standins.log[before:]
    assert linked_isrcs and second
    assert not [r for r in second if any(isrc in r.path for isrc in linked_isrcs)]


async def test_hand_set_links_are_never_touched(
    db_engine: AsyncEngine, sim: Simulator, standins: LookupStandins,
    providers: list[LookupProvider],
) -> None:
    seeded = await seed_releases(db_engine, sim, count=2)
    release_id = seeded.release_ids[0]
    track_id = next(rt for rt, (isrc, rid) in seeded.tracks.items()
                    if rid == release_id and isrc and standins.knows("deezer", isrc))
    t = schema.ProviderLink.__table__
    async with db_engine.begin() as conn:
        await conn.execute(sa.insert(t).values(
            id=uuid.uuid4(), provider_id="deezer", owner_type="release_track",
            release_track_id=track_id, external_id="staff-1",
            url="https://www.deezer.com/track/staff-1", source_type="manual",
            is_primary=True, metadata={"note": "set by staff"}))
        # Even a hand-set link that looks like a fallback stays as it is.
        await conn.execute(sa.insert(t).values(
            id=uuid.uuid4(), provider_id="apple_music", owner_type="release",
            release_id=release_id, external_id=None,
            url="https://music.apple.com/us/search?term=staff", source_type="admin",
            is_primary=False, metadata={"fallback": True}))
    before = {r["id"]: r for r in await links(db_engine)}

    report = await discover_links(db_engine, seeded.release_ids, providers)

    after = {r["id"]: r for r in await links(db_engine)}
    for link_id, row in before.items():
        assert after[link_id] == row
    deezer = report.releases[release_id].providers["deezer"]
    apple = report.releases[release_id].providers["apple_music"]
    assert deezer.kept_manual == 0  # skipped before any lookup: nothing to look up
    assert all(r["release_track_id"] != track_id for r in after.values()
               if r["provider_id"] == "deezer" and r["id"] not in before)
    assert all(r["release_id"] != release_id for r in after.values()
               if r["provider_id"] == "apple_music" and r["id"] not in before)
    assert apple.status in ("found", "not_found", "unchanged")


async def test_fallback_is_upgraded_when_a_real_match_appears(
    db_engine: AsyncEngine, sim: Simulator, standins: LookupStandins,
    providers: list[LookupProvider],
) -> None:
    seeded = await seed_releases(db_engine, sim, count=1)
    track_id, (isrc, _) = next((rt, v) for rt, v in seeded.tracks.items() if v[0])
    assert isrc is not None
    standins.forget("deezer", isrc)

    await discover_links(db_engine, seeded.release_ids, providers)
    fallback = next(r for r in await links(db_engine, "deezer")
                    if r["release_track_id"] == track_id)
    assert fallback["metadata"]["fallback"] is True
    assert fallback["metadata"]["discoveredFrom"] == "search"
    assert fallback["url"].startswith("https://www.deezer.com/search/")

    standins.teach("deezer", isrc)
    report = await discover_links(db_engine, seeded.release_ids, providers)

    upgraded = next(r for r in await links(db_engine, "deezer")
                    if r["release_track_id"] == track_id)
    assert upgraded["id"] == fallback["id"]  # the same row, now real
    assert "fallback" not in upgraded["metadata"]
    assert upgraded["metadata"]["discoveredFrom"] == "isrc"
    assert upgraded["metadata"]["isrc"] == isrc
    assert upgraded["metadata"]["upgradedFromFallback"] == fallback["url"]
    assert upgraded["url"].startswith("https://www.deezer.com/track/")
    assert upgraded["external_id"]
    assert report.releases[seeded.release_ids[0]].providers["deezer"].upgraded >= 1


async def test_one_provider_down_others_fill_links_and_failure_is_a_sync_error(
    db_engine: AsyncEngine, sim: Simulator, standins: LookupStandins,
    providers: list[LookupProvider],
) -> None:
    seeded = await seed_releases(db_engine, sim, count=3)
    standins.set_down("deezer", 503)

    report = await discover_links(db_engine, seeded.release_ids, providers)

    assert await links(db_engine, "deezer") == []  # no fallback for "failed", only for unknown
    apple = _real(await links(db_engine, "apple_music"))
    assert {r["release_track_id"] for r in apple if r["release_track_id"]} == {
        rt for rt, (isrc, _) in seeded.tracks.items() if isrc and standins.knows("itunes", isrc)
    }
    assert _real(await links(db_engine, "musicbrainz"))
    errors = await sync_errors(db_engine)
    assert len(errors) == len(seeded.release_ids)  # one per release, for the provider down
    for err in errors:
        assert err["stage"] == "discovery"
        assert err["kind"] == "transient"
        assert err["status"] == "open"
        assert err["suggested_action"] == "retry"
        assert err["detail"]["provider"] == "deezer"
        assert "Deezer lookup failed" in err["message"]
    assert {r.status for r in report.releases.values()} == {"failed"}
    assert all(r.failed_providers == ["deezer"] for r in report.releases.values())

    # Back up: the next pass fills Deezer and resolves the errors.
    standins.set_down("deezer", None)
    await discover_links(db_engine, seeded.release_ids, providers)
    assert _real(await links(db_engine, "deezer"))
    assert {e["status"] for e in await sync_errors(db_engine)} == {"resolved"}


async def test_open_providers_shares_one_client_and_closes_only_its_own() -> None:
    settings = Settings()
    async with open_providers(settings) as lookups:
        assert [p.provider_id for p in lookups.providers] == list(PROVIDER_ORDER)
        assert all(p.http._http is lookups.http for p in lookups.providers)
        subset = lookups.select(["musicbrainz", "deezer"])  # discovery order, same objects
        assert [p.provider_id for p in subset] == ["deezer", "musicbrainz"]
        assert all(any(p is q for q in lookups.providers) for p in subset)
        assert lookups.select(None) == lookups.providers
        with pytest.raises(ValueError, match="Unknown discovery provider"):
            lookups.select(["spotify"])
    assert lookups.http.is_closed  # the client it opened

    async with httpx.AsyncClient() as mine:
        async with open_providers(settings, ["deezer"], http=mine) as lookups:
            assert [p.provider_id for p in lookups.providers] == ["deezer"]
            with pytest.raises(ValueError, match="not enabled"):
                lookups.select(["musicbrainz"])
        assert not mine.is_closed  # a client it was given stays open
    with pytest.raises(ValueError, match="Unknown discovery provider"):
        open_providers(settings, ["spotify"])
