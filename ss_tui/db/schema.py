"""Jovie's discography schema plus ss-tui's own tables, as SQLAlchemy 2 models
(docs/jovie-model.md).

Column, index and enum names follow Jovie's Drizzle schema so the same code runs against
an existing Jovie PostgreSQL. SQLite is the embedded default; types.py papers over the
dialect differences (jsonb/JSON, text[]/JSON, timestamptz/naive UTC).

The Python attribute for the SQL column ``metadata`` is ``metadata_`` because
``metadata`` is reserved on declarative classes.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.elements import conv

from ss_tui.db.enums import (
    ConnectionStatus,
    ErrorStatus,
    IngestionStatus,
    ItemStatus,
    JobStatus,
    OutreachStatus,
    RunStatus,
    sa_enum,
)
from ss_tui.db.types import (
    JSONLiteral,
    RandomUUID,
    UTCDateTime,
    UTCWallClock,
    json_type,
    text_array,
    utcnow,
)
from ss_tui.values import JSONObject

# Deterministic constraint names: SQLite batch migrations need them, and `db check`
# reports them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model here maps one Table (SQLAlchemy types it as any FromClause).
        __table__: ClassVar[sa.Table]


def _pk() -> Mapped[uuid.UUID]:
    return mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)


def _jpk() -> Mapped[uuid.UUID]:
    """Jovie's uuid key: ``DEFAULT gen_random_uuid()`` in the database, uuid4 from Python."""
    return mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4, server_default=RandomUUID())


def _fk(target: str, ondelete: str, *, nullable: bool = False) -> Mapped[Any]:
    return mapped_column(sa.Uuid, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


def _jfk(target: str, ondelete: str, name: str, *, nullable: bool = False) -> Mapped[Any]:
    """A foreign key named as Jovie names it (``<table>_<column>_<target>_id_fk``)."""
    fk = sa.ForeignKey(target, ondelete=ondelete, name=conv(name))
    return mapped_column(sa.Uuid, fk, nullable=nullable)


def _json(*, nullable: bool = True, default: Any = dict) -> Mapped[Any]:
    return mapped_column(json_type(), nullable=nullable, default=default)


def _metadata() -> Mapped[JSONObject | None]:
    return mapped_column("metadata", json_type(), nullable=True, default=dict)


def _jmetadata() -> Mapped[JSONObject | None]:
    """Jovie's ``metadata jsonb DEFAULT '{}'::jsonb``."""
    return mapped_column(
        "metadata", json_type(), nullable=True, default=dict, server_default=JSONLiteral("{}")
    )


def _ts(*, nullable: bool = True) -> Mapped[Any]:
    return mapped_column(UTCDateTime(), nullable=nullable)


def _jts() -> Mapped[Any]:
    """A nullable Jovie ``timestamp`` (UTC wall-clock)."""
    return mapped_column(UTCWallClock(), nullable=True)


def _jtext() -> Mapped[str | None]:
    return mapped_column(sa.Text)


def _jint(default: int | None = None, *, nullable: bool = False) -> Mapped[Any]:
    if default is None:
        return mapped_column(sa.Integer, nullable=True)
    return mapped_column(
        sa.Integer, nullable=nullable, default=default, server_default=sa.text(str(default))
    )


def _jbool(default: bool, *, nullable: bool = False) -> Mapped[Any]:
    return mapped_column(
        sa.Boolean,
        nullable=nullable,
        default=default,
        server_default=sa.true() if default else sa.false(),
    )


def _jenum(name: str, default: str | None, *, nullable: bool = False) -> Mapped[Any]:
    if default is None:
        return mapped_column(sa_enum(name), nullable=nullable)
    return mapped_column(
        sa_enum(name), nullable=nullable, default=default, server_default=sa.text(f"'{default}'")
    )


def _not_null_where(column: str) -> dict[str, Any]:
    """Dialect kwargs for a partial index covering rows where ``column`` is set."""
    cond = sa.text(f"{column} IS NOT NULL")
    return {"postgresql_where": cond, "sqlite_where": cond}


def _where(cond: str) -> dict[str, Any]:
    return {"postgresql_where": sa.text(cond), "sqlite_where": sa.text(cond)}


class Timestamped:
    """ss-tui's own tables: timestamptz, set from Python."""

    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(),
        nullable=False,
        default=utcnow,
        onupdate=utcnow,
        server_default=sa.func.now(),
    )


class JovieCreated:
    created_at: Mapped[datetime] = mapped_column(
        UTCWallClock(), nullable=False, default=utcnow, server_default=sa.func.now()
    )


class JovieTimestamped(JovieCreated):
    """Jovie's ``created_at``/``updated_at timestamp DEFAULT now() NOT NULL``. ss-tui always
    writes them itself (UTC), so the database's time zone never enters them."""

    updated_at: Mapped[datetime] = mapped_column(
        UTCWallClock(),
        nullable=False,
        default=utcnow,
        onupdate=utcnow,
        server_default=sa.func.now(),
    )


# --------------------------------------------------------------------------- Jovie
# Each class is one of Jovie's tables exactly as Jovie defines it (docs/jovie-model.md names
# the Jovie files and commits). Never add a column here: ss-tui's extras live in its own
# tables below or in the ``metadata`` jsonb.


class Provider(JovieTimestamped, Base):
    """Jovie: apps/web/lib/db/schema/content.ts ``providers``."""

    __tablename__ = "providers"

    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)  # "spotify", "session-studio"
    display_name: Mapped[str] = mapped_column(sa.Text, nullable=False)
    kind: Mapped[str] = _jenum("provider_kind", "music_streaming")
    base_url: Mapped[str | None] = _jtext()
    is_active: Mapped[bool] = _jbool(True)
    metadata_: Mapped[JSONObject | None] = _jmetadata()


CREATOR_NOTIFICATION_DEFAULTS = (
    '{"releasePreview":true,"releaseDay":true,"dspMatchSuggested":true,'
    '"socialLinkSuggested":true,"enrichmentComplete":false,"newReleaseDetected":true}'
)


class CreatorProfile(JovieTimestamped, Base):
    """Jovie: 0000_v1_initial_schema.sql ``creator_profiles`` (public artist pages).

    ``user_id`` and ``waitlist_entry_id`` reference Jovie's users and waitlist_entries, which
    ss-tui neither creates nor reads: the columns are here, their foreign keys are not."""

    __tablename__ = "creator_profiles"
    __table_args__ = (
        sa.Index(
            "idx_creator_profiles_featured_query",
            "is_public",
            "is_featured",
            "marketing_opt_out",
            "display_name",
            **_where("is_public = true AND is_featured = true AND marketing_opt_out = false"),
        ),
        sa.Index(
            "creator_profiles_username_normalized_unique",
            "username_normalized",
            unique=True,
            **_not_null_where("username_normalized"),
        ),
        sa.Index("idx_creator_profiles_fit_score", "fit_score", "id"),
        sa.Index("idx_creator_profiles_outreach_status", "outreach_status", "created_at"),
    )

    id: Mapped[uuid.UUID] = _jpk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    waitlist_entry_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    creator_type: Mapped[str] = _jenum("creator_type", None)
    username: Mapped[str] = mapped_column(sa.Text, nullable=False)
    username_normalized: Mapped[str] = mapped_column(sa.Text, nullable=False)
    display_name: Mapped[str | None] = _jtext()
    bio: Mapped[str | None] = _jtext()
    venmo_handle: Mapped[str | None] = _jtext()
    avatar_url: Mapped[str | None] = _jtext()
    spotify_url: Mapped[str | None] = _jtext()
    apple_music_url: Mapped[str | None] = _jtext()
    youtube_url: Mapped[str | None] = _jtext()
    spotify_id: Mapped[str | None] = _jtext()
    apple_music_id: Mapped[str | None] = _jtext()
    youtube_music_id: Mapped[str | None] = _jtext()
    deezer_id: Mapped[str | None] = _jtext()
    tidal_id: Mapped[str | None] = _jtext()
    soundcloud_id: Mapped[str | None] = _jtext()
    musicbrainz_id: Mapped[str | None] = _jtext()
    bandsintown_artist_name: Mapped[str | None] = _jtext()
    bandsintown_api_key: Mapped[str | None] = _jtext()
    # Jovie's default is public: ss-tui always writes False for a profile it creates.
    is_public: Mapped[bool | None] = _jbool(True, nullable=True)
    is_verified: Mapped[bool | None] = _jbool(False, nullable=True)
    is_featured: Mapped[bool | None] = _jbool(False, nullable=True)
    marketing_opt_out: Mapped[bool | None] = _jbool(False, nullable=True)
    is_claimed: Mapped[bool | None] = _jbool(False, nullable=True)
    claim_token: Mapped[str | None] = _jtext()
    claimed_at: Mapped[datetime | None] = _jts()
    claim_token_expires_at: Mapped[datetime | None] = _jts()
    claimed_from_ip: Mapped[str | None] = _jtext()
    claimed_user_agent: Mapped[str | None] = _jtext()
    avatar_locked_by_user: Mapped[bool] = _jbool(False)
    display_name_locked: Mapped[bool] = _jbool(False)
    username_locked_at: Mapped[datetime | None] = _jts()
    ingestion_status: Mapped[str] = _jenum("ingestion_status", IngestionStatus.idle)
    last_ingestion_error: Mapped[str | None] = _jtext()
    profile_views: Mapped[int | None] = _jint(0, nullable=True)
    onboarding_completed_at: Mapped[datetime | None] = _jts()
    settings: Mapped[JSONObject | None] = mapped_column(
        json_type(), default=dict, server_default=JSONLiteral("{}")
    )
    theme: Mapped[JSONObject | None] = mapped_column(
        json_type(), default=dict, server_default=JSONLiteral("{}")
    )
    notification_preferences: Mapped[JSONObject | None] = mapped_column(
        json_type(),
        default=lambda: json.loads(CREATOR_NOTIFICATION_DEFAULTS),
        server_default=JSONLiteral(CREATOR_NOTIFICATION_DEFAULTS),
    )
    fit_score: Mapped[int | None] = _jint()
    fit_score_breakdown: Mapped[Any | None] = mapped_column(json_type())
    fit_score_updated_at: Mapped[datetime | None] = _jts()
    genres: Mapped[list[str] | None] = mapped_column(text_array())
    location: Mapped[str | None] = _jtext()
    active_since_year: Mapped[int | None] = _jint()
    spotify_followers: Mapped[int | None] = _jint()
    spotify_popularity: Mapped[int | None] = _jint()
    ingestion_source_platform: Mapped[str | None] = _jtext()
    outreach_status: Mapped[str | None] = _jenum(
        "outreach_status", OutreachStatus.pending, nullable=True
    )
    outreach_channel: Mapped[str | None] = _jenum("outreach_channel", None, nullable=True)
    dm_sent_at: Mapped[datetime | None] = _jts()
    dm_copy: Mapped[str | None] = _jtext()
    stripe_account_id: Mapped[str | None] = _jtext()
    stripe_onboarding_complete: Mapped[bool] = _jbool(False)
    stripe_payouts_enabled: Mapped[bool] = _jbool(False)
    # Added by later Jovie versions (apps/web/lib/db/schema/profiles.ts).
    career_highlights: Mapped[str | None] = _jtext()
    target_playlists: Mapped[list[str] | None] = mapped_column(text_array())
    discovered_pixels: Mapped[Any | None] = mapped_column(json_type())
    discovered_pixels_at: Mapped[datetime | None] = _jts()
    next_task_number: Mapped[int] = _jint(1)
    sms_access_requested_at: Mapped[datetime | None] = _jts()


class Artist(JovieTimestamped, Base):
    """Jovie: content.ts ``artists``. The Session Studio id of an artist lives in
    ``metadata.sessionStudioId`` and in ss-tui's ``ss_artist_identities``."""

    __tablename__ = "artists"
    __table_args__ = (
        *(
            sa.Index(f"artists_{col}_unique", col, unique=True, **_not_null_where(col))
            for col in ("spotify_id", "apple_music_id", "musicbrainz_id", "deezer_id")
        ),
        sa.Index("artists_name_normalized_idx", "name_normalized"),
        sa.Index("artists_creator_profile_id_idx", "creator_profile_id"),
    )

    id: Mapped[uuid.UUID] = _jpk()
    # A Jovie user's own artist entry; collaborators found on import have none. Deleting
    # the profile keeps the artist (credits on other creators' releases still need it).
    creator_profile_id: Mapped[uuid.UUID | None] = _jfk(
        "creator_profiles.id",
        "SET NULL",
        "artists_creator_profile_id_creator_profiles_id_fk",
        nullable=True,
    )
    name: Mapped[str] = mapped_column(sa.Text, nullable=False)
    name_normalized: Mapped[str] = mapped_column(sa.Text, nullable=False)
    sort_name: Mapped[str | None] = _jtext()
    disambiguation: Mapped[str | None] = _jtext()
    artist_type: Mapped[str | None] = _jenum("artist_type", "person", nullable=True)
    spotify_id: Mapped[str | None] = _jtext()
    apple_music_id: Mapped[str | None] = _jtext()
    musicbrainz_id: Mapped[str | None] = _jtext()
    deezer_id: Mapped[str | None] = _jtext()
    image_url: Mapped[str | None] = _jtext()
    is_auto_created: Mapped[bool] = _jbool(False)
    match_confidence: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 4))
    metadata_: Mapped[JSONObject | None] = _jmetadata()


class DiscogRelease(JovieTimestamped, Base):
    """Jovie: content.ts ``discog_releases`` (status, reveal_date, deleted_at,
    generated_pitches and target_playlists from later migrations)."""

    __tablename__ = "discog_releases"
    __table_args__ = (
        sa.CheckConstraint(
            "spotify_popularity >= 0 AND spotify_popularity <= 100",
            name=conv("discog_releases_spotify_popularity_range"),
        ),
        sa.Index("discog_releases_creator_slug_unique", "creator_profile_id", "slug", unique=True),
        sa.Index(
            "discog_releases_creator_upc_unique",
            "creator_profile_id",
            "upc",
            unique=True,
            **_not_null_where("upc"),
        ),
        sa.Index("discog_releases_release_date_idx", "release_date"),
    )

    id: Mapped[uuid.UUID] = _jpk()
    creator_profile_id: Mapped[uuid.UUID] = _jfk(
        "creator_profiles.id",
        "CASCADE",
        "discog_releases_creator_profile_id_creator_profiles_id_fk",
    )
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    slug: Mapped[str] = mapped_column(sa.Text, nullable=False)
    release_type: Mapped[str] = _jenum("discog_release_type", "single")
    release_date: Mapped[datetime | None] = _jts()
    label: Mapped[str | None] = _jtext()
    upc: Mapped[str | None] = _jtext()
    total_tracks: Mapped[int] = _jint(0)
    is_explicit: Mapped[bool] = _jbool(False)
    genres: Mapped[list[str] | None] = mapped_column(text_array())
    copyright_line: Mapped[str | None] = _jtext()
    distributor: Mapped[str | None] = _jtext()
    artwork_url: Mapped[str | None] = _jtext()
    spotify_popularity: Mapped[int | None] = _jint()
    source_type: Mapped[str] = _jenum("ingestion_source_type", "manual")
    metadata_: Mapped[JSONObject | None] = _jmetadata()
    status: Mapped[str] = mapped_column(
        sa.Text, nullable=False, default="released", server_default=sa.text("'released'")
    )
    reveal_date: Mapped[datetime | None] = _jts()
    deleted_at: Mapped[datetime | None] = _jts()
    generated_pitches: Mapped[Any | None] = mapped_column(json_type())
    target_playlists: Mapped[list[str] | None] = mapped_column(text_array())


class DiscogRecording(JovieTimestamped, Base):
    """Jovie: content.ts ``discog_recordings`` (waveform_peaks from a later migration)."""

    __tablename__ = "discog_recordings"
    __table_args__ = (
        sa.Index(
            "discog_recordings_creator_slug_unique", "creator_profile_id", "slug", unique=True
        ),
        sa.Index(
            "discog_recordings_creator_isrc_unique",
            "creator_profile_id",
            "isrc",
            unique=True,
            **_not_null_where("isrc"),
        ),
        sa.Index("discog_recordings_creator_profile_id_idx", "creator_profile_id"),
    )

    id: Mapped[uuid.UUID] = _jpk()
    creator_profile_id: Mapped[uuid.UUID] = _jfk(
        "creator_profiles.id",
        "CASCADE",
        "discog_recordings_creator_profile_id_creator_profiles_id_fk",
    )
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    slug: Mapped[str] = mapped_column(sa.Text, nullable=False)
    isrc: Mapped[str | None] = _jtext()
    duration_ms: Mapped[int | None] = _jint()
    is_explicit: Mapped[bool] = _jbool(False)
    preview_url: Mapped[str | None] = _jtext()
    audio_url: Mapped[str | None] = _jtext()
    audio_format: Mapped[str | None] = _jtext()
    lyrics: Mapped[str | None] = _jtext()
    source_type: Mapped[str] = _jenum("ingestion_source_type", "manual")
    metadata_: Mapped[JSONObject | None] = _jmetadata()
    waveform_peaks: Mapped[Any | None] = mapped_column(json_type())


class DiscogTrack(JovieTimestamped, Base):
    """Jovie: content.ts ``discog_tracks``, the legacy per-release track table Jovie's own
    importers still write and its slug resolution reads."""

    __tablename__ = "discog_tracks"
    __table_args__ = (
        sa.Index(
            "discog_tracks_release_track_position_unique",
            "release_id",
            "disc_number",
            "track_number",
            unique=True,
        ),
        sa.Index("discog_tracks_release_slug_unique", "release_id", "slug", unique=True),
        sa.Index(
            "discog_tracks_release_isrc_unique",
            "release_id",
            "isrc",
            unique=True,
            **_not_null_where("isrc"),
        ),
        sa.Index("discog_tracks_release_id_idx", "release_id"),
        sa.Index("discog_tracks_creator_profile_id_idx", "creator_profile_id"),
    )

    id: Mapped[uuid.UUID] = _jpk()
    release_id: Mapped[uuid.UUID] = _jfk(
        "discog_releases.id", "CASCADE", "discog_tracks_release_id_discog_releases_id_fk"
    )
    creator_profile_id: Mapped[uuid.UUID] = _jfk(
        "creator_profiles.id", "CASCADE", "discog_tracks_creator_profile_id_creator_profiles_id_fk"
    )
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    slug: Mapped[str] = mapped_column(sa.Text, nullable=False)
    duration_ms: Mapped[int | None] = _jint()
    track_number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    disc_number: Mapped[int] = _jint(1)
    is_explicit: Mapped[bool] = _jbool(False)
    isrc: Mapped[str | None] = _jtext()
    audio_url: Mapped[str | None] = _jtext()
    audio_format: Mapped[str | None] = _jtext()
    preview_url: Mapped[str | None] = _jtext()
    lyrics: Mapped[str | None] = _jtext()
    source_type: Mapped[str] = _jenum("ingestion_source_type", "manual")
    metadata_: Mapped[JSONObject | None] = _jmetadata()


class DiscogReleaseTrack(JovieTimestamped, Base):
    """Jovie: content.ts ``discog_release_tracks``."""

    __tablename__ = "discog_release_tracks"
    __table_args__ = (
        sa.Index(
            "discog_release_tracks_position_unique",
            "release_id",
            "disc_number",
            "track_number",
            unique=True,
        ),
        sa.Index("discog_release_tracks_release_slug_unique", "release_id", "slug", unique=True),
        sa.Index("discog_release_tracks_release_id_idx", "release_id"),
        sa.Index("discog_release_tracks_recording_id_idx", "recording_id"),
    )

    id: Mapped[uuid.UUID] = _jpk()
    release_id: Mapped[uuid.UUID] = _jfk(
        "discog_releases.id", "CASCADE", "discog_release_tracks_release_id_discog_releases_id_fk"
    )
    recording_id: Mapped[uuid.UUID] = _jfk(
        "discog_recordings.id",
        "CASCADE",
        "discog_release_tracks_recording_id_discog_recordings_id_fk",
    )
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    slug: Mapped[str] = mapped_column(sa.Text, nullable=False)
    track_number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    disc_number: Mapped[int] = _jint(1)
    is_explicit: Mapped[bool] = _jbool(False)
    source_type: Mapped[str] = _jenum("ingestion_source_type", "manual")
    metadata_: Mapped[JSONObject | None] = _jmetadata()


class _Credit(JovieCreated):
    """Columns shared by release_artists, recording_artists and track_artists (Jovie's
    credit tables have ``created_at`` only)."""

    id: Mapped[uuid.UUID] = _jpk()
    role: Mapped[str] = _jenum("artist_role", None)
    credit_name: Mapped[str | None] = _jtext()
    join_phrase: Mapped[str | None] = _jtext()
    position: Mapped[int] = _jint(0)
    is_primary: Mapped[bool] = _jbool(False)
    source_type: Mapped[str | None] = _jenum("ingestion_source_type", "ingested", nullable=True)
    metadata_: Mapped[JSONObject | None] = _jmetadata()


class ReleaseArtist(_Credit, Base):
    """Jovie: content.ts ``release_artists``."""

    __tablename__ = "release_artists"
    __table_args__ = (
        sa.Index(
            "release_artists_release_artist_role", "release_id", "artist_id", "role", unique=True
        ),
        sa.Index("release_artists_artist_id_idx", "artist_id"),
        sa.Index("release_artists_release_id_idx", "release_id"),
    )

    release_id: Mapped[uuid.UUID] = _jfk(
        "discog_releases.id", "CASCADE", "release_artists_release_id_discog_releases_id_fk"
    )
    artist_id: Mapped[uuid.UUID] = _jfk(
        "artists.id", "CASCADE", "release_artists_artist_id_artists_id_fk"
    )


class RecordingArtist(_Credit, Base):
    """Jovie: content.ts ``recording_artists``."""

    __tablename__ = "recording_artists"
    __table_args__ = (
        sa.Index(
            "recording_artists_recording_artist_role",
            "recording_id",
            "artist_id",
            "role",
            unique=True,
        ),
        sa.Index("recording_artists_artist_id_idx", "artist_id"),
        sa.Index("recording_artists_recording_id_idx", "recording_id"),
    )

    recording_id: Mapped[uuid.UUID] = _jfk(
        "discog_recordings.id", "CASCADE", "recording_artists_recording_id_discog_recordings_id_fk"
    )
    artist_id: Mapped[uuid.UUID] = _jfk(
        "artists.id", "CASCADE", "recording_artists_artist_id_artists_id_fk"
    )


class TrackArtist(_Credit, Base):
    """Jovie: content.ts ``track_artists`` (credits of the legacy discog_tracks)."""

    __tablename__ = "track_artists"
    __table_args__ = (
        sa.Index("track_artists_track_artist_role", "track_id", "artist_id", "role", unique=True),
        sa.Index("track_artists_artist_id_idx", "artist_id"),
        sa.Index("track_artists_track_id_idx", "track_id"),
    )

    track_id: Mapped[uuid.UUID] = _jfk(
        "discog_tracks.id", "CASCADE", "track_artists_track_id_discog_tracks_id_fk"
    )
    artist_id: Mapped[uuid.UUID] = _jfk(
        "artists.id", "CASCADE", "track_artists_artist_id_artists_id_fk"
    )


PROVIDER_LINK_OWNER_CHECK = (
    "(CAST(owner_type AS TEXT) = 'release' AND release_id IS NOT NULL"
    " AND track_id IS NULL AND release_track_id IS NULL)"
    " OR (CAST(owner_type AS TEXT) = 'track' AND track_id IS NOT NULL"
    " AND release_id IS NULL AND release_track_id IS NULL)"
    " OR (CAST(owner_type AS TEXT) = 'release_track' AND release_track_id IS NOT NULL"
    " AND release_id IS NULL AND track_id IS NULL)"
)


class ProviderLink(JovieTimestamped, Base):
    """Jovie: content.ts ``provider_links``. Jovie's (provider_id, external_id) unique index
    spans all creators, so ss-tui's links keep external_id NULL (id in metadata)."""

    __tablename__ = "provider_links"
    __table_args__ = (
        # Exactly one owner column is set, and it is the one owner_type names.
        sa.CheckConstraint(PROVIDER_LINK_OWNER_CHECK, name=conv("provider_links_owner_match")),
        sa.Index("provider_links_release_provider", "provider_id", "release_id", unique=True),
        sa.Index("provider_links_track_provider", "provider_id", "track_id", unique=True),
        sa.Index(
            "provider_links_release_track_provider", "provider_id", "release_track_id", unique=True
        ),
        sa.Index(
            "provider_links_provider_external",
            "provider_id",
            "external_id",
            unique=True,
            **_not_null_where("external_id"),
        ),
        sa.Index("provider_links_release_id_idx", "release_id"),
        sa.Index("provider_links_track_id_idx", "track_id"),
        sa.Index("provider_links_release_track_id_idx", "release_track_id"),
    )

    id: Mapped[uuid.UUID] = _jpk()
    # RESTRICT: a provider with links cannot disappear from under them.
    provider_id: Mapped[str] = mapped_column(
        sa.Text,
        sa.ForeignKey(
            "providers.id",
            ondelete="RESTRICT",
            name=conv("provider_links_provider_id_providers_id_fk"),
        ),
        nullable=False,
    )
    owner_type: Mapped[str] = _jenum("provider_link_owner_type", None)
    release_id: Mapped[uuid.UUID | None] = _jfk(
        "discog_releases.id",
        "CASCADE",
        "provider_links_release_id_discog_releases_id_fk",
        nullable=True,
    )
    track_id: Mapped[uuid.UUID | None] = _jfk(
        "discog_tracks.id", "CASCADE", "provider_links_track_id_discog_tracks_id_fk", nullable=True
    )
    release_track_id: Mapped[uuid.UUID | None] = _jfk(
        "discog_release_tracks.id",
        "CASCADE",
        "provider_links_release_track_id_discog_release_tracks_id_fk",
        nullable=True,
    )
    external_id: Mapped[str | None] = _jtext()
    url: Mapped[str] = mapped_column(sa.Text, nullable=False)
    country: Mapped[str | None] = _jtext()
    is_primary: Mapped[bool] = _jbool(False)
    source_type: Mapped[str] = _jenum("ingestion_source_type", "manual")
    metadata_: Mapped[JSONObject | None] = _jmetadata()


class ReleaseSyncStatus(JovieTimestamped, Base):
    """Jovie: dsp-enrichment.ts ``release_sync_status``. provider_id is plain text (no
    foreign key in Jovie)."""

    __tablename__ = "release_sync_status"
    __table_args__ = (
        sa.Index(
            "release_sync_status_creator_provider_unique",
            "creator_profile_id",
            "provider_id",
            unique=True,
        ),
        sa.Index("release_sync_status_next_sync_idx", "next_scheduled_sync_at"),
        sa.Index("release_sync_status_failures_idx", "consecutive_failures"),
    )

    id: Mapped[uuid.UUID] = _jpk()
    creator_profile_id: Mapped[uuid.UUID] = _jfk(
        "creator_profiles.id",
        "CASCADE",
        "release_sync_status_creator_profile_id_creator_profiles_id_fk",
    )
    provider_id: Mapped[str] = mapped_column(sa.Text, nullable=False)
    last_full_sync_at: Mapped[datetime | None] = _jts()
    last_incremental_sync_at: Mapped[datetime | None] = _jts()
    next_scheduled_sync_at: Mapped[datetime | None] = _jts()
    total_releases_synced: Mapped[int] = _jint(0)
    releases_with_matches: Mapped[int] = _jint(0)
    last_new_release_found_at: Mapped[datetime | None] = _jts()
    consecutive_failures: Mapped[int] = _jint(0)
    last_error: Mapped[str | None] = _jtext()
    last_error_at: Mapped[datetime | None] = _jts()


class IngestionJob(JovieTimestamped, Base):
    """Jovie: ingestion.ts ``ingestion_jobs``, Jovie's own queue. ss-tui never writes it
    (Jovie's worker claims every pending row whatever its type); see SSJob."""

    __tablename__ = "ingestion_jobs"
    __table_args__ = (
        sa.Index(
            "idx_ingestion_jobs_dedup_key_unique",
            "dedup_key",
            unique=True,
            **_not_null_where("dedup_key"),
        ),
        sa.Index("idx_ingestion_jobs_status_run_at", "status", "run_at"),
    )

    id: Mapped[uuid.UUID] = _jpk()
    job_type: Mapped[str] = mapped_column(sa.Text, nullable=False)
    payload: Mapped[JSONObject] = mapped_column(json_type(), nullable=False)
    status: Mapped[str] = _jenum("ingestion_job_status", JobStatus.pending)
    error: Mapped[str | None] = _jtext()
    attempts: Mapped[int] = _jint(0)
    run_at: Mapped[datetime] = mapped_column(
        UTCWallClock(), nullable=False, default=utcnow, server_default=sa.func.now()
    )
    priority: Mapped[int] = _jint(0)
    max_attempts: Mapped[int] = _jint(3)
    next_run_at: Mapped[datetime | None] = _jts()
    dedup_key: Mapped[str | None] = _jtext()


# --------------------------------------------------------------------------- ss-tui


class SSConnection(Timestamped, Base):
    """A connected Session Studio account. The token lives in the keyring or ss_tokens,
    never here."""

    __tablename__ = "ss_connections"

    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[str] = mapped_column(sa.Text, nullable=False, unique=True)
    account_name: Mapped[str | None] = mapped_column(sa.Text)
    base_url: Mapped[str] = mapped_column(sa.Text, nullable=False)
    scopes: Mapped[str | None] = mapped_column(sa.Text)
    sync_cursor: Mapped[datetime | None] = _ts()  # the updatedSince of the next incremental run
    last_sync_at: Mapped[datetime | None] = _ts()
    status: Mapped[str] = mapped_column(
        sa_enum("ss_connection_status"), nullable=False, default=ConnectionStatus.connected
    )
    metadata_: Mapped[JSONObject | None] = _metadata()


class SSToken(Timestamped, Base):
    """The database token store: Fernet ciphertext only (key from SS_TUI_TOKEN_KEY)."""

    __tablename__ = "ss_tokens"

    id: Mapped[uuid.UUID] = _pk()
    account_key: Mapped[str] = mapped_column(sa.Text, nullable=False, unique=True)
    ciphertext: Mapped[str] = mapped_column(sa.Text, nullable=False)

    def __repr__(self) -> str:  # never show the ciphertext
        return f"SSToken(account_key={self.account_key!r})"


class SourceSnapshot(Timestamped, Base):
    """The last payload fetched for each project/track, with denormalised columns the
    browser pages, filters and sorts on without parsing JSON."""

    __tablename__ = "source_snapshots"
    __table_args__ = (
        sa.UniqueConstraint("connection_id", "entity_type", "external_id"),
        sa.Index("ix_source_snapshots_conn_title", "connection_id", "entity_type", "title"),
        sa.Index(
            "ix_source_snapshots_conn_updated",
            "connection_id",
            "entity_type",
            "upstream_updated_at",
        ),
        sa.Index("ix_source_snapshots_conn_artist", "connection_id", "entity_type", "artist_name"),
        sa.Index("ix_source_snapshots_conn_status", "connection_id", "entity_type", "status"),
        sa.Index("ix_source_snapshots_project", "connection_id", "project_external_id"),
        # The accounts list's newest fetch and count, the artist filter (migration 0005).
        sa.Index("ix_source_snapshots_conn_fetched", "connection_id", "entity_type", "fetched_at"),
        sa.Index(
            "ix_source_snapshots_conn_artist_id",
            "connection_id",
            "entity_type",
            "artist_id",
            "artist_name",
        ),
        # Covering index for the browser's text filter and counts (migration 0003).
        sa.Index(
            "ix_source_snapshots_browse",
            "connection_id",
            "entity_type",
            "removed_upstream",
            "title",
            "artist_name",
            "external_id",
        ),
    )

    id: Mapped[uuid.UUID] = _pk()
    connection_id: Mapped[uuid.UUID] = _fk("ss_connections.id", "CASCADE")
    entity_type: Mapped[str] = mapped_column(sa_enum("ss_snapshot_entity_type"), nullable=False)
    external_id: Mapped[str] = mapped_column(sa.Text, nullable=False)
    project_external_id: Mapped[str | None] = mapped_column(sa.Text)  # null for projects
    payload: Mapped[JSONObject] = _json(nullable=False)
    hash: Mapped[str] = mapped_column(sa.Text, nullable=False)  # sha256 of canonical payload
    etag: Mapped[str | None] = mapped_column(sa.Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    upstream_updated_at: Mapped[datetime | None] = _ts()
    removed_upstream: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    title: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str | None] = mapped_column(sa.Text)
    project_type: Mapped[str | None] = mapped_column(sa.Text)
    artist_id: Mapped[str | None] = mapped_column(sa.Text)
    artist_name: Mapped[str | None] = mapped_column(sa.Text)
    release_date: Mapped[date | None] = mapped_column(sa.Date)
    track_count: Mapped[int | None] = mapped_column(sa.Integer)


class ArtistIdentity(Timestamped, Base):
    """Session Studio artist id <-> Jovie artist: the identity map that keeps one Jovie
    artist per Session Studio collaborator (Jovie's artists table has no column for it; the
    id is also in ``artists.metadata.sessionStudioId``, the way Jovie keeps spotifyId)."""

    __tablename__ = "ss_artist_identities"
    __table_args__ = (sa.Index("ix_ss_artist_identities_artist_id", "artist_id"),)

    ss_artist_id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    artist_id: Mapped[uuid.UUID] = _fk("artists.id", "CASCADE")


class SSJob(Timestamped, Base):
    """ss-tui's job queue (workers, webhooks, schedules). Its own table: Jovie's worker
    claims every pending ``ingestion_jobs`` row whatever its type, so ss-tui never queues
    there. Same semantics as before: FOR UPDATE SKIP LOCKED, dedup keys, backoff, stalled
    job requeue (docs/jovie-model.md)."""

    __tablename__ = "ss_jobs"
    __table_args__ = (
        sa.Index(
            "ix_ss_jobs_dedup_key_unique", "dedup_key", unique=True, **_not_null_where("dedup_key")
        ),
        sa.Index("ix_ss_jobs_status_run_at", "status", "run_at"),
        sa.Index("ix_ss_jobs_claim", "status", "priority", "run_at"),
    )

    id: Mapped[uuid.UUID] = _pk()
    job_type: Mapped[str] = mapped_column(sa.Text, nullable=False)
    payload: Mapped[JSONObject] = _json(nullable=False)
    status: Mapped[str] = mapped_column(
        sa_enum("ss_job_status"), nullable=False, default=JobStatus.pending
    )
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    max_attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=3)
    run_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, server_default=sa.func.now()
    )
    next_run_at: Mapped[datetime | None] = _ts()
    priority: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)  # lower first
    dedup_key: Mapped[str | None] = mapped_column(sa.Text)
    locked_by: Mapped[str | None] = mapped_column(sa.Text)
    locked_at: Mapped[datetime | None] = _ts()
    heartbeat_at: Mapped[datetime | None] = _ts()
    last_run_started_at: Mapped[datetime | None] = _ts()
    finished_at: Mapped[datetime | None] = _ts()
    result: Mapped[JSONObject | None] = _json(default=None)


class CreatorAssignment(Timestamped, Base):
    """Which creator profile a Session Studio artist's projects go to (chosen in preview)."""

    __tablename__ = "creator_assignments"
    __table_args__ = (sa.UniqueConstraint("connection_id", "ss_artist_id"),)

    id: Mapped[uuid.UUID] = _pk()
    connection_id: Mapped[uuid.UUID] = _fk("ss_connections.id", "CASCADE")
    ss_artist_id: Mapped[str] = mapped_column(sa.Text, nullable=False)
    ss_artist_name: Mapped[str | None] = mapped_column(sa.Text)
    creator_profile_id: Mapped[uuid.UUID] = _fk("creator_profiles.id", "CASCADE")


class ImportRun(Timestamped, Base):
    __tablename__ = "import_runs"
    __table_args__ = (sa.Index("ix_import_runs_started_at", "started_at"),)

    id: Mapped[uuid.UUID] = _pk()
    # SET NULL: history outlives a removed connection.
    connection_id: Mapped[uuid.UUID | None] = _fk("ss_connections.id", "SET NULL", nullable=True)
    started_by: Mapped[str | None] = mapped_column(sa.Text)
    options: Mapped[JSONObject | None] = _json()
    status: Mapped[str] = mapped_column(
        sa_enum("import_run_status"), nullable=False, default=RunStatus.running
    )
    dry_run: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = _ts()
    counts: Mapped[JSONObject | None] = _json()
    api_requests: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    api_retries: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    api_rate_limited: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class ImportItem(Timestamped, Base):
    """One project within one run: its decision and status are the resume point."""

    __tablename__ = "import_items"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "project_external_id"),
        sa.Index("ix_import_items_project", "project_external_id", "status"),
    )

    id: Mapped[uuid.UUID] = _pk()
    run_id: Mapped[uuid.UUID] = _fk("import_runs.id", "CASCADE")
    project_external_id: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[str] = mapped_column(
        sa_enum("import_item_status"), nullable=False, default=ItemStatus.pending
    )
    decision: Mapped[JSONObject | None] = _json()
    release_id: Mapped[uuid.UUID | None] = _fk("discog_releases.id", "SET NULL", nullable=True)
    counts: Mapped[JSONObject | None] = _json()
    warnings: Mapped[list[Any] | None] = _json(default=list)
    error: Mapped[str | None] = mapped_column(sa.Text)


class SyncError(Timestamped, Base):
    __tablename__ = "sync_errors"
    __table_args__ = (
        # Repeated failures of one item update one live row instead of piling up.
        sa.Index(
            "sync_errors_open_fingerprint_unique",
            "fingerprint",
            unique=True,
            postgresql_where=sa.text("status IN ('open', 'retrying')"),
            sqlite_where=sa.text("status IN ('open', 'retrying')"),
        ),
        sa.Index("ix_sync_errors_run_id", "run_id"),
        sa.Index("ix_sync_errors_status_kind", "status", "kind"),
        sa.Index("ix_sync_errors_last_seen_at", "last_seen_at"),
    )

    id: Mapped[uuid.UUID] = _pk()
    run_id: Mapped[uuid.UUID | None] = _fk("import_runs.id", "SET NULL", nullable=True)
    connection_id: Mapped[uuid.UUID | None] = _fk("ss_connections.id", "SET NULL", nullable=True)
    entity_type: Mapped[str | None] = mapped_column(sa.Text)
    external_id: Mapped[str | None] = mapped_column(sa.Text)
    project_external_id: Mapped[str | None] = mapped_column(sa.Text)
    stage: Mapped[str] = mapped_column(sa_enum("sync_error_stage"), nullable=False)
    kind: Mapped[str] = mapped_column(sa_enum("sync_error_kind"), nullable=False)
    message: Mapped[str] = mapped_column(sa.Text, nullable=False)
    detail: Mapped[JSONObject | None] = _json()
    http_status: Mapped[int | None] = mapped_column(sa.Integer)
    source_payload: Mapped[Any | None] = _json(default=None)
    suggested_action: Mapped[str] = mapped_column(
        sa_enum("sync_error_action"), nullable=False, default="retry"
    )
    status: Mapped[str] = mapped_column(
        sa_enum("sync_error_status"), nullable=False, default=ErrorStatus.open
    )
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    fingerprint: Mapped[str] = mapped_column(sa.Text, nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    resolved_at: Mapped[datetime | None] = _ts()
    resolved_by: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)


class FieldLock(Timestamped, Base):
    """A field staff pinned by hand; imports never overwrite it."""

    __tablename__ = "field_locks"
    __table_args__ = (sa.UniqueConstraint("table_name", "row_id", "field_name"),)

    id: Mapped[uuid.UUID] = _pk()
    table_name: Mapped[str] = mapped_column(sa.Text, nullable=False)
    row_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    field_name: Mapped[str] = mapped_column(sa.Text, nullable=False)
    locked_by: Mapped[str | None] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)


class AuditLog(Timestamped, Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_entity", "entity_type", "entity_id"),
        sa.Index("ix_audit_log_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = _pk()
    actor: Mapped[str | None] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text, nullable=False)
    entity_type: Mapped[str | None] = mapped_column(sa.Text)
    entity_id: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[JSONObject | None] = _json()


# Tables that are Jovie's (they may already exist in a Jovie database) vs ss-tui's own.
JOVIE_TABLES = (
    "providers",
    "creator_profiles",
    "artists",
    "discog_releases",
    "discog_recordings",
    "discog_tracks",
    "discog_release_tracks",
    "release_artists",
    "recording_artists",
    "track_artists",
    "provider_links",
    "release_sync_status",
    "ingestion_jobs",
)
SS_TUI_TABLES = (
    "ss_connections",
    "ss_tokens",
    "source_snapshots",
    "creator_assignments",
    "import_runs",
    "import_items",
    "sync_errors",
    "field_locks",
    "audit_log",
    "ss_artist_identities",
    "ss_jobs",
)
metadata = Base.metadata
