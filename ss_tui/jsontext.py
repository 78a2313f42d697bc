"""JSON text for the database's JSON columns, fast: orjson, with the standard library for
whatever orjson refuses (bench/README.md, "decode7 round").

The text is compact UTF-8 where the standard library wrote ``", "``/``": "`` and ``\\u``
escapes: the same value for every reader (PostgreSQL's jsonb keeps no text at all), and
earlier versions of ss-tui read it. NaN and infinity, which are no JSON (PostgreSQL refuses
them), are written as ``null``. Reading stays with the standard library: orjson reads
integers beyond 64 bits as floats.
"""

from __future__ import annotations

import json

import orjson

# What the standard library refuses to write (dates, dataclasses) it still refuses.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _refuse(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encode(value: object) -> bytes:
    """``value`` as compact UTF-8 JSON (the simulator's response bodies too)."""
    try:
        return orjson.dumps(value, default=_refuse, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):  # integers beyond 64 bits, non-str keys…
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def dumps(value: object) -> str:
    """``value`` as JSON text (the database's ``json_serializer``)."""
    return encode(value).decode()
