"""What a discovery pass did, per release and per provider, plus the events it emits."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["found", "not_found", "failed", "unchanged"]


@dataclass(slots=True)
class ProviderOutcome:
    """One provider's result for one release (the release and its tracks)."""

    provider_id: str
    created: int = 0  # new real links
    upgraded: int = 0  # fallbacks replaced by a real link
    fallbacks: int = 0  # search-URL fallbacks stored (new)
    not_found: int = 0  # owners the service does not know (fallback or not)
    kept: int = 0  # already linked (real link, or a fallback still unmatched)
    kept_manual: int = 0  # hand-set links left alone
    error: str | None = None
    error_kind: str | None = None

    @property
    def status(self) -> Status:
        if self.error is not None:
            return "failed"
        if self.created or self.upgraded:
            return "found"
        if self.not_found:
            return "not_found"
        return "unchanged"


@dataclass(slots=True)
class ReleaseDiscovery:
    release_id: uuid.UUID
    title: str
    session_studio_id: str | None = None
    providers: dict[str, ProviderOutcome] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        """failed if any provider failed; else found if any link was found; else …"""
        statuses = {p.status for p in self.providers.values()}
        order: tuple[Status, ...] = ("failed", "found", "not_found")
        for status in order:
            if status in statuses:
                return status
        return "unchanged"

    @property
    def failed_providers(self) -> list[str]:
        return [p.provider_id for p in self.providers.values() if p.status == "failed"]


@dataclass(slots=True)
class DiscoveryReport:
    releases: dict[uuid.UUID, ReleaseDiscovery] = field(default_factory=dict)
    missing: list[uuid.UUID] = field(default_factory=list)  # ids with no release row
    requests: dict[str, int] = field(default_factory=dict)  # HTTP requests per provider
    error_fingerprints: list[str] = field(default_factory=list)
    cancelled: bool = False

    def counts(self) -> dict[str, int]:
        """Releases per status, and links per kind of write."""
        totals: Counter[str] = Counter(r.status for r in self.releases.values())
        for release in self.releases.values():
            for p in release.providers.values():
                totals["links_created"] += p.created
                totals["links_upgraded"] += p.upgraded
                totals["fallbacks"] += p.fallbacks
        return dict(totals)


@dataclass(frozen=True, slots=True)
class ReleaseDiscovered:
    """Every provider has finished with one release."""

    release_id: str
    title: str
    status: Status
    providers: dict[str, Status]
    links_created: int
    failed_providers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DiscoveryFinished:
    counts: dict[str, int]
    errors: int
    cancelled: bool = False
