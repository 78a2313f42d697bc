"""State of the lookup stand-ins: knowledge, per-service rate limits, faults, request log.

Rate limits are the services' published ones, enforced on a sliding window over the
simulator's (injectable) clock, answered the way each service answers: MusicBrainz 503,
Deezer HTTP 200 with error code 4, iTunes 403.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from ss_tui.simulator.core import Simulator
from ss_tui.simulator.lookups.knowledge import SERVICES, Knowledge

# (requests, window seconds) per service.
DEFAULT_LIMITS = {"musicbrainz": (1, 1.0), "deezer": (50, 5.0), "itunes": (20, 60.0)}


@dataclass(frozen=True, slots=True)
class LookupRequest:
    service: str
    path: str
    query: str
    at: float  # simulator clock time
    status: int  # HTTP status sent
    outcome: str  # found | not_found | rate_limited | fault | rejected
    user_agent: str | None


@dataclass
class LookupStandins:
    sim: Simulator
    limits: dict[str, tuple[int, float]] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    down: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(SERVICES))
    queued: dict[str, deque[int]] = field(default_factory=lambda: {s: deque() for s in SERVICES})
    log: list[LookupRequest] = field(default_factory=list)
    knowledge: Knowledge = field(init=False)
    _accepted: dict[str, deque[float]] = field(
        default_factory=lambda: {s: deque() for s in SERVICES}
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.knowledge = Knowledge(self.sim.catalogue)

    # -- for tests and demos ---------------------------------------------------------------
    def knows(self, service: str, identifier: str) -> bool:
        return self.knowledge.knows(service, identifier)

    def teach(self, service: str, identifier: str) -> None:
        self.knowledge.teach(service, identifier)

    def forget(self, service: str, identifier: str) -> None:
        self.knowledge.forget(service, identifier)

    def set_down(self, service: str, status: int | None = 503) -> None:
        """Every request to ``service`` fails with ``status`` (None: back up)."""
        self.down[service] = status

    def queue_faults(self, service: str, *statuses: int) -> None:
        """The next requests to ``service`` fail with these statuses, in order."""
        self.queued[service].extend(statuses)

    def requests(self, service: str | None = None) -> list[LookupRequest]:
        return [r for r in self.log if service is None or r.service == service]

    def max_in_window(self, service: str, window_s: float) -> int:
        """The most requests ``service`` received within any ``window_s`` (half-open)."""
        times = sorted(r.at for r in self.requests(service))
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= window_s:
                start += 1
            best = max(best, end - start + 1)
        return best

    # -- for the routes --------------------------------------------------------------------
    def admit(self, service: str) -> str:
        """``ok``, ``rate_limited`` or ``fault:<status>`` for a request arriving now."""
        with self._lock:
            if self.queued[service]:
                return f"fault:{self.queued[service].popleft()}"
            if self.down[service] is not None:
                return f"fault:{self.down[service]}"
            limit, window = self.limits[service]
            now = self.sim.clock.time()
            accepted = self._accepted[service]
            while accepted and now - accepted[0] >= window:
                accepted.popleft()
            if len(accepted) >= limit:
                return "rate_limited"
            accepted.append(now)
            return "ok"

    def record(self, service: str, path: str, query: str, status: int, outcome: str,
               user_agent: str | None) -> None:
        with self._lock:
            self.log.append(LookupRequest(
                service, path, query, self.sim.clock.time(), status, outcome, user_agent
            ))
