"""Events the Session Studio client emits about the API itself: the request budget, waits
and the circuit breaker. The engine passes them on in its own event stream
(``ss_tui.engine.events``), so front ends see one stream; the client knows nothing above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RateLimited:
    """The API budget as last seen, and whether requests are paused for a Retry-After."""

    remaining: int | None
    limit: int | None
    reset_at: datetime | None
    paused_for_s: float = 0.0


@dataclass(frozen=True, slots=True)
class ApiWaiting:
    """Requests to Session Studio are held back, and why: a Retry-After (``rate_limited``),
    a timeout or failure being retried (``retrying``), the circuit breaker (``circuit_open``).
    ``seconds`` is how long; 0 with reason ``resumed`` means answers flow again."""

    reason: str  # rate_limited | retrying | circuit_open | resumed
    seconds: float
    message: str


@dataclass(frozen=True, slots=True)
class CircuitStateChanged:
    state: str  # closed | open | half_open
