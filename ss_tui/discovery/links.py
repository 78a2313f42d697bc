"""Write discovered links into ``provider_links`` (README "Cross-platform link discovery").

- a link staff set by hand (source_type manual/admin) is never touched;
- a real link we or an import already have is kept (skip providers that already link);
- a search-URL fallback is stored with ``metadata.fallback = true`` and replaced in place
  by the real link as soon as a lookup finds one;
- ``(provider_id, external_id)`` is unique: when another owner already holds the same
  external id (one ISRC on a single and its album), the link is stored without
  ``external_id`` and the id kept in ``metadata.externalId``.

Every check is repeated inside the write transaction, so staff edits made while the
lookups ran win.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.db.types import utcnow
from ss_tui.discovery.targets import PL, ExistingLink, existing_from_row
from ss_tui.discovery.types import Match
from ss_tui.values import JSONObject, Row

OwnerType = Literal["release", "release_track"]
WriteResult = Literal["created", "upgraded", "fallback", "fallback_kept", "kept_manual", "kept"]


@dataclass(frozen=True, slots=True)
class Found:
    """What a lookup decided for one owner: a real match, or a search-URL fallback."""

    owner_type: OwnerType
    owner_id: uuid.UUID
    provider_id: str
    url: str
    external_id: str | None
    discovered_from: str  # isrc | upc | isrc_album | search
    identifier: dict[str, str]  # e.g. {"isrc": "GBAYE0000351"}
    fallback: bool = False
    title: str | None = None

    @classmethod
    def from_match(
        cls, match: Match, owner_type: OwnerType, owner_id: uuid.UUID, *,
        discovered_from: str, identifier: dict[str, str],
    ) -> Found:
        return cls(
            owner_type=owner_type, owner_id=owner_id, provider_id=match.provider_id,
            url=match.url, external_id=match.external_id, discovered_from=discovered_from,
            identifier=identifier, title=match.title,
        )


def _owner_column(owner_type: OwnerType) -> sa.Column[uuid.UUID]:
    return PL.c.release_id if owner_type == "release" else PL.c.release_track_id


def _metadata(found: Found, now: datetime, external_id_shared: bool) -> JSONObject:
    meta: JSONObject = {
        "discoveredFrom": found.discovered_from,
        "discoveredAt": now.isoformat(),
        "discoveredBy": "ss-tui",
        **found.identifier,
    }
    if found.fallback:
        meta["fallback"] = True
    if found.title:
        meta["matchedTitle"] = found.title
    if external_id_shared:
        meta["externalId"] = found.external_id
    return meta


async def _existing(conn: AsyncConnection, found: Found) -> ExistingLink | None:
    row = (
        await conn.execute(
            sa.select(PL).where(
                PL.c.provider_id == found.provider_id,
                _owner_column(found.owner_type) == found.owner_id,
            )
        )
    ).first()
    return existing_from_row(row) if row is not None else None


async def _external_id_taken(conn: AsyncConnection, found: Found) -> bool:
    if found.external_id is None:
        return False
    row = (
        await conn.execute(
            sa.select(PL.c.id).where(
                PL.c.provider_id == found.provider_id,
                PL.c.external_id == found.external_id,
                sa.or_(
                    _owner_column(found.owner_type).is_(None),
                    _owner_column(found.owner_type) != found.owner_id,
                ),
            )
        )
    ).first()
    return row is not None


async def write_link(
    conn: AsyncConnection, found: Found, *, now: datetime | None = None
) -> WriteResult:
    """Insert, upgrade or leave alone one link; the caller owns the transaction."""
    now = now or utcnow()
    current = await _existing(conn, found)
    if current is not None and current.hand_set:
        return "kept_manual"
    if current is not None and not current.is_fallback:
        return "kept"
    if found.fallback:
        if current is not None:
            return "fallback_kept"  # the old fallback stays; its discoveredAt says since when
        shared = False
        external_id = None
    else:
        shared = await _external_id_taken(conn, found)
        external_id = None if shared else found.external_id
    meta = _metadata(found, now, shared)
    if current is not None:
        await conn.execute(
            sa.update(PL)
            .where(PL.c.id == current.id)
            .values(
                url=found.url, external_id=external_id, source_type="ingested",
                metadata={**meta, "upgradedFromFallback": current.url}, updated_at=now,
            )
        )
        return "upgraded"
    values: Row = {
        "id": uuid.uuid4(),
        "provider_id": found.provider_id,
        "owner_type": found.owner_type,
        "release_id": found.owner_id if found.owner_type == "release" else None,
        "release_track_id": found.owner_id if found.owner_type == "release_track" else None,
        "track_id": None,
        "external_id": external_id,
        "url": found.url,
        "is_primary": False,
        "source_type": "ingested",
        "metadata": meta,
        "created_at": now,
        "updated_at": now,
    }
    try:
        async with conn.begin_nested():
            await conn.execute(sa.insert(PL).values(**values))
    except IntegrityError:
        return "kept"  # someone linked this owner (or took the id) between our check and write
    return "fallback" if found.fallback else "created"
