"""The lookup services: MusicBrainz, Deezer and iTunes (Apple Music).

Every provider answers two questions — what do you know under this ISRC, under this UPC —
and, where the service has a public search page, builds the search-URL fallback stored
when it knows nothing yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from urllib.parse import quote, urlencode

import httpx

from ss_tui import __version__
from ss_tui.config import Settings
from ss_tui.discovery import parsers
from ss_tui.discovery.http import ProviderHttp, RateLimit, Timing
from ss_tui.discovery.types import Match
from ss_tui.sessionstudio.client import RetryPolicy

# Published limits: MusicBrainz 1 request/s per client; Deezer 50 requests per 5 s;
# the iTunes Search API roughly 20 calls per minute.
MUSICBRAINZ_RATE = RateLimit(1, 1.0)
DEEZER_RATE = RateLimit(50, 5.0)
ITUNES_RATE = RateLimit(20, 60.0)

# Jovie's discovery order: Apple Music, then Deezer (then MusicBrainz, ours).
PROVIDER_ORDER = (parsers.APPLE_MUSIC, parsers.DEEZER, parsers.MUSICBRAINZ)


class LookupProvider(Protocol):
    provider_id: str  # providers.id in the database
    display_name: str
    http: ProviderHttp

    async def lookup_isrc(
        self, isrc: str, *, album_title: str | None = None, upc: str | None = None
    ) -> Match | None: ...

    async def lookup_upc(self, upc: str) -> Match | None: ...

    def search_url(self, *, artist: str | None, title: str) -> str | None: ...


def user_agent(contact: str | None) -> str:
    """MusicBrainz asks for ``Application/version ( contact )``."""
    return f"ss-tui/{__version__} ( {contact or 'Session Studio to Jovie link discovery'} )"


def _terms(artist: str | None, title: str) -> str:
    return f"{artist} {title}".strip() if artist else title


class MusicBrainzProvider:
    provider_id = parsers.MUSICBRAINZ
    display_name = "MusicBrainz"

    def __init__(self, http: ProviderHttp) -> None:
        self.http = http

    async def lookup_isrc(
        self, isrc: str, *, album_title: str | None = None, upc: str | None = None
    ) -> Match | None:
        body = await self.http.get_json(f"/isrc/{isrc}", {"fmt": "json", "inc": "releases"})
        if body is None:
            return None
        return parsers.parse_musicbrainz_isrc(body, barcode=upc, album_title=album_title)

    async def lookup_upc(self, upc: str) -> Match | None:
        body = await self.http.get_json("/release", {"query": f"barcode:{upc}", "fmt": "json"})
        return None if body is None else parsers.parse_musicbrainz_release_search(body, barcode=upc)

    def search_url(self, *, artist: str | None, title: str) -> str | None:
        return None  # a database, not a place to listen: no fallback link


class DeezerProvider:
    provider_id = parsers.DEEZER
    display_name = "Deezer"

    def __init__(self, http: ProviderHttp) -> None:
        self.http = http

    async def lookup_isrc(
        self, isrc: str, *, album_title: str | None = None, upc: str | None = None
    ) -> Match | None:
        body = await self.http.get_json(f"/track/isrc:{isrc}")
        return None if body is None else parsers.parse_deezer_track(body)

    async def lookup_upc(self, upc: str) -> Match | None:
        body = await self.http.get_json(f"/album/upc:{upc}")
        return None if body is None else parsers.parse_deezer_album(body)

    def search_url(self, *, artist: str | None, title: str) -> str | None:
        return f"https://www.deezer.com/search/{quote(_terms(artist, title), safe='')}"


class AppleMusicProvider:
    """Apple Music through the public iTunes Search API's ``lookup``."""

    provider_id = parsers.APPLE_MUSIC
    display_name = "Apple Music"

    def __init__(self, http: ProviderHttp, *, country: str = "us") -> None:
        self.http = http
        self.country = country

    async def lookup_isrc(
        self, isrc: str, *, album_title: str | None = None, upc: str | None = None
    ) -> Match | None:
        body = await self.http.get_json(
            "/lookup", {"isrc": isrc, "country": self.country, "entity": "song"}
        )
        return None if body is None else parsers.parse_itunes_track(body, album_title=album_title)

    async def lookup_upc(self, upc: str) -> Match | None:
        body = await self.http.get_json("/lookup", {"upc": upc, "country": self.country})
        return None if body is None else parsers.parse_itunes_collection(body)

    def search_url(self, *, artist: str | None, title: str) -> str | None:
        query = urlencode({"term": _terms(artist, title)})
        return f"https://music.apple.com/{self.country}/search?{query}"


def _wanted(names: Sequence[str] | None) -> list[str]:
    wanted = list(PROVIDER_ORDER) if names is None else list(names)
    unknown = set(wanted) - set(PROVIDER_ORDER)
    if unknown:
        raise ValueError(
            f"Unknown discovery provider(s): {', '.join(sorted(unknown))}; "
            f"choose from {', '.join(PROVIDER_ORDER)}."
        )
    return wanted


def build_providers(
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    names: Sequence[str] | None = None,
    timing: Timing | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 10.0,
) -> list[LookupProvider]:
    """Providers named in ``names`` (default all), in discovery order, sharing ``http``."""
    wanted = _wanted(names)
    ua = user_agent(settings.discovery_contact)

    def make(service: str, base_url: str, rate: RateLimit, **kw: object) -> ProviderHttp:
        return ProviderHttp(
            service=service, base_url=base_url, http=http, rate=rate, user_agent=ua,
            timing=timing, retry=retry, timeout=timeout, **kw,  # type: ignore[arg-type]  # kw: the few per-service options ProviderHttp takes
        )

    built: dict[str, LookupProvider] = {}
    if parsers.APPLE_MUSIC in wanted:
        built[parsers.APPLE_MUSIC] = AppleMusicProvider(
            # iTunes answers 403 when a client goes over its limit.
            make("iTunes", settings.itunes_base_url, ITUNES_RATE, rate_limited_statuses=(403, 429)),
            country=settings.itunes_country,
        )
    if parsers.DEEZER in wanted:
        built[parsers.DEEZER] = DeezerProvider(
            make("Deezer", settings.deezer_base_url, DEEZER_RATE,
                 rate_limited_body=parsers.deezer_over_quota)
        )
    if parsers.MUSICBRAINZ in wanted:
        built[parsers.MUSICBRAINZ] = MusicBrainzProvider(
            make("MusicBrainz", settings.musicbrainz_base_url, MUSICBRAINZ_RATE)
        )
    return [built[name] for name in PROVIDER_ORDER if name in built]


class LookupProviders:
    """Lookup providers built once on one HTTP client, for every lookup of their owner.

    The services' limits are per client (MusicBrainz: 1 request/s), and each provider
    carries its own pacer and circuit breaker: a process (a worker running several jobs at
    once) must share one set, not build one per pass. ``select`` hands a pass the
    providers it asked for; :meth:`aclose` closes the HTTP client if this set opened it.
    """

    def __init__(
        self, providers: Sequence[LookupProvider], http: httpx.AsyncClient, *, owns_http: bool
    ) -> None:
        self.providers = list(providers)  # in discovery order
        self.http = http
        self._owns_http = owns_http

    def select(self, names: Sequence[str] | None = None) -> list[LookupProvider]:
        """The providers named (default all), in discovery order; the same objects."""
        if names is None:
            return list(self.providers)
        wanted = set(_wanted(names))
        have = {p.provider_id for p in self.providers}
        if wanted - have:
            raise ValueError(
                f"Discovery provider(s) not enabled here: {', '.join(sorted(wanted - have))}."
            )
        return [p for p in self.providers if p.provider_id in wanted]

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> LookupProviders:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def open_providers(
    settings: Settings,
    names: Sequence[str] | None = None,
    *,
    http: httpx.AsyncClient | None = None,
    timing: Timing | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 10.0,
) -> LookupProviders:
    """The providers named in ``names`` (default all) on ``http``, or on an HTTP client of
    their own (closed with them) when ``http`` is None. Use ``async with``, or keep the
    set for the owner's lifetime and ``aclose()`` it."""
    _wanted(names)  # unknown names fail before a client is opened
    owns_http = http is None
    if http is None:
        http = httpx.AsyncClient(follow_redirects=True, timeout=timeout)
    providers = build_providers(
        settings, http, names=names, timing=timing, retry=retry, timeout=timeout
    )
    return LookupProviders(providers, http, owns_http=owns_http)
