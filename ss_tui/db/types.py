"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


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

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UTCWallClock(sa.TypeDecorator[datetime]):
    """Jovie's ``timestamp`` (without time zone) holding UTC wall-clock time.

    Values are converted to UTC and bound naive, so the database's own time zone setting
    never shifts them (a timestamptz bind into a ``timestamp`` column would be converted to
    the session's local time: 2024-02-02 00:00 UTC became 2024-02-01 19:00 in New York).
    They come back timezone-aware (UTC), like UTCDateTime's. See docs/jovie-model.md.
    """

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=None) if value.tzinfo is None else (
            value.astimezone(UTC).replace(tzinfo=None)
        )

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class RandomUUID(FunctionElement[uuid.UUID]):
    """Server default for uuid keys: ``gen_random_uuid()`` on PostgreSQL (as Jovie has it);
    32 random hex digits on SQLite, the text form sa.Uuid stores there."""

    type = sa.Uuid()
    inherit_cache = True


@compiles(RandomUUID, "postgresql")
def _random_uuid_pg(element: RandomUUID, compiler: SQLCompiler, **kw: object) -> str:
    return "gen_random_uuid()"


@compiles(RandomUUID)
def _random_uuid_other(element: RandomUUID, compiler: SQLCompiler, **kw: object) -> str:
    return "(lower(hex(randomblob(16))))"


class JSONLiteral(FunctionElement[object]):
    """Server default for a jsonb column: ``'<json>'::jsonb`` on PostgreSQL, the text on
    SQLite."""

    inherit_cache = True

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__()


@compiles(JSONLiteral, "postgresql")
def _json_literal_pg(element: JSONLiteral, compiler: SQLCompiler, **kw: object) -> str:
    return "'" + element.text.replace("'", "''") + "'::jsonb"


@compiles(JSONLiteral)
def _json_literal_other(element: JSONLiteral, compiler: SQLCompiler, **kw: object) -> str:
    return "'" + element.text.replace("'", "''") + "'"


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
