"""Table objects from the schema, looked up by their SQL names (the names are the contract)."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa


@cache
def table(name: str) -> sa.Table:
    from ss_tui.db import schema

    return schema.Base.metadata.tables[name]
