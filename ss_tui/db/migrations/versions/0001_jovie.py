"""Jovie's discography tables, exactly as Jovie defines them (docs/jovie-model.md names the
Jovie files and commits). An existing Jovie database is stamped at this revision instead of
running it (see ss_tui.db.migrate), so nothing here ever touches a Jovie table.

Differences a fresh ss-tui database keeps from Jovie's full schema: only the tables ss-tui
touches exist, so creator_profiles.user_id / waitlist_entry_id have no foreign key (Jovie's
users and waitlist_entries are not created).

Revision ID: 0001_jovie
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

revision = "0001_jovie"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision (never import them from the live schema).
JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
TEXT_ARRAY = sa.JSON(none_as_null=True).with_variant(postgresql.ARRAY(sa.Text()), "postgresql")
TS = sa.DateTime(timezone=False)  # Jovie's `timestamp`, holding UTC wall-clock time
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
    "creator_type": ("artist", "podcaster", "influencer", "creator"),
    "discog_release_type": ("single", "ep", "album", "compilation", "live", "mixtape", "other"),
    "ingestion_job_status": ("pending", "processing", "succeeded", "failed"),
    "ingestion_source_type": ("manual", "admin", "ingested"),
    "ingestion_status": ("idle", "pending", "processing", "failed"),
    "outreach_channel": ("instagram", "twitter"),
    "outreach_status": ("pending", "dm_generated", "dm_sent", "responded"),
    "provider_kind": ("music_streaming", "video", "social", "retail", "other"),
    "provider_link_owner_type": ("release", "track", "release_track"),
}
NOTIFICATION_DEFAULTS = (
    '{"releasePreview":true,"releaseDay":true,"dspMatchSuggested":true,'
    '"socialLinkSuggested":true,"enrichmentComplete":false,"newReleaseDetected":true}'
)


class _RandomUUID(FunctionElement[Any]):
    inherit_cache = True


@compiles(_RandomUUID, "postgresql")
def _uuid_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return "gen_random_uuid()"


@compiles(_RandomUUID)
def _uuid_other(element: Any, compiler: Any, **kw: Any) -> str:
    return "(lower(hex(randomblob(16))))"


class _JSONLiteral(FunctionElement[Any]):
    inherit_cache = True

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__()


@compiles(_JSONLiteral, "postgresql")
def _json_pg(element: _JSONLiteral, compiler: Any, **kw: Any) -> str:
    return "'" + element.text.replace("'", "''") + "'::jsonb"


@compiles(_JSONLiteral)
def _json_other(element: _JSONLiteral, compiler: Any, **kw: Any) -> str:
    return "'" + element.text.replace("'", "''") + "'"


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


# Column builders in Jovie's vocabulary.
def pk() -> sa.Column[Any]:
    return sa.Column("id", sa.Uuid(), server_default=_RandomUUID(), nullable=False)


def text(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def uuid_(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.Uuid(), nullable=nullable)


def ts(name: str) -> sa.Column[Any]:
    return sa.Column(name, TS, nullable=True)


def ts_now(name: str) -> sa.Column[Any]:
    return sa.Column(name, TS, server_default=sa.func.now(), nullable=False)


def integer(name: str, default: int | None = None, *, nullable: bool = False) -> sa.Column[Any]:
    if default is None:
        return sa.Column(name, sa.Integer(), nullable=True)
    return sa.Column(name, sa.Integer(), server_default=sa.text(str(default)), nullable=nullable)


def boolean(name: str, default: bool, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(
        name, sa.Boolean(), server_default=sa.true() if default else sa.false(), nullable=nullable
    )


def enum_col(
    name: str, type_name: str, default: str | None = None, *, nullable: bool = False
) -> sa.Column[Any]:
    sd = sa.text(f"'{default}'") if default is not None else None
    return sa.Column(name, enum(type_name), server_default=sd, nullable=nullable)


def jsonb(name: str, default: str | None = None, *, nullable: bool = True) -> sa.Column[Any]:
    sd = _JSONLiteral(default) if default is not None else None
    return sa.Column(name, JSON, server_default=sd, nullable=nullable)


def fk(col: str, target: str, ondelete: str, table: str) -> sa.ForeignKeyConstraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [col], [target], name=op.f(f"{table}_{col}_{ref_table}_id_fk"), ondelete=ondelete
    )


def where(cond: str) -> dict[str, Any]:
    return {"postgresql_where": sa.text(cond), "sqlite_where": sa.text(cond)}


def index(name: str, table: str, cols: list[str], *, unique: bool = False, **kw: Any) -> None:
    op.create_index(name, table, cols, unique=unique, **kw)


def upgrade() -> None:
    create_enums()
    op.create_table(
        "providers",
        sa.Column("id", sa.Text(), nullable=False),
        text("display_name", nullable=False),
        enum_col("kind", "provider_kind", "music_streaming"),
        text("base_url"),
        boolean("is_active", True),
        jsonb("metadata", "{}"),
        ts_now("created_at"),
        ts_now("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
    )

    op.create_table(
        "creator_profiles",
        pk(),
        uuid_("user_id"),
        uuid_("waitlist_entry_id"),
        enum_col("creator_type", "creator_type"),
        text("username", nullable=False),
        text("username_normalized", nullable=False),
        *(
            text(c)
            for c in (
                "display_name",
                "bio",
                "venmo_handle",
                "avatar_url",
                "spotify_url",
                "apple_music_url",
                "youtube_url",
                "spotify_id",
                "apple_music_id",
                "youtube_music_id",
                "deezer_id",
                "tidal_id",
                "soundcloud_id",
                "musicbrainz_id",
                "bandsintown_artist_name",
                "bandsintown_api_key",
            )
        ),
        boolean("is_public", True, nullable=True),
        boolean("is_verified", False, nullable=True),
        boolean("is_featured", False, nullable=True),
        boolean("marketing_opt_out", False, nullable=True),
        boolean("is_claimed", False, nullable=True),
        text("claim_token"),
        ts("claimed_at"),
        ts("claim_token_expires_at"),
        text("claimed_from_ip"),
        text("claimed_user_agent"),
        boolean("avatar_locked_by_user", False),
        boolean("display_name_locked", False),
        ts("username_locked_at"),
        enum_col("ingestion_status", "ingestion_status", "idle"),
        text("last_ingestion_error"),
        integer("profile_views", 0, nullable=True),
        ts("onboarding_completed_at"),
        jsonb("settings", "{}"),
        jsonb("theme", "{}"),
        jsonb("notification_preferences", NOTIFICATION_DEFAULTS),
        integer("fit_score"),
        jsonb("fit_score_breakdown"),
        ts("fit_score_updated_at"),
        sa.Column("genres", TEXT_ARRAY, nullable=True),
        text("location"),
        integer("active_since_year"),
        integer("spotify_followers"),
        integer("spotify_popularity"),
        text("ingestion_source_platform"),
        enum_col("outreach_status", "outreach_status", "pending", nullable=True),
        enum_col("outreach_channel", "outreach_channel", nullable=True),
        ts("dm_sent_at"),
        text("dm_copy"),
        text("stripe_account_id"),
        boolean("stripe_onboarding_complete", False),
        boolean("stripe_payouts_enabled", False),
        ts_now("created_at"),
        ts_now("updated_at"),
        # Added by later Jovie versions (profiles.ts).
        text("career_highlights"),
        sa.Column("target_playlists", TEXT_ARRAY, nullable=True),
        jsonb("discovered_pixels"),
        ts("discovered_pixels_at"),
        integer("next_task_number", 1),
        ts("sms_access_requested_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_profiles")),
    )
    index(
        "idx_creator_profiles_featured_query",
        "creator_profiles",
        ["is_public", "is_featured", "marketing_opt_out", "display_name"],
        **where("is_public = true AND is_featured = true AND marketing_opt_out = false"),
    )
    index(
        "creator_profiles_username_normalized_unique",
        "creator_profiles",
        ["username_normalized"],
        unique=True,
        **where("username_normalized IS NOT NULL"),
    )
    index("idx_creator_profiles_fit_score", "creator_profiles", ["fit_score", "id"])
    index(
        "idx_creator_profiles_outreach_status",
        "creator_profiles",
        ["outreach_status", "created_at"],
    )

    op.create_table(
        "artists",
        pk(),
        uuid_("creator_profile_id"),
        text("name", nullable=False),
        text("name_normalized", nullable=False),
        text("sort_name"),
        text("disambiguation"),
        enum_col("artist_type", "artist_type", "person", nullable=True),
        text("spotify_id"),
        text("apple_music_id"),
        text("musicbrainz_id"),
        text("deezer_id"),
        text("image_url"),
        boolean("is_auto_created", False),
        sa.Column("match_confidence", sa.Numeric(precision=5, scale=4), nullable=True),
        jsonb("metadata", "{}"),
        ts_now("created_at"),
        ts_now("updated_at"),
        fk("creator_profile_id", "creator_profiles.id", "SET NULL", "artists"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artists")),
    )
    for col in ("spotify_id", "apple_music_id", "musicbrainz_id", "deezer_id"):
        index(f"artists_{col}_unique", "artists", [col], unique=True, **where(f"{col} IS NOT NULL"))
    index("artists_name_normalized_idx", "artists", ["name_normalized"])
    index("artists_creator_profile_id_idx", "artists", ["creator_profile_id"])

    op.create_table(
        "discog_releases",
        pk(),
        uuid_("creator_profile_id", nullable=False),
        text("title", nullable=False),
        text("slug", nullable=False),
        enum_col("release_type", "discog_release_type", "single"),
        ts("release_date"),
        text("label"),
        text("upc"),
        integer("total_tracks", 0),
        boolean("is_explicit", False),
        sa.Column("genres", TEXT_ARRAY, nullable=True),
        text("copyright_line"),
        text("distributor"),
        text("artwork_url"),
        integer("spotify_popularity"),
        enum_col("source_type", "ingestion_source_type", "manual"),
        jsonb("metadata", "{}"),
        ts_now("created_at"),
        ts_now("updated_at"),
        sa.Column("status", sa.Text(), server_default=sa.text("'released'"), nullable=False),
        ts("reveal_date"),
        ts("deleted_at"),
        jsonb("generated_pitches"),
        sa.Column("target_playlists", TEXT_ARRAY, nullable=True),
        sa.CheckConstraint(
            "spotify_popularity >= 0 AND spotify_popularity <= 100",
            name=op.f("discog_releases_spotify_popularity_range"),
        ),
        fk("creator_profile_id", "creator_profiles.id", "CASCADE", "discog_releases"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discog_releases")),
    )
    index(
        "discog_releases_creator_slug_unique",
        "discog_releases",
        ["creator_profile_id", "slug"],
        unique=True,
    )
    index(
        "discog_releases_creator_upc_unique",
        "discog_releases",
        ["creator_profile_id", "upc"],
        unique=True,
        **where("upc IS NOT NULL"),
    )
    index("discog_releases_release_date_idx", "discog_releases", ["release_date"])

    op.create_table(
        "discog_recordings",
        pk(),
        uuid_("creator_profile_id", nullable=False),
        text("title", nullable=False),
        text("slug", nullable=False),
        text("isrc"),
        integer("duration_ms"),
        boolean("is_explicit", False),
        text("preview_url"),
        text("audio_url"),
        text("audio_format"),
        text("lyrics"),
        enum_col("source_type", "ingestion_source_type", "manual"),
        jsonb("metadata", "{}"),
        ts_now("created_at"),
        ts_now("updated_at"),
        jsonb("waveform_peaks"),
        fk("creator_profile_id", "creator_profiles.id", "CASCADE", "discog_recordings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discog_recordings")),
    )
    index(
        "discog_recordings_creator_slug_unique",
        "discog_recordings",
        ["creator_profile_id", "slug"],
        unique=True,
    )
    index(
        "discog_recordings_creator_isrc_unique",
        "discog_recordings",
        ["creator_profile_id", "isrc"],
        unique=True,
        **where("isrc IS NOT NULL"),
    )
    index("discog_recordings_creator_profile_id_idx", "discog_recordings", ["creator_profile_id"])

    op.create_table(
        "discog_release_tracks",
        pk(),
        uuid_("release_id", nullable=False),
        uuid_("recording_id", nullable=False),
        text("title", nullable=False),
        text("slug", nullable=False),
        sa.Column("track_number", sa.Integer(), nullable=False),
        integer("disc_number", 1),
        boolean("is_explicit", False),
        enum_col("source_type", "ingestion_source_type", "manual"),
        jsonb("metadata", "{}"),
        ts_now("created_at"),
        ts_now("updated_at"),
        fk("release_id", "discog_releases.id", "CASCADE", "discog_release_tracks"),
        fk("recording_id", "discog_recordings.id", "CASCADE", "discog_release_tracks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discog_release_tracks")),
    )
    index(
        "discog_release_tracks_position_unique",
        "discog_release_tracks",
        ["release_id", "disc_number", "track_number"],
        unique=True,
    )
    index(
        "discog_release_tracks_release_slug_unique",
        "discog_release_tracks",
        ["release_id", "slug"],
        unique=True,
    )
    index("discog_release_tracks_release_id_idx", "discog_release_tracks", ["release_id"])
    index("discog_release_tracks_recording_id_idx", "discog_release_tracks", ["recording_id"])

    op.create_table(
        "discog_tracks",
        pk(),
        uuid_("release_id", nullable=False),
        uuid_("creator_profile_id", nullable=False),
        text("title", nullable=False),
        text("slug", nullable=False),
        integer("duration_ms"),
        sa.Column("track_number", sa.Integer(), nullable=False),
        integer("disc_number", 1),
        boolean("is_explicit", False),
        text("isrc"),
        text("audio_url"),
        text("audio_format"),
        text("preview_url"),
        text("lyrics"),
        enum_col("source_type", "ingestion_source_type", "manual"),
        jsonb("metadata", "{}"),
        ts_now("created_at"),
        ts_now("updated_at"),
        fk("release_id", "discog_releases.id", "CASCADE", "discog_tracks"),
        fk("creator_profile_id", "creator_profiles.id", "CASCADE", "discog_tracks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discog_tracks")),
    )
    index(
        "discog_tracks_release_track_position_unique",
        "discog_tracks",
        ["release_id", "disc_number", "track_number"],
        unique=True,
    )
    index("discog_tracks_release_slug_unique", "discog_tracks", ["release_id", "slug"], unique=True)
    index(
        "discog_tracks_release_isrc_unique",
        "discog_tracks",
        ["release_id", "isrc"],
        unique=True,
        **where("isrc IS NOT NULL"),
    )
    index("discog_tracks_release_id_idx", "discog_tracks", ["release_id"])
    index("discog_tracks_creator_profile_id_idx", "discog_tracks", ["creator_profile_id"])

    for table, owner, target in (
        ("release_artists", "release_id", "discog_releases.id"),
        ("recording_artists", "recording_id", "discog_recordings.id"),
        ("track_artists", "track_id", "discog_tracks.id"),
    ):
        op.create_table(
            table,
            pk(),
            uuid_(owner, nullable=False),
            uuid_("artist_id", nullable=False),
            enum_col("role", "artist_role"),
            text("credit_name"),
            text("join_phrase"),
            integer("position", 0),
            boolean("is_primary", False),
            enum_col("source_type", "ingestion_source_type", "ingested", nullable=True),
            jsonb("metadata", "{}"),
            ts_now("created_at"),
            fk(owner, target, "CASCADE", table),
            fk("artist_id", "artists.id", "CASCADE", table),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
        short = owner.removesuffix("_id")
        index(f"{table}_{short}_artist_role", table, [owner, "artist_id", "role"], unique=True)
        index(f"{table}_artist_id_idx", table, ["artist_id"])
        index(f"{table}_{owner}_idx", table, [owner])

    op.create_table(
        "provider_links",
        pk(),
        text("provider_id", nullable=False),
        enum_col("owner_type", "provider_link_owner_type"),
        uuid_("release_id"),
        uuid_("track_id"),
        uuid_("release_track_id"),
        text("external_id"),
        text("url", nullable=False),
        text("country"),
        boolean("is_primary", False),
        enum_col("source_type", "ingestion_source_type", "manual"),
        jsonb("metadata", "{}"),
        ts_now("created_at"),
        ts_now("updated_at"),
        sa.CheckConstraint(
            "(CAST(owner_type AS TEXT) = 'release' AND release_id IS NOT NULL"
            " AND track_id IS NULL AND release_track_id IS NULL)"
            " OR (CAST(owner_type AS TEXT) = 'track' AND track_id IS NOT NULL"
            " AND release_id IS NULL AND release_track_id IS NULL)"
            " OR (CAST(owner_type AS TEXT) = 'release_track' AND release_track_id IS NOT NULL"
            " AND release_id IS NULL AND track_id IS NULL)",
            name=op.f("provider_links_owner_match"),
        ),
        fk("provider_id", "providers.id", "RESTRICT", "provider_links"),
        fk("release_id", "discog_releases.id", "CASCADE", "provider_links"),
        fk("track_id", "discog_tracks.id", "CASCADE", "provider_links"),
        fk("release_track_id", "discog_release_tracks.id", "CASCADE", "provider_links"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_links")),
    )
    index(
        "provider_links_release_provider",
        "provider_links",
        ["provider_id", "release_id"],
        unique=True,
    )
    index(
        "provider_links_track_provider", "provider_links", ["provider_id", "track_id"], unique=True
    )
    index(
        "provider_links_release_track_provider",
        "provider_links",
        ["provider_id", "release_track_id"],
        unique=True,
    )
    index(
        "provider_links_provider_external",
        "provider_links",
        ["provider_id", "external_id"],
        unique=True,
        **where("external_id IS NOT NULL"),
    )
    index("provider_links_release_id_idx", "provider_links", ["release_id"])
    index("provider_links_track_id_idx", "provider_links", ["track_id"])
    index("provider_links_release_track_id_idx", "provider_links", ["release_track_id"])

    op.create_table(
        "release_sync_status",
        pk(),
        uuid_("creator_profile_id", nullable=False),
        text("provider_id", nullable=False),  # no foreign key in Jovie
        ts("last_full_sync_at"),
        ts("last_incremental_sync_at"),
        ts("next_scheduled_sync_at"),
        integer("total_releases_synced", 0),
        integer("releases_with_matches", 0),
        ts("last_new_release_found_at"),
        integer("consecutive_failures", 0),
        text("last_error"),
        ts("last_error_at"),
        ts_now("created_at"),
        ts_now("updated_at"),
        fk("creator_profile_id", "creator_profiles.id", "CASCADE", "release_sync_status"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_sync_status")),
    )
    index(
        "release_sync_status_creator_provider_unique",
        "release_sync_status",
        ["creator_profile_id", "provider_id"],
        unique=True,
    )
    index("release_sync_status_next_sync_idx", "release_sync_status", ["next_scheduled_sync_at"])
    index("release_sync_status_failures_idx", "release_sync_status", ["consecutive_failures"])

    op.create_table(
        "ingestion_jobs",
        pk(),
        text("job_type", nullable=False),
        sa.Column("payload", JSON, nullable=False),
        enum_col("status", "ingestion_job_status", "pending"),
        text("error"),
        integer("attempts", 0),
        ts_now("run_at"),
        integer("priority", 0),
        integer("max_attempts", 3),
        ts("next_run_at"),
        text("dedup_key"),
        ts_now("created_at"),
        ts_now("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingestion_jobs")),
    )
    index(
        "idx_ingestion_jobs_dedup_key_unique",
        "ingestion_jobs",
        ["dedup_key"],
        unique=True,
        **where("dedup_key IS NOT NULL"),
    )
    index("idx_ingestion_jobs_status_run_at", "ingestion_jobs", ["status", "run_at"])


def downgrade() -> None:
    for table in (
        "ingestion_jobs",
        "release_sync_status",
        "provider_links",
        "track_artists",
        "recording_artists",
        "release_artists",
        "discog_tracks",
        "discog_release_tracks",
        "discog_recordings",
        "discog_releases",
        "artists",
        "creator_profiles",
        "providers",
    ):
        op.drop_table(table)
    drop_enums()
