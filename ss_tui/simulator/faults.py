"""Which fault, if any, a request gets: per request (header or queue) or per run (shares)."""

from __future__ import annotations

import random
from collections import deque

from ss_tui.simulator.config import FAULT_KINDS, FaultConfig

FAULT_HEADER = "X-Simulator-Fault"


class FaultPlanner:
    def __init__(self, config: FaultConfig) -> None:
        self.queue: deque[str] = deque()
        self.set(config)

    def set(self, config: FaultConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.api_requests = 0
        self._revoke_fired = False

    def enqueue(self, *kinds: str) -> None:
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        self.queue.extend(kinds)

    def decide(self, header: str | None, *, api: bool) -> str | None:
        if header:
            kind = header.strip().lower()
            return kind if kind in FAULT_KINDS else None
        if self.queue:
            return self.queue.popleft()
        cfg = self.config
        if not (api or cfg.include_oauth):
            return None
        if api:
            self.api_requests += 1
            limit = cfg.revoke_after_requests
            if limit is not None and not self._revoke_fired and self.api_requests > limit:
                self._revoke_fired = True
                return "revoke_all"
        # One draw per request keeps a run reproducible for a given request order.
        roll = self.rng.random()
        for kind, share in (
            ("5xx", cfg.error_share),
            ("429", cfg.rate_limit_share),
            ("timeout", cfg.timeout_share),
            ("reset", cfg.reset_share),
            ("malformed", cfg.malformed_share),
        ):
            if roll < share:
                return self.rng.choice(("500", "502", "503")) if kind == "5xx" else kind
            roll -= share
        return None
