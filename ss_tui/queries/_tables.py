"""Table objects from the schema, looked up by their SQL names (the names are the contract)."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa


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
