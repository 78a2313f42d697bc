"""Table objects from the schema, looked up by their SQL names (the names are the contract)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from ss_tui.values import Row


@cache
def table(name: str) -> sa.Table:
    from ss_tui.db import schema

    return schema.Base.metadata.tables[name]


LIKE_ESCAPE = "\\"


def like_pattern(text: str) -> str:
    """``%text%`` for ``ilike(..., escape=LIKE_ESCAPE)``, with the LIKE wildcards the user
    typed escaped: "100%" means 100%, "prj_1" means an underscore."""
    escaped = (text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%")
               .replace("_", LIKE_ESCAPE + "_"))
    return f"%{escaped}%"


async def ids_by_reference(engine: AsyncEngine, name: str, refs: Iterable[str]) -> list[uuid.UUID]:
    """The ids of table ``name`` that ``refs`` name: a whole id, or a unique prefix of one as
    listed (the first 8 hex digits read the same on SQLite and PostgreSQL). Raises
    LookupError naming a reference that matches no row or several."""
    t = table(name)
    out: list[uuid.UUID] = []
    async with engine.connect() as conn:
        for ref in refs:
            try:
                match = t.c.id == uuid.UUID(ref)
            except ValueError:
                match = sa.cast(t.c.id, sa.String).like(ref.replace("-", "")[:8] + "%")
            rows = (await conn.execute(sa.select(t.c.id).where(match).limit(2))).all()
            if len(rows) != 1:
                raise LookupError(f"{'No' if not rows else 'Ambiguous'} id {ref!r}.")
            out.append(rows[0][0])
    return out


def record(row: sa.RowMapping) -> Row:
    """A stored row as a plain dict (every column, as the database returned it)."""
    return dict(row)
