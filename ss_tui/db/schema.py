"""Jovie's discography schema (DESIGN §4) plus ss-tui's own tables, as SQLAlchemy 2 models.

Column, index and enum names follow Jovie's Drizzle schema so the same code runs against
an existing Jovie PostgreSQL. SQLite is the embedded default; types.py papers over the
dialect differences (jsonb/JSON, text[]/JSON, timestamptz/naive UTC).

The Python attribute for the SQL column ``metadata`` is ``metadata_`` because
``metadata`` is reserved on declarative classes.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.elements import conv

from ss_tui.db.enums import sa_enum
from ss_tui.db.types import UTCDateTime, json_type, text_array, utcnow

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


def _pk() -> Mapped[uuid.UUID]:
    return mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)


def _fk(target: str, ondelete: str, *, nullable: bool = False) -> Mapped[Any]:
    return mapped_column(sa.Uuid, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


def _json(*, nullable: bool = True, default: Any = dict) -> Mapped[Any]:
    return mapped_column(json_type(), nullable=nullable, default=default)


def _metadata() -> Mapped[dict[str, Any] | None]:
    return mapped_column("metadata", json_type(), nullable=True, default=dict)


def _ts(*, nullable: bool = True) -> Mapped[Any]:
    return mapped_column(UTCDateTime(), nullable=nullable)


def _not_null_where(column: str) -> dict[str, Any]:
    """Dialect kwargs for a partial index covering rows where ``column`` is set."""
    cond = sa.text(f"{column} IS NOT NULL")
    return {"postgresql_where": cond, "sqlite_where": cond}


class Timestamped:
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


# --------------------------------------------------------------------------- Jovie


class Provider(Timestamped, Base):
    __tablename__ = "providers"

    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)  # "spotify", "session-studio"
    display_name: Mapped[str] = mapped_column(sa.Text, nullable=False)
    kind: Mapped[str] = mapped_column(
        sa_enum("provider_kind"), nullable=False, default="music_streaming"
    )
    base_url: Mapped[str | None] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    metadata_: Mapped[dict[str, Any] | None] = _metadata()


class CreatorProfile(Timestamped, Base):
    """Only the columns of Jovie's creator_profiles that ss-tui reads or writes."""

    __tablename__ = "creator_profiles"
    __table_args__ = (
        sa.Index(
            "creator_profiles_handle_unique", "handle", unique=True, **_not_null_where("handle")
        ),
    )

    id: Mapped[uuid.UUID] = _pk()
    display_name: Mapped[str | None] = mapped_column(sa.Text)
    handle: Mapped[str | None] = mapped_column(sa.Text)
    settings: Mapped[dict[str, Any] | None] = _json()
    ingestion_status: Mapped[str] = mapped_column(
        sa_enum("ingestion_status"), nullable=False, default="idle"
    )
    last_ingestion_error: Mapped[str | None] = mapped_column(sa.Text)


ARTIST_EXTERNAL_IDS = (
    "spotify_id",
    "apple_music_id",
    "musicbrainz_id",
    "deezer_id",
    "session_studio_id",
)


class Artist(Timestamped, Base):
    __tablename__ = "artists"
    __table_args__ = (
        *(
            sa.Index(f"artists_{col}_unique", col, unique=True, **_not_null_where(col))
            for col in ARTIST_EXTERNAL_IDS
        ),
        sa.Index("artists_name_normalized_idx", "name_normalized"),
        sa.Index("artists_creator_profile_id_idx", "creator_profile_id"),
    )

    id: Mapped[uuid.UUID] = _pk()
    # A Jovie user's own artist entry; collaborators found on import have none. Deleting
    # the profile keeps the artist (credits on other creators' releases still need it).
    creator_profile_id: Mapped[uuid.UUID | None] = _fk(
        "creator_profiles.id", "SET NULL", nullable=True
    )
    name: Mapped[str] = mapped_column(sa.Text, nullable=False)
    name_normalized: Mapped[str] = mapped_column(sa.Text, nullable=False)
    sort_name: Mapped[str | None] = mapped_column(sa.Text)
    disambiguation: Mapped[str | None] = mapped_column(sa.Text)
    artist_type: Mapped[str | None] = mapped_column(sa_enum("artist_type"), default="person")
    spotify_id: Mapped[str | None] = mapped_column(sa.Text)
    apple_music_id: Mapped[str | None] = mapped_column(sa.Text)
    musicbrainz_id: Mapped[str | None] = mapped_column(sa.Text)
    deezer_id: Mapped[str | None] = mapped_column(sa.Text)
    session_studio_id: Mapped[str | None] = mapped_column(sa.Text)
    image_url: Mapped[str | None] = mapped_column(sa.Text)
    is_auto_created: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    match_confidence: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 4))
    metadata_: Mapped[dict[str, Any] | None] = _metadata()


class DiscogRelease(Timestamped, Base):
    __tablename__ = "discog_releases"
    __table_args__ = (
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

    id: Mapped[uuid.UUID] = _pk()
    creator_profile_id: Mapped[uuid.UUID] = _fk("creator_profiles.id", "CASCADE")
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    slug: Mapped[str] = mapped_column(sa.Text, nullable=False)
    release_type: Mapped[str] = mapped_column(
        sa_enum("discog_release_type"), nullable=False, default="single"
    )
    release_date: Mapped[datetime | None] = _ts()
    status: Mapped[str] = mapped_column(sa.Text, nullable=False, default="released")
    label: Mapped[str | None] = mapped_column(sa.Text)
    upc: Mapped[str | None] = mapped_column(sa.Text)
    total_tracks: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    is_explicit: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    genres: Mapped[list[str] | None] = mapped_column(text_array())
    artwork_url: Mapped[str | None] = mapped_column(sa.Text)
    source_type: Mapped[str] = mapped_column(
        sa_enum("ingestion_source_type"), nullable=False, default="manual"
    )
    metadata_: Mapped[dict[str, Any] | None] = _metadata()


class DiscogRecording(Timestamped, Base):
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

    id: Mapped[uuid.UUID] = _pk()
    creator_profile_id: Mapped[uuid.UUID] = _fk("creator_profiles.id", "CASCADE")
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    slug: Mapped[str] = mapped_column(sa.Text, nullable=False)
    isrc: Mapped[str | None] = mapped_column(sa.Text)
    duration_ms: Mapped[int | None] = mapped_column(sa.Integer)
    is_explicit: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    preview_url: Mapped[str | None] = mapped_column(sa.Text)
    source_type: Mapped[str] = mapped_column(
        sa_enum("ingestion_source_type"), nullable=False, default="manual"
    )
    metadata_: Mapped[dict[str, Any] | None] = _metadata()


class DiscogTrack(Timestamped, Base):
    """Jovie's legacy per-release track table. ss-tui never writes it; it exists because
    provider_links.track_id references it."""

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
    )

    id: Mapped[uuid.UUID] = _pk()
    release_id: Mapped[uuid.UUID] = _fk("discog_releases.id", "CASCADE")
    creator_profile_id: Mapped[uuid.UUID] = _fk("creator_profiles.id", "CASCADE")
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    slug: Mapped[str] = mapped_column(sa.Text, nullable=False)
    duration_ms: Mapped[int | None] = mapped_column(sa.Integer)
    track_number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    disc_number: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    is_explicit: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    isrc: Mapped[str | None] = mapped_column(sa.Text)
    preview_url: Mapped[str | None] = mapped_column(sa.Text)
    source_type: Mapped[str] = mapped_column(
        sa_enum("ingestion_source_type"), nullable=False, default="manual"
    )
    metadata_: Mapped[dict[str, Any] | None] = _metadata()


class DiscogReleaseTrack(Timestamped, Base):
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
        sa.Index("discog_release_tracks_recording_id_idx", "recording_id"),
    )

    id: Mapped[uuid.UUID] = _pk()
    release_id: Mapped[uuid.UUID] = _fk("discog_releases.id", "CASCADE")
    recording_id: Mapped[uuid.UUID] = _fk("discog_recordings.id", "CASCADE")
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    slug: Mapped[str] = mapped_column(sa.Text, nullable=False)
    track_number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    disc_number: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    is_explicit: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    source_type: Mapped[str] = mapped_column(
        sa_enum("ingestion_source_type"), nullable=False, default="manual"
    )
    metadata_: Mapped[dict[str, Any] | None] = _metadata()


class _Credit(Timestamped):
    """Columns shared by release_artists and recording_artists."""

    id: Mapped[uuid.UUID] = _pk()
    artist_id: Mapped[uuid.UUID] = _fk("artists.id", "CASCADE")
    role: Mapped[str] = mapped_column(sa_enum("artist_role"), nullable=False)
    credit_name: Mapped[str | None] = mapped_column(sa.Text)
    join_phrase: Mapped[str | None] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    is_primary: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    source_type: Mapped[str | None] = mapped_column(
        sa_enum("ingestion_source_type"), default="ingested"
    )
    metadata_: Mapped[dict[str, Any] | None] = _metadata()


class ReleaseArtist(_Credit, Base):
    __tablename__ = "release_artists"
    __table_args__ = (
        sa.Index(
            "release_artists_release_artist_role", "release_id", "artist_id", "role", unique=True
        ),
        sa.Index("release_artists_artist_id_idx", "artist_id"),
    )

    release_id: Mapped[uuid.UUID] = _fk("discog_releases.id", "CASCADE")


class RecordingArtist(_Credit, Base):
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
    )

    recording_id: Mapped[uuid.UUID] = _fk("discog_recordings.id", "CASCADE")


PROVIDER_LINK_OWNER_CHECK = (
    "(CAST(owner_type AS TEXT) = 'release' AND release_id IS NOT NULL"
    " AND track_id IS NULL AND release_track_id IS NULL)"
    " OR (CAST(owner_type AS TEXT) = 'track' AND track_id IS NOT NULL"
    " AND release_id IS NULL AND release_track_id IS NULL)"
    " OR (CAST(owner_type AS TEXT) = 'release_track' AND release_track_id IS NOT NULL"
    " AND release_id IS NULL AND track_id IS NULL)"
)


class ProviderLink(Timestamped, Base):
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

    id: Mapped[uuid.UUID] = _pk()
    # RESTRICT: a provider with links cannot disappear from under them.
    provider_id: Mapped[str] = mapped_column(
        sa.Text, sa.ForeignKey("providers.id", ondelete="RESTRICT"), nullable=False
    )
    owner_type: Mapped[str] = mapped_column(sa_enum("provider_link_owner_type"), nullable=False)
    release_id: Mapped[uuid.UUID | None] = _fk("discog_releases.id", "CASCADE", nullable=True)
    track_id: Mapped[uuid.UUID | None] = _fk("discog_tracks.id", "CASCADE", nullable=True)
    release_track_id: Mapped[uuid.UUID | None] = _fk(
        "discog_release_tracks.id", "CASCADE", nullable=True
    )
    external_id: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str] = mapped_column(sa.Text, nullable=False)
    country: Mapped[str | None] = mapped_column(sa.Text)
    is_primary: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    source_type: Mapped[str] = mapped_column(
        sa_enum("ingestion_source_type"), nullable=False, default="manual"
    )
    metadata_: Mapped[dict[str, Any] | None] = _metadata()


class ReleaseSyncStatus(Timestamped, Base):
    __tablename__ = "release_sync_status"
    __table_args__ = (
        sa.Index(
            "release_sync_status_creator_provider_unique",
            "creator_profile_id",
            "provider_id",
            unique=True,
        ),
    )

    id: Mapped[uuid.UUID] = _pk()
    creator_profile_id: Mapped[uuid.UUID] = _fk("creator_profiles.id", "CASCADE")
    provider_id: Mapped[str] = mapped_column(
        sa.Text, sa.ForeignKey("providers.id", ondelete="CASCADE"), nullable=False
    )
    last_full_sync_at: Mapped[datetime | None] = _ts()
    last_incremental_sync_at: Mapped[datetime | None] = _ts()
    total_releases_synced: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    consecutive_failures: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_error_at: Mapped[datetime | None] = _ts()


class IngestionJob(Timestamped, Base):
    """Jovie's job queue, plus the columns ss-tui's workers need to claim and watch jobs."""

    __tablename__ = "ingestion_jobs"
    __table_args__ = (
        sa.Index(
            "idx_ingestion_jobs_dedup_key_unique",
            "dedup_key",
            unique=True,
            **_not_null_where("dedup_key"),
        ),
        sa.Index("idx_ingestion_jobs_status_run_at", "status", "run_at"),
        sa.Index("idx_ingestion_jobs_claim", "status", "priority", "run_at"),
    )

    id: Mapped[uuid.UUID] = _pk()
    job_type: Mapped[str] = mapped_column(sa.Text, nullable=False)
    payload: Mapped[dict[str, Any]] = _json(nullable=False)
    status: Mapped[str] = mapped_column(
        sa_enum("ingestion_job_status"), nullable=False, default="pending"
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
    # ss-tui worker columns
    locked_by: Mapped[str | None] = mapped_column(sa.Text)
    locked_at: Mapped[datetime | None] = _ts()
    heartbeat_at: Mapped[datetime | None] = _ts()
    last_run_started_at: Mapped[datetime | None] = _ts()
    finished_at: Mapped[datetime | None] = _ts()
    result: Mapped[dict[str, Any] | None] = _json(default=None)


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
        sa_enum("ss_connection_status"), nullable=False, default="connected"
    )
    metadata_: Mapped[dict[str, Any] | None] = _metadata()


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
        # Covering index for the browser's text filter and counts (migration 0003).
        sa.Index(
            "ix_source_snapshots_browse",
            "connection_id", "entity_type", "removed_upstream", "title", "artist_name",
            "external_id",
        ),
    )

    id: Mapped[uuid.UUID] = _pk()
    connection_id: Mapped[uuid.UUID] = _fk("ss_connections.id", "CASCADE")
    entity_type: Mapped[str] = mapped_column(sa_enum("ss_snapshot_entity_type"), nullable=False)
    external_id: Mapped[str] = mapped_column(sa.Text, nullable=False)
    project_external_id: Mapped[str | None] = mapped_column(sa.Text)  # null for projects
    payload: Mapped[dict[str, Any]] = _json(nullable=False)
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
    options: Mapped[dict[str, Any] | None] = _json()
    status: Mapped[str] = mapped_column(
        sa_enum("import_run_status"), nullable=False, default="running"
    )
    dry_run: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = _ts()
    counts: Mapped[dict[str, Any] | None] = _json()
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
        sa_enum("import_item_status"), nullable=False, default="pending"
    )
    decision: Mapped[dict[str, Any] | None] = _json()
    release_id: Mapped[uuid.UUID | None] = _fk("discog_releases.id", "SET NULL", nullable=True)
    counts: Mapped[dict[str, Any] | None] = _json()
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
    detail: Mapped[dict[str, Any] | None] = _json()
    http_status: Mapped[int | None] = mapped_column(sa.Integer)
    source_payload: Mapped[Any | None] = _json(default=None)
    suggested_action: Mapped[str] = mapped_column(
        sa_enum("sync_error_action"), nullable=False, default="retry"
    )
    status: Mapped[str] = mapped_column(
        sa_enum("sync_error_status"), nullable=False, default="open"
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
    detail: Mapped[dict[str, Any] | None] = _json()


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
)
metadata = Base.metadata
