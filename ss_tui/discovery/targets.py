"""Load what discovery works on: releases, their tracks' ISRCs and the links they already have."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.db import schema
from ss_tui.values import JSONObject

R = schema.DiscogRelease.__table__
RT = schema.DiscogReleaseTrack.__table__
REC = schema.DiscogRecording.__table__
RA = schema.ReleaseArtist.__table__
A = schema.Artist.__table__
PL = schema.ProviderLink.__table__

HAND_SET = ("manual", "admin")  # links staff set by hand: never touched
CHUNK = 500  # keep IN lists well under every driver's parameter limit


@dataclass(frozen=True, slots=True)
class ExistingLink:
    id: uuid.UUID
    url: str
    external_id: str | None
    source_type: str
    metadata: JSONObject

    @property
    def hand_set(self) -> bool:
        return self.source_type in HAND_SET

    @property
    def is_fallback(self) -> bool:
        return bool(self.metadata.get("fallback"))

    @property
    def wants_lookup(self) -> bool:
        """Only a fallback we stored ourselves is worth looking up again (to upgrade it)."""
        return self.is_fallback and not self.hand_set


def needs_lookup(link: ExistingLink | None) -> bool:
    return link is None or link.wants_lookup


@dataclass(slots=True)
class TrackTarget:
    release_track_id: uuid.UUID
    title: str
    isrc: str | None
    links: dict[str, ExistingLink] = field(default_factory=dict)


@dataclass(slots=True)
class ReleaseTarget:
    release_id: uuid.UUID
    title: str
    upc: str | None
    artist: str | None
    session_studio_id: str | None
    tracks: list[TrackTarget] = field(default_factory=list)
    links: dict[str, ExistingLink] = field(default_factory=dict)


def _chunks(ids: Sequence[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i : i + CHUNK])


def existing_from_row(row: sa.Row[*tuple[object, ...]]) -> ExistingLink:
    return ExistingLink(
        id=row.id, url=row.url, external_id=row.external_id,
        source_type=row.source_type, metadata=dict(row._mapping["metadata"] or {}),
    )


async def load_targets(
    conn: AsyncConnection, release_ids: Sequence[uuid.UUID], provider_ids: Sequence[str]
) -> list[ReleaseTarget]:
    """Releases in the order given (unknown ids left out), with tracks and existing links."""
    releases: dict[uuid.UUID, ReleaseTarget] = {}
    for chunk in _chunks(release_ids):
        rows = await conn.execute(
            sa.select(R.c.id, R.c.title, R.c.upc, R.c.metadata).where(R.c.id.in_(chunk))
        )
        for row in rows:
            releases[row.id] = ReleaseTarget(
                release_id=row.id, title=row.title, upc=row.upc, artist=None,
                session_studio_id=(row._mapping["metadata"] or {}).get("sessionStudioId"),
            )
    ids = list(releases)
    tracks: dict[uuid.UUID, TrackTarget] = {}
    for chunk in _chunks(ids):
        await _load_artists(conn, chunk, releases)
        rows = await conn.execute(
            sa.select(RT.c.id, RT.c.release_id, RT.c.title, REC.c.isrc)
            .select_from(RT.outerjoin(REC, REC.c.id == RT.c.recording_id))
            .where(RT.c.release_id.in_(chunk))
            .order_by(RT.c.release_id, RT.c.disc_number, RT.c.track_number)
        )
        for row in rows:
            track = TrackTarget(release_track_id=row.id, title=row.title, isrc=row.isrc)
            tracks[row.id] = track
            releases[row.release_id].tracks.append(track)
    for chunk in _chunks(ids):
        rows = await conn.execute(
            sa.select(PL).where(PL.c.provider_id.in_(provider_ids), PL.c.release_id.in_(chunk))
        )
        for row in rows:
            releases[row.release_id].links[row.provider_id] = existing_from_row(row)
    track_ids = list(tracks)
    for chunk in _chunks(track_ids):
        rows = await conn.execute(
            sa.select(PL).where(
                PL.c.provider_id.in_(provider_ids), PL.c.release_track_id.in_(chunk)
            )
        )
        for row in rows:
            tracks[row.release_track_id].links[row.provider_id] = existing_from_row(row)
    return [releases[i] for i in dict.fromkeys(release_ids) if i in releases]


async def _load_artists(
    conn: AsyncConnection, chunk: list[uuid.UUID], releases: dict[uuid.UUID, ReleaseTarget]
) -> None:
    """The release's main artist name, for search-URL fallbacks."""
    rows = await conn.execute(
        sa.select(RA.c.release_id, RA.c.credit_name, A.c.name)
        .select_from(RA.join(A, A.c.id == RA.c.artist_id))
        .where(RA.c.release_id.in_(chunk), RA.c.role == "main_artist")
        .order_by(RA.c.release_id, sa.desc(RA.c.is_primary), RA.c.position)
    )
    for row in rows:
        target = releases[row.release_id]
        if target.artist is None:
            target.artist = row.credit_name or row.name
