"""Value sets of the enum columns. Members are plain strings (StrEnum), so either a member
or its string can be written, and rows read back compare equal to both."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from ss_tui.db.types import enum


class ProviderKind(StrEnum):
    music_streaming = "music_streaming"
    video = "video"
    social = "social"
    retail = "retail"
    other = "other"


class ReleaseType(StrEnum):
    single = "single"
    ep = "ep"
    album = "album"
    compilation = "compilation"
    live = "live"
    mixtape = "mixtape"
    other = "other"


class SourceType(StrEnum):
    manual = "manual"
    admin = "admin"
    ingested = "ingested"


class OwnerType(StrEnum):
    release = "release"
    track = "track"  # Jovie's legacy discog_tracks
    release_track = "release_track"


class ArtistType(StrEnum):
    person = "person"
    group = "group"
    orchestra = "orchestra"
    choir = "choir"
    character = "character"
    other = "other"


class ArtistRole(StrEnum):
    main_artist = "main_artist"
    featured_artist = "featured_artist"
    remixer = "remixer"
    producer = "producer"
    co_producer = "co_producer"
    composer = "composer"
    lyricist = "lyricist"
    arranger = "arranger"
    conductor = "conductor"
    mix_engineer = "mix_engineer"
    mastering_engineer = "mastering_engineer"
    vs = "vs"
    with_ = "with"
    other = "other"


class CreatorType(StrEnum):
    artist = "artist"
    podcaster = "podcaster"
    influencer = "influencer"
    creator = "creator"


class OutreachStatus(StrEnum):
    pending = "pending"
    dm_generated = "dm_generated"
    dm_sent = "dm_sent"
    responded = "responded"


class OutreachChannel(StrEnum):
    instagram = "instagram"
    twitter = "twitter"


class IngestionStatus(StrEnum):
    idle = "idle"
    pending = "pending"
    processing = "processing"
    failed = "failed"


class JobStatus(StrEnum):
    pending = "pending"
    processing = "processing"
    succeeded = "succeeded"
    failed = "failed"


class ConnectionStatus(StrEnum):
    connected = "connected"
    reconnect_needed = "reconnect_needed"
    disconnected = "disconnected"


class SnapshotEntity(StrEnum):
    project = "project"
    track = "track"


class RunStatus(StrEnum):
    running = "running"
    paused = "paused"
    cancelled = "cancelled"
    succeeded = "succeeded"
    partial = "partial"
    failed = "failed"


class ItemStatus(StrEnum):
    pending = "pending"
    applied = "applied"
    unchanged = "unchanged"
    stale = "stale"
    failed = "failed"
    skipped = "skipped"
    excluded = "excluded"


class ErrorStage(StrEnum):
    fetch = "fetch"
    transform = "transform"
    plan = "plan"
    apply = "apply"
    discovery = "discovery"


class ErrorKind(StrEnum):
    transient = "transient"
    rate_limited = "rate_limited"
    auth = "auth"
    not_found = "not_found"
    invalid_data = "invalid_data"
    conflict = "conflict"
    internal = "internal"


class SuggestedAction(StrEnum):
    retry = "retry"
    reconnect = "reconnect"
    fix_data = "fix_data"
    ignore = "ignore"


class ErrorStatus(StrEnum):
    open = "open"
    retrying = "retrying"
    resolved = "resolved"
    ignored = "ignored"


class UpstreamState(StrEnum):
    """A project in Session Studio compared with its last import (ss_tui/db/upstream.py)."""

    new = "new"  # never imported
    changed = "changed"
    unchanged = "unchanged"
    removed = "removed"  # Session Studio no longer lists it


def _values(e: type[StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in e)


# One SQL type per enum; PostgreSQL type names follow Jovie where Jovie has the enum (and
# Jovie's types hold exactly Jovie's values: discog_release_type has no music_video).
ENUM_TYPES: dict[str, tuple[str, ...]] = {
    "provider_kind": _values(ProviderKind),
    "discog_release_type": _values(ReleaseType),
    "ingestion_source_type": _values(SourceType),
    "provider_link_owner_type": _values(OwnerType),
    "artist_type": _values(ArtistType),
    "artist_role": _values(ArtistRole),
    "ingestion_status": _values(IngestionStatus),
    "ingestion_job_status": _values(JobStatus),
    "creator_type": _values(CreatorType),
    "outreach_status": _values(OutreachStatus),
    "outreach_channel": _values(OutreachChannel),
    "ss_job_status": _values(JobStatus),
    "ss_connection_status": _values(ConnectionStatus),
    "ss_snapshot_entity_type": _values(SnapshotEntity),
    "import_run_status": _values(RunStatus),
    "import_item_status": _values(ItemStatus),
    "sync_error_stage": _values(ErrorStage),
    "sync_error_kind": _values(ErrorKind),
    "sync_error_action": _values(SuggestedAction),
    "sync_error_status": _values(ErrorStatus),
}


def sa_enum(name: str) -> sa.Enum:
    return enum(name, ENUM_TYPES[name])
