"""Seed a real SQLite database with what the dashboard reads: a connection, project
snapshots, runs, items and sync errors. Tests write rows directly; the app never does."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db import schema

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
TYPES = ("single", "ep", "album", "compilation")
STATUSES = ("released", "unreleased", "draft")
EVIL_TITLES = ("[bold red]Boom[/]", "[/]", "[link=https://x.test]click[/link]",
               "\x1b[31mRed\x1b[0m alert")


@dataclass
class Seeded:
    connection_id: uuid.UUID
    project_ids: list[str] = field(default_factory=list)
    run_id: uuid.UUID | None = None
    error_ids: list[uuid.UUID] = field(default_factory=list)


def project_payload(i: int, *, title: str | None = None, tracks: int = 3) -> dict[str, Any]:
    pid = f"prj_{i:06d}"
    artist = f"art_{i % 7:03d}"
    artist_name = f"Artist {i % 7}"
    collab = {"id": f"col_{i}", "name": f"Writer {i}", "role": "composer",
              "ipi": None, "isni": None}
    return {
        "id": pid,
        "title": title if title is not None else f"Project {i:05d}",
        "type": TYPES[i % 4],
        "status": STATUSES[i % 3],
        "releaseDate": (date(2024, 1, 1) + timedelta(days=i % 365)).isoformat(),
        "upc": None,
        "label": "Demo Label",
        "artistId": artist,
        "artistName": artist_name,
        "updatedAt": (T0 - timedelta(minutes=i)).isoformat(),
        "tracks": [
            {
                "id": f"trk_{i:06d}_{n}",
                "title": (title if title is not None and n == 1 else f"Track {n} of {i}"),
                "trackNumber": n,
                "artistName": artist_name,
                "isrc": f"USAAA{(i * 10 + n) % 10**7:07d}",
                "durationMs": 180000 + n * 1000,
                "isExplicit": n == 2,
                "collaborators": [collab],
                "stems": [{"id": f"stm_{i}_{n}", "name": "Lead vocal", "type": "vocals",
                           "url": None}],
                "splits": [{"collaboratorId": f"col_{i}", "share": 100}],
            }
            for n in range(1, tracks + 1)
        ],
    }


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(schema.Base.metadata.create_all)


async def seed(
    engine: AsyncEngine,
    *,
    projects: int = 50,
    tracks_per_project: int = 3,
    titles: dict[int, str] | None = None,
    errors: int = 3,
    runs: int = 1,
    imported: int = 0,
    account_name: str = "Demo Label",
    connection_status: str = "connected",
) -> Seeded:
    titles = titles or {}
    rng = random.Random(projects * 31 + errors)  # stable ids: snapshots show some of them

    def new_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    conn_id = new_id()
    out = Seeded(connection_id=conn_id)
    snaps = []
    hashes: dict[str, str] = {}
    for i in range(projects):
        payload = project_payload(i, title=titles.get(i), tracks=tracks_per_project)
        out.project_ids.append(payload["id"])
        raw = json.dumps(payload, sort_keys=True).encode()
        hashes[payload["id"]] = hashlib.sha256(raw).hexdigest()
        snaps.append({
            "id": new_id(), "connection_id": conn_id, "entity_type": "project",
            "external_id": payload["id"], "project_external_id": None, "payload": payload,
            "hash": hashes[payload["id"]],
            "etag": None, "fetched_at": T0, "upstream_updated_at": T0 - timedelta(minutes=i),
            "removed_upstream": False, "title": payload["title"], "status": payload["status"],
            "project_type": payload["type"], "artist_id": payload["artistId"],
            "artist_name": payload["artistName"],
            "release_date": date.fromisoformat(payload["releaseDate"]),
            "track_count": tracks_per_project,
        })
    async with engine.begin() as conn:
        await conn.execute(sa.insert(schema.SSConnection.__table__).values(
            id=conn_id, account_id="acct_demo", account_name=account_name,
            base_url="http://sim.test/v1", scopes="projects:read tracks:read",
            status=connection_status, last_sync_at=T0 - timedelta(hours=2),
        ))
        for start in range(0, len(snaps), 5000):
            batch = snaps[start:start + 5000]
            await conn.execute(sa.insert(schema.SourceSnapshot.__table__), batch)
        for r in range(runs):
            run_id = new_id()
            out.run_id = run_id
            await conn.execute(sa.insert(schema.ImportRun.__table__).values(
                id=run_id, connection_id=conn_id, started_by="alice",
                options={"project_ids": out.project_ids[:imported], "dry_run": False},
                status="partial" if errors else "succeeded", dry_run=False,
                started_at=T0 - timedelta(days=r, minutes=5), finished_at=T0 - timedelta(days=r),
                counts={"items": {"applied": imported},
                        "written": {"release": imported,
                                    "recording": imported * tracks_per_project},
                        "errors": errors},
                api_requests=12,
            ))
        if out.run_id is not None:
            for pid in out.project_ids[:imported]:
                await conn.execute(sa.insert(schema.ImportItem.__table__).values(
                    id=new_id(), run_id=out.run_id, project_external_id=pid,
                    status="applied", warnings=[],
                    # imported as the snapshot holds it: unchanged upstream since
                    counts={"written": {"release": 1}, "source_hash": hashes[pid]},
                    created_at=T0, updated_at=T0,
                ))
        kinds = ("invalid_data", "transient", "conflict", "auth")
        for e in range(errors):
            eid = new_id()
            out.error_ids.append(eid)
            title = titles.get(e, f"Track {e}")
            await conn.execute(sa.insert(schema.SyncError.__table__).values(
                id=eid, run_id=out.run_id, connection_id=conn_id, entity_type="track",
                external_id=f"trk_{e:06d}_1", project_external_id=out.project_ids[e]
                if e < len(out.project_ids) else None,
                stage="transform", kind=kinds[e % 4],
                message=f"ISRC invalid on '{title}'" if e % 4 == 0 else f"HTTP 503 for {title}",
                detail={"validation": [{"loc": ["isrc"], "msg": f"bad value {title}"}]},
                http_status=None if e % 4 == 0 else 503,
                source_payload={"id": f"trk_{e:06d}_1", "title": title, "isrc": "XX123"},
                suggested_action=("fix_data", "retry", "ignore", "reconnect")[e % 4],
                status="open", attempts=1, fingerprint=f"fp-{e}",
                first_seen_at=T0 - timedelta(minutes=e), last_seen_at=T0 - timedelta(minutes=e),
            ))
    return out
