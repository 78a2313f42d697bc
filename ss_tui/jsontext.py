"""JSON text in and out, fast: orjson, with the standard library wherever orjson would
differ (bench/README.md, "decode7 round").

Used for the database's JSON columns (``db/engine.py``) and Session Studio's response
bodies (``sessionstudio/client.py``). Values read are the standard library's exactly: what
orjson refuses (NaN and infinity literals, integers beyond 64 bits, lone surrogates) is read
by the standard library, as before. Text written is compact UTF-8 where the standard library
wrote ``", "``/``": "`` and ``\\u`` escapes; both read either. NaN and infinity, which are no
JSON (PostgreSQL refuses them), are written as ``null``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# What the standard library refuses to write (dates, dataclasses) it still refuses.
_DUMPS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _refuse(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: object) -> str:
    """``value`` as JSON text (the database's ``json_serializer``)."""
    try:
        return orjson.dumps(value, default=_refuse, option=_DUMPS).decode()
    except (TypeError, orjson.JSONEncodeError):  # big ints, non-str keys…: as before
        return json.dumps(value)


def loads(text: str | bytes) -> Any:
    """The JSON value of ``text`` (the database's ``json_deserializer``). Raises ValueError
    (``json.JSONDecodeError``) when it is no JSON."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
