"""Write a plan: one transaction per project, bulk dialect upserts keyed on the schema's
unique constraints, after re-checking that every row the plan read is still as it was."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.db.engine import UpsertInsert, dialect_insert
from ss_tui.db.enums import ItemStatus
from ss_tui.db.types import utcnow
from ss_tui.engine.bulk import (
    Batch,
    compiled_insert,
    compiled_insert_ignore,
    compiled_upsert,
    execute_batches,
    exists_probes,
    upsert_statement,
)
from ss_tui.engine.plan_types import NAME, Action, EntityChange, EntityKind, ProjectPlan
from ss_tui.engine.rows import (
    KIND_TABLE,
    T_ARTIST,
    T_ARTIST_IDENTITY,
    T_ASSIGNMENT,
    T_CREATOR,
    T_LINK,
    T_RECORDING,
    T_RECORDING_ARTIST,
    T_RELEASE,
    T_RELEASE_ARTIST,
    T_RELEASE_TRACK,
    T_TRACK,
    T_TRACK_ARTIST,
    artist_ssid,
    as_uuid,
    row_id,
    row_version,
    stable_id,
)
from ss_tui.values import Row


@dataclass(slots=True)
class ApplyResult:
    status: ItemStatus
    written: dict[str, dict[str, int]] = field(default_factory=dict)
    tables: dict[str, dict[str, int]] = field(default_factory=dict)  # table → action → rows
    release_id: uuid.UUID | None = None
    message: str | None = None
    then_done: bool = False  # apply_project's ``then`` statement ran with the rows

    @property
    def rows_written(self) -> int:
        return sum(n for by_action in self.written.values() for n in by_action.values())


class Stale(Exception):
    """A row the plan read has changed since: the project must be previewed again."""


def entity_table(e: EntityChange) -> sa.Table:
    if e.kind == EntityKind.credit:
        row = e.row or {}
        if "release_id" in row:
            return T_RELEASE_ARTIST
        if "track_id" in row and T_TRACK_ARTIST is not None:
            return T_TRACK_ARTIST
        return T_RECORDING_ARTIST
    return KIND_TABLE[e.kind]


def _insert(conn: AsyncConnection, table: sa.Table) -> UpsertInsert:
    return dialect_insert(conn.dialect.name, table)


def _full_row(table: sa.Table, row: Row, now: datetime) -> Row:
    out = {c.name: row.get(c.name) for c in table.columns}
    out["created_at"] = row.get("created_at") or now
    if "updated_at" in table.c:  # Jovie's credit tables have created_at only
        out["updated_at"] = now  # set explicitly: upserts bypass ORM onupdate
    return out


async def upsert(
    conn: AsyncConnection,
    table: sa.Table,
    rows: list[Row],
    target: list[str],
    *,
    where: str | None = None,
    now: datetime,
) -> None:
    """``INSERT … ON CONFLICT (<unique key>) DO UPDATE`` for a batch of full rows."""
    if not rows:
        return
    key = (conn.dialect.name, table.name, tuple(target), where)
    stmt = _UPSERTS.get(key)
    if stmt is None:  # building ON CONFLICT … excluded.* is costly: once per shape
        stmt = _UPSERTS[key] = upsert_statement(conn.dialect.name, table, target, where)
    await conn.execute(stmt, [_full_row(table, r, now) for r in rows])


_UPSERTS: dict[tuple[Any, ...], Any] = {}


class Writer:
    """A project's writes in order, as precompiled batches (see :mod:`ss_tui.engine.bulk`):
    on SQLite in one trip to the driver's thread, on PostgreSQL one ``executemany`` each
    straight to the driver; through SQLAlchemy's statements for a driver whose parameters
    are not positional."""

    def __init__(self, conn: AsyncConnection, now: datetime) -> None:
        self.conn = conn
        self.now = now
        # Compiling an upsert and binding every row through SQLAlchemy cost a seventh of
        # apply's time on PostgreSQL (bench/README.md, figure 2 profile).
        self.fast = bool(conn.dialect.positional)
        self.pending: list[tuple[str, list[tuple[Any, ...]]]] = []
        self.probes: list[tuple[str, list[Any]]] = []
        self.wrote = False

    async def upsert(
        self,
        table: sa.Table,
        rows: list[Row],
        target: list[str],
        where: str | None = None,
    ) -> None:
        if not rows:
            return
        if not self.fast:
            await upsert(self.conn, table, rows, target, where=where, now=self.now)
            return
        comp = compiled_upsert(self.conn.dialect, table, target, where)
        self.pending.append((comp.sql, comp.params(rows, self.now)))

    async def insert_ignore(
        self, table: sa.Table, rows: list[Row], target: list[str]
    ) -> None:
        """``INSERT … ON CONFLICT DO NOTHING`` (rows that may exist already)."""
        if not self.fast:
            stmt = _insert(self.conn, table).on_conflict_do_nothing(index_elements=target)
            await self.conn.execute(stmt, [_full_row(table, r, self.now) for r in rows])
            return
        comp = compiled_insert_ignore(self.conn.dialect, table, target)
        self.pending.append((comp.sql, comp.params(rows, self.now)))

    def insert(self, table: sa.Table, rows: list[Row]) -> None:
        """A plain ``INSERT`` of rows checked absent (see :meth:`probe`): a clash on another
        unique key is refused, not merged into the row that holds it."""
        assert self.fast
        comp = compiled_insert(self.conn.dialect, table)
        self.pending.append((comp.sql, comp.params(rows, self.now)))

    def probe(self, ids: dict[sa.Table, list[uuid.UUID]]) -> None:
        """Write nothing if any of these rows exists (asked before the first write)."""
        assert not self.wrote and self.fast  # before every batch, and batches only
        self.probes.extend(exists_probes(self.conn.dialect, ids))

    async def execute(self, stmt: sa.Executable) -> None:
        assert not self.probes, "an optimistic write is batches only"
        await self.flush()
        self.wrote = True
        await self.conn.execute(stmt)

    async def flush(self) -> bool:
        """Send what is pending; False if a probe found a row (nothing written)."""
        batches, self.pending = self.pending, []
        probes, self.probes = self.probes, []
        ok = await execute_batches(self.conn, batches, probes)
        self.wrote = self.wrote or ok
        return ok


class PlanVersions:
    """Every state a row takes anywhere in a plan: when the same plan is applied again, a row
    a later project already moved on is as planned, not drifted. Built on first use only."""

    def __init__(self, projects: list[ProjectPlan]) -> None:
        self._projects = projects
        self._index: dict[uuid.UUID, set[str]] | None = None

    def get(self, rid: uuid.UUID) -> set[str]:
        if self._index is None:
            self._index = defaultdict(set)
            for p in self._projects:
                for e in p.entities:
                    if e.included and e.row is not None and e.action != Action.delete:
                        self._index[row_id(e.row["id"])].add(row_version(e.row))
        return self._index.get(rid, set())


def plan_versions(projects: list[ProjectPlan]) -> PlanVersions:
    return PlanVersions(projects)


async def reconcile(
    conn: AsyncConnection,
    pp: ProjectPlan,
    known: PlanVersions | None = None,
) -> set[str]:
    """Compare the database with the plan, row by row. Returns the keys of entities already
    as planned (a plan applied twice writes nothing the second time); raises :class:`Stale`
    if a row the plan was based on changed (or appeared) since planning."""
    # Several entities can touch one row (a recording two tracks share): the first says what
    # the database must hold now, the last what it will hold.
    wanted: dict[str, dict[uuid.UUID, list[EntityChange]]] = defaultdict(dict)
    tables: dict[str, sa.Table] = {}
    for e in pp.entities:
        if e.included and e.row is not None and e.action != Action.conflict:
            table = entity_table(e)
            tables[table.name] = table
            wanted[table.name].setdefault(row_id(e.row["id"]), []).append(e)
    # Rows the project does not write cannot be overwritten: no need to re-check them.
    for name in list(wanted):
        wanted[name] = {rid: ch for rid, ch in wanted[name].items() if any(c.writes for c in ch)}
    # Rows the plan creates are usually absent: one existence query for all of them; full
    # rows are read only where something exists (an update, or a plan applied before).
    creates_only = {
        name
        for name, expected in wanted.items()
        if expected and all(not c.has_base for ch in expected.values() for c in ch)
    }
    existing_tables = set(wanted) - creates_only
    probes = [
        sa.select(sa.literal(name).label("t"), tables[name].c.id).where(
            tables[name].c.id.in_(list(wanted[name]))
        )
        for name in sorted(creates_only)
        if len(wanted[name]) <= 500
    ]
    existing_tables |= {n for n in creates_only if len(wanted[n]) > 500}
    if probes:
        hits = await conn.execute(sa.union_all(*probes) if len(probes) > 1 else probes[0])
        existing_tables |= {row[0] for row in hits.all()}
    done: set[str] = set()
    for name, expected in wanted.items():
        table = tables[name]
        ids = list(expected)
        found: dict[uuid.UUID, str | None] = {}
        if name in existing_tables:
            for i in range(0, len(ids), 500):
                stmt = sa.select(table).where(table.c.id.in_(ids[i : i + 500]))
                for r in (await conn.execute(stmt)).all():
                    found[r.id] = row_version(dict(r._mapping))
        for rid, changes in expected.items():
            first, last = changes[0], changes[-1]
            current = found.get(rid)
            base = first.base_version
            keys = {c.key for c in changes}
            if last.action == Action.delete:
                if current is None:
                    done |= keys
                elif current != base:
                    raise Stale(f"A {name} row ({rid}) changed since the preview")
                continue
            if current is not None and current == row_version(last.row):
                done |= keys  # already exactly as planned
            elif current == base:
                continue  # as previewed: write it
            elif current is not None and known is not None and current in known.get(rid):
                done |= keys  # a later project of this plan already moved it on
            else:
                what = (
                    "was removed"
                    if current is None
                    else "appeared"
                    if not first.has_base
                    else "changed"
                )
                raise Stale(f"A {name} row ({rid}) {what} since the preview")
    return done


def _unique_keys(table: sa.Table) -> list[tuple[str, ...]]:
    """The table's unique rules other than its primary key, as column-name tuples."""
    keys = [tuple(c.name for c in ix.columns) for ix in table.indexes if ix.unique]
    keys += [
        tuple(c.name for c in uc.columns)
        for uc in table.constraints
        if isinstance(uc, sa.UniqueConstraint)
    ]
    return [k for k in keys if k != ("id",)]


async def identifier_taken(conn: AsyncConnection, pp: ProjectPlan) -> str | None:
    """The plan's claim "no other row holds this identifier" (an ISRC, a UPC, a slug), checked
    again: why a row it writes would now collide with one added since planning, or None.
    Asked only when the database refused a write (docs/plan-format.md)."""
    for e in pp.entities:
        if not (e.included and e.writes and e.row is not None) or e.action == Action.delete:
            continue
        table = entity_table(e)
        rid = as_uuid(e.row["id"])
        for cols in _unique_keys(table):
            values = [e.row.get(c) for c in cols]
            if any(v is None for v in values) or any(c not in table.c for c in cols):
                continue
            stmt = (
                sa.select(table.c.id)
                .where(*(table.c[c] == v for c, v in zip(cols, values, strict=True)))
                .where(table.c.id != rid)
                .limit(1)
            )
            if (await conn.execute(stmt)).first() is not None:
                what = ", ".join(f"{c} {v}" for c, v in zip(cols, values, strict=True)
                                 if not c.endswith("_id"))
                return (
                    f"Another {table.name} row with {what or ', '.join(cols)} was added since "
                    "the preview: plan this project again"
                )
    return None


async def _park_moved(w: Writer, table: sa.Table, moved: list[uuid.UUID]) -> None:
    """Tracks that change position step aside first so swaps never collide."""
    await w.execute(
        sa.update(table)
        .where(table.c.id.in_(moved))
        .values(track_number=-table.c.track_number - 1_000_000)
    )


async def apply_project(
    conn: AsyncConnection,
    pp: ProjectPlan,
    *,
    connection_id: uuid.UUID | str | None = None,
    now: datetime | None = None,
    known_versions: PlanVersions | None = None,
    then: Callable[[ApplyResult], Batch] | None = None,
) -> ApplyResult:
    """Write one project's plan inside the caller's transaction. ``then``: a statement for
    the same trip as the rows when the project is written by the SQLite fast path
    (``ApplyResult.then_done`` says whether it ran)."""
    now = now or utcnow()
    if not pp.included:
        return ApplyResult(ItemStatus.excluded)
    if pp.blocked:
        return ApplyResult(ItemStatus.failed, message=pp.blocked)
    release_id = _release_id(pp)
    if conn.dialect.name == "sqlite" and _creates_only(pp):
        # The common case (a new project): the re-check is "none of these rows exists yet",
        # asked in the same trip as the writes; anything found → the full re-check below.
        def after(written: dict[str, dict[str, int]]) -> Batch | None:
            if then is None:
                return None
            return then(ApplyResult(ItemStatus.applied, written=written, release_id=release_id))

        out = await _write(conn, pp, set(), connection_id, now, optimistic=True, then=after)
        if out is not None:
            return ApplyResult(
                ItemStatus.applied, written=out[0], tables=out[1], release_id=release_id,
                then_done=then is not None,
            )
    done = await reconcile(conn, pp, known_versions)
    if not any(e.writes and e.key not in done for e in pp.entities):
        return ApplyResult(ItemStatus.unchanged, release_id=release_id)
    out = await _write(conn, pp, done, connection_id, now)
    assert out is not None
    return ApplyResult(ItemStatus.applied, written=out[0], tables=out[1], release_id=release_id)


async def apply_new_projects(
    conn: AsyncConnection,
    projects: list[ProjectPlan],
    *,
    connection_id: uuid.UUID | str | None = None,
    now: datetime | None = None,
    then: Callable[[list[tuple[ProjectPlan, ApplyResult]]], list[Batch]] | None = None,
) -> list[ApplyResult] | None:
    """Write several new projects (each :func:`_creates_only`, none sharing a row with
    another) inside the caller's transaction: one statement per table for all of them,
    after one check that none of their rows exists yet (the plan's claim for a created
    row). None: one does, and nothing was written (apply them one by one instead).
    ``then``: statements for the same trip, given each project's result."""
    now = now or utcnow()
    total = Writes()
    results: list[ApplyResult] = []
    for pp in projects:
        one = collect(pp, set(), connection_id)
        total.extend(one)
        results.append(
            ApplyResult(
                ItemStatus.applied, written=one.written, tables=one.tables,
                release_id=_release_id(pp),
            )
        )
    w = Writer(conn, now)
    w.probe(total.ids)
    await _emit(w, total, new=True)
    if then is not None:
        w.pending.extend(then(list(zip(projects, results, strict=True))))
    if not await w.flush():
        return None
    return results


def _release_id(pp: ProjectPlan) -> uuid.UUID | None:
    release = next((e for e in pp.entities if e.kind == EntityKind.release and e.row), None)
    return as_uuid(release.row["id"]) if release and release.row else None


def _creates_only(pp: ProjectPlan) -> bool:
    """Every row the project writes is new (no row it read is rewritten or removed)."""
    writes = [e for e in pp.entities if e.writes and e.row is not None]
    return bool(writes) and all(e.action == Action.create and not e.has_base for e in writes)


@dataclass(frozen=True, slots=True)
class _Step:
    key: str  # the table's name; provider links are written once per owner column
    table: sa.Table
    target: list[str]  # the conflict target (a unique key)
    upsert: bool = True  # else INSERT … ON CONFLICT DO NOTHING


# Parents before the rows that reference them; one statement per step.
_STEPS: tuple[_Step, ...] = (
    _Step(T_CREATOR.name, T_CREATOR, ["id"], upsert=False),
    # Remembered per artist: a project sent to another creator moves the memory along.
    _Step(T_ASSIGNMENT.name, T_ASSIGNMENT, ["connection_id", "ss_artist_id"]),
    _Step(T_ARTIST.name, T_ARTIST, ["id"]),
    _Step(T_ARTIST_IDENTITY.name, T_ARTIST_IDENTITY, ["ss_artist_id"], upsert=False),
    _Step(T_RELEASE.name, T_RELEASE, ["creator_profile_id", "slug"]),
    _Step(T_RECORDING.name, T_RECORDING, ["creator_profile_id", "slug"]),
    _Step(T_RELEASE_ARTIST.name, T_RELEASE_ARTIST, ["release_id", "artist_id", "role"]),
    _Step(T_RECORDING_ARTIST.name, T_RECORDING_ARTIST, ["recording_id", "artist_id", "role"]),
    _Step(T_RELEASE_TRACK.name, T_RELEASE_TRACK, ["release_id", "slug"]),
    _Step(T_TRACK.name, T_TRACK, ["release_id", "slug"]),
    *(
        (_Step(T_TRACK_ARTIST.name, T_TRACK_ARTIST, ["track_id", "artist_id", "role"]),)
        if T_TRACK_ARTIST is not None
        else ()
    ),
    _Step(f"{T_LINK.name}:release_id", T_LINK, ["provider_id", "release_id"]),
    _Step(f"{T_LINK.name}:release_track_id", T_LINK, ["provider_id", "release_track_id"]),
)
_LINK_OWNERS = ("release_id", "release_track_id")
_POSITION = frozenset(("track_number", "disc_number"))
_NUMBERED = (T_RELEASE_TRACK, T_TRACK)  # rows with a position that may move


@dataclass(slots=True)
class Writes:
    """What a project (or several) writes: rows per step of :data:`_STEPS`, rows removed or
    moved aside before their step, and what they count as."""

    rows: dict[str, list[Row]] = field(default_factory=dict)  # step key → rows, in order
    deletes: dict[str, list[uuid.UUID]] = field(default_factory=dict)  # table → ids
    moved: dict[str, list[uuid.UUID]] = field(default_factory=dict)  # table → ids
    ids: dict[sa.Table, list[uuid.UUID]] = field(default_factory=dict)  # entity rows written
    written: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → action → n
    tables: dict[str, dict[str, int]] = field(default_factory=dict)  # table → action → n

    def count(self, table: str, action: str) -> None:
        by = self.tables.setdefault(table, {"create": 0, "update": 0, "delete": 0})
        by[action] += 1

    def extend(self, other: Writes) -> None:
        """Add another project's rows (counts stay per project: see ``collect``)."""
        for key, rows in other.rows.items():
            self.rows.setdefault(key, []).extend(rows)
        for key, ids in other.deletes.items():
            self.deletes.setdefault(key, []).extend(ids)
        for key, ids in other.moved.items():
            self.moved.setdefault(key, []).extend(ids)
        for table, ids in other.ids.items():
            self.ids.setdefault(table, []).extend(ids)


def collect(
    pp: ProjectPlan, done: set[str], connection_id: uuid.UUID | str | None
) -> Writes:
    """The project's rows not in ``done``, by write step, with their counts."""
    out = Writes()
    rows = out.rows
    if pp.new_creator:
        rows[T_CREATOR.name] = [pp.new_creator]
        out.count(T_CREATOR.name, "create")
    if (
        connection_id is not None
        and pp.ss_artist_id
        and pp.creator_profile_id
        and not pp.creator_remembered
    ):
        rows[T_ASSIGNMENT.name] = [{
            "id": stable_id("assignment", connection_id, pp.ss_artist_id),
            "connection_id": as_uuid(connection_id),
            "ss_artist_id": pp.ss_artist_id,
            "ss_artist_name": pp.ss_artist_name,
            "creator_profile_id": as_uuid(pp.creator_profile_id),
        }]
        out.count(T_ASSIGNMENT.name, "update" if pp.assignment_changes else "create")
    for e in pp.entities:
        if not e.writes or e.row is None or e.key in done:
            continue
        table = entity_table(e)
        kind, action = out.written.setdefault(NAME[e.kind], {}), NAME[e.action]
        kind[action] = kind.get(action, 0) + 1
        out.count(table.name, action)
        row = e.row
        if e.action == Action.delete:
            out.deletes.setdefault(table.name, []).append(row_id(row["id"]))
            continue
        out.ids.setdefault(table, []).append(row_id(row["id"]))
        if table is T_LINK:
            for col in _LINK_OWNERS:
                if row.get(col) is not None:
                    rows.setdefault(f"{T_LINK.name}:{col}", []).append(row)
            continue
        rows.setdefault(table.name, []).append(row)
        if table is T_ARTIST and (ssid := artist_ssid(row)):
            rows.setdefault(T_ARTIST_IDENTITY.name, []).append(
                {"ss_artist_id": ssid, "artist_id": as_uuid(row["id"])}
            )
        elif table in _NUMBERED and e.action == Action.update and any(
            f.name in _POSITION for f in e.fields
        ):
            out.moved.setdefault(table.name, []).append(row_id(row["id"]))
    return out


async def _emit(w: Writer, writes: Writes, *, new: bool = False) -> None:
    """Send ``writes`` step by step. ``new``: the entity rows were checked absent, so they
    are plain inserts (cheaper for the database than an upsert's conflict check)."""
    for step in _STEPS:
        table = step.table
        if gone := writes.deletes.get(step.key):
            await w.execute(sa.delete(table).where(table.c.id.in_(gone)))
        if moved := writes.moved.get(step.key):
            await _park_moved(w, table, moved)
        if rows := writes.rows.get(step.key):
            if new and step.upsert and step.table is not T_ASSIGNMENT:
                w.insert(table, rows)
            elif step.upsert:
                await w.upsert(table, rows, step.target)
            else:
                await w.insert_ignore(table, rows, step.target)


async def _write(
    conn: AsyncConnection,
    pp: ProjectPlan,
    done: set[str],
    connection_id: uuid.UUID | str | None,
    now: datetime,
    *,
    optimistic: bool = False,
    then: Callable[[dict[str, dict[str, int]]], Batch | None] | None = None,
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]] | None:
    """Write the project's rows not in ``done``; the rows written by kind and by table.
    ``optimistic``: only if none of the rows exists yet (None otherwise, nothing written)."""
    writes = collect(pp, done, connection_id)
    w = Writer(conn, now)
    if optimistic:
        w.probe(writes.ids)
    await _emit(w, writes)
    extra = then(writes.written) if then is not None else None
    if extra is not None:
        w.pending.append(extra)
    if not await w.flush():
        return None
    return writes.written, writes.tables
