"""Parsers on bodies in each service's documented format, including their not-found shapes."""

from __future__ import annotations

import json

import pytest

from ss_tui.discovery import LookupRateLimited, LookupUnavailable
from ss_tui.discovery.parsers import (
    deezer_over_quota,
    parse_deezer_album,
    parse_deezer_track,
    parse_itunes_collection,
    parse_itunes_track,
    parse_musicbrainz_isrc,
    parse_musicbrainz_release_search,
)

# MusicBrainz /ws/2/isrc/GBAYE0601498?fmt=json&inc=releases (abridged from the MMD docs).
MB_ISRC = {
    "isrc": "GBAYE0601498",
    "recordings": [{
        "id": "0e4a9c52-9b8e-4a0a-9a0a-5f0f4e6c4d1b",
        "title": "Come Together",
        "length": 259946,
        "disambiguation": "",
        "video": False,
        "first-release-date": "2006-11-20",
        "releases": [
            {"id": "3b5a2b3c-0000-4000-8000-000000000001", "title": "Love", "status": "Official",
             "barcode": "094637982024", "date": "2006-11-20", "country": "GB"},
            {"id": "3b5a2b3c-0000-4000-8000-000000000002", "title": "Love (deluxe)",
             "status": "Official", "barcode": "094638054621", "date": "2006-11-20"},
        ],
    }],
}
MB_NOT_FOUND = {"error": "Not Found",
                "help": "For usage, please see: https://musicbrainz.org/development/mmd"}
MB_SEARCH = {"created": "2025-01-01T00:00:00.000Z", "count": 1, "offset": 0, "releases": [
    {"id": "3b5a2b3c-0000-4000-8000-000000000002", "score": 100, "title": "Love (deluxe)",
     "barcode": "094638054621"}]}
MB_SEARCH_EMPTY = {"created": "2025-01-01T00:00:00.000Z", "count": 0, "offset": 0, "releases": []}

# Deezer /track/isrc:GBDUW0000059 and /album/upc:724384960650 (abridged).
DZ_TRACK = {
    "id": 3135556, "readable": True, "title": "Harder, Better, Faster, Stronger",
    "isrc": "GBDUW0000059", "link": "https://www.deezer.com/track/3135556", "duration": 224,
    "artist": {"id": 27, "name": "Daft Punk", "type": "artist"},
    "album": {"id": 302127, "title": "Discovery", "link": "https://www.deezer.com/album/302127",
              "type": "album"},
    "type": "track",
}
DZ_ALBUM = {"id": 302127, "title": "Discovery", "upc": "724384960650",
            "link": "https://www.deezer.com/album/302127", "nb_tracks": 14, "type": "album"}
DZ_NO_DATA = {"error": {"type": "DataException", "message": "no data", "code": 800}}
DZ_QUOTA = {"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}}

# iTunes lookup?isrc= / ?upc= (abridged from the Search API docs' result format).
IT_SONGS = {"resultCount": 2, "results": [
    {"wrapperType": "track", "kind": "song", "collectionId": 111, "trackId": 1001,
     "collectionName": "Single Version", "trackName": "Upside Down",
     "collectionViewUrl": "https://music.apple.com/us/album/single-version/111?i=1001&uo=4",
     "trackViewUrl": "https://music.apple.com/us/album/single-version/111?i=1001&uo=4"},
    {"wrapperType": "track", "kind": "song", "collectionId": 120954021, "trackId": 120954025,
     "collectionName": "Sing-a-Longs and Lullabies", "trackName": "Upside Down",
     "collectionViewUrl": "https://music.apple.com/us/album/sing-a-longs/120954021?i=120954025&uo=4",
     "trackViewUrl": "https://music.apple.com/us/album/sing-a-longs/120954021?i=120954025&uo=4"},
]}
IT_ALBUM = {"resultCount": 1, "results": [
    {"wrapperType": "collection", "collectionType": "Album", "collectionId": 120954021,
     "collectionName": "Sing-a-Longs and Lullabies",
     "collectionViewUrl": "https://music.apple.com/us/album/sing-a-longs/120954021?uo=4"}]}
IT_EMPTY = {"resultCount": 0, "results": []}


def test_musicbrainz_isrc_recording_and_release_by_barcode() -> None:
    match = parse_musicbrainz_isrc(MB_ISRC, barcode="094638054621")
    assert match is not None
    assert match.provider_id == "musicbrainz"
    assert match.external_id == "0e4a9c52-9b8e-4a0a-9a0a-5f0f4e6c4d1b"
    assert match.url == "https://musicbrainz.org/recording/0e4a9c52-9b8e-4a0a-9a0a-5f0f4e6c4d1b"
    assert match.container is not None
    assert match.container.title == "Love (deluxe)"
    assert match.container.url.endswith("/release/3b5a2b3c-0000-4000-8000-000000000002")
    # Without a barcode, the release is chosen by title; no match → no container.
    assert parse_musicbrainz_isrc(MB_ISRC, album_title="love").container.title == "Love"
    assert parse_musicbrainz_isrc(MB_ISRC, album_title="Other").container is None


@pytest.mark.parametrize("body", [MB_NOT_FOUND, {"isrc": "GBAYE0601498", "recordings": []}])
def test_musicbrainz_isrc_not_found_shapes(body: dict) -> None:
    assert parse_musicbrainz_isrc(body) is None


def test_musicbrainz_release_search() -> None:
    match = parse_musicbrainz_release_search(MB_SEARCH, barcode="094638054621")
    assert match is not None and match.kind == "release"
    assert parse_musicbrainz_release_search(MB_SEARCH, barcode="000000000000") is None
    assert parse_musicbrainz_release_search(MB_SEARCH_EMPTY, barcode="094638054621") is None


def test_deezer_track_and_album() -> None:
    track = parse_deezer_track(DZ_TRACK)
    assert track is not None
    assert (track.external_id, track.url) == ("3135556", "https://www.deezer.com/track/3135556")
    assert track.container is not None and track.container.external_id == "302127"
    album = parse_deezer_album(DZ_ALBUM)
    assert album is not None
    assert (album.external_id, album.url) == ("302127", "https://www.deezer.com/album/302127")


def test_deezer_not_found_is_http_200_with_error_800() -> None:
    assert parse_deezer_track(DZ_NO_DATA) is None
    assert parse_deezer_album(DZ_NO_DATA) is None


def test_deezer_quota_and_other_errors() -> None:
    assert deezer_over_quota(DZ_QUOTA) and not deezer_over_quota(DZ_NO_DATA)
    # The quota is the HTTP layer's business (ProviderHttp's rate_limited_body pauses and
    # retries): should such a body ever reach the parser, it is a plain unexpected error,
    # never a rate limit the parser would have no Retry-After for.
    for parse in (parse_deezer_track, parse_deezer_album):
        with pytest.raises(LookupUnavailable, match="error 4: Quota limit exceeded") as exc:
            parse(DZ_QUOTA)
        assert not isinstance(exc.value, LookupRateLimited)
    with pytest.raises(LookupUnavailable, match="OAuthException"):
        parse_deezer_album({"error": {"type": "OAuthException", "message": "OAuthException",
                                      "code": 300}})


def test_itunes_song_prefers_the_release_album() -> None:
    match = parse_itunes_track(IT_SONGS, album_title="Sing-a-Longs and Lullabies")
    assert match is not None
    assert match.external_id == "120954025"
    assert match.container is not None
    assert match.container.url == "https://music.apple.com/us/album/sing-a-longs/120954021?uo=4"
    assert parse_itunes_track(IT_SONGS).external_id == "1001"  # no title: the first result


def test_itunes_collection_and_not_found() -> None:
    album = parse_itunes_collection(IT_ALBUM)
    assert album is not None and album.external_id == "120954021" and album.kind == "release"
    assert parse_itunes_track(IT_EMPTY) is None
    assert parse_itunes_collection(IT_EMPTY) is None
    # A song-only answer is no album.
    assert parse_itunes_collection(IT_SONGS) is None


def test_itunes_body_as_served_with_leading_newlines() -> None:
    body = json.loads("\n\n\n" + json.dumps(IT_ALBUM))
    assert parse_itunes_collection(body) is not None


@pytest.mark.parametrize("parser", [parse_deezer_track, parse_itunes_track, parse_musicbrainz_isrc])
def test_unexpected_bodies_are_unavailable_not_crashes(parser) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LookupUnavailable):
        parser(["not", "an", "object"])
