"""The simulator's data: a deterministic catalogue generated from a seed and a size.

Items are stored once, as wire-form (camelCase, JSON-ready) dicts, and served by
reference: a page request walks a precomputed index and serializes only its own
items. Collaborator dicts are shared between tracks and treated as immutable
(bad-data injection and mutations replace them instead of editing in place).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from ss_tui.identifiers import (
    gs1_check_digit,
    ipi_check_digits,
    isni_check_digit,
    iswc_check_digit,
)
from ss_tui.simulator import words
from ss_tui.values import JSONObject

# Generated data predates this instant; live mutations happen "now" (after it).
GENERATED_AT = datetime(2025, 6, 1, tzinfo=UTC).timestamp()
_TWO_YEARS = 2 * 365 * 24 * 3600
CDN = "https://cdn.session.studio"

DEMO_ACCOUNT_ID = "acc_demolabel"
OTHER_ACCOUNT_ID = "acc_maravell"


def iso(ts: float) -> str:
    """UTC ISO 8601 with milliseconds and ``Z`` (the wire format of ``updatedAt``)."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@dataclass(repr=False, eq=False)
class Catalogue:
    seed: int
    accounts: dict[str, JSONObject] = field(default_factory=dict)
    # searchable people, Artist wire form
    artists: dict[str, JSONObject] = field(default_factory=dict)
    account_artists: dict[str, list[str]] = field(default_factory=dict)  # roster per account
    account_people: dict[str, list[str]] = field(default_factory=dict)  # every searchable id
    projects: dict[str, JSONObject] = field(default_factory=dict)  # wire form, without tracks
    tracks: dict[str, JSONObject] = field(default_factory=dict)
    project_tracks: dict[str, list[str]] = field(default_factory=dict)
    project_account: dict[str, str] = field(default_factory=dict)  # the owner
    # Accounts that are members of another account's project (a collaboration): Session
    # Studio lists the project for every member, marked ``"membership": "member"``.
    project_members: dict[str, list[str]] = field(default_factory=dict)
    # Keyset index: per account, project ids and their immutable sequence numbers,
    # both in creation order (appends only), so cursors survive concurrent updates.
    order: dict[str, list[str]] = field(default_factory=dict)
    order_seq: dict[str, list[int]] = field(default_factory=dict)
    seq: dict[str, int] = field(default_factory=dict)
    updated_ts: dict[str, float] = field(default_factory=dict)  # project id -> updatedAt
    track_updated_ts: dict[str, float] = field(default_factory=dict)
    # Same recording (same ISRC) on a single and its album: isrc -> track ids.
    shared_recordings: dict[str, list[str]] = field(default_factory=dict)
    bad_items: dict[str, str] = field(default_factory=dict)  # item id -> defect kind
    bad_projects: dict[str, list[str]] = field(default_factory=dict)  # project -> defect kinds
    malformed_items: dict[str, str] = field(default_factory=dict)  # fails model validation
    next_seq: int = 0
    generator: object = None  # the _Generator, kept so mutations can add projects

    def __repr__(self) -> str:
        return (
            f"Catalogue(seed={self.seed}, projects={len(self.projects)}, "
            f"tracks={len(self.tracks)}, bad_items={len(self.bad_items)})"
        )

    # -- reads ---------------------------------------------------------------------------

    def project_ids(self, account_id: str) -> list[str]:
        return self.order.get(account_id, [])

    def can_read(self, account_id: str, project_id: str) -> bool:
        """Owner or member of the project."""
        return self.project_account.get(project_id) == account_id or account_id in (
            self.project_members.get(project_id, ())
        )

    def add_member(self, project_id: str, account_id: str) -> None:
        """List an existing project for ``account_id`` too (appended to its keyset order)."""
        if self.can_read(account_id, project_id):
            return
        self.project_members.setdefault(project_id, []).append(account_id)
        seq = self.next_seq  # a new position: running cursors of the member still see it
        self.next_seq += 1
        self.order.setdefault(account_id, []).append(project_id)
        self.order_seq.setdefault(account_id, []).append(seq)

    def project_wire(self, project_id: str, *, include_tracks: bool) -> JSONObject:
        """A shallow per-item copy for one response (the stored dict is never handed out)."""
        track_ids = self.project_tracks.get(project_id, [])
        item = dict(self.projects[project_id])
        item["trackCount"] = len(track_ids)
        if include_tracks:
            item["tracks"] = [self.tracks[t] for t in track_ids]
        return item

    def page_projects(
        self,
        account_id: str,
        *,
        after_seq: int,
        limit: int,
        status: str | None = None,
        updated_since: float | None = None,
    ) -> tuple[list[str], int | None]:
        """Up to ``limit`` project ids after ``after_seq``; the last one's seq if more follow."""
        ids = self.order.get(account_id, [])
        seqs = self.order_seq.get(account_id, [])
        pos = bisect.bisect_right(seqs, after_seq)
        found: list[str] = []
        # Look for one match past the page so ``hasMore`` is exact.
        while pos < len(ids) and len(found) <= limit:
            pid = ids[pos]
            pos += 1
            if status is not None and self.projects[pid].get("status") != status:
                continue
            if updated_since is not None and self.updated_ts[pid] < updated_since:
                continue
            found.append(pid)
        if len(found) > limit:
            return found[:limit], self.seq[found[limit - 1]]
        return found, None

    def canonical_bytes(self) -> bytes:
        """Every generated item in a fixed order (same seed and size -> same bytes)."""
        body = {
            "accounts": self.accounts,
            "artists": self.artists,
            "projects": {pid: self.project_wire(pid, include_tracks=True) for pid in self.projects},
            "badItems": self.bad_items,
            "malformedItems": self.malformed_items,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    def digest(self) -> str:
        return hashlib.sha256(self.canonical_bytes()).hexdigest()


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.cat = Catalogue(seed=seed)
        self._ids: set[str] = set()
        self._upcs: set[str] = set()
        self._iswcs: set[str] = set()
        self._isrc_counter: dict[str, int] = {}
        self._registrants: set[str] = set()
        self._collab_cache: dict[tuple[str, str, str | None], JSONObject] = {}
        self._pending_singles: dict[str, list[JSONObject]] = {}

    # -- identifiers ---------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        while True:
            candidate = f"{prefix}_{self.rng.getrandbits(48):012x}"
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    def upc(self) -> str:
        while True:
            body = "8" + "".join(self.rng.choices("0123456789", k=10))
            code = body + gs1_check_digit(body)
            if code not in self._upcs:
                self._upcs.add(code)
                return code

    def iswc(self) -> str:
        while True:
            nine = "".join(self.rng.choices("0123456789", k=9))
            code = f"T{nine}{iswc_check_digit(nine)}"
            if code not in self._iswcs:
                self._iswcs.add(code)
                return code

    def ipi(self) -> str:
        nine = "".join(self.rng.choices("0123456789", k=9))
        return nine + ipi_check_digits(nine)

    def isni(self) -> str:
        fifteen = "0000000" + "".join(self.rng.choices("0123456789", k=8))
        return fifteen + isni_check_digit(fifteen)

    def registrant(self) -> str:
        while True:
            code = self.rng.choice(words.ISRC_COUNTRIES) + "".join(
                self.rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=3)
            )
            if code not in self._registrants:
                self._registrants.add(code)
                return code

    def isrc(self, registrant: str, year: int) -> str:
        key = f"{registrant}{year % 100:02d}"
        n = self._isrc_counter.get(key, 0) + 1
        self._isrc_counter[key] = n
        return f"{key}{n:05d}"

    # -- people --------------------------------------------------------------------------

    def person_name(self) -> str:
        return f"{self.rng.choice(words.FIRST_NAMES)} {self.rng.choice(words.LAST_NAMES)}"

    def artist_name(self) -> tuple[str, str]:
        """A roster name and what it is: a person, or a group (a band template such as
        "{first} & the {w2}s", or a group among the Unicode names)."""
        if self.rng.random() < 0.12:
            name = self.rng.choice(words.UNICODE_ARTISTS)
            return name, "group" if name in words.UNICODE_GROUPS else "person"
        template = self.rng.choice(words.ARTIST_TEMPLATES)
        name = template.format(
            w=self.rng.choice(words.ARTIST_WORDS),
            w2=self.rng.choice(words.ARTIST_WORDS),
            first=self.rng.choice(words.FIRST_NAMES),
            last=self.rng.choice(words.LAST_NAMES),
        )
        return name, "group" if template in words.GROUP_TEMPLATES else "person"

    def add_artist(self, account_id: str, name: str, kind: str = "person") -> JSONObject:
        rng = self.rng
        artist: JSONObject = {
            "id": self.new_id("art"),
            "name": name,
            "isni": self.isni() if rng.random() < 0.6 else None,
            "ipi": self.ipi() if rng.random() < 0.5 else None,
            "kind": kind,
        }
        self.cat.artists[artist["id"]] = artist
        self.cat.account_artists.setdefault(account_id, []).append(artist["id"])
        self.cat.account_people.setdefault(account_id, []).append(artist["id"])
        artist_meta = {"registrant": self.registrant()}
        self._artist_meta[artist["id"]] = artist_meta
        return artist

    def add_person(self, account_id: str, kind: str) -> JSONObject:
        rng = self.rng
        is_writer = kind == "writer"
        person: JSONObject = {
            "id": self.new_id("col"),
            "name": self.person_name(),
            "isni": self.isni() if rng.random() < 0.25 else None,
            "ipi": self.ipi() if is_writer and rng.random() < 0.85 else None,
            "kind": "person",
        }
        self.cat.artists[person["id"]] = person
        self.cat.account_people.setdefault(account_id, []).append(person["id"])
        self._people[account_id][kind].append(person)
        return person

    def collab(
        self, person: JSONObject, role: str, instrument: str | None = None
    ) -> JSONObject:
        key = (person["id"], role, instrument)
        found = self._collab_cache.get(key)
        if found is None:
            found = {
                "id": person["id"],
                "name": person["name"],
                "role": role,
                "instrument": instrument,
                "ipi": person["ipi"],
                "isni": person["isni"],
                "kind": person.get("kind"),
            }
            self._collab_cache[key] = found
        return found

    # -- catalogue -----------------------------------------------------------------------

    def generate(self, projects: int, other_projects: int, shared_projects: int = 0) -> Catalogue:
        self._artist_meta: dict[str, JSONObject] = {}
        self._people: dict[str, dict[str, list[JSONObject]]] = {}
        cat = self.cat
        cat.accounts[DEMO_ACCOUNT_ID] = {
            "id": DEMO_ACCOUNT_ID,
            "name": "Demo Label",
            "email": "staff@demolabel.example",
            "label": "Demo Label Records",
        }
        cat.accounts[OTHER_ACCOUNT_ID] = {
            "id": OTHER_ACCOUNT_ID,
            "name": "Mara Vell",
            "email": "mara@maravell.example",
            "label": None,
        }
        self.populate_account(
            DEMO_ACCOUNT_ID,
            n_artists=max(6, min(300, projects // 8)),
            n_people=max(30, min(1500, projects // 3)),
        )
        self.populate_account(OTHER_ACCOUNT_ID, n_artists=1, n_people=8, first="Mara Vell")
        for _ in range(projects):
            self.add_project(DEMO_ACCOUNT_ID)
        for _ in range(other_projects):
            self.add_project(OTHER_ACCOUNT_ID)
        for _ in range(shared_projects):
            self.add_shared_project(OTHER_ACCOUNT_ID, DEMO_ACCOUNT_ID)
        return cat

    def add_shared_project(self, owner: str, member: str) -> str:
        """A released project of ``owner`` on which one of ``member``'s artists features:
        ``member`` is a member of it, so Session Studio lists it for both accounts."""
        pid = self.add_project(owner, status="released")
        guest = self.cat.artists[self.rng.choice(self.cat.account_artists[member])]
        for tid in self.cat.project_tracks[pid]:
            track = self.cat.tracks[tid]
            track["collaborators"] = [
                *track["collaborators"],
                self.collab(guest, "featured_artist"),
            ]
        self.cat.add_member(pid, member)
        return pid

    def populate_account(
        self, account_id: str, *, n_artists: int, n_people: int, first: str | None = None
    ) -> None:
        self._people[account_id] = {"writer": [], "producer": [], "engineer": [], "musician": []}
        names: set[str] = set()
        for i in range(n_artists):
            name, kind = (first, "person") if (i == 0 and first) else self.artist_name()
            while name in names:
                name = f"{name} {len(names)}"
            names.add(name)
            self.add_artist(account_id, name, kind)
        kinds = (
            "writer",
            "producer",
            "engineer",
            "musician",
            "writer",
            "writer",
            "producer",
            "engineer",
            "writer",
            "writer",
        )
        for i in range(n_people):
            self.add_person(account_id, kinds[i % len(kinds)])

    def title(self, *, short: bool = False) -> str:
        rng = self.rng
        if rng.random() < 0.12:
            return rng.choice(words.UNICODE_TITLES)
        if short and rng.random() < 0.5:
            return rng.choice(words.TITLE_NOUN)
        return f"{rng.choice(words.TITLE_ADJ)} {rng.choice(words.TITLE_NOUN)}"

    def add_project(
        self,
        account_id: str,
        *,
        ptype: str | None = None,
        status: str | None = None,
        artist_id: str | None = None,
        n_tracks: int | None = None,
        updated: float | None = None,
    ) -> str:
        rng, cat = self.rng, self.cat
        self._account = account_id
        roster = cat.account_artists[account_id]
        roll = rng.random()
        drawn_type = (
            "single"
            if roll < 0.4
            else "ep"
            if roll < 0.65
            else "album"
            if roll < 0.95
            else "compilation"
        )
        ptype = ptype or drawn_type
        roll = rng.random()
        drawn_status = "released" if roll < 0.6 else "unreleased" if roll < 0.85 else "draft"
        status = status or drawn_status
        if ptype == "compilation" and len(roster) < 2:
            ptype = "album"
        artist = cat.artists[rng.choice(roster)]
        if artist_id is not None:
            artist = cat.artists[artist_id]
        released_on: date | None = None
        if status == "released":
            released_on = date(2015, 1, 1) + timedelta(days=rng.randrange(3800))
        elif status == "unreleased" and rng.random() < 0.5:
            released_on = date(2025, 6, 15) + timedelta(days=rng.randrange(540))
        drawn_updated = GENERATED_AT - rng.uniform(0, _TWO_YEARS)
        updated = drawn_updated if updated is None else updated
        pid = self.new_id("prj")
        has_upc = status == "released" or (status == "unreleased" and rng.random() < 0.7)
        compilation = ptype == "compilation"
        project = {
            "id": pid,
            "title": self.title(short=ptype != "single"),
            "type": ptype,
            "status": status,
            "releaseDate": released_on.isoformat() if released_on else None,
            "artworkUrl": f"{CDN}/artwork/{pid}.jpg" if rng.random() < 0.9 else None,
            "upc": self.upc() if has_upc else None,
            "label": cat.accounts[account_id]["label"],
            "artistId": None if compilation else artist["id"],
            "artistName": "Various Artists" if compilation else artist["name"],
            "updatedAt": iso(updated),
        }
        drawn_tracks = {
            "single": 1 if rng.random() < 0.75 else 2,
            "ep": rng.randint(4, 6),
            "album": rng.randint(8, 14),
            "compilation": rng.randint(10, 16),
        }[ptype]
        n_tracks = n_tracks or drawn_tracks
        discs = 2 if ptype == "album" and n_tracks >= 12 and rng.random() < 0.3 else 1
        per_disc = (n_tracks + discs - 1) // discs
        genre = rng.choice(words.GENRES)
        year = (released_on or date(2025, 1, 1)).year
        track_ids: list[str] = []
        pending = self._pending_singles.get(artist["id"], [])
        for index in range(n_tracks):
            track_artist = cat.artists[rng.choice(roster)] if compilation else artist
            reuse = None
            if ptype in ("album", "ep") and pending and rng.random() < 0.6:
                reuse = pending.pop(0)
            track = self.track(
                project,
                track_artist,
                genre,
                year,
                updated,
                reuse=reuse,
                number=index % per_disc + 1,
                disc=index // per_disc + 1,
            )
            track_ids.append(track["id"])
            if reuse is not None:
                cat.shared_recordings.setdefault(track["isrc"], [reuse["id"]]).append(track["id"])
        if ptype == "single" and status == "released" and cat.tracks[track_ids[0]]["isrc"]:
            self._pending_singles.setdefault(artist["id"], []).append(cat.tracks[track_ids[0]])
        self.register(account_id, project, track_ids, updated)
        return pid

    def register(
        self, account_id: str, project: JSONObject, track_ids: list[str], ts: float
    ) -> None:
        cat = self.cat
        pid = project["id"]
        cat.projects[pid] = project
        cat.project_tracks[pid] = track_ids
        cat.project_account[pid] = account_id
        cat.seq[pid] = cat.next_seq
        cat.order.setdefault(account_id, []).append(pid)
        cat.order_seq.setdefault(account_id, []).append(cat.next_seq)
        cat.updated_ts[pid] = ts
        cat.next_seq += 1

    def track(
        self,
        project: JSONObject,
        artist: JSONObject,
        genre: str,
        year: int,
        project_updated: float,
        *,
        reuse: JSONObject | None,
        number: int,
        disc: int,
    ) -> JSONObject:
        rng, cat = self.rng, self.cat
        tid = self.new_id("trk")
        released = project["status"] == "released"
        updated = project_updated - rng.uniform(0, 30 * 24 * 3600)
        if reuse is not None:
            # The same recording again (single -> album): same ISRC, title, credits.
            track = dict(reuse)
            track.update(id=tid, projectId=project["id"], trackNumber=number, discNumber=disc)
        else:
            version = rng.choice(words.VERSIONS) if rng.random() < 0.1 else None
            collaborators, splits = self.credits(artist, version)
            has_isrc = released or rng.random() < 0.5
            meta = self._artist_meta[artist["id"]]
            track = {
                "id": tid,
                "projectId": project["id"],
                "title": self.title(),
                "version": version,
                "artistId": artist["id"],
                "artistName": artist["name"],
                "trackNumber": number,
                "discNumber": disc,
                "collaborators": collaborators,
                "durationMs": rng.randint(95_000, 360_000),
                "isrc": self.isrc(meta["registrant"], year) if has_isrc else None,
                "iswc": self.iswc() if rng.random() < 0.7 else None,
                "releaseDate": None,
                "artworkUrl": None,
                "previewUrl": None,
                "isExplicit": rng.random() < 0.15,
                "genre": genre,
                "bpm": float(rng.randint(68, 178)),
                "key": rng.choice(words.KEYS),
                "stems": self.stems(),
                "splits": splits,
            }
        track["releaseDate"] = project["releaseDate"]
        track["artworkUrl"] = project["artworkUrl"]
        track["previewUrl"] = f"{CDN}/previews/{tid}.mp3" if released else None
        track["updatedAt"] = iso(updated)
        cat.tracks[tid] = track
        cat.track_updated_ts[tid] = updated
        return track

    def credits(
        self, artist: JSONObject, version: str | None
    ) -> tuple[list[JSONObject], list[JSONObject]]:
        rng = self.rng
        account = self._account
        pool = self._people[account]
        roster = self.cat.account_artists[account]
        out = [self.collab(artist, "main_artist")]
        if len(roster) > 1 and rng.random() < 0.2:
            other = self.cat.artists[rng.choice(roster)]
            if other["id"] != artist["id"]:
                out.append(self.collab(other, "featured_artist"))
        writers: list[JSONObject] = []
        if rng.random() < 0.4:
            writers.append(artist)
        for person in rng.sample(pool["writer"], k=min(len(pool["writer"]), rng.randint(1, 3))):
            writers.append(person)
        for person in writers:
            out.append(self.collab(person, "composer"))
        if rng.random() < 0.5:
            out.append(self.collab(rng.choice(writers), "lyricist"))
        out.append(self.collab(rng.choice(pool["producer"]), "producer"))
        if rng.random() < 0.25:
            out.append(self.collab(rng.choice(pool["producer"]), "co_producer"))
        for role, share in (
            ("mix_engineer", 0.6),
            ("mastering_engineer", 0.6),
            ("recording_engineer", 0.3),
        ):
            if rng.random() < share:
                out.append(self.collab(rng.choice(pool["engineer"]), role))
        for _ in range(rng.choice((0, 0, 1, 2))):
            out.append(
                self.collab(
                    rng.choice(pool["musician"]), "performer", rng.choice(words.INSTRUMENTS)
                )
            )
        if rng.random() < 0.05:
            out.append(self.collab(rng.choice(pool["musician"]), "arranger"))
        if rng.random() < 0.02:
            out.append(self.collab(rng.choice(pool["musician"]), "conductor"))
        if version == "Remix":
            out.append(self.collab(rng.choice(pool["producer"]), "remixer"))
        writer_ids = list(dict.fromkeys(p["id"] for p in writers))
        shares = self.shares(len(writer_ids))
        splits = [
            {"collaboratorId": w, "share": s} for w, s in zip(writer_ids, shares, strict=True)
        ]
        return out, splits

    def shares(self, n: int) -> list[float]:
        """n shares summing to exactly 100 (whole or half percents: exact in binary)."""
        if n == 1:
            return [100.0]
        units = 200  # half percents
        cuts = sorted(self.rng.sample(range(1, units), n - 1))
        bounds = [0, *cuts, units]
        return [(bounds[i + 1] - bounds[i]) / 2 for i in range(n)]

    def stems(self) -> list[JSONObject]:
        rng = self.rng
        if rng.random() >= 0.6:
            return []
        kinds = rng.sample(("vocals", "drums", "bass", "melody", "other"), k=rng.randint(2, 5))
        out = []
        for kind in kinds:
            sid = self.new_id("stm")
            out.append(
                {
                    "id": sid,
                    "name": words.STEM_NAMES[kind],
                    "type": kind,
                    "url": f"{CDN}/stems/{sid}.wav",
                }
            )
        return out


def generate_catalogue(
    seed: int = 42,
    projects: int = 50,
    *,
    other_account_projects: int = 3,
    bad_data_share: float = 0.0,
    shared_projects: int = 0,
) -> Catalogue:
    from ss_tui.simulator.baddata import inject_bad_data

    gen = _Generator(seed)
    cat = gen.generate(projects, other_account_projects, shared_projects)
    cat.generator = gen
    if bad_data_share > 0:
        inject_bad_data(cat, random.Random(f"bad-{seed}"), bad_data_share)
    return cat
