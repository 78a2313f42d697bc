"""The plan as a value (docs/plan-format.md): what apply will write, entity by entity.

The preview screen and ``ss-tui import --dry-run`` render exactly this; apply writes
exactly this. Decisions staff take in the preview (exclude, conflict choices, target
creator profile, overwrite) are stored on the plan itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, overload

from ss_tui.engine.rows import SIZED, row_version
from ss_tui.values import JSONObject, Row

if TYPE_CHECKING:  # the pure stages do not import the decisions' settings at run time
    from ss_tui.engine.decisions import PlanDecisions


class Action(StrEnum):
    create = "create"
    update = "update"
    unchanged = "unchanged"
    conflict = "conflict"
    delete = "delete"  # a credit Session Studio no longer lists (credits are replaced per owner)

    @property
    def glyph(self) -> str:
        return {"create": "+", "update": "~", "unchanged": "=", "conflict": "!", "delete": "-"}[
            self.value
        ]


_WRITES = frozenset((Action.create, Action.update, Action.delete))


class EntityKind(StrEnum):
    release = "release"
    recording = "recording"
    release_track = "release_track"
    track = "track"  # Jovie's legacy discog_tracks row mirroring a release track
    artist = "artist"
    credit = "credit"
    provider_link = "provider_link"


# Member → plain str: ``.value`` on an enum member is a Python-level property, and the
# counts read it for every entity of every project.
NAME: dict[Action | EntityKind, str] = {m: m.value for m in (*Action, *EntityKind)}


@dataclass(slots=True)
class FieldDiff:
    name: str
    before: object  # a column's value, as read or as planned
    after: object
    locked: bool = False  # a field lock kept the old value
    kept_other_source: bool = False  # another source's value kept (overwrite not chosen)


class CreatedFields(Sequence[FieldDiff]):
    """A created row's field diffs, read off the row itself: every non-empty field but the
    id, from nothing, in the row's column order. The same list the planner built eagerly
    (one ``FieldDiff`` per field of every new row: 1.6 million objects for a first import of
    10,000 tracks, most of them never read; bench/README.md, "plan7 round"), made only
    when something reads it. Planned rows are never changed in place once planned (merges
    and moves copy them), so it reads the same whenever it is read."""

    __slots__ = ("_row",)

    def __init__(self, row: Row) -> None:
        self._row = row

    def _list(self) -> list[FieldDiff]:
        # Hot when a whole plan is rendered: ``is_empty`` inlined, a truthy value taken
        # without a type test.
        return [
            FieldDiff(k, None, v)
            for k, v in self._row.items()
            if v is not None and k != "id" and (v or not isinstance(v, SIZED))
        ]

    def __iter__(self) -> Iterator[FieldDiff]:
        return iter(self._list())

    def __len__(self) -> int:
        return len(self._list())

    def __bool__(self) -> bool:
        return any(
            v is not None and k != "id" and (v or not isinstance(v, SIZED))
            for k, v in self._row.items()
        )

    @overload
    def __getitem__(self, index: int) -> FieldDiff: ...
    @overload
    def __getitem__(self, index: slice) -> list[FieldDiff]: ...
    def __getitem__(self, index: int | slice) -> FieldDiff | list[FieldDiff]:
        return self._list()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CreatedFields | list | tuple):
            return self._list() == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return repr(self._list())


@dataclass(slots=True)
class Conflict:
    reason: str  # human sentence: "UPC 0360… already belongs to release 'X' (creator Y)"
    code: str  # upc_taken | isrc_taken | other_creator | slug_clash | ...
    choices: list[str]  # e.g. ["skip", "link_existing", "drop_identifier", "overwrite"]
    chosen: str | None = None


@dataclass(slots=True)
class EntityChange:
    key: str  # stable id within the plan, e.g. "recording:<ssTrackId>"
    kind: EntityKind
    action: Action
    label: str  # what staff read: title / name (untrusted text: render literally)
    external_id: str | None = None
    row_id: str | None = None  # existing row (update/unchanged) or the id apply will use
    # A created row's: CreatedFields (derived from ``row`` when read).
    fields: Sequence[FieldDiff] = field(default_factory=list)
    conflict: Conflict | None = None
    included: bool = True
    # Read only (a shared empty tuple by default: one empty list per entity was a quarter
    # of a million objects per first import).
    warnings: Sequence[str] = ()
    parent_key: str | None = None  # e.g. a release track's recording
    # What apply writes: the full intended row (column name → value), never a partial one.
    row: Row | None = None
    # The row as the planner saw it (None for a create); apply re-checks it (drift → stale).
    base_row: Row | None = field(default=None, repr=False)
    # A plan loaded from a file keeps only the base row's version (its staleness token).
    base_token: str | None = field(default=None, repr=False)
    base_token_set: bool = field(default=False, repr=False)

    @property
    def writes(self) -> bool:
        return self.included and self.action in _WRITES

    @property
    def base_version(self) -> str | None:
        """The version the row must still have at apply; None: it must still not exist."""
        if self.base_token_set:
            return self.base_token
        return row_version(self.base_row)

    @property
    def has_base(self) -> bool:
        return self.base_version is not None if self.base_token_set else self.base_row is not None


@dataclass(slots=True)
class ProjectPlan:
    project_id: str
    title: str | None
    creator_profile_id: str | None
    entities: list[EntityChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    included: bool = True
    overwrite_other_sources: bool = False
    source_hash: str | None = None  # of the snapshot the plan was made from
    # Data problems found while mapping: {entity, external_id, message, fatal, field}.
    issues: list[JSONObject] = field(default_factory=list)
    # A creator profile apply creates first (none chosen and none remembered for the artist).
    new_creator: Row | None = None
    # Why the project cannot be written as planned (fatal data, unresolved release conflict).
    blocked: str | None = None
    ss_artist_id: str | None = None
    ss_artist_name: str | None = None
    # Same payload as the last clean import and nothing touched since: not re-diffed.
    upstream_unchanged: bool = False
    creator_remembered: bool = False  # the artist → creator assignment is already stored
    # Left out by an import option, not by staff: "include_unreleased" or
    # "include_collaborations" (turning the option on brings it back).
    left_out_by_option: str | None = None
    assignment_changes: bool = False  # the artist was remembered with another creator
    # Tracks not imported, and why: {external_id, title, reason}. Shown in the preview,
    # counted in Progress; their sync errors stay open until the track is imported.
    skipped: list[JSONObject] = field(default_factory=list)

    def not_imported(self) -> set[str]:
        """Session Studio track ids this plan does not write (skipped, excluded, a conflict
        left unwritten): their errors are not "resolved by the import"."""
        out = {s["external_id"] for s in self.skipped}
        for e in self.entities:
            if e.kind is EntityKind.recording and e.external_id and (
                not e.included or e.action is Action.conflict
            ):
                out.add(e.external_id)
        return out

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for e in self.entities:
            if e.included:
                by_action = out.setdefault(NAME[e.kind], {})
                action = NAME[e.action]
                by_action[action] = by_action.get(action, 0) + 1
        return out


@dataclass(slots=True)
class ImportPlan:
    projects: list[ProjectPlan] = field(default_factory=list)
    connection_id: str | None = None
    decisions: PlanDecisions | None = None  # the decisions the plan was built with
    plan_hash: str | None = None  # of the saved file this plan was loaded from

    def totals(self) -> dict[str, int]:
        """Entity counts by action over included projects and entities."""
        out = {a.value: 0 for a in Action}
        for p in self.projects:
            if not p.included:
                continue
            for e in p.entities:
                if e.included:
                    out[e.action.value] += 1
        return out

    def unresolved_conflicts(self) -> list[EntityChange]:
        """Included conflicts of included projects still waiting for staff's choice."""
        return [e for p in self.projects if p.included for e in p.entities
                if e.included and e.conflict is not None and e.conflict.chosen is None]
