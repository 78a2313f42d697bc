"""What the planner knows about the database: rows loaded in bulk per batch of projects,
indexed by every key the matching rules use, plus the rows earlier projects of the same plan
will create or change (so project B sees the artist project A creates)."""

from __future__ import annotations

import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.engine.rows import (
    T_ARTIST,
    T_ARTIST_IDENTITY,
    T_ASSIGNMENT,
    T_CREATOR,
    T_LINK,
    T_LOCK,
    T_RECORDING,
    T_RECORDING_ARTIST,
    T_RELEASE,
    T_RELEASE_ARTIST,
    T_RELEASE_TRACK,
    T_TRACK,
    T_TRACK_ARTIST,
    TIMESTAMPS,
    artist_ssid,
    row_id,
    stable_id,
)
from ss_tui.engine.slugs import normalize_artist_name, slugify
from ss_tui.engine.transform import PROVIDER_ID, ProjectSpec
from ss_tui.values import Row

CHUNK = 500  # bound IN-lists (SQLite's variable limit, PostgreSQL plan size)
# Session Studio ids in Jovie's metadata: no index, every lookup scans its table, so a batch's
# ids go in one list, not one per 500 (SQLite allows 32,766 variables since 3.32; before,
# 999). See bench/README.md, "Session 7".
SCAN_CHUNK = 5000 if sqlite3.sqlite_version_info >= (3, 32) else CHUNK
SLUG_CHUNK = 200  # creators per slug query: its IN-list is repeated in 4 selects


def _chunks(values: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    items = list(values)
    for i in range(0, len(items), size):
        yield items[i : i + size]


async def plan_each_statement(conn: AsyncConnection) -> None:
    """PostgreSQL: plan every statement of ``conn``'s transaction for its own parameters.

    The planner looks Session Studio ids up in Jovie's ``metadata`` columns, which no index
    covers, with long lists of ids. A prepared statement run a few times may switch to
    PostgreSQL's generic plan, which compares each row with every id in turn instead of
    hashing the list: a lookup in 14,000 provider links took 120 ms instead of 3 ms, and a
    streamed import of 3,000 projects spent 9 of its 44 s there (bench/README.md,
    "Session 7"). Only reads are affected (the planner's connection); writes keep their
    cached plans."""
    if conn.dialect.name != "postgresql":
        return
    version = conn.dialect.server_version_info or (0,)
    if version >= (12,):  # plan_cache_mode is PostgreSQL 12's
        await conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def _select(table: sa.Table) -> sa.Select[Any]:
    """All columns but the timestamps (never compared, never rewritten: fewer conversions)."""
    return sa.select(*(c for c in table.columns if c.name not in TIMESTAMPS))


def _ssid(table: sa.Table) -> sa.ColumnElement[str]:
    ssid: sa.ColumnElement[str] = table.c.metadata["sessionStudioId"].as_string()
    return ssid


def auto_creator_id(spec: ProjectSpec) -> uuid.UUID:
    """The creator profile an import creates for a project's artist (same id everywhere)."""
    return stable_id("creator", spec.ss_artist_id or slugify(spec.ss_artist_name, "unknown-artist"))


class PlanState:
    def __init__(self, connection_id: uuid.UUID | None = None) -> None:
        self.connection_id = connection_id
        self.rows: dict[str, dict[uuid.UUID, Row]] = defaultdict(dict)  # table → id → row
        self.release_by_ssid: dict[str, uuid.UUID] = {}
        self.release_by_upc: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
        self.recording_by_ssid: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
        self.recording_by_isrc: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
        self.rt_by_release: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        self.tracks_by_release: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)  # legacy
        # Identifier → rows in any creator profile (stale entries are re-checked on read).
        self.isrc_owners: dict[str, set[uuid.UUID]] = defaultdict(set)
        self.upc_owners: dict[str, set[uuid.UUID]] = defaultdict(set)
        self.artist_by_ssid: dict[str, uuid.UUID] = {}
        self.artist_by_name: dict[str, list[uuid.UUID]] = defaultdict(list)
        self.credits: dict[tuple[str, uuid.UUID], dict[tuple[uuid.UUID, str], Row]] = {}
        self.link_by_owner: dict[tuple[str, uuid.UUID], Row] = {}
        self.link_by_external: dict[str, Row] = {}  # by metadata.sessionStudioId
        self.locks: dict[tuple[str, uuid.UUID], set[str]] = defaultdict(set)
        self.creators: set[uuid.UUID] = set()
        # Creator profiles by Jovie's normal form of their display name (collaborations go
        # to the main artist's profile when Jovie has one).
        self.creator_by_name: dict[str, list[uuid.UUID]] = defaultdict(list)
        self.assignments: dict[str, uuid.UUID] = {}
        # Per creator, every slug Jovie resolves or must keep distinct: releases, recordings,
        # legacy tracks and release tracks share one namespace (docs/jovie-conventions.md).
        self.slugs: dict[uuid.UUID, set[str]] = {}
        # The slugs of the rows held here, by creator, kept as rows are put: taken_slugs
        # starts a creator's namespace from them instead of scanning every row held (a
        # scan per creator: 5 % of planning a first import, bench/README.md "plan5 round").
        # A row's slug and creator never change once held (slugs are pinned).
        self._held_slugs: dict[uuid.UUID, set[str]] = defaultdict(set)
        self._loaded_owners: set[tuple[str, uuid.UUID]] = set()
        self._loaded_locks: set[uuid.UUID] = set()
        # Rows held since the last load (table name, id), in the order first held: their
        # credits and field locks are the next load's to look up. Scanning every row held
        # for them instead grew with each batch (bench/README.md, "plan7 round").
        self._new_rows: list[tuple[str, uuid.UUID]] = []
        self._isrcs_loaded: set[str] = set()

    # ------------------------------------------------------------------ indexing

    def put(self, table: sa.Table, row: Row) -> None:
        """Record a row (loaded, or planned by an earlier project) under every key."""
        name = table.name
        rid = row["id"]
        held = self.rows[name]
        old = held.get(rid)
        held[rid] = row
        if old is None:
            self._new_rows.append((name, rid))
        meta = row.get("metadata") or {}
        if table is T_RELEASE:
            if meta.get("sessionStudioId"):
                self.release_by_ssid[meta["sessionStudioId"]] = rid
            if old and old.get("upc") and old["upc"] != row.get("upc"):
                self.release_by_upc.pop((old["creator_profile_id"], old["upc"]), None)
            if row.get("upc"):
                self.release_by_upc[(row["creator_profile_id"], row["upc"])] = rid
                self.upc_owners[row["upc"]].add(rid)
            self._slugs_add(row["creator_profile_id"], row["slug"])
        elif table is T_RECORDING:
            cid = row["creator_profile_id"]
            if meta.get("sessionStudioId"):
                self.recording_by_ssid.setdefault((cid, meta["sessionStudioId"]), rid)
            if old and old.get("isrc") and old["isrc"] != row.get("isrc"):
                self.recording_by_isrc.pop((cid, old["isrc"]), None)
            if row.get("isrc"):
                self.recording_by_isrc[(cid, row["isrc"])] = rid
                self.isrc_owners[row["isrc"]].add(rid)
            self._slugs_add(cid, row["slug"])
        elif table is T_RELEASE_TRACK:
            self.rt_by_release[row["release_id"]].add(rid)
            release = self.rows[T_RELEASE.name].get(row["release_id"])
            if release is not None:
                self._slugs_add(release["creator_profile_id"], row["slug"])
        elif table is T_TRACK:
            self.tracks_by_release[row["release_id"]].add(rid)
            self._slugs_add(row["creator_profile_id"], row["slug"])
        elif table is T_ARTIST:
            if ssid := artist_ssid(row):
                self.artist_by_ssid[ssid] = rid
            if old is None:
                self.artist_by_name[row["name_normalized"]].append(rid)
        elif table is T_LINK:
            owner_col = f"{row['owner_type']}_id"
            self.link_by_owner[(owner_col, row[owner_col])] = row
            if meta.get("sessionStudioId"):
                self.link_by_external[meta["sessionStudioId"]] = row

    def credit_bucket(self, owner: str, owner_id: uuid.UUID) -> dict[tuple[uuid.UUID, str], Row]:
        """The credits held for one owner, by (artist, role), to file more in (an owner with
        none held gets an empty bucket: the same to every reader as no bucket)."""
        return self.credits.setdefault((owner, owner_id), {})

    def put_credit(
        self, owner: str, owner_id: uuid.UUID, row: Row | None, key: tuple[uuid.UUID, str]
    ) -> None:
        bucket = self.credits.setdefault((owner, owner_id), {})
        if row is None:
            bucket.pop(key, None)
        else:
            bucket[key] = row

    def _slugs_add(self, creator: uuid.UUID, slug: str) -> None:
        self._held_slugs[creator].add(slug)
        started = self.slugs.get(creator)
        if started is not None:
            started.add(slug)

    def holders(self, table: sa.Table, field: str, value: str) -> list[Row]:
        """Rows of any creator profile whose ``field`` currently equals ``value``."""
        index = self.isrc_owners if field == "isrc" else self.upc_owners
        rows = (self.get(table, rid) for rid in sorted(index.get(value, ()), key=str))
        return [r for r in rows if r is not None and r.get(field) == value]

    def get(self, table: sa.Table, rid: uuid.UUID | None) -> Row | None:
        return self.rows[table.name].get(rid) if rid is not None else None

    # ------------------------------------------------------------------ bulk loading

    async def _fetch(self, conn: AsyncConnection, stmt: sa.Select[Any]) -> list[Row]:
        result = await conn.execute(stmt)
        keys = list(result.keys())
        return [dict(zip(keys, r, strict=True)) for r in result.all()]

    async def load(self, conn: AsyncConnection, specs: list[ProjectSpec]) -> None:
        """Everything the planner may consult for these projects, in a few queries."""
        pids = [s.external_id for s in specs]
        tids = [t.external_id for s in specs for t in s.tracks]
        upcs = {s.release["upc"] for s in specs if s.release["upc"]}
        artist_ids = {a.session_studio_id for s in specs for a in s.artists.values()}
        artist_ids.discard(None)
        # "" (Jovie's normal form of a non-Latin name) matches nobody: never looked up.
        names = {a.name_normalized for s in specs for a in s.artists.values() if a.name_normalized}

        if not self.creators:
            self._add_creators(
                await conn.execute(sa.select(T_CREATOR.c.id, T_CREATOR.c.display_name))
            )
        if self.connection_id is not None:
            ss_artists = {s.ss_artist_id for s in specs if s.ss_artist_id} - set(self.assignments)
            for chunk in _chunks(ss_artists):
                stmt: sa.Select[Any] = sa.select(
                    T_ASSIGNMENT.c.ss_artist_id, T_ASSIGNMENT.c.creator_profile_id
                )
                stmt = stmt.where(
                    T_ASSIGNMENT.c.connection_id == self.connection_id,
                    T_ASSIGNMENT.c.ss_artist_id.in_(chunk),
                )
                for a, c in (await conn.execute(stmt)).all():
                    self.assignments[a] = c

        for chunk in _chunks((p for p in pids if p not in self.release_by_ssid), SCAN_CHUNK):
            for row in await self._fetch(
                conn, _select(T_RELEASE).where(_ssid(T_RELEASE).in_(chunk))
            ):
                self.put(T_RELEASE, row)
        for chunk in _chunks(upcs):
            stmt = _select(T_RELEASE).where(T_RELEASE.c.upc.in_(chunk))
            for row in await self._fetch(conn, stmt):
                if row["id"] not in self.rows[T_RELEASE.name]:
                    self.put(T_RELEASE, row)
        release_ids = [self.release_by_ssid[p] for p in pids if p in self.release_by_ssid]
        new_release_ids = [r for r in release_ids if r not in self.rt_by_release]
        for chunk in _chunks(new_release_ids):
            stmt = _select(T_RELEASE_TRACK).where(T_RELEASE_TRACK.c.release_id.in_(chunk))
            for row in await self._fetch(conn, stmt):
                self.put(T_RELEASE_TRACK, row)
            stmt = _select(T_TRACK).where(T_TRACK.c.release_id.in_(chunk))
            for row in await self._fetch(conn, stmt):
                self.put(T_TRACK, row)
            for rid in chunk:
                self.rt_by_release.setdefault(rid, set())

        # Tracks already imported into a matched release resolve through their release track;
        # only the others (and changed ISRCs) need the slower lookups.
        rec_of_track: dict[str, uuid.UUID] = {}
        for r in release_ids:
            for i in self.rt_by_release.get(r, ()):
                rt = self.rows[T_RELEASE_TRACK.name][i]
                ssid = (rt.get("metadata") or {}).get("sessionStudioId")
                if ssid:
                    rec_of_track[ssid] = rt["recording_id"]
        known = self.rows[T_RECORDING.name]
        for chunk in _chunks(set(rec_of_track.values()) - set(known)):
            for row in await self._fetch(
                conn, _select(T_RECORDING).where(T_RECORDING.c.id.in_(chunk))
            ):
                self.put(T_RECORDING, row)
        unresolved = [t for t in tids if rec_of_track.get(t) not in known]
        lookup_isrcs = set()
        for s in specs:
            for t in s.tracks:
                isrc = t.recording["isrc"]
                rec = known.get(rec_of_track.get(t.external_id))  # type: ignore[arg-type]  # no recording: None finds nothing
                if isrc and (rec is None or rec.get("isrc") != isrc):
                    lookup_isrcs.add(isrc)
        conds = [_ssid(T_RECORDING).in_(c) for c in _chunks(unresolved, SCAN_CHUNK)]
        conds += [T_RECORDING.c.isrc.in_(c) for c in _chunks(lookup_isrcs - self._isrcs_loaded)]
        self._isrcs_loaded |= lookup_isrcs
        for cond in conds:
            for row in await self._fetch(conn, _select(T_RECORDING).where(cond)):
                if row["id"] not in known:
                    self.put(T_RECORDING, row)

        for chunk in _chunks(artist_ids - set(self.artist_by_ssid)):
            ident = T_ARTIST_IDENTITY
            stmt = _select(T_ARTIST).add_columns(ident.c.ss_artist_id.label("_ssid")).join(
                ident, ident.c.artist_id == T_ARTIST.c.id
            ).where(ident.c.ss_artist_id.in_(chunk))
            for row in await self._fetch(conn, stmt):
                ssid = row.pop("_ssid")
                if row["id"] not in self.rows[T_ARTIST.name]:
                    self.put(T_ARTIST, row)
                self.artist_by_ssid[ssid] = row["id"]
        for chunk in _chunks(n for n in names if n not in self.artist_by_name):
            stmt = _select(T_ARTIST).where(T_ARTIST.c.name_normalized.in_(chunk))
            for row in await self._fetch(conn, stmt):
                if row["id"] not in self.rows[T_ARTIST.name]:
                    self.put(T_ARTIST, row)
            for n in chunk:
                self.artist_by_name.setdefault(n, [])

        await self._load_credits(conn, "release", T_RELEASE_ARTIST, "release_id", T_RELEASE)
        await self._load_credits(
            conn, "recording", T_RECORDING_ARTIST, "recording_id", T_RECORDING
        )
        if T_TRACK_ARTIST is not None:
            await self._load_credits(conn, "track", T_TRACK_ARTIST, "track_id", T_TRACK)

        # Our links keep external_id NULL (Jovie's external-id index spans every creator) and
        # the Session Studio id in metadata, as Jovie's own importers do.
        ext = [e for e in pids + tids if e not in self.link_by_external]
        for chunk in _chunks(ext, SCAN_CHUNK):
            stmt = _select(T_LINK).where(
                T_LINK.c.provider_id == PROVIDER_ID, _ssid(T_LINK).in_(chunk)
            )
            for row in await self._fetch(conn, stmt):
                self.put(T_LINK, row)

        await self._load_creators_made_meanwhile(conn, specs)

        new_rows, self._new_rows = self._new_rows, []
        all_ids = list(dict.fromkeys(i for _, i in new_rows if i not in self._loaded_locks))
        if all_ids and not await self._any_lock(conn):
            all_ids, none = [], all_ids  # what the lookups below would find: nothing
            self._loaded_locks.update(none)
        for chunk in _chunks(all_ids):
            locks = sa.select(T_LOCK.c.table_name, T_LOCK.c.row_id, T_LOCK.c.field_name).where(
                T_LOCK.c.row_id.in_(chunk)
            )
            for t, rid, f in (await conn.execute(locks)).all():
                self.locks[(t, row_id(rid))].add(f)
        self._loaded_locks.update(all_ids)

    def _add_creators(self, rows: Iterable[Any]) -> None:
        for cid, name in rows:
            if cid in self.creators:
                continue
            self.creators.add(cid)
            if normalize_artist_name(name):
                self.creator_by_name[normalize_artist_name(name)].append(cid)

    async def _load_creators_made_meanwhile(
        self, conn: AsyncConnection, specs: list[ProjectSpec]
    ) -> None:
        """The creators were read once, before this batch's assignments and releases: another
        importer may have committed a creator (with its assignment or release) since. Those
        the batch refers to are read now, so none is taken for missing or created twice."""
        wanted = set(self.assignments.values())
        releases = self.rows[T_RELEASE.name]
        wanted |= {
            releases[r]["creator_profile_id"] for t, r in self._new_rows if t == T_RELEASE.name
        }
        wanted |= {auto_creator_id(s) for s in specs}
        for chunk in _chunks(wanted - self.creators):
            stmt = sa.select(T_CREATOR.c.id, T_CREATOR.c.display_name)
            self._add_creators(await conn.execute(stmt.where(T_CREATOR.c.id.in_(chunk))))

    @staticmethod
    async def _any_lock(conn: AsyncConnection) -> bool:
        """Whether any field is locked at all: most databases have no lock, and the lookups
        by id cover every row held, planned ones too (a batch of a first import: 14 queries
        that find nothing)."""
        found = await conn.execute(sa.select(T_LOCK.c.row_id).limit(1))
        return found.first() is not None

    async def _load_credits(
        self, conn: AsyncConnection, owner: str, table: sa.Table, col: str, owners: sa.Table
    ) -> None:
        """The credits of the ``owners`` rows held since the last load."""
        name = owners.name
        ids = [
            r for t, r in self._new_rows if t == name and (owner, r) not in self._loaded_owners
        ]
        for chunk in _chunks(ids):
            for oid in chunk:
                self.credits.setdefault((owner, oid), {})
                self._loaded_owners.add((owner, oid))
            stmt = _select(table).where(table.c[col].in_(chunk))
            for row in await self._fetch(conn, stmt):
                self.credits[(owner, row[col])][(row["artist_id"], row["role"])] = row
        # Artists credited on loaded owners are needed to render names; load missing ones.

    async def taken_slugs(self, conn: AsyncConnection, creator: uuid.UUID) -> set[str]:
        """Every slug in ``creator``'s namespace: releases, recordings, legacy tracks and
        release tracks, in the database and planned so far."""
        if creator not in self.slugs:
            await self.load_slugs(conn, [creator])
        return self.slugs[creator]

    async def load_slugs(self, conn: AsyncConnection, creators: Iterable[uuid.UUID]) -> None:
        """Start the slug namespaces of these creators (those not started yet) from the
        database, one query for many: one per creator made a first import's planning ask
        125 times (bench/README.md, "plan7 round"). When a namespace starts makes no
        difference: from then on every row the plan holds adds its slug to it."""
        wanted = sorted({c for c in creators if c not in self.slugs}, key=str)
        for chunk in _chunks(wanted, SLUG_CHUNK):
            rt_of_creators = (
                sa.select(T_RELEASE.c.creator_profile_id, T_RELEASE_TRACK.c.slug)
                .join(T_RELEASE, T_RELEASE.c.id == T_RELEASE_TRACK.c.release_id)
                .where(T_RELEASE.c.creator_profile_id.in_(chunk))
            )
            stmt = sa.union(
                *(
                    sa.select(t.c.creator_profile_id, t.c.slug).where(
                        t.c.creator_profile_id.in_(chunk)
                    )
                    for t in (T_RELEASE, T_RECORDING, T_TRACK)
                ),
                rt_of_creators,
            )
            found: dict[uuid.UUID, set[str]] = {c: set() for c in chunk}
            for cid, slug in (await conn.execute(stmt)).all():
                found.setdefault(row_id(cid), set()).add(slug)
            for cid, taken in found.items():
                taken.update(self._held_slugs.get(cid, ()))
                self.slugs[cid] = taken
