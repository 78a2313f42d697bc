"""Names for the values that cross module boundaries untyped, kept in one place.

``Any`` belongs where JSON is first parsed or a row is first read: past that edge the code
reading a field knows its type. These names say which of the two a mapping is.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeAlias

# What ss-tui writes into a column (JSON columns take a parsed JSON value).
ColumnValue: TypeAlias = (
    str | int | float | bool | Decimal | uuid.UUID | datetime | date | list[Any] | dict[str, Any]
    | None
)

# One table row keyed by column name, as read back or about to be written. Columns differ
# in type from table to table, so reading one is the caller's business.
Row: TypeAlias = dict[str, Any]

# A JSON object as parsed: an API or webhook body, a plan file, a JSON column.
JSONObject: TypeAlias = dict[str, Any]
