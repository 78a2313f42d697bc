"""Indexes for the two questions the dashboard asks of every project snapshot at start.

The Connect screen's accounts list (project count and newest fetch per account) and the
browser's artist filter (artists present) read every project row of a connection; with a
large catalogue each was a scan of the payload rows (seconds at 100,000 projects on a cold
file, bench/README.md "browser5 round"). Both are answered from these indexes alone.

Revision ID: 0005_snapshot_indexes
Revises: 0004_jovie_compat
"""

from __future__ import annotations

from alembic import op

revision = "0005_snapshot_indexes"
down_revision = "0004_jovie_compat"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_source_snapshots_conn_fetched": ["connection_id", "entity_type", "fetched_at"],
    "ix_source_snapshots_conn_artist_id": [
        "connection_id", "entity_type", "artist_id", "artist_name",
    ],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "source_snapshots", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="source_snapshots")
