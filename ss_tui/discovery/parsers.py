"""Parse each lookup service's documented response bodies into :class:`Match` values.

Pure functions: a body (already decoded JSON) in, ``Match | None`` out. ``None`` is the
service's own "not found" shape; anything else unexpected raises :class:`LookupUnavailable`.
A body that says "rate limited" (Deezer's quota error) never reaches a parser: the
provider's HTTP layer recognises it first (:func:`deezer_over_quota`) and pauses.

Shapes (as the services document them):
- MusicBrainz ``GET /ws/2/isrc/{isrc}?fmt=json&inc=releases`` → ``{"isrc", "recordings": [...]}``;
  unknown ISRC → HTTP 404 ``{"error": "Not Found", "help": ...}``.
  ``GET /ws/2/release?query=barcode:{upc}&fmt=json`` → ``{"count", "offset", "releases": [...]}``.
- Deezer ``GET /track/isrc:{isrc}`` / ``GET /album/upc:{upc}`` → the track/album object; unknown →
  HTTP 200 ``{"error": {"type": "DataException", "message": "no data", "code": 800}}``;
  over quota → HTTP 200 ``{"error": {"type": "Exception", "message": "Quota limit exceeded",
  "code": 4}}``.
- iTunes ``GET /lookup?isrc=`` / ``?upc=`` → ``{"resultCount": n, "results": [...]}``; unknown →
  ``{"resultCount": 0, "results": []}``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from ss_tui.discovery.errors import LookupUnavailable
from ss_tui.discovery.types import Container, Match
from ss_tui.values import JSONObject

MUSICBRAINZ = "musicbrainz"
DEEZER = "deezer"
APPLE_MUSIC = "apple_music"
MUSICBRAINZ_WEB = "https://musicbrainz.org"

DEEZER_NOT_FOUND = 800
DEEZER_QUOTA = 4


def same_title(a: str | None, b: str | None) -> bool:
    def norm(s: str) -> str:
        s = unicodedata.normalize("NFKD", s)
        return "".join(c for c in s.casefold() if c.isalnum())

    return bool(a) and bool(b) and norm(a or "") == norm(b or "")


def _pick(
    items: list[JSONObject], title_key: str, prefer_title: str | None
) -> JSONObject | None:
    """The item whose container title matches ``prefer_title``, else the first one."""
    if not items:
        return None
    if prefer_title:
        for item in items:
            if same_title(item.get(title_key), prefer_title):
                return item
    return items[0]


def _require_dict(body: Any, service: str) -> JSONObject:
    if not isinstance(body, dict):
        raise LookupUnavailable(f"{service} sent an unexpected response body.")
    return body


# -- MusicBrainz -------------------------------------------------------------------------
def parse_musicbrainz_isrc(
    body: Any, *, barcode: str | None = None, album_title: str | None = None
) -> Match | None:
    """A recording from ``/ws/2/isrc/{isrc}``; its release (by barcode, else title) if listed."""
    data = _require_dict(body, "MusicBrainz")
    if "error" in data and "recordings" not in data:
        return None  # the 404 body: {"error": "Not Found", ...}
    recordings = [r for r in data.get("recordings") or [] if isinstance(r, dict) and r.get("id")]
    if not recordings:
        return None
    rec = recordings[0]
    container = None
    releases = [r for r in rec.get("releases") or [] if isinstance(r, dict) and r.get("id")]
    chosen = None
    if barcode:
        chosen = next((r for r in releases if r.get("barcode") == barcode), None)
    if chosen is None and album_title:
        chosen = next((r for r in releases if same_title(r.get("title"), album_title)), None)
    if chosen is not None:
        container = Container(
            external_id=chosen["id"],
            url=f"{MUSICBRAINZ_WEB}/release/{chosen['id']}",
            title=chosen.get("title"),
        )
    return Match(
        provider_id=MUSICBRAINZ,
        kind="track",
        external_id=rec["id"],
        url=f"{MUSICBRAINZ_WEB}/recording/{rec['id']}",
        title=rec.get("title"),
        container=container,
    )


def parse_musicbrainz_release_search(body: Any, *, barcode: str) -> Match | None:
    """The release whose barcode is exactly ``barcode`` from a ``barcode:`` search."""
    data = _require_dict(body, "MusicBrainz")
    for rel in data.get("releases") or []:
        if isinstance(rel, dict) and rel.get("id") and rel.get("barcode") == barcode:
            return Match(
                provider_id=MUSICBRAINZ,
                kind="release",
                external_id=rel["id"],
                url=f"{MUSICBRAINZ_WEB}/release/{rel['id']}",
                title=rel.get("title"),
            )
    return None


# -- Deezer ------------------------------------------------------------------------------
def _deezer_error(data: JSONObject) -> None:
    """Deezer reports errors with HTTP 200 and an ``error`` object."""
    error = data.get("error")
    if error is None:
        return
    code = error.get("code") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else str(error)
    if code == DEEZER_NOT_FOUND:
        raise _NotFound
    raise LookupUnavailable(f"Deezer answered with error {code}: {message}")


def deezer_over_quota(body: Any) -> bool:
    """Deezer's "Quota limit exceeded" comes as HTTP 200 with error code 4."""
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("code") == DEEZER_QUOTA


class _NotFound(Exception):
    pass


def parse_deezer_track(body: Any) -> Match | None:
    data = _require_dict(body, "Deezer")
    try:
        _deezer_error(data)
    except _NotFound:
        return None
    if data.get("id") is None:
        return None
    album = data.get("album") if isinstance(data.get("album"), dict) else None
    container = None
    if album and album.get("id") is not None:
        album_id = str(album["id"])
        container = Container(
            external_id=album_id,
            url=album.get("link") or f"https://www.deezer.com/album/{album_id}",
            title=album.get("title"),
        )
    track_id = str(data["id"])
    return Match(
        provider_id=DEEZER,
        kind="track",
        external_id=track_id,
        url=data.get("link") or f"https://www.deezer.com/track/{track_id}",
        title=data.get("title"),
        container=container,
    )


def parse_deezer_album(body: Any) -> Match | None:
    data = _require_dict(body, "Deezer")
    try:
        _deezer_error(data)
    except _NotFound:
        return None
    if data.get("id") is None:
        return None
    album_id = str(data["id"])
    return Match(
        provider_id=DEEZER,
        kind="release",
        external_id=album_id,
        url=data.get("link") or f"https://www.deezer.com/album/{album_id}",
        title=data.get("title"),
    )


# -- iTunes / Apple Music ----------------------------------------------------------------
def _itunes_results(body: Any) -> list[JSONObject]:
    data = _require_dict(body, "iTunes")
    if "results" not in data:
        raise LookupUnavailable("iTunes sent a body without results.")
    return [r for r in data.get("results") or [] if isinstance(r, dict)]


def parse_itunes_track(body: Any, *, album_title: str | None = None) -> Match | None:
    """A song from ``lookup?isrc=``; the one on ``album_title`` when several albums carry it."""
    songs = [
        r for r in _itunes_results(body)
        if r.get("wrapperType") == "track" and r.get("trackId") is not None
    ]
    song = _pick(songs, "collectionName", album_title)
    if song is None:
        return None
    container = None
    if song.get("collectionId") is not None and song.get("collectionViewUrl"):
        container = Container(
            external_id=str(song["collectionId"]),
            url=_strip_track_param(song["collectionViewUrl"]),
            title=song.get("collectionName"),
        )
    return Match(
        provider_id=APPLE_MUSIC,
        kind="track",
        external_id=str(song["trackId"]),
        url=song.get("trackViewUrl") or song.get("collectionViewUrl") or "",
        title=song.get("trackName"),
        container=container,
    )


def parse_itunes_collection(body: Any) -> Match | None:
    """The album from ``lookup?upc=`` (``wrapperType: collection``)."""
    albums = [
        r for r in _itunes_results(body)
        if r.get("wrapperType") == "collection" and r.get("collectionId") is not None
    ]
    if not albums:
        return None
    album = albums[0]
    return Match(
        provider_id=APPLE_MUSIC,
        kind="release",
        external_id=str(album["collectionId"]),
        url=album.get("collectionViewUrl") or "",
        title=album.get("collectionName"),
    )


def _strip_track_param(url: str) -> str:
    """A song's collectionViewUrl carries ``?i=<trackId>``; the album link should not."""
    base, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("i=")]
    return base + ("?" + "&".join(kept) if kept else "")
