"""Browsing projects from the local snapshot (source_snapshots), one page at a time.

The browser never loads the whole catalogue: it asks for a count and a page (LIMIT/OFFSET on
indexed columns), so 100k tracks cost the same as 100 to show and to filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db import upstream
from ss_tui.db.enums import UpstreamState
from ss_tui.queries._tables import LIKE_ESCAPE, like_pattern, table

if TYPE_CHECKING:
    import uuid

    from ss_tui.values import JSONObject

# Browse's import states: the upstream rule's states, "unchanged" shown as "imported" (the
# project is in the discography as Session Studio has it), plus "errors" (a filter only).
IMPORT_STATE_LABELS = {UpstreamState.new: "new", UpstreamState.changed: "changed",
                       UpstreamState.unchanged: "imported"}
IMPORT_STATES = (*IMPORT_STATE_LABELS.values(), "errors")
SORTS = {
    "title": "Title",
    "updated": "Updated upstream",
    "artist": "Artist",
    "release_date": "Release date",
    "tracks": "Track count",
}


@dataclass(frozen=True, slots=True)
class ProjectFilter:
    connection_id: uuid.UUID | None = None  # uuid of ss_connections; None = every account
    search: str = ""
    status: str | None = None  # draft | unreleased | released
    project_type: str | None = None  # single | ep | album | compilation
    artist_id: str | None = None
    import_state: str | None = None  # new | changed | imported | errors
    # own: the account's projects; member: other accounts' projects it is a member of
    membership: str | None = None
    sort: str = "title"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ProjectRow:
    external_id: str
    title: str | None
    artist_name: str | None
    project_type: str | None
    status: str | None
    release_date: date | None
    track_count: int
    upstream_updated_at: datetime | None
    import_state: str  # new | changed | imported
    open_errors: int


@dataclass(slots=True)
class ProjectDetail:
    external_id: str
    payload: JSONObject
    tracks: list[JSONObject] = field(default_factory=list)
    import_state: str = "new"
    open_errors: int = 0


def _errors_subquery() -> sa.Subquery:
    errs = table("sync_errors")
    return (
        sa.select(
            errs.c.project_external_id.label("pid"),
            sa.func.count().label("open_errors"),
        )
        .where(errs.c.status.in_(("open", "retrying")), errs.c.project_external_id.is_not(None))
        .group_by(errs.c.project_external_id)
        .subquery("errs")
    )


def _state_expr(snap: sa.Table) -> sa.ColumnElement[str]:
    """new | changed | imported, by the one "changed upstream" rule (ss_tui/db/upstream.py)."""
    return upstream.state_column(snap, IMPORT_STATE_LABELS)


# SQLAlchemy types the rows of Core tables (``table(...)``) Any: the selects below say so.
def _select(f: ProjectFilter, dialect: str = "") -> sa.Select[Any]:
    """The filtered project rows (unordered)."""
    snap = table("source_snapshots")
    errs = _errors_subquery()
    stmt = (
        sa.select(*_columns(snap, errs))
        .select_from(snap)
        .outerjoin(errs, errs.c.pid == snap.c.external_id)
    )
    return _filtered(stmt, f, snap, errs, dialect)


def _search_clause(snap: sa.Table, f: ProjectFilter, dialect: str) -> sa.ColumnElement[bool]:
    """Title, artist or exact project id. LIKE wildcards the user typed are escaped, so
    "100%" means 100%."""
    text = f.search.strip()
    pattern = like_pattern(text)

    def matches(t: sa.FromClause) -> list[sa.ColumnElement[bool]]:
        return [t.c.title.ilike(pattern, escape=LIKE_ESCAPE),
                t.c.artist_name.ilike(pattern, escape=LIKE_ESCAPE),
                t.c.external_id == text]

    if dialect != "sqlite":
        return sa.or_(*matches(snap))
    # SQLite stores a row's columns in order, and the large payload comes before title and
    # artist_name: testing them row by row walks every row's overflow pages (~100 ms at 10k
    # projects). The (connection, type, title|artist|id) indexes hold those columns, so
    # search the indexes alone and fetch just the matching rows by rowid (~10 ms).
    inner = snap.alias("hit")
    where = [inner.c.entity_type == "project"]
    if f.connection_id is not None:
        where.append(inner.c.connection_id == f.connection_id)
    hits: sa.CompoundSelect[Any] = sa.union_all(
        *(sa.select(sa.literal_column("hit.rowid")).where(*where, m) for m in matches(inner))
    )
    return sa.literal_column("source_snapshots.rowid").in_(hits)


def _filtered(
    stmt: sa.Select[Any], f: ProjectFilter, snap: sa.Table, errs: sa.Subquery | None,
    dialect: str = "",
) -> sa.Select[Any]:
    """``stmt`` narrowed to the filter. ``errs`` is joined in when given (the "errors"
    filter needs it)."""
    stmt = stmt.where(snap.c.entity_type == "project", snap.c.removed_upstream.is_(False))
    if f.connection_id is not None:
        stmt = stmt.where(snap.c.connection_id == f.connection_id)
    if f.search.strip():
        stmt = stmt.where(_search_clause(snap, f, dialect))
    if f.status:
        stmt = stmt.where(snap.c.status == f.status)
    if f.project_type:
        stmt = stmt.where(snap.c.project_type == f.project_type)
    if f.artist_id:
        stmt = stmt.where(snap.c.artist_id == f.artist_id)
    if f.membership:
        member = snap.c.payload["membership"].as_string()
        stmt = stmt.where(
            member == "member" if f.membership == "member" else sa.or_(
                member.is_(None), member != "member"
            )
        )
    if f.import_state == "errors" and errs is not None:
        stmt = stmt.where(errs.c.open_errors > 0)
    elif f.import_state in IMPORT_STATE_LABELS.values():
        stmt = stmt.where(_state_expr(snap) == f.import_state)
    return stmt


def _columns(snap: sa.Table, errs: sa.Subquery) -> list[Any]:
    return [
        snap.c.external_id,
        snap.c.title,
        snap.c.artist_name,
        snap.c.project_type,
        snap.c.status,
        snap.c.release_date,
        snap.c.track_count,
        snap.c.upstream_updated_at,
        _state_expr(snap).label("import_state"),
        sa.func.coalesce(errs.c.open_errors, 0).label("open_errors"),
    ]


def _order(f: ProjectFilter) -> list[sa.ColumnElement[object]]:
    snap = table("source_snapshots")
    col = {
        "title": snap.c.title,
        "updated": snap.c.upstream_updated_at,
        "artist": snap.c.artist_name,
        "release_date": snap.c.release_date,
        "tracks": snap.c.track_count,
    }.get(f.sort, snap.c.title)
    primary = col.desc() if f.descending else col.asc()
    # external_id breaks ties so pages never overlap or skip rows.
    return [primary.nulls_last(), snap.c.external_id]


def _count_stmt(f: ProjectFilter, dialect: str = "") -> sa.Select[Any]:
    """count(*) over the snapshot alone; the errors join only when the filter needs it (it
    never changes the row count: it is grouped by project)."""
    snap = table("source_snapshots")
    stmt = sa.select(sa.func.count()).select_from(snap)
    errs = None
    if f.import_state == "errors":
        errs = _errors_subquery()
        stmt = stmt.join(errs, errs.c.pid == snap.c.external_id)
    return _filtered(stmt, f, snap, errs, dialect)


async def count_projects(engine: AsyncEngine, f: ProjectFilter) -> int:
    stmt = _count_stmt(f, engine.dialect.name)
    async with engine.connect() as conn:
        return int((await conn.execute(stmt)).scalar_one())


async def page_projects(
    engine: AsyncEngine, f: ProjectFilter, *, offset: int = 0, limit: int = 100
) -> list[ProjectRow]:
    stmt = _select(f, engine.dialect.name).order_by(*_order(f)).offset(offset).limit(limit)
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [
        ProjectRow(
            external_id=r.external_id,
            title=r.title,
            artist_name=r.artist_name,
            project_type=r.project_type,
            status=r.status,
            release_date=r.release_date,
            track_count=int(r.track_count or 0),
            upstream_updated_at=r.upstream_updated_at,
            import_state=r.import_state,
            open_errors=int(r.open_errors or 0),
        )
        for r in rows
    ]


async def project_detail(
    engine: AsyncEngine, connection_id: uuid.UUID | None, external_id: str
) -> ProjectDetail | None:
    """The snapshot payload of one project plus its tracks' payloads (if snapshotted apart),
    its import state and its open sync errors (the same rules as the browser's rows)."""
    snap, errs = table("source_snapshots"), table("sync_errors")
    where = [snap.c.external_id == external_id, snap.c.entity_type == "project"]
    if connection_id is not None:
        where.append(snap.c.connection_id == connection_id)
    open_errors = (
        sa.select(sa.func.count())
        .where(errs.c.project_external_id == external_id,
               errs.c.status.in_(("open", "retrying")))
        .scalar_subquery()
    )
    state = _state_expr(snap)
    stmt = (
        sa.select(snap.c.payload, state.label("import_state"), open_errors.label("open_errors"))
        .where(*where)
        .limit(1)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(stmt)).first()
        if row is None:
            return None
        payload = row.payload if isinstance(row.payload, dict) else {}
        tracks = list(payload.get("tracks") or [])
        if not tracks:
            twhere = [snap.c.project_external_id == external_id, snap.c.entity_type == "track"]
            if connection_id is not None:
                twhere.append(snap.c.connection_id == connection_id)
            trows = (await conn.execute(sa.select(snap.c.payload).where(*twhere))).all()
            tracks = [t.payload for t in trows if isinstance(t.payload, dict)]
    return ProjectDetail(external_id=external_id, payload=payload, tracks=tracks,
                         import_state=row.import_state, open_errors=int(row.open_errors or 0))


async def artists(
    engine: AsyncEngine, connection_id: uuid.UUID | None, limit: int = 500
) -> list[tuple[str, str]]:
    """(artist_id, artist_name) present in the snapshot, for the artist filter."""
    snap = table("source_snapshots")
    stmt = (
        sa.select(snap.c.artist_id, sa.func.max(snap.c.artist_name).label("name"))
        .where(snap.c.entity_type == "project", snap.c.artist_id.is_not(None))
        .group_by(snap.c.artist_id)
        .order_by(sa.text("name"))
        .limit(limit)
    )
    if connection_id is not None:
        stmt = stmt.where(snap.c.connection_id == connection_id)
    async with engine.connect() as conn:
        return [(r.artist_id, r.name or r.artist_id) for r in (await conn.execute(stmt)).all()]
