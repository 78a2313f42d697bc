"""Cross-platform link discovery: ISRC/UPC → Apple Music, Deezer and MusicBrainz links.

Entry point: :func:`discover_links` (see the README, "Cross-platform link discovery").
Never imports Textual.
"""

from ss_tui.discovery.errors import (
    LookupCircuitOpen,
    LookupRateLimited,
    LookupUnavailable,
    ProviderError,
)
from ss_tui.discovery.http import ProviderHttp, RateLimit, Timing, count_requests
from ss_tui.discovery.providers import (
    PROVIDER_ORDER,
    AppleMusicProvider,
    DeezerProvider,
    LookupProvider,
    LookupProviders,
    MusicBrainzProvider,
    build_providers,
    open_providers,
    user_agent,
)
from ss_tui.discovery.report import (
    DiscoveryFinished,
    DiscoveryReport,
    ProviderOutcome,
    ReleaseDiscovered,
    ReleaseDiscovery,
)
from ss_tui.discovery.step import discover_links, discovery_step
from ss_tui.discovery.types import Container, Match

__all__ = [
    "PROVIDER_ORDER",
    "AppleMusicProvider",
    "Container",
    "DeezerProvider",
    "DiscoveryFinished",
    "DiscoveryReport",
    "LookupCircuitOpen",
    "LookupProvider",
    "LookupProviders",
    "LookupRateLimited",
    "LookupUnavailable",
    "Match",
    "MusicBrainzProvider",
    "ProviderError",
    "ProviderHttp",
    "ProviderOutcome",
    "RateLimit",
    "ReleaseDiscovered",
    "ReleaseDiscovery",
    "Timing",
    "build_providers",
    "count_requests",
    "discover_links",
    "discovery_step",
    "open_providers",
    "user_agent",
]
