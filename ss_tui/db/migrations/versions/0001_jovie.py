"""Jovie's discography tables, as Jovie has them (an existing Jovie database is stamped
at this revision instead of running it; see ss_tui.db.migrate).

Revision ID: 0001_jovie
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_jovie"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision (never import them from the live schema).
JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
TEXT_ARRAY = sa.JSON(none_as_null=True).with_variant(postgresql.ARRAY(sa.Text()), "postgresql")
ENUMS: dict[str, tuple[str, ...]] = {
    "artist_role": (
        "main_artist",
        "featured_artist",
        "remixer",
        "producer",
        "co_producer",
        "composer",
        "lyricist",
        "arranger",
        "conductor",
        "mix_engineer",
        "mastering_engineer",
        "vs",
        "with",
        "other",
    ),
    "artist_type": ("person", "group", "orchestra", "choir", "character", "other"),
    "discog_release_type": (
        "single",
        "ep",
        "album",
        "compilation",
        "live",
        "mixtape",
        "music_video",
        "other",
    ),
    "ingestion_job_status": ("pending", "processing", "succeeded", "failed"),
    "ingestion_source_type": ("manual", "admin", "ingested"),
    "ingestion_status": ("idle", "pending", "processing", "failed"),
    "provider_kind": ("music_streaming", "video", "social", "retail", "other"),
    "provider_link_owner_type": ("release", "track", "release_track"),
}


def enum(name: str) -> sa.types.TypeEngine[str]:
    """Native enum on PostgreSQL (created once up front, below), CHECK on SQLite."""
    if op.get_bind().dialect.name == "postgresql":
        return postgresql.ENUM(*ENUMS[name], name=name, create_type=False)
    return sa.Enum(*ENUMS[name], name=name, create_constraint=True)


def create_enums() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, values in ENUMS.items():
            postgresql.ENUM(*values, name=name).create(bind, checkfirst=True)


def drop_enums() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, values in ENUMS.items():
            postgresql.ENUM(*values, name=name).drop(bind, checkfirst=True)


def upgrade() -> None:
    create_enums()
    op.create_table(
        "creator_profiles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("handle", sa.Text(), nullable=True),
        sa.Column("settings", JSON, nullable=True),
        sa.Column("ingestion_status", enum("ingestion_status"), nullable=False),
        sa.Column("last_ingestion_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_profiles")),
    )
    op.create_index(
        "creator_profiles_handle_unique",
        "creator_profiles",
        ["handle"],
        unique=True,
        postgresql_where=sa.text("handle IS NOT NULL"),
        sqlite_where=sa.text("handle IS NOT NULL"),
    )
    op.create_table(
        "ingestion_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_type", sa.Text(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", enum("ingestion_job_status"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column(
            "run_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.Text(), nullable=True),
        sa.Column("locked_by", sa.Text(), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingestion_jobs")),
    )
    op.create_index(
        "idx_ingestion_jobs_claim", "ingestion_jobs", ["status", "priority", "run_at"], unique=False
    )
    op.create_index(
        "idx_ingestion_jobs_dedup_key_unique",
        "ingestion_jobs",
        ["dedup_key"],
        unique=True,
        postgresql_where=sa.text("dedup_key IS NOT NULL"),
        sqlite_where=sa.text("dedup_key IS NOT NULL"),
    )
    op.create_index(
        "idx_ingestion_jobs_status_run_at", "ingestion_jobs", ["status", "run_at"], unique=False
    )
    op.create_table(
        "providers",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("kind", enum("provider_kind"), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
    )
    op.create_table(
        "artists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("creator_profile_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_normalized", sa.Text(), nullable=False),
        sa.Column("sort_name", sa.Text(), nullable=True),
        sa.Column("disambiguation", sa.Text(), nullable=True),
        sa.Column("artist_type", enum("artist_type"), nullable=True),
        sa.Column("spotify_id", sa.Text(), nullable=True),
        sa.Column("apple_music_id", sa.Text(), nullable=True),
        sa.Column("musicbrainz_id", sa.Text(), nullable=True),
        sa.Column("deezer_id", sa.Text(), nullable=True),
        sa.Column("session_studio_id", sa.Text(), nullable=True),
        sa.Column("image_url", sa.Text(), nullable=True),
        sa.Column("is_auto_created", sa.Boolean(), nullable=False),
        sa.Column("match_confidence", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["creator_profile_id"],
            ["creator_profiles.id"],
            name=op.f("fk_artists_creator_profile_id_creator_profiles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artists")),
    )
    op.create_index(
        "artists_apple_music_id_unique",
        "artists",
        ["apple_music_id"],
        unique=True,
        postgresql_where=sa.text("apple_music_id IS NOT NULL"),
        sqlite_where=sa.text("apple_music_id IS NOT NULL"),
    )
    op.create_index(
        "artists_creator_profile_id_idx", "artists", ["creator_profile_id"], unique=False
    )
    op.create_index(
        "artists_deezer_id_unique",
        "artists",
        ["deezer_id"],
        unique=True,
        postgresql_where=sa.text("deezer_id IS NOT NULL"),
        sqlite_where=sa.text("deezer_id IS NOT NULL"),
    )
    op.create_index(
        "artists_musicbrainz_id_unique",
        "artists",
        ["musicbrainz_id"],
        unique=True,
        postgresql_where=sa.text("musicbrainz_id IS NOT NULL"),
        sqlite_where=sa.text("musicbrainz_id IS NOT NULL"),
    )
    op.create_index("artists_name_normalized_idx", "artists", ["name_normalized"], unique=False)
    op.create_index(
        "artists_session_studio_id_unique",
        "artists",
        ["session_studio_id"],
        unique=True,
        postgresql_where=sa.text("session_studio_id IS NOT NULL"),
        sqlite_where=sa.text("session_studio_id IS NOT NULL"),
    )
    op.create_index(
        "artists_spotify_id_unique",
        "artists",
        ["spotify_id"],
        unique=True,
        postgresql_where=sa.text("spotify_id IS NOT NULL"),
        sqlite_where=sa.text("spotify_id IS NOT NULL"),
    )
    op.create_table(
        "discog_recordings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("creator_profile_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("isrc", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("is_explicit", sa.Boolean(), nullable=False),
        sa.Column("preview_url", sa.Text(), nullable=True),
        sa.Column("source_type", enum("ingestion_source_type"), nullable=False),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["creator_profile_id"],
            ["creator_profiles.id"],
            name=op.f("fk_discog_recordings_creator_profile_id_creator_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discog_recordings")),
    )
    op.create_index(
        "discog_recordings_creator_isrc_unique",
        "discog_recordings",
        ["creator_profile_id", "isrc"],
        unique=True,
        postgresql_where=sa.text("isrc IS NOT NULL"),
        sqlite_where=sa.text("isrc IS NOT NULL"),
    )
    op.create_index(
        "discog_recordings_creator_profile_id_idx",
        "discog_recordings",
        ["creator_profile_id"],
        unique=False,
    )
    op.create_index(
        "discog_recordings_creator_slug_unique",
        "discog_recordings",
        ["creator_profile_id", "slug"],
        unique=True,
    )
    op.create_table(
        "discog_releases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("creator_profile_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("release_type", enum("discog_release_type"), nullable=False),
        sa.Column("release_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("upc", sa.Text(), nullable=True),
        sa.Column("total_tracks", sa.Integer(), nullable=False),
        sa.Column("is_explicit", sa.Boolean(), nullable=False),
        sa.Column("genres", TEXT_ARRAY, nullable=True),
        sa.Column("artwork_url", sa.Text(), nullable=True),
        sa.Column("source_type", enum("ingestion_source_type"), nullable=False),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["creator_profile_id"],
            ["creator_profiles.id"],
            name=op.f("fk_discog_releases_creator_profile_id_creator_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discog_releases")),
    )
    op.create_index(
        "discog_releases_creator_slug_unique",
        "discog_releases",
        ["creator_profile_id", "slug"],
        unique=True,
    )
    op.create_index(
        "discog_releases_creator_upc_unique",
        "discog_releases",
        ["creator_profile_id", "upc"],
        unique=True,
        postgresql_where=sa.text("upc IS NOT NULL"),
        sqlite_where=sa.text("upc IS NOT NULL"),
    )
    op.create_index(
        "discog_releases_release_date_idx", "discog_releases", ["release_date"], unique=False
    )
    op.create_table(
        "release_sync_status",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("creator_profile_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=False),
        sa.Column("last_full_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_incremental_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total_releases_synced", sa.Integer(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["creator_profile_id"],
            ["creator_profiles.id"],
            name=op.f("fk_release_sync_status_creator_profile_id_creator_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_release_sync_status_provider_id_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_sync_status")),
    )
    op.create_index(
        "release_sync_status_creator_provider_unique",
        "release_sync_status",
        ["creator_profile_id", "provider_id"],
        unique=True,
    )
    op.create_table(
        "discog_release_tracks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("release_id", sa.Uuid(), nullable=False),
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("track_number", sa.Integer(), nullable=False),
        sa.Column("disc_number", sa.Integer(), nullable=False),
        sa.Column("is_explicit", sa.Boolean(), nullable=False),
        sa.Column("source_type", enum("ingestion_source_type"), nullable=False),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["discog_recordings.id"],
            name=op.f("fk_discog_release_tracks_recording_id_discog_recordings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["discog_releases.id"],
            name=op.f("fk_discog_release_tracks_release_id_discog_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discog_release_tracks")),
    )
    op.create_index(
        "discog_release_tracks_position_unique",
        "discog_release_tracks",
        ["release_id", "disc_number", "track_number"],
        unique=True,
    )
    op.create_index(
        "discog_release_tracks_recording_id_idx",
        "discog_release_tracks",
        ["recording_id"],
        unique=False,
    )
    op.create_index(
        "discog_release_tracks_release_slug_unique",
        "discog_release_tracks",
        ["release_id", "slug"],
        unique=True,
    )
    op.create_table(
        "discog_tracks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("release_id", sa.Uuid(), nullable=False),
        sa.Column("creator_profile_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("track_number", sa.Integer(), nullable=False),
        sa.Column("disc_number", sa.Integer(), nullable=False),
        sa.Column("is_explicit", sa.Boolean(), nullable=False),
        sa.Column("isrc", sa.Text(), nullable=True),
        sa.Column("preview_url", sa.Text(), nullable=True),
        sa.Column("source_type", enum("ingestion_source_type"), nullable=False),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["creator_profile_id"],
            ["creator_profiles.id"],
            name=op.f("fk_discog_tracks_creator_profile_id_creator_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["discog_releases.id"],
            name=op.f("fk_discog_tracks_release_id_discog_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discog_tracks")),
    )
    op.create_index(
        "discog_tracks_release_slug_unique", "discog_tracks", ["release_id", "slug"], unique=True
    )
    op.create_index(
        "discog_tracks_release_track_position_unique",
        "discog_tracks",
        ["release_id", "disc_number", "track_number"],
        unique=True,
    )
    op.create_table(
        "recording_artists",
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("artist_id", sa.Uuid(), nullable=False),
        sa.Column("role", enum("artist_role"), nullable=False),
        sa.Column("credit_name", sa.Text(), nullable=True),
        sa.Column("join_phrase", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("source_type", enum("ingestion_source_type"), nullable=True),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["artist_id"],
            ["artists.id"],
            name=op.f("fk_recording_artists_artist_id_artists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["discog_recordings.id"],
            name=op.f("fk_recording_artists_recording_id_discog_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_artists")),
    )
    op.create_index(
        "recording_artists_artist_id_idx", "recording_artists", ["artist_id"], unique=False
    )
    op.create_index(
        "recording_artists_recording_artist_role",
        "recording_artists",
        ["recording_id", "artist_id", "role"],
        unique=True,
    )
    op.create_table(
        "release_artists",
        sa.Column("release_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("artist_id", sa.Uuid(), nullable=False),
        sa.Column("role", enum("artist_role"), nullable=False),
        sa.Column("credit_name", sa.Text(), nullable=True),
        sa.Column("join_phrase", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("source_type", enum("ingestion_source_type"), nullable=True),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["artist_id"],
            ["artists.id"],
            name=op.f("fk_release_artists_artist_id_artists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["discog_releases.id"],
            name=op.f("fk_release_artists_release_id_discog_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_artists")),
    )
    op.create_index("release_artists_artist_id_idx", "release_artists", ["artist_id"], unique=False)
    op.create_index(
        "release_artists_release_artist_role",
        "release_artists",
        ["release_id", "artist_id", "role"],
        unique=True,
    )
    op.create_table(
        "provider_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=False),
        sa.Column("owner_type", enum("provider_link_owner_type"), nullable=False),
        sa.Column("release_id", sa.Uuid(), nullable=True),
        sa.Column("track_id", sa.Uuid(), nullable=True),
        sa.Column("release_track_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("source_type", enum("ingestion_source_type"), nullable=False),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "(CAST(owner_type AS TEXT) = 'release' AND release_id IS NOT NULL"
            " AND track_id IS NULL AND release_track_id IS NULL)"
            " OR (CAST(owner_type AS TEXT) = 'track' AND track_id IS NOT NULL"
            " AND release_id IS NULL AND release_track_id IS NULL)"
            " OR (CAST(owner_type AS TEXT) = 'release_track' AND release_track_id IS NOT NULL"
            " AND release_id IS NULL AND track_id IS NULL)",
            name=op.f("provider_links_owner_match"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_provider_links_provider_id_providers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["discog_releases.id"],
            name=op.f("fk_provider_links_release_id_discog_releases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["release_track_id"],
            ["discog_release_tracks.id"],
            name=op.f("fk_provider_links_release_track_id_discog_release_tracks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["discog_tracks.id"],
            name=op.f("fk_provider_links_track_id_discog_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_links")),
    )
    op.create_index(
        "provider_links_provider_external",
        "provider_links",
        ["provider_id", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
        sqlite_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index("provider_links_release_id_idx", "provider_links", ["release_id"], unique=False)
    op.create_index(
        "provider_links_release_provider",
        "provider_links",
        ["provider_id", "release_id"],
        unique=True,
    )
    op.create_index(
        "provider_links_release_track_id_idx", "provider_links", ["release_track_id"], unique=False
    )
    op.create_index(
        "provider_links_release_track_provider",
        "provider_links",
        ["provider_id", "release_track_id"],
        unique=True,
    )
    op.create_index("provider_links_track_id_idx", "provider_links", ["track_id"], unique=False)
    op.create_index(
        "provider_links_track_provider", "provider_links", ["provider_id", "track_id"], unique=True
    )


def downgrade() -> None:
    op.drop_table("provider_links")
    op.drop_table("release_artists")
    op.drop_table("recording_artists")
    op.drop_table("discog_tracks")
    op.drop_table("discog_release_tracks")
    op.drop_table("release_sync_status")
    op.drop_table("discog_releases")
    op.drop_table("discog_recordings")
    op.drop_table("artists")
    op.drop_table("providers")
    op.drop_table("ingestion_jobs")
    op.drop_table("creator_profiles")
    drop_enums()
