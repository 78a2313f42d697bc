"""What each stand-in service "knows": drawn from the simulator catalogue's ISRCs and UPCs.

Deterministic: whether a service knows an identifier is a hash of (service, identifier)
against that service's coverage, so tests can ask :meth:`Knowledge.knows` what to expect.
Tests and demos can also teach or make a service forget single identifiers.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from ss_tui.identifiers import clean_isrc, clean_upc
from ss_tui.simulator.catalogue import Catalogue
from ss_tui.values import JSONObject

SERVICES = ("musicbrainz", "deezer", "itunes")
DEFAULT_COVERAGE = {"musicbrainz": 0.6, "deezer": 0.8, "itunes": 0.85}


def stable_int(*parts: str, digits: int = 9) -> int:
    """A deterministic positive id from some strings (Deezer/iTunes ids are integers)."""
    h = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    low: int = 10 ** (digits - 1)  # int ** int is typed Any: the exponent may be negative
    return int(h[:15], 16) % (10 * low - low) + low


def stable_mbid(*parts: str) -> str:
    """A deterministic UUID, the shape of a MusicBrainz id."""
    return str(uuid.UUID(hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]))


@dataclass
class Knowledge:
    catalogue: Catalogue
    coverage: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_COVERAGE))
    taught: dict[str, set[str]] = field(default_factory=lambda: {s: set() for s in SERVICES})
    forgotten: dict[str, set[str]] = field(default_factory=lambda: {s: set() for s in SERVICES})
    _index_key: tuple[int, int] = (-1, -1)
    _by_isrc: dict[str, list[tuple[JSONObject, JSONObject]]] = field(default_factory=dict)
    _by_upc: dict[str, JSONObject] = field(default_factory=dict)

    # -- what the catalogue holds ----------------------------------------------------------
    def _index(self) -> None:
        key = (len(self.catalogue.projects), len(self.catalogue.tracks))
        if key == self._index_key:
            return
        by_isrc: dict[str, list[tuple[JSONObject, JSONObject]]] = {}
        by_upc: dict[str, JSONObject] = {}
        for project_id, track_ids in self.catalogue.project_tracks.items():
            project = self.catalogue.projects.get(project_id)
            if project is None:
                continue
            upc = _valid(clean_upc, project.get("upc"))
            if upc and upc not in by_upc:
                by_upc[upc] = project
            for track_id in track_ids:
                track = self.catalogue.tracks.get(track_id)
                isrc = _valid(clean_isrc, track.get("isrc") if track else None)
                if track is not None and isrc:
                    by_isrc.setdefault(isrc, []).append((track, project))
        self._by_isrc, self._by_upc, self._index_key = by_isrc, by_upc, key

    def refresh(self) -> None:
        """Re-read the catalogue (after edits that keep its size)."""
        self._index_key = (-1, -1)

    def tracks_for(self, service: str, isrc: str) -> list[tuple[JSONObject, JSONObject]]:
        """(track, project) pairs carrying ``isrc``, if ``service`` knows it."""
        self._index()
        return self._by_isrc.get(isrc, []) if self.knows(service, isrc) else []

    def project_for(self, service: str, upc: str) -> JSONObject | None:
        self._index()
        return self._by_upc.get(upc) if self.knows(service, upc) else None

    def tracks_of(self, project_id: str) -> list[JSONObject]:
        return [
            self.catalogue.tracks[t]
            for t in self.catalogue.project_tracks.get(project_id, [])
            if t in self.catalogue.tracks
        ]

    # -- what each service knows -----------------------------------------------------------
    def knows(self, service: str, identifier: str) -> bool:
        if identifier in self.taught[service]:
            return True
        if identifier in self.forgotten[service]:
            return False
        return stable_int(service, identifier, digits=6) % 1000 < self.coverage[service] * 1000

    def teach(self, service: str, identifier: str) -> None:
        self.forgotten[service].discard(identifier)
        self.taught[service].add(identifier)

    def forget(self, service: str, identifier: str) -> None:
        self.taught[service].discard(identifier)
        self.forgotten[service].add(identifier)


def _valid(cleaner: Callable[[str | None], str | None], value: object) -> str | None:
    return cleaner(value) if isinstance(value, str) else None
