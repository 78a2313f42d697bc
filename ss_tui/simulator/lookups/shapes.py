"""Response bodies shaped as each service documents them, built from catalogue items."""

from __future__ import annotations

import re
import unicodedata

from ss_tui.simulator.lookups.knowledge import stable_int, stable_mbid
from ss_tui.values import JSONObject

MB_NOT_FOUND = {"error": "Not Found", "help": "For usage, please see: https://musicbrainz.org/development/mmd"}
MB_RATE_LIMITED = {
    "error": "Your requests are exceeding the allowable rate limit. Please see "
    "https://musicbrainz.org/doc/MusicBrainz_API/Rate_Limiting for more information."
}
MB_BAD_UA = {"error": "Your requests are blocked: send a meaningful User-Agent "
                      "(https://musicbrainz.org/doc/MusicBrainz_API/Rate_Limiting)."}
DEEZER_NO_DATA = {"error": {"type": "DataException", "message": "no data", "code": 800}}
DEEZER_QUOTA = {"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}}

RECORD_TYPES = {"single": "single", "ep": "ep", "album": "album", "compilation": "compile"}


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "album"


def _seconds(track: JSONObject) -> int:
    ms = track.get("durationMs")
    return max(0, int(ms) // 1000) if isinstance(ms, int) else 0


# -- MusicBrainz ---------------------------------------------------------------------------
def mb_release(project: JSONObject, tracks: int) -> JSONObject:
    return {
        "id": stable_mbid("mb-release", project["id"]),
        "title": project.get("title"),
        "status": "Official",
        "barcode": project.get("upc") or "",
        "date": project.get("releaseDate") or "",
        "country": "XW",
        "disambiguation": "",
        "quality": "normal",
        "track-count": tracks,
    }


def mb_isrc(isrc: str, pairs: list[tuple[JSONObject, JSONObject]], with_releases: bool,
            tracks_of_project: dict[str, int]) -> JSONObject:
    track = pairs[0][0]
    recording: JSONObject = {
        "id": stable_mbid("mb-recording", isrc),
        "title": track.get("title"),
        "length": track.get("durationMs") if isinstance(track.get("durationMs"), int) else None,
        "disambiguation": "",
        "video": False,
        "first-release-date": min((p.get("releaseDate") or "9999") for _, p in pairs),
    }
    if with_releases:
        recording["releases"] = [mb_release(p, tracks_of_project[p["id"]]) for _, p in pairs]
    return {"isrc": isrc, "recordings": [recording]}


def mb_release_search(project: JSONObject | None, tracks: int, created: str) -> JSONObject:
    releases = []
    if project is not None:
        releases.append({**mb_release(project, tracks), "score": 100,
                         "artist-credit": [{"name": project.get("artistName")}]})
    return {"created": created, "count": len(releases), "offset": 0, "releases": releases}


# -- Deezer --------------------------------------------------------------------------------
def _dz_artist(item: JSONObject) -> JSONObject:
    artist_id = stable_int("dz-artist", str(item.get("artistId")))
    return {"id": artist_id, "name": item.get("artistName"),
            "link": f"https://www.deezer.com/artist/{artist_id}", "type": "artist"}


def dz_album_ref(project: JSONObject) -> JSONObject:
    album_id = stable_int("dz-album", project["id"])
    return {
        "id": album_id,
        "title": project.get("title"),
        "link": f"https://www.deezer.com/album/{album_id}",
        "cover": f"https://api.deezer.com/album/{album_id}/image",
        "release_date": project.get("releaseDate"),
        "type": "album",
    }


def dz_track(isrc: str, track: JSONObject, project: JSONObject) -> JSONObject:
    track_id = stable_int("dz-track", isrc)
    return {
        "id": track_id,
        "readable": True,
        "title": track.get("title"),
        "title_short": track.get("title"),
        "title_version": track.get("version") or "",
        "isrc": isrc,
        "link": f"https://www.deezer.com/track/{track_id}",
        "share": f"https://www.deezer.com/track/{track_id}?utm_source=deezer",
        "duration": _seconds(track),
        "track_position": track.get("trackNumber"),
        "disk_number": track.get("discNumber"),
        "rank": stable_int("dz-rank", isrc, digits=6),
        "release_date": project.get("releaseDate"),
        "explicit_lyrics": bool(track.get("isExplicit")),
        "preview": track.get("previewUrl") or "",
        "bpm": track.get("bpm") or 0,
        "available_countries": ["FR", "GB", "US"],
        "artist": _dz_artist(track),
        "album": dz_album_ref(project),
        "type": "track",
    }


def dz_album(upc: str, project: JSONObject, tracks: list[JSONObject]) -> JSONObject:
    ref = dz_album_ref(project)
    return {
        **ref,
        "upc": upc,
        "share": f"{ref['link']}?utm_source=deezer",
        "label": project.get("label"),
        "nb_tracks": len(tracks),
        "duration": sum(_seconds(t) for t in tracks),
        "record_type": RECORD_TYPES.get(project.get("type") or "", "album"),
        "available": True,
        "tracklist": f"https://api.deezer.com/album/{ref['id']}/tracks",
        "explicit_lyrics": any(t.get("isExplicit") for t in tracks),
        "artist": _dz_artist(project),
        "tracks": {"data": [_dz_track_ref(t) for t in tracks]},
    }


def _dz_track_ref(track: JSONObject) -> JSONObject:
    track_id = stable_int("dz-track", track.get("isrc") or track["id"])
    return {"id": track_id, "title": track.get("title"),
            "link": f"https://www.deezer.com/track/{track_id}", "type": "track"}


# -- iTunes --------------------------------------------------------------------------------
def _it_collection_id(project: JSONObject) -> int:
    return stable_int("it-collection", project["id"], digits=10)


def it_song(
    isrc: str, track: JSONObject, project: JSONObject, country: str, tracks: int
) -> JSONObject:
    collection_id = _it_collection_id(project)
    track_id = stable_int("it-track", isrc, project["id"], digits=10)
    artist_id = stable_int("it-artist", str(track.get("artistId")), digits=10)
    slug = _slug(project.get("title") or "")
    album_url = f"https://music.apple.com/{country}/album/{slug}/{collection_id}"
    return {
        "wrapperType": "track",
        "kind": "song",
        "artistId": artist_id,
        "collectionId": collection_id,
        "trackId": track_id,
        "artistName": track.get("artistName"),
        "collectionName": project.get("title"),
        "trackName": track.get("title"),
        "collectionCensoredName": project.get("title"),
        "trackCensoredName": track.get("title"),
        "artistViewUrl": f"https://music.apple.com/{country}/artist/{artist_id}?uo=4",
        "collectionViewUrl": f"{album_url}?i={track_id}&uo=4",
        "trackViewUrl": f"{album_url}?i={track_id}&uo=4",
        "previewUrl": track.get("previewUrl") or "",
        "releaseDate": f"{project.get('releaseDate') or '2020-01-01'}T12:00:00Z",
        "collectionExplicitness": "notExplicit",
        "trackExplicitness": "explicit" if track.get("isExplicit") else "notExplicit",
        "discCount": 1,
        "discNumber": track.get("discNumber") or 1,
        "trackCount": tracks,
        "trackNumber": track.get("trackNumber") or 1,
        "trackTimeMillis": track.get("durationMs") if isinstance(track.get("durationMs"), int)
        else 0,
        "country": country.upper(),
        "currency": "USD",
        "primaryGenreName": track.get("genre") or "Pop",
        "isStreamable": True,
    }


def it_collection(project: JSONObject, country: str, tracks: int) -> JSONObject:
    collection_id = _it_collection_id(project)
    artist_id = stable_int("it-artist", str(project.get("artistId")), digits=10)
    return {
        "wrapperType": "collection",
        "collectionType": "Album",
        "artistId": artist_id,
        "collectionId": collection_id,
        "artistName": project.get("artistName"),
        "collectionName": project.get("title"),
        "collectionCensoredName": project.get("title"),
        "artistViewUrl": f"https://music.apple.com/{country}/artist/{artist_id}?uo=4",
        "collectionViewUrl": f"https://music.apple.com/{country}/album/"
        f"{_slug(project.get('title') or '')}/{collection_id}?uo=4",
        "collectionExplicitness": "notExplicit",
        "trackCount": tracks,
        "copyright": f"℗ {project.get('label') or ''}".strip(),
        "country": country.upper(),
        "currency": "USD",
        "releaseDate": f"{project.get('releaseDate') or '2020-01-01'}T07:00:00Z",
        "primaryGenreName": "Pop",
    }
