"""Pure mapping from Session Studio models to the rows Jovie's schema should hold
(docs/architecture.md, "Merge rules").

Nothing here touches the database: the planner decides create/update/unchanged against what
exists; these functions only say what Session Studio's data means in Jovie's terms.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TypeVar

from pydantic import TypeAdapter

from ss_tui.engine.slugs import normalize_artist_name, slugify
from ss_tui.identifiers import clean_ipi, clean_isni, clean_isrc, clean_iswc, clean_upc
from ss_tui.sessionstudio.models import WRITER_ROLES, Project, Split, Stem, Track, WireModel
from ss_tui.text import has_controls
from ss_tui.values import JSONObject, Row

PROVIDER_ID = "session-studio"
WEB_BASE_URL = "https://session.studio"

# Session Studio (DDEX-flavoured) role → Jovie credit role. Anything else becomes "other".
ROLE_MAP: dict[str, str] = {
    "main_artist": "main_artist",
    "featured_artist": "featured_artist",
    "producer": "producer",
    "co_producer": "co_producer",
    "composer": "composer",
    "lyricist": "lyricist",
    "arranger": "arranger",
    "remixer": "remixer",
    "mix_engineer": "mix_engineer",
    "mastering_engineer": "mastering_engineer",
    "conductor": "conductor",
}

RELEASE_TYPES = {"single", "ep", "album", "compilation"}

# Session Studio project status → the ``discog_releases.status`` values Jovie's code knows.
# Jovie hides exactly ``draft`` from public pages (``isPublicReleaseEligible``), so a project
# that is not out yet is a Jovie draft; the Session Studio status stays in metadata.
RELEASE_STATUS = {"released": "released", "unreleased": "draft", "draft": "draft"}

# Credit order and join phrases as Jovie's artist parser writes them: main artists first
# (the first without a phrase, further ones after ", "), then featured artists (" feat. ",
# then " & "), then remixers (the first without a phrase, then " & "); other roles follow
# without a phrase. Only main artists are primary.
_CREDIT_GROUP = {"main_artist": 0, "featured_artist": 1, "remixer": 2}
_FIRST_PHRASE = {"main_artist": None, "featured_artist": " feat. ", "remixer": None}
_NEXT_PHRASE = {"main_artist": ", ", "featured_artist": " & ", "remixer": " & "}

ARTIST_TYPES = {"person", "group"}


@lru_cache(maxsize=256)  # a few roles, mapped for every collaborator of every track
def map_role(role: str | None) -> str:
    return ROLE_MAP.get((role or "").strip().lower(), "other")


def project_url(project_id: str) -> str:
    return f"{WEB_BASE_URL}/projects/{project_id}"


def track_url(project_id: str, track_id: str) -> str:
    return f"{WEB_BASE_URL}/projects/{project_id}/tracks/{track_id}"


@dataclass(slots=True)
class ItemIssue:
    """A data problem on one item. ``fatal`` items are not written; others only warn."""

    entity: str  # release | recording | artist | credit
    external_id: str | None
    message: str
    fatal: bool = False
    field: str | None = None


@dataclass(slots=True)
class ArtistSpec:
    key: str  # "ss:<id>" or "name:<normalized>"
    session_studio_id: str | None
    name: str
    name_normalized: str
    metadata: JSONObject = field(default_factory=dict)
    name_known: bool = True  # False: only the Session Studio id was sent
    artist_type: str = "person"  # Jovie's artist_type: "group" when Session Studio says so


@dataclass(slots=True)
class CreditSpec:
    artist_key: str
    role: str
    credit_name: str
    position: int
    is_primary: bool
    join_phrase: str | None = None


@dataclass(slots=True)
class TrackSpec:
    external_id: str
    slug_base: str
    recording: Row  # intended discog_recordings values (no ids, no slug)
    release_track: Row  # intended discog_release_tracks values (no ids, no slug)
    credits: list[CreditSpec]
    link_url: str
    issues: list[ItemIssue] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return any(i.fatal for i in self.issues)


@dataclass(slots=True)
class ProjectSpec:
    external_id: str
    ss_artist_id: str | None
    ss_artist_name: str | None
    slug_base: str
    release: Row
    credits: list[CreditSpec]
    tracks: list[TrackSpec]
    artists: dict[str, ArtistSpec]
    link_url: str
    source_hash: str
    issues: list[ItemIssue] = field(default_factory=list)
    # Another account's project this account is a member of (SessionStudioImportOptions.
    # includeCollaborations decides whether it is imported).
    collaboration: bool = False

    @property
    def fatal(self) -> bool:
        return any(i.fatal for i in self.issues)


def canonical_json(payload: object) -> str:
    """The text :func:`payload_hash` hashes: sorted keys, no spaces."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def payload_hash(payload: object) -> str:
    """Stable hash of a JSON payload (key order independent)."""
    return _sha256(canonical_json(payload))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def project_hashes(payload: JSONObject) -> tuple[str, list[str | None]]:
    """``payload_hash`` of a project payload and of each of its tracks (None for an item
    that is no object), every track serialised once: the project's canonical text is
    composed from its tracks' (the same text ``canonical_json`` makes of the whole, key by
    key, as its encoder does). Storing snapshots hashed the tracks twice (bench/README.md,
    "plan5 round")."""
    tracks = payload.get("tracks")
    if not isinstance(tracks, list):
        return payload_hash(payload), []
    texts = [canonical_json(t) for t in tracks]
    listed = "[" + ",".join(texts) + "]"
    parts = [
        canonical_json(k) + ":" + (listed if k == "tracks" else canonical_json(v))
        for k, v in sorted(payload.items())
    ]
    track_hashes = [
        _sha256(text) if isinstance(t, dict) else None
        for t, text in zip(tracks, texts, strict=True)
    ]
    return _sha256("{" + ",".join(parts) + "}"), track_hashes


def has_control_chars(text: str) -> bool:
    return has_controls(text)


def _midnight(value: date | None) -> datetime | None:
    """Jovie stores release dates as timestamptz: midnight UTC of the day."""
    return datetime(value.year, value.month, value.day, tzinfo=UTC) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


# A track's stems and splits in wire form (WireModel.to_wire's dump), one call per list
# instead of one per item (~45,000 calls in 10,000 tracks).
_Wire = TypeVar("_Wire", bound=WireModel)
_STEMS = TypeAdapter(list[Stem])
_SPLITS = TypeAdapter(list[Split])


def _to_wire(adapter: TypeAdapter[list[_Wire]], items: list[_Wire]) -> list[JSONObject] | None:
    if not items:
        return None
    wire: list[JSONObject] = adapter.dump_python(
        items, mode="json", by_alias=True, exclude_none=False
    )
    return wire


def _artist_type(kind: str | None) -> str:
    return kind if kind in ARTIST_TYPES else "person"


def _artist_spec(
    ss_id: str | None, name: str | None, kind: str | None = None, **meta: object
) -> ArtistSpec | None:
    display = (name or "").strip()
    if not display:
        return None
    normalized = normalize_artist_name(display)
    # A name in another script normalises to "" under Jovie's rule: such artists are told
    # apart (and matched) by their Session Studio id or their exact name, never by "".
    key = f"ss:{ss_id}" if ss_id else f"name:{normalized or display.casefold()}"
    clean_meta = {k: v for k, v in meta.items() if v is not None}
    return ArtistSpec(key, ss_id, display, normalized, clean_meta, artist_type=_artist_type(kind))


def order_credits(credits: list[CreditSpec]) -> list[CreditSpec]:
    """Jovie's credit order, positions and join phrases (see ``_CREDIT_GROUP``)."""
    ordered = sorted(credits, key=lambda c: _CREDIT_GROUP.get(c.role, 3))  # stable
    seen: dict[str, int] = {}
    for position, c in enumerate(ordered):
        c.position = position
        c.is_primary = c.role == "main_artist"
        if c.role in _CREDIT_GROUP:
            n = seen.get(c.role, 0)
            c.join_phrase = _FIRST_PHRASE[c.role] if n == 0 else _NEXT_PHRASE[c.role]
            seen[c.role] = n + 1
        else:
            c.join_phrase = None
    return ordered


def _add_artist(artists: dict[str, ArtistSpec], spec: ArtistSpec) -> None:
    known = artists.get(spec.key)
    if known is None or (spec.name_known and not known.name_known):
        artists[spec.key] = spec
    elif spec.name_known:  # the same person seen twice: keep what either occurrence knew
        for k, v in spec.metadata.items():
            known.metadata.setdefault(k, v)
        if spec.artist_type == "group":
            known.artist_type = "group"


# A credited person as the payload states them (id, name, kind, IPI, ISNI, the last two
# cleaned) → the key and name of their ArtistSpec, once filed in the project's artists.
ArtistsSeen = dict[
    tuple[str | None, str | None, str | None, str | None, str | None], tuple[str, str]
]


def transform_track(
    track: Track,
    project: Project,
    artists: dict[str, ArtistSpec],
    position: int,
    seen_artists: ArtistsSeen | None = None,
) -> TrackSpec:
    """``seen_artists``: shared by a project's tracks. A project credits the same people on
    track after track, and filing the same statement of a person again changes nothing
    (``_add_artist``), so a repeat is credited by the key and name it had."""
    issues: list[ItemIssue] = []
    repeats: ArtistsSeen = {} if seen_artists is None else seen_artists
    tid = track.id

    def warn(field_name: str, message: str) -> None:
        issues.append(ItemIssue("recording", tid, message, fatal=False, field=field_name))

    title = (track.title or "").strip()
    if not title:
        issues.append(ItemIssue("recording", tid, "Track has no title", fatal=True, field="title"))
    elif has_control_chars(title):
        warn("title", f"Title {title!r} contains control characters (kept literally)")
    isrc = clean_isrc(track.isrc)
    if track.isrc and isrc is None:
        warn("isrc", f"Invalid ISRC {track.isrc!r} dropped")
    iswc = clean_iswc(track.iswc)
    if track.iswc and iswc is None:
        warn("iswc", f"Invalid ISWC {track.iswc!r} dropped")
    duration = track.duration_ms
    if duration is not None and duration <= 0:
        warn("duration_ms", f"Invalid duration {duration} ms dropped")
        duration = None

    credits: list[CreditSpec] = []
    seen: set[tuple[str, str]] = set()

    def credit(spec: ArtistSpec | None, role: str, primary: bool) -> None:
        if spec is None:
            return
        _add_artist(artists, spec)
        credit_key(spec.key, spec.name, role, primary)

    def credit_key(key: str, name: str, role: str, primary: bool) -> None:
        if (key, role) in seen:  # unique (owner, artist, role)
            return
        seen.add((key, role))
        credits.append(CreditSpec(key, role, name, len(credits), primary))

    def credit_person(
        ss_id: str | None, name: str | None, kind: str | None, ipi: str | None,
        isni: str | None, role: str, primary: bool,
    ) -> bool:
        """Credit a person stated by name (False: no name). Once per collaborator of every
        track: ``credit`` and ``credit_key`` inlined."""
        said = (ss_id, name, kind, ipi, isni)
        known = repeats.get(said)
        if known is None:
            spec = _artist_spec(ss_id, name, kind, ipi=ipi, isni=isni)
            if spec is None:
                return False
            _add_artist(artists, spec)
            known = repeats[said] = (spec.key, spec.name)
        key, credited_as = known
        if (key, role) not in seen:  # unique (owner, artist, role)
            seen.add((key, role))
            credits.append(CreditSpec(key, role, credited_as, len(credits), primary))
        return True

    main_id = track.artist_id or project.artist_id
    main_kind = next(
        (c.kind for c in track.collaborators if c.id == main_id and c.kind), None
    )
    credit_person(
        main_id, track.artist_name or project.artist_name, main_kind, None, None,
        "main_artist", True,
    )
    splits = {s.collaborator_id: s.share for s in track.splits}
    collaborators: list[JSONObject] = []
    for c in track.collaborators:
        # Most collaborators have neither: no call (both clean "" and None to None)
        ipi = clean_ipi(c.ipi) if c.ipi else None
        isni = clean_isni(c.isni) if c.isni else None
        if c.ipi and ipi is None:
            warn("ipi", f"Invalid IPI {c.ipi!r} for {c.name or c.id} dropped")
        if c.isni and isni is None:
            warn("isni", f"Invalid ISNI {c.isni!r} for {c.name or c.id} dropped")
        role = map_role(c.role)
        if not credit_person(c.id, c.name, c.kind, ipi, isni, role, c.role == "main_artist"):
            if not c.id:
                warn("collaborators", "A collaborator has neither id nor name; credit skipped")
                continue
            # Known only by id: credited if that artist is already known (planner decides).
            credit(ArtistSpec(f"ss:{c.id}", c.id, "", "", {}, name_known=False), role,
                   c.role == "main_artist")
        collaborators.append(
            {"id": c.id, "role": c.role, "instrument": c.instrument, "ipi": ipi, "isni": isni}
        )
    writer_ids = {c.id for c in track.collaborators if c.role in WRITER_ROLES}
    writer_total = sum(
        share for cid, share in splits.items() if cid in writer_ids or not writer_ids
    )
    if splits and abs(writer_total - 100) > 0.01:
        warn("splits", f"Writer splits sum to {writer_total:g}%, not 100%")

    updated_at = _iso(track.updated_at)
    metadata: JSONObject = {
        "sessionStudioId": tid,
        "sessionStudioUpdatedAt": updated_at,
        "sessionStudioProjectId": project.id,
        "version": track.version,
        "genre": track.genre,
        "bpm": track.bpm,
        "key": track.key,
        "iswc": iswc,
        "stems": _to_wire(_STEMS, track.stems),
        "splits": _to_wire(_SPLITS, track.splits),
        "collaborators": collaborators or None,
    }
    metadata = {k: v for k, v in metadata.items() if v is not None}
    recording = {
        "title": title or None,
        "isrc": isrc,
        "duration_ms": duration,
        "is_explicit": bool(track.is_explicit),
        "preview_url": track.preview_url,
        "source_type": "ingested",
        "metadata": metadata,
    }
    release_track = {
        "title": title or None,
        "track_number": track.track_number or position,
        "disc_number": track.disc_number or 1,
        "is_explicit": bool(track.is_explicit),
        "source_type": "ingested",
        "metadata": {
            "sessionStudioId": tid,
            "sessionStudioUpdatedAt": updated_at,
        },
    }
    return TrackSpec(
        external_id=tid,
        slug_base=slugify(title or tid),
        recording=recording,
        release_track=release_track,
        credits=order_credits(credits),
        link_url=track_url(project.id, tid),
        issues=issues,
    )


def transform_project(
    project: Project, raw: JSONObject | None = None, source_hash: str | None = None
) -> ProjectSpec:
    """Map one project (with its tracks) to the rows it should produce. ``source_hash``:
    ``payload_hash(raw)`` when the caller has it (stored with the snapshot)."""
    issues: list[ItemIssue] = []
    pid = project.id
    title = (project.title or "").strip()
    if not title:
        issues.append(ItemIssue("release", pid, "Project has no title", fatal=True, field="title"))
    elif has_control_chars(title):
        issues.append(
            ItemIssue(
                "release",
                pid,
                f"Title {title!r} contains control characters (kept literally)",
                field="title",
            )
        )
    upc = clean_upc(project.upc)
    if project.upc and upc is None:
        issues.append(
            ItemIssue("release", pid, f"Invalid UPC {project.upc!r} dropped", False, "upc")
        )

    artists: dict[str, ArtistSpec] = {}
    seen_artists: ArtistsSeen = {}
    tracks: list[TrackSpec] = []
    positions: set[tuple[int, int]] = set()
    for i, track in enumerate(project.tracks or [], start=1):
        spec = transform_track(track, project, artists, i, seen_artists)
        pos = (spec.release_track["disc_number"], spec.release_track["track_number"])
        if pos in positions:
            spec.issues.append(
                ItemIssue(
                    "recording",
                    track.id,
                    f"Duplicate track number {pos[1]} on disc {pos[0]}",
                    fatal=True,
                    field="track_number",
                )
            )
        else:
            positions.add(pos)
        tracks.append(spec)

    release_credits: list[CreditSpec] = []
    main_kind = next(
        (
            c.kind
            for t in project.tracks or []
            for c in t.collaborators
            if c.id == project.artist_id and c.kind
        ),
        None,
    )
    main = _artist_spec(project.artist_id, project.artist_name, main_kind)
    if main is not None:
        _add_artist(artists, main)
        release_credits.append(CreditSpec(main.key, "main_artist", main.name, 0, True))

    genres = sorted({t.genre for t in project.tracks or [] if t.genre})
    release = {
        "title": title or None,
        "release_type": project.type.value if project.type.value in RELEASE_TYPES else "other",
        "release_date": _midnight(project.release_date),
        "status": RELEASE_STATUS[project.status.value],
        "label": project.label,
        "upc": upc,
        "total_tracks": len(project.tracks or []),
        "is_explicit": any(t.is_explicit for t in project.tracks or []),
        "genres": genres or None,
        "artwork_url": project.artwork_url,
        "source_type": "ingested",
        "metadata": {
            "sessionStudioId": pid,
            "sessionStudioUpdatedAt": _iso(project.updated_at),
            "sessionStudioStatus": project.status.value,
        },
    }
    return ProjectSpec(
        external_id=pid,
        ss_artist_id=project.artist_id,
        ss_artist_name=project.artist_name,
        slug_base=slugify(title or pid),
        release=release,
        credits=release_credits,
        tracks=tracks,
        artists=artists,
        link_url=project_url(pid),
        source_hash=source_hash
        or payload_hash(raw if raw is not None else project.to_wire()),
        issues=issues,
        collaboration=project.membership == "member",
    )
