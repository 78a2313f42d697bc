"""source_snapshots: the last raw payload of every project and track, with the denormalized
columns the dashboard's browser pages, filters and sorts on."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.db import schema
from ss_tui.db.types import utcnow
from ss_tui.engine.bulk import upsert_statement
from ss_tui.engine.transform import project_hashes
from ss_tui.heap import collector_paused
from ss_tui.values import JSONObject, Row

T_SNAP = schema.SourceSnapshot.__table__
_SNAP_UPSERTS: dict[str, sa.Insert] = {}


def _parse_dt(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _parse_date(value: object) -> date | None:
    dt = None
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value[:10]).date()
        except ValueError:
            dt = None
    return dt


def project_rows(
    connection_id: uuid.UUID, payload: JSONObject, now: datetime
) -> list[Row]:
    """Snapshot rows for a project payload and each of its tracks."""
    pid = str(payload.get("id"))
    listed = payload.get("tracks")
    tracks: list[object] = listed if isinstance(listed, list) else []
    project_hash, track_hashes = project_hashes(payload)
    rows: list[Row] = [
        {
            "entity_type": "project",
            "external_id": pid,
            "project_external_id": None,
            "payload": payload,
            "title": _str(payload.get("title")),
            "status": _str(payload.get("status")),
            "project_type": _str(payload.get("type")),
            "artist_id": _str(payload.get("artistId")),
            "artist_name": _str(payload.get("artistName")),
            "release_date": _parse_date(payload.get("releaseDate")),
            "track_count": len(tracks),
            "upstream_updated_at": _parse_dt(payload.get("updatedAt")),
            "hash": project_hash,
        }
    ]
    for t, track_hash in zip(tracks, track_hashes, strict=True):
        if not isinstance(t, dict):
            continue
        rows.append(
            {
                "entity_type": "track",
                "external_id": str(t.get("id")),
                "project_external_id": pid,
                "payload": t,
                "title": _str(t.get("title")),
                "status": _str(payload.get("status")),
                "project_type": _str(payload.get("type")),
                "artist_id": _str(t.get("artistId") or payload.get("artistId")),
                "artist_name": _str(t.get("artistName") or payload.get("artistName")),
                "release_date": _parse_date(t.get("releaseDate") or payload.get("releaseDate")),
                "track_count": None,
                "upstream_updated_at": _parse_dt(t.get("updatedAt")),
                "hash": track_hash,
            }
        )
    for r in rows:
        r.update(
            {
                "id": uuid.uuid4(),
                "connection_id": connection_id,
                "etag": None,
                "fetched_at": now,
                "removed_upstream": False,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def _str(value: object) -> str | None:
    return None if value is None else str(value)


async def save_snapshots(
    conn: AsyncConnection, connection_id: uuid.UUID, payloads: Iterable[JSONObject]
) -> dict[str, str]:
    """Upsert snapshots; returns per project whether it is ``new``/``changed``/``unchanged``
    compared with the previous snapshot."""
    changes, _ = await save_snapshots_hashed(conn, connection_id, payloads)
    return changes


async def save_snapshots_hashed(
    conn: AsyncConnection, connection_id: uuid.UUID, payloads: Iterable[JSONObject]
) -> tuple[dict[str, str], dict[str, str]]:
    """:func:`save_snapshots`, and the hash stored with each project's payload (its
    ``payload_hash``): planning the payloads just saved need not hash them again."""
    with collector_paused():  # a row (and its payload) per project and per track
        return await _save_snapshots(conn, connection_id, payloads)


async def _save_snapshots(
    conn: AsyncConnection, connection_id: uuid.UUID, payloads: Iterable[JSONObject]
) -> tuple[dict[str, str], dict[str, str]]:
    now = utcnow()
    rows = [r for p in payloads for r in project_rows(connection_id, p, now)]
    if not rows:
        return {}, {}
    pids = [r["external_id"] for r in rows if r["entity_type"] == "project"]
    before: dict[str, str] = {}
    for i in range(0, len(pids), 500):
        stmt = sa.select(T_SNAP.c.external_id, T_SNAP.c.hash).where(
            T_SNAP.c.connection_id == connection_id,
            T_SNAP.c.entity_type == "project",
            T_SNAP.c.external_id.in_(pids[i : i + 500]),
        )
        before.update({e: h for e, h in (await conn.execute(stmt)).all()})
    upsert = _SNAP_UPSERTS.get(conn.dialect.name)
    if upsert is None:  # building ON CONFLICT … excluded.* is costly: once per dialect
        upsert = _SNAP_UPSERTS[conn.dialect.name] = upsert_statement(
            conn.dialect.name, T_SNAP, ["connection_id", "entity_type", "external_id"], None
        )
    for i in range(0, len(rows), 500):
        await conn.execute(upsert, rows[i : i + 500])
    changes, hashes = {}, {}
    for r in rows:
        if r["entity_type"] == "project":
            old = before.get(r["external_id"])
            hashes[r["external_id"]] = r["hash"]
            changes[r["external_id"]] = (
                "new" if old is None else "unchanged" if old == r["hash"] else "changed"
            )
    return changes, hashes


async def mark_removed(
    conn: AsyncConnection, connection_id: uuid.UUID, seen_project_ids: set[str]
) -> list[str]:
    """After a full listing: projects (and their tracks) Session Studio no longer has."""
    stmt = sa.select(T_SNAP.c.external_id).where(
        T_SNAP.c.connection_id == connection_id,
        T_SNAP.c.entity_type == "project",
        T_SNAP.c.removed_upstream.is_(False),
    )
    gone = [e for (e,) in (await conn.execute(stmt)).all() if e not in seen_project_ids]
    for i in range(0, len(gone), 500):
        chunk = gone[i : i + 500]
        await conn.execute(
            sa.update(T_SNAP)
            .where(
                T_SNAP.c.connection_id == connection_id,
                sa.or_(
                    sa.and_(T_SNAP.c.entity_type == "project", T_SNAP.c.external_id.in_(chunk)),
                    T_SNAP.c.project_external_id.in_(chunk),
                ),
            )
            .values(removed_upstream=True, updated_at=utcnow())
        )
    return gone


async def load_projects(
    conn: AsyncConnection, connection_id: uuid.UUID, project_ids: list[str]
) -> dict[str, JSONObject]:
    """Raw project payloads (tracks included) from the snapshots."""
    payloads, _ = await load_projects_hashed(conn, connection_id, project_ids)
    return payloads


async def load_projects_hashed(
    conn: AsyncConnection, connection_id: uuid.UUID, project_ids: list[str]
) -> tuple[dict[str, JSONObject], dict[str, str]]:
    """:func:`load_projects`, and the ``hash`` stored with each payload (its payload_hash,
    computed when it was saved: a plan's source hash need not serialise it again). The
    payloads are decoded with the collector paused, as a fetched page is (ss_tui/heap.py)."""
    with collector_paused():
        return await _load_projects_hashed(conn, connection_id, project_ids)


async def _load_projects_hashed(
    conn: AsyncConnection, connection_id: uuid.UUID, project_ids: list[str]
) -> tuple[dict[str, JSONObject], dict[str, str]]:
    payloads: dict[str, JSONObject] = {}
    hashes: dict[str, str] = {}
    for i in range(0, len(project_ids), 500):
        stmt = sa.select(T_SNAP.c.external_id, T_SNAP.c.payload, T_SNAP.c.hash).where(
            T_SNAP.c.connection_id == connection_id,
            T_SNAP.c.entity_type == "project",
            T_SNAP.c.external_id.in_(project_ids[i : i + 500]),
        )
        for external_id, payload, hashed in (await conn.execute(stmt)).all():
            payloads[external_id], hashes[external_id] = payload, hashed
    return payloads, hashes

