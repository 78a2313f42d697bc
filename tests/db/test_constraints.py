"""The database itself refuses duplicates and malformed rows, on SQLite and PostgreSQL
alike (unique constraints, not luck, make duplicates impossible: docs/architecture.md)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db.schema import (
    Artist,
    ArtistIdentity,
    CreatorProfile,
    DiscogRecording,
    DiscogRelease,
    DiscogReleaseTrack,
    ProviderLink,
    RecordingArtist,
    ReleaseArtist,
    SyncError,
)
from tests.fixtures.db import creator_values


async def insert(engine: AsyncEngine, model: type[Any], **values: Any) -> uuid.UUID:
    values.setdefault("id", uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(sa.insert(model.__table__).values(**values))
    return values["id"]


async def assert_refused(engine: AsyncEngine, model: type[Any], **values: Any) -> None:
    with pytest.raises(IntegrityError):
        await insert(engine, model, **values)


async def count(engine: AsyncEngine, model: type[Any]) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(model))).scalar_one()


async def creator(engine: AsyncEngine, handle: str = "label") -> uuid.UUID:
    return await insert(engine, CreatorProfile, **creator_values(handle.title(), handle))


async def release(engine: AsyncEngine, creator_id: uuid.UUID, slug: str, **kw: Any) -> uuid.UUID:
    return await insert(
        engine, DiscogRelease, creator_profile_id=creator_id, title=slug, slug=slug, **kw
    )


async def recording(engine: AsyncEngine, creator_id: uuid.UUID, slug: str, **kw: Any) -> uuid.UUID:
    return await insert(
        engine, DiscogRecording, creator_profile_id=creator_id, title=slug, slug=slug, **kw
    )


async def test_release_slug_is_unique_per_creator(db_engine: AsyncEngine) -> None:
    a, b = await creator(db_engine, "a"), await creator(db_engine, "b")
    await release(db_engine, a, "first-light")
    await assert_refused(
        db_engine, DiscogRelease, creator_profile_id=a, title="Again", slug="first-light"
    )
    await release(db_engine, b, "first-light")  # another creator may use the slug
    assert await count(db_engine, DiscogRelease) == 2


async def test_release_upc_is_unique_per_creator_but_nulls_are_free(db_engine: AsyncEngine) -> None:
    a, b = await creator(db_engine, "a"), await creator(db_engine, "b")
    await release(db_engine, a, "one", upc="036000291452")
    await assert_refused(
        db_engine, DiscogRelease, creator_profile_id=a, title="two", slug="two", upc="036000291452"
    )
    await release(db_engine, a, "no-upc-1", upc=None)
    await release(db_engine, a, "no-upc-2", upc=None)
    await release(db_engine, b, "same-upc-other-creator", upc="036000291452")
    assert await count(db_engine, DiscogRelease) == 4


async def test_recording_isrc_is_unique_per_creator(db_engine: AsyncEngine) -> None:
    a, b = await creator(db_engine, "a"), await creator(db_engine, "b")
    await recording(db_engine, a, "song", isrc="USRC17607839")
    await assert_refused(
        db_engine,
        DiscogRecording,
        creator_profile_id=a,
        title="Song 2",
        slug="song-2",
        isrc="USRC17607839",
    )
    await recording(db_engine, a, "demo-1")
    await recording(db_engine, a, "demo-2")
    await recording(db_engine, b, "song", isrc="USRC17607839")
    assert await count(db_engine, DiscogRecording) == 4


async def test_release_track_position_and_slug_are_unique(db_engine: AsyncEngine) -> None:
    c = await creator(db_engine)
    rel = await release(db_engine, c, "album", release_type="album")
    rec1, rec2 = await recording(db_engine, c, "one"), await recording(db_engine, c, "two")
    base = {"release_id": rel, "title": "One"}
    await insert(
        db_engine, DiscogReleaseTrack, recording_id=rec1, slug="one", track_number=1, **base
    )
    await assert_refused(
        db_engine, DiscogReleaseTrack, recording_id=rec2, slug="two", track_number=1, **base
    )
    await assert_refused(
        db_engine, DiscogReleaseTrack, recording_id=rec2, slug="one", track_number=2, **base
    )
    await insert(
        db_engine,
        DiscogReleaseTrack,
        recording_id=rec2,
        slug="two",
        track_number=1,
        disc_number=2,
        **base,
    )


async def _release_and_track(engine: AsyncEngine) -> tuple[uuid.UUID, uuid.UUID]:
    c = await creator(engine)
    rel = await release(engine, c, "ep", release_type="ep")
    rec = await recording(engine, c, "intro")
    rt = await insert(
        engine,
        DiscogReleaseTrack,
        release_id=rel,
        recording_id=rec,
        title="Intro",
        slug="intro",
        track_number=1,
    )
    return rel, rt


async def test_provider_link_needs_exactly_the_owner_its_type_names(
    db_engine: AsyncEngine,
) -> None:
    rel, rt = await _release_and_track(db_engine)
    link = {"provider_id": "session-studio", "url": "https://session.studio/p/1"}
    # two owners at once
    await assert_refused(
        db_engine, ProviderLink, owner_type="release", release_id=rel, release_track_id=rt, **link
    )
    # owner column does not match owner_type
    await assert_refused(db_engine, ProviderLink, owner_type="release", release_track_id=rt, **link)
    await assert_refused(
        db_engine, ProviderLink, owner_type="release_track", release_id=rel, **link
    )
    # no owner at all
    await assert_refused(db_engine, ProviderLink, owner_type="release", **link)
    await insert(db_engine, ProviderLink, owner_type="release", release_id=rel, **link)
    await insert(
        db_engine,
        ProviderLink,
        owner_type="release_track",
        release_track_id=rt,
        provider_id="session-studio",
        url="https://session.studio/t/1",
    )
    assert await count(db_engine, ProviderLink) == 2


async def test_provider_link_to_unknown_provider_is_refused(db_engine: AsyncEngine) -> None:
    rel, _ = await _release_and_track(db_engine)
    await assert_refused(
        db_engine,
        ProviderLink,
        provider_id="napster-2049",
        owner_type="release",
        release_id=rel,
        url="https://x.invalid",
    )


async def test_provider_link_unique_per_owner_and_external_id(db_engine: AsyncEngine) -> None:
    rel, rt = await _release_and_track(db_engine)
    await insert(
        db_engine,
        ProviderLink,
        provider_id="spotify",
        owner_type="release",
        release_id=rel,
        external_id="abc",
        url="https://open.spotify.com/album/abc",
    )
    await assert_refused(
        db_engine,
        ProviderLink,
        provider_id="spotify",
        owner_type="release",
        release_id=rel,
        external_id="def",
        url="https://x",
    )
    await assert_refused(
        db_engine,
        ProviderLink,
        provider_id="spotify",
        owner_type="release_track",
        release_track_id=rt,
        external_id="abc",
        url="https://x",
    )


@pytest.mark.parametrize("credit", [ReleaseArtist, RecordingArtist])
async def test_duplicate_credit_is_refused(db_engine: AsyncEngine, credit: type[Any]) -> None:
    c = await creator(db_engine)
    owner_col = "release_id" if credit is ReleaseArtist else "recording_id"
    owner = await (release if credit is ReleaseArtist else recording)(db_engine, c, "x")
    artist = await insert(db_engine, Artist, name="Nova", name_normalized="nova")
    await insert(db_engine, credit, artist_id=artist, role="main_artist", **{owner_col: owner})
    await assert_refused(
        db_engine, credit, artist_id=artist, role="main_artist", **{owner_col: owner}
    )
    await insert(db_engine, credit, artist_id=artist, role="producer", **{owner_col: owner})
    assert await count(db_engine, credit) == 2


async def test_one_jovie_artist_per_session_studio_artist(db_engine: AsyncEngine) -> None:
    nova = await insert(db_engine, Artist, name="Nova", name_normalized="nova")
    nova2 = await insert(db_engine, Artist, name="Nova 2", name_normalized="nova 2")
    ident = ArtistIdentity.__table__
    async with db_engine.begin() as conn:
        await conn.execute(sa.insert(ident).values(ss_artist_id="ar_1", artist_id=nova))
    with pytest.raises(IntegrityError):
        async with db_engine.begin() as conn:
            await conn.execute(sa.insert(ident).values(ss_artist_id="ar_1", artist_id=nova2))
    # Jovie's artists need no external id: two unlinked namesakes are fine.
    await insert(db_engine, Artist, name="Other", name_normalized="other")
    await insert(db_engine, Artist, name="Other", name_normalized="other")
    # Deleting the artist drops its identity row.
    async with db_engine.begin() as conn:
        await conn.execute(sa.delete(Artist.__table__).where(Artist.__table__.c.id == nova))
        left = (await conn.execute(sa.select(sa.func.count()).select_from(ident))).scalar()
    assert left == 0


async def test_deleting_a_release_removes_its_tracks_credits_and_links(
    db_engine: AsyncEngine,
) -> None:
    rel, rt = await _release_and_track(db_engine)
    artist = await insert(db_engine, Artist, name="Nova", name_normalized="nova")
    await insert(db_engine, ReleaseArtist, release_id=rel, artist_id=artist, role="main_artist")
    await insert(
        db_engine,
        ProviderLink,
        provider_id="session-studio",
        owner_type="release",
        release_id=rel,
        url="https://session.studio/p/1",
    )
    await insert(
        db_engine,
        ProviderLink,
        provider_id="session-studio",
        owner_type="release_track",
        release_track_id=rt,
        url="https://session.studio/t",
    )
    async with db_engine.begin() as conn:
        await conn.execute(sa.delete(DiscogRelease).where(DiscogRelease.id == rel))
    assert await count(db_engine, DiscogReleaseTrack) == 0
    assert await count(db_engine, ReleaseArtist) == 0
    assert await count(db_engine, ProviderLink) == 0
    assert await count(db_engine, Artist) == 1  # the artist outlives the credit
    assert await count(db_engine, DiscogRecording) == 1  # so does the canonical recording


async def test_one_live_sync_error_per_fingerprint(db_engine: AsyncEngine) -> None:
    err = {
        "stage": "transform",
        "kind": "invalid_data",
        "message": "bad ISRC",
        "fingerprint": "fp-1",
    }
    await insert(db_engine, SyncError, status="open", **err)
    await assert_refused(db_engine, SyncError, status="retrying", **err)
    async with db_engine.begin() as conn:
        await conn.execute(sa.update(SyncError).values(status="resolved"))
    await insert(db_engine, SyncError, status="open", **err)  # a new occurrence after resolution
    await insert(db_engine, SyncError, status="ignored", **err)
    assert await count(db_engine, SyncError) == 3


async def test_enum_columns_refuse_unknown_values(db_engine: AsyncEngine) -> None:
    c = await creator(db_engine)
    sqlite = db_engine.dialect.name == "sqlite"
    stmt = sa.text(
        "INSERT INTO discog_releases (id, creator_profile_id, title, slug, release_type, status,"
        " total_tracks, is_explicit, source_type, created_at, updated_at) VALUES (:id, :c, :slug,"
        " :slug, :type, 'released', 0, false, 'manual', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )

    async def raw_insert(release_type: str) -> None:
        rid = uuid.uuid4()
        async with db_engine.begin() as conn:
            await conn.execute(
                stmt,
                {
                    "id": rid.hex if sqlite else rid,
                    "c": c.hex if sqlite else c,
                    "slug": release_type,
                    "type": release_type,
                },
            )

    await raw_insert("album")
    with pytest.raises(sa.exc.DBAPIError):  # IntegrityError (CHECK) or DataError (enum)
        await raw_insert("boxset")
    assert await count(db_engine, DiscogRelease) == 1
