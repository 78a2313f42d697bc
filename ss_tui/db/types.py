"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """timestamptz on PostgreSQL; on SQLite a naive UTC string.

    SQLite has no time zones, so values are normalised to UTC on the way in and come
    back timezone-aware, which keeps comparisons in Python from mixing naive and aware.
    Naive input is taken to be UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_type() -> sa.types.TypeEngine[Any]:
    """JSON on SQLite, jsonb on PostgreSQL. Python None is SQL NULL, not JSON 'null'."""
    pg = postgresql.JSONB(none_as_null=True)
    return sa.JSON(none_as_null=True).with_variant(pg, "postgresql")


def text_array() -> sa.types.TypeEngine[Any]:
    """text[] on PostgreSQL (as Jovie has it), a JSON list on SQLite."""
    return sa.JSON(none_as_null=True).with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


def enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    """A native enum type on PostgreSQL, a VARCHAR with a CHECK constraint on SQLite."""
    return sa.Enum(*values, name=name, create_constraint=True, validate_strings=True)
