"""Simulator configuration: catalogue size, OAuth, rate limits, faults, webhooks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from ss_tui.values import JSONObject

FAULT_KINDS: tuple[str, ...] = (
    "500",
    "502",
    "503",
    "429",
    "timeout",
    "reset",
    "malformed",
    "revoke",
)


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Faults injected on resource endpoints (``/v1`` minus OAuth unless ``include_oauth``).

    Shares are probabilities per request, drawn from a seeded RNG so a run is
    reproducible for a given request order.
    """

    latency_ms: int = 0
    error_share: float = 0.0  # 5xx (500/502/503, uniformly)
    rate_limit_share: float = 0.0  # 429 with Retry-After
    timeout_share: float = 0.0  # hang for ``hang_s`` before answering
    reset_share: float = 0.0  # drop the connection mid-response
    malformed_share: float = 0.0  # 200 with a truncated JSON body
    revoke_after_requests: int | None = None  # revoke every token after N API requests
    hang_s: float = 30.0
    retry_after_s: int = 1  # Retry-After sent with injected 429s
    include_oauth: bool = False
    seed: int = 0

    def with_changes(self, **changes: object) -> FaultConfig:
        return replace(self, **changes)  # type: ignore[arg-type]  # dataclasses.replace checks the names

    def to_dict(self) -> JSONObject:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: JSONObject) -> FaultConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}")
        return cls(**data)

    @classmethod
    def parse(cls, spec: str) -> FaultConfig:
        """Parse ``"error_share=0.1,latency_ms=50,timeout_share=0.01"`` (CLI ``--faults``)."""
        kinds = {f.name: f.type for f in fields(cls)}
        values: dict[str, object] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, sep, raw = part.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in kinds:
                raise ValueError(f"bad fault setting {part!r}; known: {', '.join(kinds)}")
            raw = raw.strip()
            kind = str(kinds[name])
            if "bool" in kind:
                values[name] = raw.lower() in ("1", "true", "yes", "on")
            elif "float" in kind:
                values[name] = float(raw)
            elif raw.lower() in ("", "none", "null"):
                values[name] = None
            else:
                values[name] = int(raw)
        return cls(**values)  # type: ignore[arg-type]  # each value was parsed to its field's type


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    seed: int = 42
    projects: int = 50  # projects of the main "Demo Label" account
    other_account_projects: int = 3  # projects of a second, independent account
    # Projects of the second account the Demo Label is a member of (collaborations).
    shared_projects: int = 0
    bad_data_share: float = 0.0  # share of projects carrying one realistic defect
    rate_limit: int = 600  # requests per window, per token
    rate_window_s: float = 60.0
    latency_ms: int = 0
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 30 * 24 * 3600
    auth_code_ttl: int = 600
    device_code_ttl: int = 600
    device_interval: int = 5
    auto_approve_device: bool = True
    auto_approve_authorize: bool = False  # skip the consent page (tests, demos)
    client_id: str = "ss-tui-demo"
    client_secret: str | None = None  # None: a public client (PKCE only)
    admin_key: str | None = None  # allows /_sim/ from non-loopback clients
    webhook_url: str | None = None
    webhook_secret: str = "whsec-demo"
    webhook_retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0)
    faults: FaultConfig = field(default_factory=FaultConfig)

    def with_changes(self, **changes: object) -> SimulatorConfig:
        return replace(self, **changes)  # type: ignore[arg-type]  # dataclasses.replace checks the names
