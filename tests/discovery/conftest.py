"""Discovery test helpers: the simulator on a virtual clock, a seeded discography, providers.

Releases are seeded straight from the simulator catalogue (what an import leaves behind:
release with UPC and ``metadata.sessionStudioId``, recordings with ISRCs, release tracks,
the main artist), so these tests do not depend on the import engine.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from ss_tui.config import Settings
from ss_tui.db import schema
from ss_tui.discovery import Timing, build_providers
from ss_tui.discovery.providers import LookupProvider
from ss_tui.identifiers import clean_isrc, clean_upc
from ss_tui.simulator import ManualClock, Simulator, SimulatorConfig, create_app
from ss_tui.simulator.lookups import LookupStandins, standin_urls, standins_of
from tests.fixtures.db import creator_values


class VirtualTime:
    """One clock for the simulator and the providers; sleeping moves it forward."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.slept = 0.0

    def now(self) -> float:
        return self.clock.time()

    async def sleep(self, seconds: float) -> None:
        self.slept += max(0.0, seconds)
        self.clock.advance(max(0.0, seconds))
        await asyncio.sleep(0)

    def timing(self) -> Timing:
        return Timing(clock=self.now, sleep=self.sleep, wall=self.now)


@dataclass
class Seeded:
    release_ids: list[uuid.UUID] = field(default_factory=list)
    project_of: dict[uuid.UUID, dict] = field(default_factory=dict)
    # release_track id -> (isrc, release id)
    tracks: dict[uuid.UUID, tuple[str | None, uuid.UUID]] = field(default_factory=dict)


@pytest.fixture
def vtime() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def lookup_app(vtime: VirtualTime) -> Starlette:
    return create_app(SimulatorConfig(seed=7, projects=12), clock=vtime.clock)


@pytest.fixture
def sim(lookup_app: Starlette) -> Simulator:
    return lookup_app.state.simulator


@pytest.fixture
def standins(lookup_app: Starlette) -> LookupStandins:
    return standins_of(lookup_app)


@pytest.fixture
async def lookup_http(lookup_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=lookup_app)
    async with httpx.AsyncClient(transport=transport) as client:
        yield client


def settings_for(root_url: str, **extra: object) -> Settings:
    return Settings(**standin_urls(root_url), discovery_contact="ops@label.example", **extra)


def make_providers(
    http: httpx.AsyncClient, vtime: VirtualTime, names: list[str] | None = None,
    root_url: str = "http://sim",
) -> list[LookupProvider]:
    return build_providers(settings_for(root_url), http, names=names, timing=vtime.timing())


@pytest.fixture
def providers(lookup_http: httpx.AsyncClient, vtime: VirtualTime) -> list[LookupProvider]:
    return make_providers(lookup_http, vtime)


async def seed_releases(engine: AsyncEngine, sim: Simulator, count: int | None = None) -> Seeded:
    """Write the demo account's released projects as an import would have."""
    cat = sim.catalogue
    seeded = Seeded()
    project_ids = [
        p for p in cat.project_ids(sim.demo_account_id)
        if p not in cat.bad_projects and cat.project_tracks.get(p)
    ][:count]
    creator_id = uuid.uuid4()
    recordings: dict[str, uuid.UUID] = {}
    artists: dict[str, uuid.UUID] = {}
    async with engine.begin() as conn:
        await conn.execute(sa.insert(schema.CreatorProfile.__table__).values(
            id=creator_id, ingestion_status="idle", **creator_values("Demo Label")))
        for n, pid in enumerate(project_ids):
            project = cat.projects[pid]
            release_id = uuid.uuid4()
            await conn.execute(sa.insert(schema.DiscogRelease.__table__).values(
                id=release_id, creator_profile_id=creator_id, title=project["title"],
                slug=f"release-{n}", release_type="album", status="released",
                upc=clean_upc(project.get("upc")), total_tracks=len(cat.project_tracks[pid]),
                is_explicit=False, source_type="ingested",
                metadata={"sessionStudioId": pid}))
            artist_key = project.get("artistId") or "unknown"
            if artist_key not in artists:
                artists[artist_key] = uuid.uuid4()
                await conn.execute(sa.insert(schema.Artist.__table__).values(
                    id=artists[artist_key], creator_profile_id=creator_id,
                    name=project.get("artistName") or "Unknown",
                    name_normalized=(project.get("artistName") or "unknown").lower(),
                    is_auto_created=True, metadata={"sessionStudioId": artist_key}))
                await conn.execute(sa.insert(schema.ArtistIdentity.__table__).values(
                    ss_artist_id=artist_key, artist_id=artists[artist_key]))
            await conn.execute(sa.insert(schema.ReleaseArtist.__table__).values(
                id=uuid.uuid4(), release_id=release_id, artist_id=artists[artist_key],
                role="main_artist", position=0, is_primary=True))
            seeded.release_ids.append(release_id)
            seeded.project_of[release_id] = project
            for position, tid in enumerate(cat.project_tracks[pid], start=1):
                track = cat.tracks[tid]
                isrc = clean_isrc(track.get("isrc")) if isinstance(track.get("isrc"), str) else None
                key = isrc or tid
                if key not in recordings:
                    recordings[key] = uuid.uuid4()
                    await conn.execute(sa.insert(schema.DiscogRecording.__table__).values(
                        id=recordings[key], creator_profile_id=creator_id,
                        title=track.get("title") or "Untitled", slug=f"rec-{len(recordings)}",
                        isrc=isrc, is_explicit=False, source_type="ingested"))
                rt_id = uuid.uuid4()
                await conn.execute(sa.insert(schema.DiscogReleaseTrack.__table__).values(
                    id=rt_id, release_id=release_id, recording_id=recordings[key],
                    title=track.get("title") or "Untitled", slug=f"t-{position}",
                    track_number=position, disc_number=1, is_explicit=False,
                    source_type="ingested"))
                seeded.tracks[rt_id] = (isrc, release_id)
    return seeded


async def links(engine: AsyncEngine, provider_id: str | None = None) -> list[dict]:
    t = schema.ProviderLink.__table__
    stmt = sa.select(t)
    if provider_id is not None:
        stmt = stmt.where(t.c.provider_id == provider_id)
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(stmt)).mappings()]


async def sync_errors(engine: AsyncEngine) -> list[dict]:
    t = schema.SyncError.__table__
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(sa.select(t))).mappings()]
