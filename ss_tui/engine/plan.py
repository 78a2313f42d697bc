"""Build the plan: for each project, each entity's action and field diffs, under the merge
rules of docs/architecture.md.

Matching: releases and recordings by ``metadata.sessionStudioId`` first, then recordings by
ISRC within the creator (another source's recording is linked, not duplicated); artists by
``session_studio_id`` then normalized name. Merge: a source null never erases; other sources'
non-empty values are only replaced when the plan says overwrite; locked fields never change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.db.creators import new_profile_row
from ss_tui.engine.decisions import PlanDecisions, ProjectDecision
from ss_tui.engine.plan_types import (
    Action,
    Conflict,
    CreatedFields,
    EntityChange,
    EntityKind,
    FieldDiff,
    ImportPlan,
    ProjectPlan,
)
from ss_tui.engine.rows import (
    SIZED,
    T_ARTIST,
    T_CREATOR,
    T_LINK,
    T_RECORDING,
    T_RECORDING_ARTIST,
    T_RELEASE,
    T_RELEASE_ARTIST,
    T_RELEASE_TRACK,
    T_TRACK,
    T_TRACK_ARTIST,
    ChildIds,
    artist_ssid,
    as_uuid,
    is_empty,
    row_id,
    same,
    stable_id,
)
from ss_tui.engine.slugs import normalize_artist_name, slugify, unique_slug
from ss_tui.engine.state import PlanState, auto_creator_id, plan_each_statement
from ss_tui.engine.transform import (
    PROVIDER_ID,
    ArtistSpec,
    CreditSpec,
    ItemIssue,
    ProjectSpec,
    TrackSpec,
)
from ss_tui.heap import collector_paused
from ss_tui.values import JSONObject, Row

BATCH = 200  # projects loaded per round of bulk queries
CREDIT_FIELDS = ("credit_name", "join_phrase", "position", "is_primary")


def _owned(row: Row, external_id: str) -> bool:
    meta = row.get("metadata") or {}
    return meta.get("sessionStudioId") == external_id and not meta.get("sessionStudioLinked")


def _same_song(row: Row, intended: Row, track_id: str) -> bool:
    """May a track link to this recording by ISRC? Rows from other sources: yes (titles vary
    between services). Rows another Session Studio track created: only if it is the same song
    (a single and its album); otherwise the ISRC was reused by mistake."""
    ssid = (row.get("metadata") or {}).get("sessionStudioId")
    if ssid is None or ssid == track_id:
        return True
    return slugify(row.get("title")) == slugify(intended.get("title"))


def _isrc_holder_elsewhere(
    st: PlanState, isrc: str, intended: Row, track_id: str, skip_id: object = None
) -> Row | None:
    """A recording in another creator profile that holds ``isrc`` and is not this song
    (``skip_id``: the track's own recording), or None."""
    return next(
        (
            r
            for r in st.holders(T_RECORDING, "isrc", isrc)
            if r["id"] != skip_id and not _same_song(r, intended, track_id)
        ),
        None,
    )


def merge_metadata(
    existing: JSONObject | None, new: JSONObject, owned: bool
) -> JSONObject:
    """Owned rows take Session Studio's keys; others only gain keys they lack. Keys a source
    no longer sends are kept (null never erases)."""
    existing = existing or {}
    if owned:
        return {**existing, **new}
    merged = {**new, **existing}
    if existing.get("sessionStudioId") is None:
        merged["sessionStudioLinked"] = True
    return merged


def merge_row(
    existing: Row | None,
    intended: Row,
    *,
    owned: bool,
    overwrite: bool,
    locks: set[str] | frozenset[str],
) -> tuple[Action, list[FieldDiff], Row]:
    """Apply the merge rules (docs/architecture.md) to one row; returns action, diffs and the full
    row apply should write."""
    if existing is None:
        created = dict(intended)
        return Action.create, _created_fields(created, skip=None), created
    after = dict(existing)
    fields: list[FieldDiff] = []
    changed = False
    for name, value in intended.items():
        before = existing.get(name)
        if name == "metadata":
            value = merge_metadata(before, value or {}, owned or overwrite)
        # ``before == value``: same()'s first test, without a call for the common case
        if value is None or before == value or same(before, value):
            continue
        if name in locks:
            fields.append(FieldDiff(name, before, before, locked=True))
            continue
        if not owned and not overwrite and not is_empty(before) and name != "metadata":
            fields.append(FieldDiff(name, before, before, kept_other_source=True))
            continue
        after[name] = value
        fields.append(FieldDiff(name, before, value))
        changed = True
    return (Action.update if changed else Action.unchanged), fields, after


def _created_fields(row: Row, skip: str | None = "id") -> list[FieldDiff]:
    """A created row's diff: every non-empty field but ``skip``, from nothing (the planner's
    own entities derive it lazily: :class:`CreatedFields`)."""
    return [
        FieldDiff(k, None, v)
        for k, v in row.items()
        if v is not None and k != skip and (v or not isinstance(v, SIZED))
    ]


_NO_LOCKS: frozenset[str] = frozenset()
_CREDIT_TABLES = {"release": T_RELEASE_ARTIST, "recording": T_RECORDING_ARTIST}
# A credit to plan (Planner._resolve_credits): the spec, its artist's id, ``id.int`` and
# text, the credit's name and label.
_Credit = tuple[CreditSpec, uuid.UUID, int, str, str | None, str]


def _filed_by_caller(row: Row) -> None:
    """An ``index`` for :meth:`Planner._entity` that files nothing: the caller does."""


class Planner:
    """Plans projects one after another against a :class:`PlanState`."""

    def __init__(
        self,
        conn: AsyncConnection,
        state: PlanState,
        decisions: PlanDecisions,
        *,
        legacy_tracks: bool = True,
    ) -> None:
        self.conn = conn
        self.state = state
        self.decisions = decisions
        # Write Jovie's legacy discog_tracks (+ track_artists) in step with release tracks.
        self.legacy_tracks = legacy_tracks
        # Keyed by ``UUID.int``: ``UUID.__hash__`` is Python-level, an int's is not, and these
        # are consulted for every credit (bench/README.md, "plan8 round").
        self._artists: dict[int, Row] = {}  # this project's artists, until credited
        # The artists this project's included credits name (deleted ones aside), as planned.
        self._credited: set[int] = set()
        self._texts: dict[int, str] = {}  # str(UUID) of ids used in child ids, by UUID.int

    def _text(self, value: uuid.UUID) -> str:
        """``str(value)``, remembered (artists are credited on every track)."""
        text = self._texts.get(value.int)
        if text is None:
            text = self._texts[value.int] = str(value)
        return text

    # ------------------------------------------------------------------ helpers

    def _locks(self, table: sa.Table, rid: uuid.UUID) -> set[str] | frozenset[str]:
        locks = self.state.locks  # most databases lock nothing: no key to hash then
        return locks.get((table.name, rid), _NO_LOCKS) if locks else _NO_LOCKS

    def _entity(
        self,
        pp: ProjectPlan,
        key: str,
        kind: EntityKind,
        table: sa.Table,
        existing: Row | None,
        intended: Row,
        *,
        label: str,
        external_id: str | None,
        owned: bool,
        overwrite: bool,
        create_only: Row,
        parent_key: str | None = None,
        excluded: set[str] | None = None,
        index: Callable[[Row], None] | None = None,
        new_id_text: str | None = None,
    ) -> EntityChange:
        """Merge ``intended`` into ``existing`` (or create it) and add the change to ``pp``;
        later projects then see the row as it will be (``index``: how the plan state files
        it, ``state.put`` by default). ``new_id_text``: ``str(create_only["id"])``, when
        the caller has it."""
        included = excluded is None or key not in excluded
        if existing is not None:
            locks = self._locks(table, existing["id"])
            action, diffs, after = merge_row(
                existing, intended, owned=owned, overwrite=overwrite, locks=locks
            )
            change = EntityChange(
                key,
                kind,
                action,
                label,
                external_id,
                self._text(after["id"]),
                [f for f in diffs if f.name != "id"] if diffs else (),
                parent_key=parent_key,
                row=after,
                base_row=existing,
                included=included,
            )
        else:  # what merge_row(None, …) does, without copying the new row once more; its
            # field diffs are read off the row when read
            after = {**create_only, **intended}
            change = EntityChange(
                key,
                kind,
                Action.create,
                label,
                external_id,
                new_id_text or str(after["id"]),
                CreatedFields(after),
                parent_key=parent_key,
                row=after,
                included=included,
            )
        pp.entities.append(change)
        if included:
            if index is None:
                self.state.put(table, after)
            else:
                index(after)
        return change

    # ------------------------------------------------------------------ creator

    def likely_creators(self, specs: list[ProjectSpec]) -> set[uuid.UUID]:
        """The creator profiles these projects will most likely be planned into (the first
        answers of :meth:`_creator`, without its checks, conflicts and side effects), so
        that their slug namespaces are loaded together. A wrong guess costs a query later,
        never a different plan."""
        st, decisions = self.state, self.decisions
        out: set[uuid.UUID] = set()
        for spec in specs:
            explicit = decisions.for_project(spec.external_id).creator_profile_id
            existing = st.get(T_RELEASE, st.release_by_ssid.get(spec.external_id))
            target: uuid.UUID | None = None
            if explicit:
                continue  # staff's choice: _creator checks it (a bad id is its error)
            elif existing is not None:
                target = existing["creator_profile_id"]
            elif spec.ss_artist_id and spec.ss_artist_id in st.assignments:
                target = st.assignments[spec.ss_artist_id]
            elif spec.collaboration:
                continue
            elif decisions.default_creator_profile_id:
                target = as_uuid(decisions.default_creator_profile_id)
            elif decisions.auto_create_creators:
                target = auto_creator_id(spec)
            if target is not None:
                out.add(target)
        return out

    def _creator(
        self, spec: ProjectSpec, dec: ProjectDecision, pp: ProjectPlan
    ) -> uuid.UUID | None:
        existing_id = self.state.release_by_ssid.get(spec.external_id)
        existing = self.state.get(T_RELEASE, existing_id)
        explicit = as_uuid(dec.creator_profile_id)
        target: uuid.UUID | None
        if explicit is not None:
            target = explicit
        elif existing is not None:
            target = existing["creator_profile_id"]
        elif spec.ss_artist_id and spec.ss_artist_id in self.state.assignments:
            target = self.state.assignments[spec.ss_artist_id]
        elif spec.collaboration and (pick := self._collaboration_creator(spec, dec, pp)) != (
            "create"
        ):
            if pick is None:
                return None
            target = pick  # type: ignore[assignment]  # the only str it returns is "create"
        elif self.decisions.default_creator_profile_id and not spec.collaboration:
            target = as_uuid(self.decisions.default_creator_profile_id)
        elif self.decisions.auto_create_creators:
            target = auto_creator_id(spec)
            if target not in self.state.creators:
                name = spec.ss_artist_name or "Unknown artist"
                pp.new_creator = new_profile_row(T_CREATOR, target, name, spec.ss_artist_id)
        else:
            pp.blocked = (
                "No creator profile chosen for this project (choose one in the preview, or"
                " --creator; --create-creators makes a non-public one)"
            )
            return None
        if target is not None and target not in self.state.creators and pp.new_creator is None:
            pp.blocked = f"Creator profile {target} does not exist"
            return None
        if existing is not None and target != existing["creator_profile_id"]:
            key = f"release:{spec.external_id}"
            conflict = Conflict(
                reason=(
                    f"Project already imported into creator profile "
                    f"{existing['creator_profile_id']} (release '{existing['title']}')"
                ),
                code="other_creator",
                choices=["keep_existing_creator", "skip"],
                chosen=dec.choices.get(key),
            )
            if conflict.chosen == "keep_existing_creator":
                pp.warnings.append(conflict.reason + "; kept there")
                kept: uuid.UUID = existing["creator_profile_id"]
                return kept
            _block_release(spec, pp, key, conflict)
            return None
        return target

    def _collaboration_creator(
        self, spec: ProjectSpec, dec: ProjectDecision, pp: ProjectPlan
    ) -> uuid.UUID | str | None:
        """Another account's project goes to its main artist's creator profile when Jovie
        has one (by Jovie's normal form of the name); otherwise staff choose (a conflict):
        the default creator profile, a new profile, or skip. Returns the profile, "create",
        or None (blocked or skipped)."""
        found = self.state.creator_by_name.get(normalize_artist_name(spec.ss_artist_name), [])
        if len(found) == 1:
            return found[0]
        key = f"release:{spec.external_id}"
        default = self.decisions.default_creator_profile_id
        choices = (["use_default_creator"] if default else []) + (
            ["create_creator"] if self.decisions.auto_create_creators else []
        ) + ["skip"]
        who = spec.ss_artist_name or "its main artist"
        has = "several creator profiles" if found else "no creator profile"
        conflict = Conflict(
            reason=f"Collaboration: Jovie has {has} for {who}",
            code="collaboration_creator",
            choices=choices,
            chosen=dec.choices.get(key),
        )
        if conflict.chosen == "use_default_creator" and default:
            return as_uuid(default)
        if conflict.chosen == "create_creator" and self.decisions.auto_create_creators:
            return "create"
        _block_release(spec, pp, key, conflict)
        return None

    # ------------------------------------------------------------------ project

    async def plan_project(self, spec: ProjectSpec) -> ProjectPlan:
        self._artists, self._credited = {}, set()
        pp = await self._plan_project(spec)
        if pp.included and not pp.blocked and pp.creator_profile_id:
            if pp.new_creator:
                self.state.creators.add(pp.new_creator["id"])  # later projects reuse it
            creator = row_id(pp.creator_profile_id)
            if spec.ss_artist_id:
                before = self.state.assignments.get(spec.ss_artist_id)
                pp.creator_remembered = before == creator
                pp.assignment_changes = before is not None and before != creator
                self.state.assignments[spec.ss_artist_id] = creator
        return pp

    async def _plan_project(self, spec: ProjectSpec) -> ProjectPlan:
        dec = self.decisions.for_project(spec.external_id)
        overwrite = dec.overwrite if dec.overwrite is not None else self.decisions.overwrite
        pp = ProjectPlan(
            project_id=spec.external_id,
            title=spec.release["title"],
            creator_profile_id=None,
            included=dec.include,
            overwrite_other_sources=overwrite,
            source_hash=spec.source_hash,
            ss_artist_id=spec.ss_artist_id,
            ss_artist_name=spec.ss_artist_name,
        )
        pp.issues = [_issue(i) for i in spec.issues] + [
            _issue(i) for t in spec.tracks for i in t.issues
        ]
        pp.warnings.extend(i["message"] for i in pp.issues if not i["fatal"])
        pp.skipped = [
            {
                "external_id": t.external_id,
                "title": t.recording.get("title"),
                "reason": "; ".join(i.message for i in t.issues if i.fatal),
            }
            for t in spec.tracks
            if t.fatal
        ]
        if spec.fatal:
            pp.blocked = "; ".join(i.message for i in spec.issues if i.fatal)
            return pp
        if spec.collaboration and not self.decisions.include_collaborations:
            pp.included = False
            pp.left_out_by_option = "include_collaborations"
            pp.warnings.append(
                "Another account's project this account is a member of; imported only with "
                "include collaborations"
            )
            return pp
        status = spec.release["metadata"].get("sessionStudioStatus")
        if status != "released" and not self.decisions.include_unreleased:
            pp.included = False
            pp.left_out_by_option = "include_unreleased"
            pp.warnings.append(
                f"Project is {status} in Session Studio; imported (as a Jovie draft) only "
                "with include unreleased"
            )
            return pp
        if not dec.include:
            return pp
        creator = self._creator(spec, dec, pp)
        if creator is None:
            return pp
        pp.creator_profile_id = str(creator)

        planned = await self._plan_release(pp, spec, dec, creator, overwrite)
        if planned is None:
            return pp
        artist_ids = self._plan_artists(pp, spec, dec)
        release, release_owned = planned
        rel_id = release.row["id"]  # type: ignore[index]  # a planned change always carries its row
        rel = ChildIds(rel_id)  # the release's tracks take its prefix (rows.child_id)
        self._plan_credits(
            pp,
            "release",
            rel,
            self._resolve_credits(spec.credits, artist_ids),
            owned=release_owned,
            overwrite=overwrite,
            parent=release.key,
            key_prefix=f"credit:release:{spec.external_id}",
            excluded=dec.excluded,
        )
        self._plan_link(pp, "release", rel, spec.external_id, spec.link_url, release.key, dec)
        rt_slugs = {
            self.state.rows[T_RELEASE_TRACK.name][i]["slug"]
            for i in self.state.rt_by_release.get(rel_id, ())
        }
        for track in spec.tracks:
            if track.fatal:
                continue  # listed in pp.skipped (see _plan_project's start)
            await self._plan_track(
                pp, spec, track, dec, creator, rel, rt_slugs, artist_ids, overwrite, release.key
            )
        self._keep_removed_tracks(pp, rel_id, {t.external_id for t in spec.tracks})
        self._keep_needed_artists(pp)
        return pp

    def _keep_removed_tracks(self, pp: ProjectPlan, rel_id: uuid.UUID, upstream: set[str]) -> None:
        """Release tracks Session Studio no longer lists are kept (removing them is the
        staff's call); one whose position a listed track now takes moves to the end of its
        disc, so the release can still be written."""
        rows = self.state.rows[T_RELEASE_TRACK.name]
        gone = [
            row
            for row in (rows[i] for i in self.state.rt_by_release.get(rel_id, ()))
            if (row.get("metadata") or {}).get("sessionStudioId") not in (None, *upstream)
        ]
        if not gone:
            return
        planned = {
            (e.row["disc_number"], e.row["track_number"]): e.label
            for e in pp.entities
            if e.kind is EntityKind.release_track and e.included and e.row is not None
        }
        taken = set(planned) | {(r["disc_number"], r["track_number"]) for r in gone}
        for row in gone:
            disc, title = row["disc_number"], row["title"]
            newcomer = planned.get((disc, row["track_number"]))
            if newcomer is None:
                pp.warnings.append(f"Track '{title}' is no longer in Session Studio; kept")
                continue
            free = max(n for d, n in taken if d == disc) + 1
            taken.add((disc, free))
            self._move_legacy_track(pp, rel_id, row, free)
            self._entity(
                pp,
                f"release_track:kept:{row['id']}",
                EntityKind.release_track,
                T_RELEASE_TRACK,
                row,
                {**row, "track_number": free},
                label=title,
                external_id=row["metadata"]["sessionStudioId"],
                owned=True,
                overwrite=True,
                create_only={},
            )
            pp.warnings.append(
                f"Track '{title}' is no longer in Session Studio; kept, moved to position "
                f"{free} to make room for '{newcomer}'"
            )

    def _move_legacy_track(
        self, pp: ProjectPlan, rel_id: uuid.UUID, rt_row: Row, position: int
    ) -> None:
        """A kept release track's legacy mirror moves with it (same position, same rules)."""
        ssid = (rt_row.get("metadata") or {}).get("sessionStudioId")
        rows = self.state.rows[T_TRACK.name]
        for i in self.state.tracks_by_release.get(rel_id, ()):
            row = rows[i]
            if (row.get("metadata") or {}).get("sessionStudioId") == ssid:
                self._entity(
                    pp,
                    f"track:kept:{row['id']}",
                    EntityKind.track,
                    T_TRACK,
                    row,
                    {**row, "track_number": position},
                    label=row["title"],
                    external_id=ssid,
                    owned=True,
                    overwrite=True,
                    create_only={},
                )

    def _plan_artists(
        self, pp: ProjectPlan, spec: ProjectSpec, dec: ProjectDecision
    ) -> dict[str, uuid.UUID]:
        ids: dict[str, uuid.UUID] = {}
        for key, artist in spec.artists.items():
            existing = self._match_artist(artist)
            if not artist.name_known:
                if existing is not None:
                    ids[key] = existing["id"]
                else:
                    pp.warnings.append(
                        f"Collaborator {artist.session_studio_id} has no name and is unknown; "
                        "credit skipped"
                    )
                continue
            owned = (
                existing is not None
                and artist_ssid(existing) == artist.session_studio_id
                and bool(existing.get("is_auto_created"))
            )
            metadata = dict(artist.metadata)
            if artist.session_studio_id:
                metadata["sessionStudioId"] = artist.session_studio_id
            intended = {
                "name": artist.name,
                "name_normalized": artist.name_normalized,
                "metadata": metadata,
            }
            create_only: Row = {}
            if existing is None:
                create_only = {
                    "id": stable_id("artist", key),
                    "creator_profile_id": None,
                    "artist_type": artist.artist_type,
                    "is_auto_created": True,
                }
            change = self._entity(
                pp,
                f"artist:{key}",
                EntityKind.artist,
                T_ARTIST,
                existing,
                intended,
                label=artist.name,
                external_id=artist.session_studio_id,
                owned=owned,
                overwrite=pp.overwrite_other_sources,
                create_only=create_only,
                excluded=dec.excluded,
                index=self._hold_artist,
            )
            if change.included or existing is not None:
                ids[key] = change.row["id"]  # type: ignore[index]  # a planned change always carries its row
            # else: an excluded new artist is not written, nor are its credits
        return ids

    def _hold_artist(self, row: Row) -> None:
        """This project's artist, filed in the plan state once a credit needs it."""
        self._artists[row["id"].int] = row

    def _keep_needed_artists(self, pp: ProjectPlan) -> None:
        """An artist is written only for a credit that is: excluding a track (or a credit,
        or choosing to skip a conflicting one) takes out the artists only it credited, so
        they are neither created nor counted. The rest are then visible to later projects."""
        credited = self._credited  # every included credit's artist (_plan_credits)
        pp.entities = [
            e for e in pp.entities
            if e.kind is not EntityKind.artist or e.row is None or e.row["id"].int in credited
        ]
        for rid, row in self._artists.items():
            if rid in credited:
                self.state.put(T_ARTIST, row)
        self._artists, self._credited = {}, set()

    def _match_artist(self, artist: ArtistSpec) -> Row | None:
        st = self.state
        if artist.session_studio_id and artist.session_studio_id in st.artist_by_ssid:
            return st.get(T_ARTIST, st.artist_by_ssid[artist.session_studio_id])
        if not artist.name_normalized:
            return None  # Jovie's normal form is "" for non-Latin names: it matches nobody
        for rid in st.artist_by_name.get(artist.name_normalized, ()):
            row = st.get(T_ARTIST, rid)
            if row is not None and artist_ssid(row) in (None, artist.session_studio_id):
                return row
        return None

    async def _plan_release(
        self,
        pp: ProjectPlan,
        spec: ProjectSpec,
        dec: ProjectDecision,
        creator: uuid.UUID,
        overwrite: bool,
    ) -> tuple[EntityChange, bool] | None:
        st = self.state
        key = f"release:{spec.external_id}"
        intended = dict(spec.release)
        existing = st.get(T_RELEASE, st.release_by_ssid.get(spec.external_id))
        owned = existing is not None and _owned(existing, spec.external_id)
        upc = intended.get("upc")
        holder_id = st.release_by_upc.get((creator, upc)) if upc else None
        if upc and holder_id is None and (existing is None or existing.get("upc") != upc):
            # UPCs are global: another creator's Session Studio release may hold it (also
            # when this release exists already and would take the UPC now).
            holder_id = next(
                (
                    r["id"]
                    for r in st.holders(T_RELEASE, "upc", upc)
                    if (r.get("metadata") or {}).get("sessionStudioId")
                    not in (None, spec.external_id)
                ),
                None,
            )
        conflict: Conflict | None = None
        if holder_id is not None and (existing is None or holder_id != existing["id"]):
            holder = st.get(T_RELEASE, holder_id) or {}
            same_creator = holder.get("creator_profile_id") == creator
            where = "this" if same_creator else "another"
            conflict = Conflict(
                reason=f"UPC {upc} already belongs to release '{holder.get('title')}' in "
                f"{where} creator profile",
                code="upc_taken",
                choices=(
                    ["drop_identifier", "skip"]
                    if existing or not same_creator
                    else ["link_existing", "drop_identifier", "skip"]
                ),
                chosen=dec.choices.get(key),
            )
            if conflict.chosen == "link_existing" and existing is None and same_creator:
                existing, owned = holder, _owned(holder, spec.external_id)
            elif conflict.chosen == "drop_identifier":
                intended["upc"] = None
            else:
                _block_release(spec, pp, key, conflict)
                return None
        if existing is not None:
            slug = existing["slug"]  # pinned: a renamed project keeps its URL
        else:
            taken = await st.taken_slugs(self.conn, creator)
            slug = unique_slug(spec.slug_base, taken)
            if slug != spec.slug_base:
                pp.warnings.append(f"Release slug '{spec.slug_base}' taken; using '{slug}'")
        rid = existing["id"] if existing else stable_id("release", creator, spec.external_id)
        change = self._entity(
            pp,
            key,
            EntityKind.release,
            T_RELEASE,
            existing,
            intended,
            label=spec.release["title"] or "",
            external_id=spec.external_id,
            owned=owned,
            overwrite=overwrite,
            create_only={"id": rid, "creator_profile_id": creator, "slug": slug},
        )
        change.conflict = conflict
        return change, owned or existing is None

    async def _plan_track(
        self,
        pp: ProjectPlan,
        spec: ProjectSpec,
        track: TrackSpec,
        dec: ProjectDecision,
        creator: uuid.UUID,
        rel: ChildIds,
        rt_slugs: set[str],
        artist_ids: dict[str, uuid.UUID],
        overwrite: bool,
        release_key: str,
    ) -> None:
        st = self.state
        rel_id = rel.parent
        tid = track.external_id
        rec_key, rt_key = f"recording:{tid}", f"release_track:{tid}"
        excluded = rec_key in dec.excluded or rt_key in dec.excluded

        # Release track of this release already imported from this Session Studio track?
        rt_row = None
        for i in st.rt_by_release.get(rel_id, ()):
            row = st.rows[T_RELEASE_TRACK.name][i]
            if (row.get("metadata") or {}).get("sessionStudioId") == tid:
                rt_row = row
                break
        existing = st.get(T_RECORDING, rt_row["recording_id"]) if rt_row else None
        if existing is None:
            existing = st.get(T_RECORDING, st.recording_by_ssid.get((creator, tid)))
        intended = dict(track.recording)
        isrc = intended.get("isrc")
        holder: Row | None = None  # a different recording that holds this ISRC
        if existing is None and isrc:
            candidate = st.get(T_RECORDING, st.recording_by_isrc.get((creator, isrc)))
            if candidate is not None and _same_song(candidate, intended, tid):
                # Same ISRC in this creator (another source, or the single this album
                # repeats): link to it rather than create a twin.
                existing = candidate
                pp.warnings.append(
                    f"Track '{track.recording['title']}' linked to the existing recording with "
                    f"ISRC {isrc}"
                )
            elif candidate is not None:
                holder = candidate
            else:
                holder = _isrc_holder_elsewhere(st, isrc, intended, tid)
        elif existing is not None and isrc and existing.get("isrc") != isrc:
            holder_id = st.recording_by_isrc.get((creator, isrc))
            if holder_id is not None and holder_id != existing["id"]:
                holder = st.get(T_RECORDING, holder_id)
            elif holder_id is None:
                # Held in another creator profile: the same question as for a new recording
                # (an ISRC staff dropped at that conflict must not come back as an update).
                holder = _isrc_holder_elsewhere(st, isrc, intended, tid, existing["id"])
        conflict: Conflict | None = None
        if holder is not None:
            same_creator = holder["creator_profile_id"] == creator
            where = "" if same_creator else " in another creator profile"
            conflict = Conflict(
                reason=f"ISRC {isrc} already belongs to a different recording "
                f"'{holder.get('title')}'{where}",
                code="isrc_taken",
                choices=(["link_existing"] if same_creator else []) + ["drop_identifier", "skip"],
                chosen=dec.choices.get(rec_key),
            )
            if conflict.chosen == "link_existing" and same_creator:
                existing = holder
            elif conflict.chosen == "drop_identifier":
                intended["isrc"] = None
            else:
                pp.entities.append(
                    EntityChange(
                        rec_key,
                        EntityKind.recording,
                        Action.conflict,
                        track.recording["title"] or "",
                        external_id=tid,
                        conflict=conflict,
                        included=conflict.chosen != "skip",
                    )
                )
                return
        owned = existing is not None and _owned(existing, tid)
        # One creator-wide slug namespace (releases, recordings, tracks): a new release track
        # takes a slug no release or track of the creator has, and a new recording the same.
        taken = st.slugs.get(creator) or await st.taken_slugs(self.conn, creator)
        if rt_row is not None:
            rt_slug = rt_row["slug"]  # pinned by metadata.sessionStudioId
        else:
            rt_slug = unique_slug(track.slug_base, _Either(taken, rt_slugs))
        slug = existing["slug"] if existing is not None else rt_slug
        rec_text: str | None = None
        if existing:
            rec_id = existing["id"]
        else:
            rec_id, rec_text = rel.make(f"recording\x1f{self._text(creator)}\x1f{tid}")
        rec = self._entity(
            pp,
            rec_key,
            EntityKind.recording,
            T_RECORDING,
            existing,
            intended,
            label=track.recording["title"] or "",
            external_id=tid,
            owned=owned,
            overwrite=overwrite,
            create_only={"id": rec_id, "creator_profile_id": creator, "slug": slug},
            parent_key=release_key,
            excluded={rec_key} if excluded else None,
            new_id_text=rec_text,
        )
        rec.conflict = conflict
        if excluded:
            return
        rec_owned = rec.action == Action.create or owned
        credits = self._resolve_credits(track.credits, artist_ids)  # its legacy track's too
        self._plan_credits(
            pp,
            "recording",
            ChildIds(rec_id, rec_text),
            credits,
            owned=rec_owned,
            overwrite=overwrite,
            parent=rec_key,
            key_prefix=f"credit:recording:{tid}",
            excluded=dec.excluded,
        )
        rt_intended = {**track.release_track, "release_id": rel_id, "recording_id": rec_id}
        rt_slugs.add(rt_slug)
        rt_text: str | None = None
        if rt_row:
            rt_id = rt_row["id"]
        else:
            rt_id, rt_text = rel.make(f"release_track\x1f{rel.text}\x1f{tid}")
        rt = self._entity(
            pp,
            rt_key,
            EntityKind.release_track,
            T_RELEASE_TRACK,
            rt_row,
            rt_intended,
            label=track.release_track["title"] or "",
            external_id=tid,
            owned=True,
            overwrite=True,
            create_only={"id": rt_id, "slug": rt_slug},
            parent_key=rec_key,
            new_id_text=rt_text,
        )
        rt_ids = ChildIds(rt.row["id"], rt_text)  # type: ignore[index]  # a planned change always carries its row
        self._plan_link(pp, "release_track", rt_ids, tid, track.link_url, rt_key, dec)
        if self.legacy_tracks:
            self._plan_legacy_track(
                pp, track, dec, creator, rel, rt.row, credits, rec_owned, overwrite,  # type: ignore[arg-type]  # a planned change always carries its row
                taken, fresh=rt_row is None,
            )

    def _plan_legacy_track(
        self,
        pp: ProjectPlan,
        track: TrackSpec,
        dec: ProjectDecision,
        creator: uuid.UUID,
        rel: ChildIds,
        rt_row: Row,
        credits: list[_Credit],
        owned: bool,
        overwrite: bool,
        taken: set[str],
        fresh: bool,
    ) -> None:
        """Jovie's legacy ``discog_tracks`` row for a release track (its slug pages and track
        lists still read it), with its credits in ``track_artists``, as Jovie's import writes
        them. Same position and slug as the release track; an ISRC another track of the same
        release already carries is left off (Jovie keeps ISRCs unique per release)."""
        st = self.state
        tid = track.external_id
        key = f"track:{tid}"
        rel_id = rel.parent
        rows = st.rows[T_TRACK.name]
        siblings = [rows[i] for i in st.tracks_by_release.get(rel_id, ())]
        existing = next(
            (r for r in siblings if (r.get("metadata") or {}).get("sessionStudioId") == tid), None
        )
        isrc = track.recording.get("isrc")
        if isrc and any(r.get("isrc") == isrc and r is not existing for r in siblings):
            isrc = None
        intended = {
            "release_id": rel_id,
            "creator_profile_id": creator,
            "title": rt_row["title"],
            "track_number": rt_row["track_number"],
            "disc_number": rt_row["disc_number"],
            "duration_ms": track.recording.get("duration_ms"),
            "is_explicit": rt_row["is_explicit"],
            "isrc": isrc,
            "preview_url": track.recording.get("preview_url"),
            "source_type": "ingested",
            "metadata": dict(track.release_track["metadata"]),
        }
        if existing is not None:
            slug = existing["slug"]
        elif fresh:
            slug = rt_row["slug"]  # chosen just now, free in the creator's namespace
        else:  # a release track imported before legacy tracks were written
            slug = unique_slug(rt_row["slug"], taken)
        track_text: str | None = None
        if existing:
            track_id = existing["id"]
        else:
            track_id, track_text = rel.make(f"track\x1f{rel.text}\x1f{tid}")
        change = self._entity(
            pp,
            key,
            EntityKind.track,
            T_TRACK,
            existing,
            intended,
            label=rt_row["title"] or "",
            external_id=tid,
            owned=True,
            overwrite=True,
            create_only={"id": track_id, "slug": slug},
            parent_key=f"release_track:{tid}",
            excluded=dec.excluded,
            new_id_text=track_text,
        )
        if T_TRACK_ARTIST is not None and change.included:
            self._plan_credits(
                pp,
                "track",
                ChildIds(track_id, track_text),
                credits,
                owned=owned,
                overwrite=overwrite,
                parent=key,
                key_prefix=f"credit:track:{tid}",
                excluded=dec.excluded,
            )

    def _resolve_credits(
        self, credits: list[CreditSpec], artist_ids: dict[str, uuid.UUID]
    ) -> list[_Credit]:
        """The credits an owner gets: each (artist, role) once, its artist known, with what
        planning them needs (a track's recording and legacy track share them)."""
        out: list[_Credit] = []
        # (artist id's int, role): an int hashes in C, a UUID in Python.
        seen: set[tuple[int, str]] = set()
        texts, artists = self._texts, self._artists
        for c in credits:
            artist_id = artist_ids.get(c.artist_key)
            if artist_id is None:
                continue
            role = c.role
            artist_int = artist_id.int
            if (artist_int, role) in seen:
                continue
            seen.add((artist_int, role))
            name = c.credit_name or (
                artists.get(artist_int) or self.state.get(T_ARTIST, artist_id) or {}
            ).get("name")
            artist_text = texts.get(artist_int) or self._text(artist_id)
            out.append((c, artist_id, artist_int, artist_text, name, f"{name} ({role})"))
        return out

    def _plan_credits(
        self,
        pp: ProjectPlan,
        owner: str,
        owner_ids: ChildIds,
        credits: list[_Credit],
        *,
        owned: bool,
        overwrite: bool,
        parent: str,
        key_prefix: str,
        excluded: set[str],
    ) -> None:
        """The credits of one owner (``owner_ids``: its id and text; ``credits``: from
        :meth:`_resolve_credits`). Hot: ~155,000 credits in a first import of 10,000 tracks,
        so each (artist, role) key is hashed as few times as it can be (``UUID.__hash__`` is
        Python-level)."""
        table = _CREDIT_TABLES.get(owner, T_TRACK_ARTIST)
        assert table is not None
        owner_id = owner_ids.parent
        col = f"{owner}_id"
        source_id = key_prefix.rsplit(":", 1)[1]
        id_prefix = f"credit\x1f{owner}\x1f{owner_ids.text}\x1f"
        # The credits held for the owner (loaded, or planned earlier); new ones are filed
        # there too. None held (a new owner): nothing to match, nothing to remove.
        filed = self.state.credit_bucket(owner, owner_id)
        held = bool(filed)
        credited, entities, make = self._credited, pp.entities, owner_ids.make
        for c, artist_id, artist_int, artist_text, name, label in credits:
            role = c.role
            key = f"{key_prefix}:{c.artist_key}:{role}"
            existing = filed.get((artist_id, role)) if held else None
            included = not excluded or key not in excluded
            if existing is None:  # {**create_only, **intended} of _entity, built at once
                credit_id, id_text = make(f"{id_prefix}{artist_text}\x1f{role}")
                row: Row = {
                    "id": credit_id,
                    col: owner_id,
                    "artist_id": artist_id,
                    "role": role,
                    "source_type": "ingested",
                    "metadata": {"sessionStudioId": source_id},
                    "credit_name": name,
                    "join_phrase": c.join_phrase,
                    "position": c.position,
                    "is_primary": c.is_primary,
                }
                entities.append(
                    EntityChange(
                        key,
                        EntityKind.credit,
                        Action.create,
                        label,
                        c.artist_key,
                        id_text,
                        CreatedFields(row),
                        parent_key=parent,
                        row=row,
                        included=included,
                    )
                )
            else:
                intended = {
                    "credit_name": name,
                    "join_phrase": c.join_phrase,
                    "position": c.position,
                    "is_primary": c.is_primary,
                }
                row = self._entity(  # type: ignore[assignment]  # a planned change always carries its row
                    pp,
                    key,
                    EntityKind.credit,
                    table,
                    existing,
                    intended,
                    label=label,
                    external_id=c.artist_key,
                    owned=owned,
                    overwrite=overwrite,
                    create_only={},
                    parent_key=parent,
                    excluded=excluded,
                    index=_filed_by_caller,
                ).row
            if included:
                filed[(artist_id, role)] = row
                credited.add(artist_int)
        if not owned or not held:
            return  # another source's owner keeps its credits; a new owner has none to drop
        planned = {(a_int, spec.role) for spec, _, a_int, *_ in credits}
        for (artist_id, role), row in list(filed.items()):
            if (artist_id.int, role) in planned:
                continue
            if (row.get("metadata") or {}).get("sessionStudioId") != source_id:
                continue  # credits from other sources (or a sibling track) are not ours to drop
            artist = self._artists.get(artist_id.int) or self.state.get(T_ARTIST, artist_id) or {}
            name = row.get("credit_name") or artist.get("name") or str(artist_id)
            key = f"{key_prefix}:removed:{artist_id}:{role}"
            change = EntityChange(
                key,
                EntityKind.credit,
                Action.delete,
                f"{name} ({role})",
                row_id=str(row["id"]),
                fields=[FieldDiff("credit", f"{name} ({role})", None)],
                parent_key=parent,
                row=row,
                base_row=row,
                included=key not in excluded,
            )
            pp.entities.append(change)
            if change.included:
                self.state.put_credit(owner, owner_id, None, (artist_id, role))

    def _plan_link(
        self,
        pp: ProjectPlan,
        owner_type: str,
        owner_ids: ChildIds,
        external_id: str,
        url: str,
        parent: str,
        dec: ProjectDecision,
    ) -> None:
        owner_id = owner_ids.parent
        col = f"{owner_type}_id"
        key = f"provider_link:{owner_type}:{external_id}"
        existing = self.state.link_by_owner.get((col, owner_id))
        holder = self.state.link_by_external.get(external_id)
        if existing is None and holder is not None:
            pp.warnings.append(
                f"Session Studio id {external_id} is already linked to another {owner_type}; "
                "link not added"
            )
            return
        # external_id stays NULL: Jovie's (provider_id, external_id) index spans every creator,
        # so the Session Studio id lives in metadata, as Jovie's own importers keep it.
        intended = {"url": url, "metadata": {"sessionStudioId": external_id}}
        link_id, link_text = owner_ids.make(
            f"link\x1f{PROVIDER_ID}\x1f{owner_type}\x1f{owner_ids.text}"
        )
        self._entity(
            pp,
            key,
            EntityKind.provider_link,
            T_LINK,
            existing,
            intended,
            label=url,
            external_id=external_id,
            owned=True,
            overwrite=True,
            create_only={
                "id": link_id,
                "provider_id": PROVIDER_ID,
                "owner_type": owner_type,
                "release_id": None,
                "track_id": None,
                "release_track_id": None,
                col: owner_id,
                "external_id": None,
                "is_primary": False,
                "source_type": "ingested",
            },
            parent_key=parent,
            excluded=dec.excluded,
            new_id_text=link_text,
        )


class _Either:
    """Membership in either of two slug sets, without copying them."""

    def __init__(self, a: set[str], b: set[str]) -> None:
        self.a, self.b = a, b

    def __contains__(self, slug: object) -> bool:
        return slug in self.a or slug in self.b


def _issue(i: ItemIssue) -> JSONObject:
    return {
        "entity": i.entity,
        "external_id": i.external_id,
        "message": i.message,
        "fatal": i.fatal,
        "field": i.field,
    }


async def build_plan(
    conn: AsyncConnection,
    specs: list[ProjectSpec],
    decisions: PlanDecisions | None = None,
    *,
    connection_id: uuid.UUID | str | None = None,
    state: PlanState | None = None,
) -> ImportPlan:
    """Plan ``specs`` in order against the database behind ``conn`` (read only)."""
    decisions = decisions or PlanDecisions()
    state = state or PlanState(as_uuid(connection_id))
    planner = Planner(conn, state, decisions, legacy_tracks=decisions.legacy_tracks)
    plan = ImportPlan()
    await plan_each_statement(conn)  # its id lookups scan: see there
    with collector_paused():  # acyclic rows by the hundred thousand (ss_tui/heap.py)
        for i in range(0, len(specs), BATCH):
            batch = specs[i : i + BATCH]
            await state.load(conn, batch)
            await state.load_slugs(conn, planner.likely_creators(batch))
            for spec in batch:
                plan.projects.append(await planner.plan_project(spec))
    return plan


def _block_release(spec: ProjectSpec, pp: ProjectPlan, key: str, conflict: Conflict) -> None:
    """The release cannot be planned until staff choose: the project shows the conflict and
    is blocked (left out altogether when they chose "skip")."""
    if conflict.chosen == "skip":
        pp.included = False
    pp.entities.append(
        EntityChange(
            key,
            EntityKind.release,
            Action.conflict,
            spec.release["title"] or "",
            external_id=spec.external_id,
            conflict=conflict,
        )
    )
    pp.blocked = conflict.reason
