"""Row helpers shared by plan and apply: table handles, canonical values, versions, ids."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import overload

import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.values import Row

T_RELEASE = schema.DiscogRelease.__table__
T_RECORDING = schema.DiscogRecording.__table__
T_RELEASE_TRACK = schema.DiscogReleaseTrack.__table__
# Jovie's legacy per-release track table, written in step with release tracks
# (docs/jovie-conventions.md); its credits go to track_artists where the schema has it.
T_TRACK = schema.DiscogTrack.__table__
T_TRACK_ARTIST: sa.Table | None = schema.Base.metadata.tables.get("track_artists")
T_ARTIST = schema.Artist.__table__
T_RELEASE_ARTIST = schema.ReleaseArtist.__table__
T_RECORDING_ARTIST = schema.RecordingArtist.__table__
T_LINK = schema.ProviderLink.__table__
T_CREATOR = schema.CreatorProfile.__table__
T_ASSIGNMENT = schema.CreatorAssignment.__table__
T_LOCK = schema.FieldLock.__table__
T_ARTIST_IDENTITY = schema.ArtistIdentity.__table__


def artist_ssid(row: Row | None) -> str | None:
    """The Session Studio id of a Jovie artist row: kept in ``metadata.sessionStudioId``
    (Jovie's artists table has no column for it; ss_artist_identities maps it back)."""
    if not row:
        return None
    return (row.get("metadata") or {}).get("sessionStudioId")

# Plan entity kind → table (credits split by owner below).
KIND_TABLE: dict[str, sa.Table] = {
    "release": T_RELEASE,
    "recording": T_RECORDING,
    "release_track": T_RELEASE_TRACK,
    "track": T_TRACK,
    "artist": T_ARTIST,
    "provider_link": T_LINK,
}

# Deterministic ids: two importers planning the same project create the same rows, so their
# upserts converge instead of racing to create twins.
_NS = uuid.UUID("6f1c2f3e-8d6b-4a51-9a0e-5e55105e0001")
TIMESTAMPS = ("created_at", "updated_at")


def stable_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_NS, "\x1f".join(str(p) for p in parts))


_NS_BYTES = _NS.bytes
_NS_SHA1 = hashlib.sha1(_NS_BYTES)  # uuid5's hash with the namespace taken: copied per id
_TAIL_KEEP = (1 << 62) - 1  # byte 8's top two bits are the variant: RFC 4122's 0b10
_TAIL_VARIANT = 1 << 63


def child_id(parent: uuid.UUID | str, *parts: object) -> uuid.UUID:
    """A stable id whose first half is its parent's: a project's recordings and tracks take
    the release's prefix, credits and links their owner's. A project's new rows then sit side
    by side in every index keyed on ids, so its commit rewrites a few index pages instead of
    one page per row (fully random ids made each project's commit write ~300 pages).

    The second half is ``stable_id(*parts)``'s, computed without building that UUID (planning
    calls this once per created row): uuid5's SHA-1 with its variant bits (byte 8). Integer
    arithmetic on ``UUID.int``: ``.bytes`` and ``UUID(bytes=…)`` cost more than the hash."""
    return ChildIds(row_id(parent)).make("\x1f".join(map(str, parts)))[0]


_SAFE_UNKNOWN = uuid.SafeUUID.unknown
# UUID's slots, set through their descriptors (UUID.__setattr__ refuses every assignment).
_NEW = object.__new__
_SET_INT = uuid.UUID.__dict__["int"].__set__
_SET_IS_SAFE = uuid.UUID.__dict__["is_safe"].__set__


def uuid_of_int(value: int) -> uuid.UUID:
    """``uuid.UUID(int=value)`` for a value known to fit 128 bits, without the Python-level
    ``__init__`` and its argument checks (planning makes one per created row)."""
    made: uuid.UUID = _NEW(uuid.UUID)
    _SET_INT(made, value)
    _SET_IS_SAFE(made, _SAFE_UNKNOWN)
    return made


class ChildIds:
    """:func:`child_id` for many children of one parent: the parent's half and its text are
    taken once, and each child's canonical text is composed from them (``str(UUID)`` is
    Python-level; planning a first import called it 600,000 times, bench/README.md "plan7
    round")."""

    __slots__ = ("_head", "_head_text", "parent", "text")

    def __init__(self, parent: uuid.UUID, text: str | None = None) -> None:
        """``text``: ``str(parent)``, when the caller has it (a new row's, from :meth:`make`)."""
        self.parent = parent
        self.text = str(parent) if text is None else text  # the parent's canonical text
        self._head = parent.int >> 64 << 64
        self._head_text = self.text[:19]  # its first 16 hex digits and 3 dashes

    def make(self, parts_text: str) -> tuple[uuid.UUID, str]:
        """The child id of ``parts_text`` (``"\\x1f".join(map(str, parts))``), and its text."""
        sha = _NS_SHA1.copy()
        sha.update(parts_text.encode())
        tail = int.from_bytes(sha.digest()[8:16]) & _TAIL_KEEP | _TAIL_VARIANT
        tail_hex = f"{tail:016x}"
        # uuid_of_int, inlined: once per created row
        made: uuid.UUID = _NEW(uuid.UUID)
        _SET_INT(made, self._head | tail)
        _SET_IS_SAFE(made, _SAFE_UNKNOWN)
        return made, f"{self._head_text}{tail_hex[:4]}-{tail_hex[4:]}"


def as_uuid(value: object) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def row_id(value: object) -> uuid.UUID:
    """The id of a row that has one (planned rows always do)."""
    if isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def norm(value: object) -> object:
    """A canonical, JSON-ready form: equal for a planned value and the same value read back
    from SQLite or PostgreSQL."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [norm(v) for v in value]
    return value


SIZED = (str, list, dict)  # the types with an empty value besides None (see is_empty)


def is_empty(value: object) -> bool:
    """None, "", [] or {}. Tested by type, not by ``value == ""``: on a UUID (most planned
    values) that comparison is a Python-level ``UUID.__eq__`` call, three per value, and
    planning a first import made ~1.7 million of them (bench/README.md, "plan5 round")."""
    return value is None or (isinstance(value, SIZED) and not value)


def same(a: object, b: object) -> bool:
    if a == b:  # the common case, without normalising anything
        return True
    return norm(a) == norm(b) or (is_empty(a) and is_empty(b))


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return norm(value)
    return str(value)  # UUID, date, Decimal


@overload
def row_version(row: Row) -> str: ...
@overload
def row_version(row: None) -> None: ...
def row_version(row: Row | None) -> str | None:
    """Hash of a row's content (timestamps and empty values ignored). Hot path: json.dumps
    in C, with only non-JSON types normalised."""
    if row is None:
        return None
    content = {
        k: v
        for k, v in row.items()
        if v is not None and k not in TIMESTAMPS and v != "" and v != [] and v != {}
    }
    raw = json.dumps(content, sort_keys=True, separators=(",", ":"), default=_json_default)
    return hashlib.sha1(raw.encode()).hexdigest()


def json_ready(value: object) -> object:
    """Plan values as JSON (dry-run output, import_items.decision)."""
    return norm(value)
