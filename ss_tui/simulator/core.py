"""The Simulator: catalogue, authorization server, limits, faults, webhooks and counters.

Everything a test or a demo needs to drive the simulated service lives here; the
HTTP layer (``app.py``) only translates requests into calls on this object.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field

from pydantic.alias_generators import to_camel

from ss_tui.sessionstudio.models import SCOPES, TokenResponse
from ss_tui.simulator.catalogue import (
    CDN,
    DEMO_ACCOUNT_ID,
    Catalogue,
    generate_catalogue,
    iso,
)
from ss_tui.simulator.clock import Clock, SystemClock
from ss_tui.simulator.config import FaultConfig, SimulatorConfig
from ss_tui.simulator.faults import FaultPlanner
from ss_tui.simulator.oauth import AuthServer
from ss_tui.simulator.ratelimit import RateLimiter
from ss_tui.simulator.webhooks import WebhookOutbox
from ss_tui.values import JSONObject


@dataclass(frozen=True, slots=True)
class RequestRecord:
    method: str
    path: str
    query: str
    status: int
    token: str | None  # the token's label (e.g. "access#3"), never the token
    fault: str | None


@dataclass
class Stats:
    requests: int = 0
    api_requests: int = 0
    rate_limited: int = 0  # 429s sent (budget exhausted or injected)
    not_modified: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)


class Simulator:
    def __init__(
        self,
        config: SimulatorConfig | None = None,
        *,
        clock: Clock | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        self.config = config = config or SimulatorConfig()
        self.clock: Clock = clock or SystemClock()
        self.catalogue = catalogue or generate_catalogue(
            config.seed,
            config.projects,
            other_account_projects=config.other_account_projects,
            shared_projects=config.shared_projects,
            bad_data_share=config.bad_data_share,
        )
        self.auth = AuthServer(config, self.clock, DEMO_ACCOUNT_ID)
        self.limiter = RateLimiter(config.rate_limit, config.rate_window_s, self.clock)
        self.faults = FaultPlanner(config.faults)
        self.webhooks = WebhookOutbox(
            config.webhook_url, config.webhook_secret, config.webhook_retry_delays, self.clock
        )
        self.stats = Stats()
        self.request_log: deque[RequestRecord] = deque(maxlen=10_000)
        self.lock = threading.RLock()  # mutations may come from another thread
        self.closing = threading.Event()  # releases hung ("timeout") requests on shutdown

    def __repr__(self) -> str:
        return f"Simulator(seed={self.config.seed}, {self.catalogue!r})"

    def set_clock(self, clock: Clock) -> None:
        """Swap the clock everywhere (e.g. a ManualClock to expire tokens in a test)."""
        self.clock = self.auth.clock = self.limiter.clock = self.webhooks.clock = clock

    @property
    def demo_account_id(self) -> str:
        return DEMO_ACCOUNT_ID

    # -- tokens --------------------------------------------------------------------------

    def issue_token(
        self, scopes: tuple[str, ...] | list[str] | str = SCOPES, account_id: str | None = None
    ) -> TokenResponse:
        """Mint an OAuth token pair directly (as if a grant had just completed)."""
        if isinstance(scopes, str):
            scopes = scopes.split()
        return self.auth.issue(account_id or DEMO_ACCOUNT_ID, self.config.client_id, tuple(scopes))

    def personal_token(
        self,
        scopes: tuple[str, ...] | list[str] | str = (
            "projects:read",
            "tracks:read",
            "credits:read",
        ),
        account_id: str | None = None,
    ) -> str:
        """A personal access token for the "paste a token" flow (never expires)."""
        if isinstance(scopes, str):
            scopes = scopes.split()
        return self.auth.personal(account_id or DEMO_ACCOUNT_ID, tuple(scopes))

    def revoke_all_tokens(self) -> int:
        return self.auth.revoke_all()

    def approve_device(self, user_code: str, account_id: str | None = None) -> bool:
        return self.auth.decide_device(user_code, True, account_id)

    def deny_device(self, user_code: str) -> bool:
        return self.auth.decide_device(user_code, False)

    # -- faults and limits ---------------------------------------------------------------

    def set_faults(self, faults: FaultConfig) -> None:
        self.faults.set(faults)

    def queue_faults(self, *kinds: str) -> None:
        """The next len(kinds) requests (any /v1 path) get these faults, in order."""
        self.faults.enqueue(*kinds)

    @property
    def rate_limited_count(self) -> int:
        return self.stats.rate_limited

    # -- mutations -----------------------------------------------------------------------

    def _bump(self, previous: float) -> float:
        """A new updatedAt: now, but always strictly later than the previous value."""
        return max(self.clock.time(), previous + 0.001)

    def _touch_project(self, project_id: str, ts: float) -> None:
        cat = self.catalogue
        cat.updated_ts[project_id] = max(ts, cat.updated_ts[project_id])
        cat.projects[project_id]["updatedAt"] = iso(cat.updated_ts[project_id])

    @staticmethod
    def _wire_fields(fields: JSONObject) -> JSONObject:
        if "id" in fields:
            raise ValueError("ids are immutable")
        return {to_camel(k): v for k, v in fields.items()}

    def edit_track(self, track_id: str, **fields: object) -> JSONObject:
        """Change a track (snake_case or camelCase fields); updatedAt moves; webhooks fire."""
        with self.lock:
            cat = self.catalogue
            track = cat.tracks[track_id]
            changes = self._wire_fields(fields)
            before = {c["id"] for c in track.get("collaborators") or []}
            track.update(changes)
            ts = self._bump(cat.track_updated_ts[track_id])
            cat.track_updated_ts[track_id] = ts
            track["updatedAt"] = iso(ts)
            pid = track["projectId"]
            self._touch_project(pid, ts)
            account = cat.project_account[pid]
        data = {"projectId": pid, "trackId": track_id, "changed": sorted(changes)}
        self.webhooks.emit("project.updated", account, data)
        for collab in track.get("collaborators") or []:
            if collab.get("id") not in before:
                self.webhooks.emit(
                    "collaborator.added",
                    account,
                    {
                        "projectId": pid,
                        "trackId": track_id,
                        "collaboratorId": collab.get("id"),
                        "role": collab.get("role"),
                    },
                )
        return track

    def edit_project(self, project_id: str, **fields: object) -> JSONObject:
        with self.lock:
            cat = self.catalogue
            project = cat.projects[project_id]
            changes = self._wire_fields(fields)
            project.update(changes)
            self._touch_project(project_id, self._bump(cat.updated_ts[project_id]))
            account = cat.project_account[project_id]
        self.webhooks.emit(
            "project.updated", account, {"projectId": project_id, "changed": sorted(changes)}
        )
        return project

    def add_project(
        self,
        *,
        title: str | None = None,
        type: str | None = "single",  # mirrors the wire field
        status: str | None = "draft",
        tracks: int | None = None,
        artist_id: str | None = None,
        account_id: str | None = None,
    ) -> JSONObject:
        """Create a project (appended to the keyset order, so running cursors still see it)."""
        account = account_id or DEMO_ACCOUNT_ID
        with self.lock:
            cat = self.catalogue
            gen = cat.generator
            ts = self.clock.time()
            pid = gen.add_project(  # type: ignore[attr-defined]  # generator is the catalogue's _Generator
                account,
                ptype=type,
                status=status,
                artist_id=artist_id,
                n_tracks=tracks,
                updated=ts,
            )
            project = cat.projects[pid]
            if title is not None:
                project["title"] = title
            for tid in cat.project_tracks[pid]:
                cat.track_updated_ts[tid] = ts
                cat.tracks[tid]["updatedAt"] = iso(ts)
            self._touch_project(pid, ts)
        self.webhooks.emit("project.updated", account, {"projectId": pid, "created": True})
        return project

    def release_project(self, project_id: str) -> JSONObject:
        """Release a draft/unreleased project: status, date, UPC, previews; webhooks fire."""
        with self.lock:
            cat = self.catalogue
            project = cat.projects[project_id]
            ts = self._bump(cat.updated_ts[project_id])
            today = iso(ts)[:10]
            project["status"] = "released"
            project["releaseDate"] = project.get("releaseDate") or today
            if not project.get("upc"):
                project["upc"] = cat.generator.upc()  # type: ignore[attr-defined]  # generator is the catalogue's _Generator
            track_ids = list(cat.project_tracks[project_id])
            for tid in track_ids:
                track = cat.tracks[tid]
                track["releaseDate"] = project["releaseDate"]
                track["previewUrl"] = track.get("previewUrl") or f"{CDN}/previews/{tid}.mp3"
                cat.track_updated_ts[tid] = ts
                track["updatedAt"] = iso(ts)
            self._touch_project(project_id, ts)
            account = cat.project_account[project_id]
        self.webhooks.emit("project.released", account, {"projectId": project_id})
        for tid in track_ids:
            self.webhooks.emit(
                "track.published", account, {"projectId": project_id, "trackId": tid}
            )
        return project

    async def deliver_webhooks(self) -> int:
        """Attempt every due webhook delivery now (tests drive retries with the clock)."""
        return await self.webhooks.deliver_due()

    def state(self) -> JSONObject:
        s = self.stats
        return {
            "seed": self.config.seed,
            "projects": len(self.catalogue.projects),
            "tracks": len(self.catalogue.tracks),
            "requests": s.requests,
            "apiRequests": s.api_requests,
            "rateLimited": s.rate_limited,
            "notModified": s.not_modified,
            "byStatus": {str(k): v for k, v in sorted(s.by_status.items())},
            "faults": dict(sorted(s.faults.items())),
            "tokensIssued": self.auth.issued,
            "tokensRefreshed": self.auth.refreshed,
            "webhooks": {
                "events": len(self.webhooks.events),
                "pending": len(self.webhooks.pending()),
                "delivered": sum(d.status == "delivered" for d in self.webhooks.deliveries),
                "failed": sum(d.status == "failed" for d in self.webhooks.deliveries),
            },
        }
