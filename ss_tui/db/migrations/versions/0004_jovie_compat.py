"""What ss-tui needs beyond Jovie's tables, in ss-tui's own tables (Jovie's are never
altered, docs/jovie-model.md):

- ``ss_artist_identities``: Session Studio artist id -> Jovie artist (Jovie's artists table
  has no column for it).
- ``ss_jobs``: ss-tui's job queue. Jovie's worker claims every pending ``ingestion_jobs`` row
  whatever its type, so ss-tui's jobs must never sit there.

A database created by an earlier ss-tui (whose artists had a session_studio_id column and
whose jobs lived in ingestion_jobs) has both carried over.

Revision ID: 0004_jovie_compat
Revises: 0003_browse_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_jovie_compat"
down_revision = "0003_browse_index"
branch_labels = None
depends_on = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
TSTZ = sa.DateTime(timezone=True)
JOB_STATUS = ("pending", "processing", "succeeded", "failed")
JOB_COLUMNS = (
    "id, job_type, payload, status, error, attempts, max_attempts, run_at, next_run_at,"
    " priority, dedup_key, locked_by, locked_at, heartbeat_at, last_run_started_at,"
    " finished_at, result, created_at, updated_at"
)


def _job_status() -> sa.types.TypeEngine[str]:
    if op.get_bind().dialect.name == "postgresql":
        return postgresql.ENUM(*JOB_STATUS, name="ss_job_status", create_type=False)
    return sa.Enum(*JOB_STATUS, name="ss_job_status", create_constraint=True)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        postgresql.ENUM(*JOB_STATUS, name="ss_job_status").create(bind, checkfirst=True)

    op.create_table(
        "ss_artist_identities",
        sa.Column("ss_artist_id", sa.Text(), nullable=False),
        sa.Column("artist_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artist_id"],
            ["artists.id"],
            name=op.f("fk_ss_artist_identities_artist_id_artists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ss_artist_id", name=op.f("pk_ss_artist_identities")),
    )
    op.create_index("ix_ss_artist_identities_artist_id", "ss_artist_identities", ["artist_id"])

    op.create_table(
        "ss_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_type", sa.Text(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", _job_status(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.Column("next_run_at", TSTZ, nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.Text(), nullable=True),
        sa.Column("locked_by", sa.Text(), nullable=True),
        sa.Column("locked_at", TSTZ, nullable=True),
        sa.Column("heartbeat_at", TSTZ, nullable=True),
        sa.Column("last_run_started_at", TSTZ, nullable=True),
        sa.Column("finished_at", TSTZ, nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.Column("created_at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ss_jobs")),
    )
    where = sa.text("dedup_key IS NOT NULL")
    op.create_index(
        "ix_ss_jobs_dedup_key_unique",
        "ss_jobs",
        ["dedup_key"],
        unique=True,
        postgresql_where=where,
        sqlite_where=where,
    )
    op.create_index("ix_ss_jobs_status_run_at", "ss_jobs", ["status", "run_at"])
    op.create_index("ix_ss_jobs_claim", "ss_jobs", ["status", "priority", "run_at"])

    _carry_over_earlier_layout()


def _carry_over_earlier_layout() -> None:
    """Earlier ss-tui databases: artist ids from artists.session_studio_id, queued jobs from
    ingestion_jobs (recognised by ss-tui's locked_by column, which Jovie's table lacks)."""
    bind = op.get_bind()
    insp = sa.inspect(bind)
    artist_cols = {c["name"] for c in insp.get_columns("artists")}
    if "session_studio_id" in artist_cols:
        bind.execute(
            sa.text(
                "INSERT INTO ss_artist_identities (ss_artist_id, artist_id)"
                " SELECT session_studio_id, id FROM artists WHERE session_studio_id IS NOT NULL"
            )
        )
    job_cols = {c["name"] for c in insp.get_columns("ingestion_jobs")}
    if "locked_by" in job_cols:
        status = (
            "CAST(CAST(status AS TEXT) AS ss_job_status)"
            if bind.dialect.name == "postgresql"
            else "status"
        )
        select = JOB_COLUMNS.replace(" status,", f" {status},")
        bind.execute(
            sa.text(f"INSERT INTO ss_jobs ({JOB_COLUMNS}) SELECT {select} FROM ingestion_jobs")
        )
        bind.execute(sa.text("DELETE FROM ingestion_jobs"))


def downgrade() -> None:
    op.drop_table("ss_jobs")
    op.drop_table("ss_artist_identities")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        postgresql.ENUM(*JOB_STATUS, name="ss_job_status").drop(bind, checkfirst=True)
