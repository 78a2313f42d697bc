"""What a "Discover links" pass has found so far, folded from discovery events: the
``detail`` of the discovery operation (ss_tui/tui/operation.py). Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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
    counts: dict[str, int] = field(default_factory=dict)
    finished: bool = False  # the pass reported its end (DiscoveryFinished)

    def start(self, releases: list[tuple[str, str]], not_imported: int) -> None:
        self.releases = {rid: ReleaseResult(rid, title) for rid, title in releases}
        self.not_imported = not_imported
        self.counts, self.finished = {}, False

    @property
    def progress(self) -> tuple[float, float | None]:
        done = sum(1 for r in self.releases.values() if r.status != "pending")
        return float(done), float(len(self.releases))

    def apply(self, event: object, now: datetime | None = None) -> bool:
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
                self.finished = True
                return True
        return False
