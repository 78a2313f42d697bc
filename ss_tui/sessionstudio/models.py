"""Session Studio API models (docs/session-studio-api.yaml), shared by the client and the simulator.

Fields are snake_case in Python and camelCase on the wire. Models are lenient on
input (unknown fields are kept in ``model_extra`` and ignored) but strict on types,
so a malformed item fails validation and can be reported with its raw payload.
Identifier *validity* (check digits) is not enforced here: the engine decides what
to do with a bad ISRC; the wire format only needs it to be a string.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from ss_tui.values import JSONObject


class WireModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        frozen=False,
    )

    def to_wire(self) -> JSONObject:
        """The JSON-ready camelCase dict exactly as the API sends it."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=False)


class ProjectType(StrEnum):
    single = "single"
    ep = "ep"
    album = "album"
    compilation = "compilation"


class ProjectStatus(StrEnum):
    draft = "draft"
    unreleased = "unreleased"
    released = "released"


class StemType(StrEnum):
    vocals = "vocals"
    drums = "drums"
    bass = "bass"
    melody = "melody"
    other = "other"


# DDEX-flavoured roles Session Studio uses for collaborators.
COLLABORATOR_ROLES: tuple[str, ...] = (
    "main_artist",
    "featured_artist",
    "producer",
    "co_producer",
    "composer",
    "lyricist",
    "arranger",
    "remixer",
    "mix_engineer",
    "mastering_engineer",
    "recording_engineer",
    "performer",
    "conductor",
)

# Roles whose holders are writers and carry a share of the writer splits.
WRITER_ROLES: frozenset[str] = frozenset({"composer", "lyricist"})


class Collaborator(WireModel):
    id: str
    name: str | None = None
    role: str
    instrument: str | None = None
    ipi: str | None = None
    isni: str | None = None
    kind: str | None = None  # "person" | "group" (a band or duo); absent: not said


class Stem(WireModel):
    id: str
    name: str | None = None
    type: StemType = StemType.other
    url: str | None = None


class Split(WireModel):
    collaborator_id: str
    share: float


class Track(WireModel):
    id: str
    project_id: str | None = None
    title: str | None = None
    version: str | None = None
    artist_id: str | None = None
    artist_name: str | None = None
    track_number: int | None = None
    disc_number: int | None = None
    collaborators: list[Collaborator] = Field(default_factory=list)
    duration_ms: int | None = None
    isrc: str | None = None
    iswc: str | None = None
    release_date: date | None = None
    artwork_url: str | None = None
    preview_url: str | None = None
    is_explicit: bool = False
    genre: str | None = None
    bpm: float | None = None
    key: str | None = None
    stems: list[Stem] = Field(default_factory=list)
    splits: list[Split] = Field(default_factory=list)
    updated_at: datetime


class Project(WireModel):
    id: str
    title: str | None = None
    type: ProjectType
    status: ProjectStatus
    release_date: date | None = None
    artwork_url: str | None = None
    upc: str | None = None
    label: str | None = None
    artist_id: str | None = None
    artist_name: str | None = None
    updated_at: datetime
    track_count: int | None = None
    # "member": listed because the account is a member of another account's project (a
    # collaboration); absent: the account owns it.
    membership: str | None = None
    # Present only with ``include=tracks`` (and on ``GET /projects/{id}``).
    tracks: list[Track] | None = None


class Artist(WireModel):
    """An artist as returned by ``GET /search/artists``."""

    id: str
    name: str
    isni: str | None = None
    ipi: str | None = None
    kind: str | None = None  # "person" | "group"


class Account(WireModel):
    """``GET /me``: the account the token belongs to."""

    id: str
    name: str
    email: str | None = None
    label: str | None = None
    scopes: list[str] = Field(default_factory=list)


T = TypeVar("T")


class Page(WireModel, Generic[T]):
    """A cursor page: ``{data, nextCursor, hasMore}``."""

    data: list[T]
    next_cursor: str | None = None
    has_more: bool = False


class Problem(WireModel):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class TokenResponse(BaseModel):
    """OAuth 2.0 token endpoint response (snake_case on the wire, per RFC 6749)."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int = 3600
    refresh_token: str | None = None
    scope: str = ""


class DeviceCodeResponse(BaseModel):
    """RFC 8628 device authorization response."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None = None
    expires_in: int = 600
    interval: int = 5


class OAuthError(BaseModel):
    error: str
    error_description: str | None = None


class WebhookEvent(WireModel):
    """A webhook delivery body."""

    id: str
    type: str  # track.published | project.released | project.updated | collaborator.added
    created_at: datetime
    account_id: str
    data: JSONObject


WEBHOOK_EVENT_TYPES: tuple[str, ...] = (
    "track.published",
    "project.released",
    "project.updated",
    "collaborator.added",
)

SCOPES: tuple[str, ...] = ("projects:read", "tracks:read", "credits:read", "offline_access")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"  # RFC 8628 grant_type
