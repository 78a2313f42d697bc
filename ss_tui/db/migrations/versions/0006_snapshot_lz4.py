"""PostgreSQL: snapshot payloads compressed with lz4 instead of pglz.

A project's payload (its tracks included) is several kilobytes, so PostgreSQL compresses it
when it stores it. With the default method (pglz) that compression was a quarter of the
server's work in saving a listing page; lz4 does the same job in a fraction of the time and
reads back faster too (bench/README.md, "Session 8"). Only values written from now on use
it: PostgreSQL reads both. Nothing changes where lz4 cannot be used: SQLite, PostgreSQL
before 14, or a server built without lz4 (its ``default_toast_compression`` setting does not
offer it).

Revision ID: 0006_snapshot_lz4
Revises: 0005_snapshot_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_snapshot_lz4"
down_revision = "0005_snapshot_indexes"
branch_labels = None
depends_on = None

LZ4_OFFERED = sa.text(
    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
)


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    # The setting exists from PostgreSQL 14 on (no row before), and offers lz4 only when
    # the server was built with it.
    return bool(bind.execute(LZ4_OFFERED).scalar())


def upgrade() -> None:
    if _lz4_available():
        op.execute("ALTER TABLE source_snapshots ALTER COLUMN payload SET COMPRESSION lz4")


def downgrade() -> None:
    if _lz4_available():
        op.execute("ALTER TABLE source_snapshots ALTER COLUMN payload SET COMPRESSION default")
