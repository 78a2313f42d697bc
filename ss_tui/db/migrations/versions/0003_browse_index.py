"""A covering index for the browser's filtered counts and searches on source_snapshots.

The browser filters projects of one connection by title/artist/id text; with this index
SQLite and PostgreSQL answer from the index alone instead of reading the (large) payload
rows.

Revision ID: 0003_browse_index
Revises: 0002_ss_tui
"""

from __future__ import annotations

from alembic import op

revision = "0003_browse_index"
down_revision = "0002_ss_tui"
branch_labels = None
depends_on = None

INDEX = "ix_source_snapshots_browse"
COLUMNS = ["connection_id", "entity_type", "removed_upstream", "title", "artist_name",
           "external_id"]


def upgrade() -> None:
    op.create_index(INDEX, "source_snapshots", COLUMNS)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="source_snapshots")
