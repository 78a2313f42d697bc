"""ss-tui's own tables, and the providers it links to.

Revision ID: 0002_ss_tui
Revises: 0001_jovie
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_ss_tui"
down_revision = "0001_jovie"
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision (never import them from the live schema).
JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
ENUMS: dict[str, tuple[str, ...]] = {
    "import_item_status": (
        "pending",
        "applied",
        "unchanged",
        "stale",
        "failed",
        "skipped",
        "excluded",
    ),
    "import_run_status": ("running", "paused", "cancelled", "succeeded", "partial", "failed"),
    "ss_connection_status": ("connected", "reconnect_needed", "disconnected"),
    "ss_snapshot_entity_type": ("project", "track"),
    "sync_error_action": ("retry", "reconnect", "fix_data", "ignore"),
    "sync_error_kind": (
        "transient",
        "rate_limited",
        "auth",
        "not_found",
        "invalid_data",
        "conflict",
        "internal",
    ),
    "sync_error_stage": ("fetch", "transform", "plan", "apply", "discovery"),
    "sync_error_status": ("open", "retrying", "resolved", "ignored"),
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
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=True),
        sa.Column("entity_id", sa.Text(), nullable=True),
        sa.Column("detail", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"], unique=False)
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_type", "entity_id"], unique=False)
    op.create_table(
        "field_locks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("field_name", sa.Text(), nullable=False),
        sa.Column("locked_by", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_locks")),
        sa.UniqueConstraint(
            "table_name",
            "row_id",
            "field_name",
            name=op.f("uq_field_locks_table_name_row_id_field_name"),
        ),
    )
    op.create_table(
        "ss_connections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("account_name", sa.Text(), nullable=True),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=True),
        sa.Column("sync_cursor", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", enum("ss_connection_status"), nullable=False),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ss_connections")),
        sa.UniqueConstraint("account_id", name=op.f("uq_ss_connections_account_id")),
    )
    op.create_table(
        "ss_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_key", sa.Text(), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ss_tokens")),
        sa.UniqueConstraint("account_key", name=op.f("uq_ss_tokens_account_key")),
    )
    op.create_table(
        "creator_assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("ss_artist_id", sa.Text(), nullable=False),
        sa.Column("ss_artist_name", sa.Text(), nullable=True),
        sa.Column("creator_profile_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["ss_connections.id"],
            name=op.f("fk_creator_assignments_connection_id_ss_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["creator_profile_id"],
            ["creator_profiles.id"],
            name=op.f("fk_creator_assignments_creator_profile_id_creator_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_assignments")),
        sa.UniqueConstraint(
            "connection_id",
            "ss_artist_id",
            name=op.f("uq_creator_assignments_connection_id_ss_artist_id"),
        ),
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("started_by", sa.Text(), nullable=True),
        sa.Column("options", JSON, nullable=True),
        sa.Column("status", enum("import_run_status"), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", JSON, nullable=True),
        sa.Column("api_requests", sa.Integer(), nullable=False),
        sa.Column("api_retries", sa.Integer(), nullable=False),
        sa.Column("api_rate_limited", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["ss_connections.id"],
            name=op.f("fk_import_runs_connection_id_ss_connections"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_index("ix_import_runs_started_at", "import_runs", ["started_at"], unique=False)
    op.create_table(
        "source_snapshots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("entity_type", enum("ss_snapshot_entity_type"), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("project_external_id", sa.Text(), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("upstream_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_upstream", sa.Boolean(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("project_type", sa.Text(), nullable=True),
        sa.Column("artist_id", sa.Text(), nullable=True),
        sa.Column("artist_name", sa.Text(), nullable=True),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("track_count", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["ss_connections.id"],
            name=op.f("fk_source_snapshots_connection_id_ss_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_snapshots")),
        sa.UniqueConstraint(
            "connection_id",
            "entity_type",
            "external_id",
            name=op.f("uq_source_snapshots_connection_id_entity_type_external_id"),
        ),
    )
    op.create_index(
        "ix_source_snapshots_conn_artist",
        "source_snapshots",
        ["connection_id", "entity_type", "artist_name"],
        unique=False,
    )
    op.create_index(
        "ix_source_snapshots_conn_status",
        "source_snapshots",
        ["connection_id", "entity_type", "status"],
        unique=False,
    )
    op.create_index(
        "ix_source_snapshots_conn_title",
        "source_snapshots",
        ["connection_id", "entity_type", "title"],
        unique=False,
    )
    op.create_index(
        "ix_source_snapshots_conn_updated",
        "source_snapshots",
        ["connection_id", "entity_type", "upstream_updated_at"],
        unique=False,
    )
    op.create_index(
        "ix_source_snapshots_project",
        "source_snapshots",
        ["connection_id", "project_external_id"],
        unique=False,
    )
    op.create_table(
        "import_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("project_external_id", sa.Text(), nullable=False),
        sa.Column("status", enum("import_item_status"), nullable=False),
        sa.Column("decision", JSON, nullable=True),
        sa.Column("release_id", sa.Uuid(), nullable=True),
        sa.Column("counts", JSON, nullable=True),
        sa.Column("warnings", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["discog_releases.id"],
            name=op.f("fk_import_items_release_id_discog_releases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["import_runs.id"],
            name=op.f("fk_import_items_run_id_import_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_items")),
        sa.UniqueConstraint(
            "run_id", "project_external_id", name=op.f("uq_import_items_run_id_project_external_id")
        ),
    )
    op.create_index(
        "ix_import_items_project", "import_items", ["project_external_id", "status"], unique=False
    )
    op.create_table(
        "sync_errors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("entity_type", sa.Text(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("project_external_id", sa.Text(), nullable=True),
        sa.Column("stage", enum("sync_error_stage"), nullable=False),
        sa.Column("kind", enum("sync_error_kind"), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", JSON, nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("source_payload", JSON, nullable=True),
        sa.Column("suggested_action", enum("sync_error_action"), nullable=False),
        sa.Column("status", enum("sync_error_status"), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["ss_connections.id"],
            name=op.f("fk_sync_errors_connection_id_ss_connections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["import_runs.id"],
            name=op.f("fk_sync_errors_run_id_import_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_errors")),
    )
    op.create_index("ix_sync_errors_last_seen_at", "sync_errors", ["last_seen_at"], unique=False)
    op.create_index("ix_sync_errors_run_id", "sync_errors", ["run_id"], unique=False)
    op.create_index("ix_sync_errors_status_kind", "sync_errors", ["status", "kind"], unique=False)
    op.create_index(
        "sync_errors_open_fingerprint_unique",
        "sync_errors",
        ["fingerprint"],
        unique=True,
        postgresql_where=sa.text("status IN ('open', 'retrying')"),
        sqlite_where=sa.text("status IN ('open', 'retrying')"),
    )

    seed_providers()


# Providers ss-tui links to. Inserted only where missing: in an adopted Jovie database
# they may already exist, and Jovie's rows win.
PROVIDERS: tuple[tuple[str, str, str, str], ...] = (
    ("session-studio", "Session Studio", "music_streaming", "https://session.studio"),
    ("spotify", "Spotify", "music_streaming", "https://open.spotify.com"),
    ("apple_music", "Apple Music", "music_streaming", "https://music.apple.com"),
    ("deezer", "Deezer", "music_streaming", "https://www.deezer.com"),
    ("youtube_music", "YouTube Music", "music_streaming", "https://music.youtube.com"),
    ("amazon_music", "Amazon Music", "music_streaming", "https://music.amazon.com"),
    ("tidal", "TIDAL", "music_streaming", "https://tidal.com"),
    ("soundcloud", "SoundCloud", "music_streaming", "https://soundcloud.com"),
    ("bandcamp", "Bandcamp", "retail", "https://bandcamp.com"),
    ("youtube", "YouTube", "video", "https://www.youtube.com"),
    ("musicbrainz", "MusicBrainz", "other", "https://musicbrainz.org"),
)


def seed_providers() -> None:
    bind = op.get_bind()
    existing = set(bind.execute(sa.text("SELECT id FROM providers")).scalars())
    providers = sa.table(
        "providers",
        sa.column("id", sa.Text()),
        sa.column("display_name", sa.Text()),
        sa.column("kind", sa.Text()),
        sa.column("base_url", sa.Text()),
        sa.column("is_active", sa.Boolean()),
        sa.column("metadata", JSON),
    )
    rows = [
        {
            "id": pid,
            "display_name": name,
            "kind": kind,
            "base_url": url,
            "is_active": True,
            "metadata": {},
        }
        for pid, name, kind, url in PROVIDERS
        if pid not in existing
    ]
    if rows:
        if bind.dialect.name == "postgresql":
            # kind is a native enum there; a text bind needs the cast.
            bind.execute(
                sa.text(
                    "INSERT INTO providers (id, display_name, kind, base_url, is_active, metadata)"
                    " VALUES (:id, :display_name, CAST(:kind AS provider_kind), :base_url,"
                    " :is_active, '{}'::jsonb)"
                ),
                rows,
            )
        else:
            op.bulk_insert(providers, rows)


def downgrade() -> None:
    op.drop_table("sync_errors")
    op.drop_table("import_items")
    op.drop_table("source_snapshots")
    op.drop_table("import_runs")
    op.drop_table("creator_assignments")
    op.drop_table("ss_tokens")
    op.drop_table("ss_connections")
    op.drop_table("field_locks")
    op.drop_table("audit_log")
    drop_enums()
