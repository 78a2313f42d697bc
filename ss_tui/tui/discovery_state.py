"""The state of a "Discover links" pass, folded from discovery events. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ss_tui.discovery import DiscoveryFinished, ReleaseDiscovered


@dataclass(slots=True)
class ReleaseResult:
    release_id: str
    title: str
    status: str = "pending"  # pending | found | not_found | failed | unchanged
    providers: dict[str, str] = field(default_factory=dict)  # provider id -> status
    links_created: int = 0


@dataclass(slots=True)
class DiscoveryState:
    releases: dict[str, ReleaseResult] = field(default_factory=dict)
    not_imported: int = 0  # selected projects without a release (nothing to look up)
    active: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    failure: str | None = None  # the pass itself could not run

    def start(self, releases: list[tuple[str, str]], not_imported: int) -> None:
        self.releases = {rid: ReleaseResult(rid, title) for rid, title in releases}
        self.not_imported = not_imported
        self.active = True
        self.counts, self.failure = {}, None

    def apply(self, event: Any) -> bool:
        """Fold one discovery event; True when it changed what the screen shows."""
        match event:
            case ReleaseDiscovered():
                row = self.releases.setdefault(
                    event.release_id, ReleaseResult(event.release_id, event.title)
                )
                row.status = event.status
                row.providers = dict(event.providers)
                row.links_created = event.links_created
                return True
            case DiscoveryFinished():
                self.counts = dict(event.counts)
                self.active = False
                return True
        return False
