"""Value types shared by the discovery providers, parsers and the discovery step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ss_tui.values import JSONObject

IdentifierType = Literal["isrc", "upc"]
EntityKind = Literal["track", "release"]


@dataclass(frozen=True, slots=True)
class Container:
    """The album a matched track sits on, as the service reports it (no extra request)."""

    external_id: str
    url: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """One entity a service knows under an identifier: what becomes a provider link."""

    provider_id: str  # providers.id in the database: apple_music | deezer | musicbrainz
    kind: EntityKind
    external_id: str
    url: str
    title: str | None = None
    container: Container | None = None  # for tracks: the album it came on
    extra: JSONObject = field(default_factory=dict)
