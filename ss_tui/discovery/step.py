"""The discovery step: look every release (and its tracks) up on each provider, write links.

Order follows Jovie's own discovery: ISRC first (each track by its ISRC; the release from
the album its tracks came on), then the release's UPC; providers in the order given
(Apple Music, then Deezer, then MusicBrainz by default). Each provider walks the releases
in its own task at its own pace, so a slow MusicBrainz (1 request/s) does not hold the
others back, and a provider that is down fails only its own links: the failure becomes
a sync error (stage ``discovery``) and the other providers still fill theirs.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ss_tui.config import Settings
from ss_tui.db.enums import ErrorKind, ErrorStage, ErrorStatus
from ss_tui.db.types import utcnow
from ss_tui.discovery.http import count_requests
from ss_tui.discovery.links import Found, OwnerType, write_link
from ss_tui.discovery.parsers import same_title
from ss_tui.discovery.providers import LookupProvider, open_providers
from ss_tui.discovery.report import (
    DiscoveryFinished,
    DiscoveryReport,
    ProviderOutcome,
    ReleaseDiscovered,
    ReleaseDiscovery,
)
from ss_tui.discovery.targets import ReleaseTarget, load_targets, needs_lookup
from ss_tui.discovery.types import Match
from ss_tui.sync_errors import (
    T_ERRORS,
    ErrorRecord,
    change_status,
    from_exception,
    record_errors,
)
from ss_tui.values import JSONObject

log = logging.getLogger(__name__)

Sink = Callable[[object], Awaitable[None]]
STAGE = ErrorStage.discovery


class _ProviderFailed(Exception):
    """Carries the lookup failure together with what was found before it."""

    def __init__(self, cause: BaseException, found: list[Found], not_found: int) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.found = found
        self.not_found = not_found


async def discover_links(
    engine: AsyncEngine,
    release_ids: Sequence[uuid.UUID | str],
    providers: Sequence[LookupProvider],
    *,
    sink: Sink | None = None,
    run_id: uuid.UUID | None = None,
    connection_id: uuid.UUID | None = None,
    cancel: asyncio.Event | None = None,
    fallbacks: bool = True,
    now: Callable[[], datetime] = utcnow,
) -> DiscoveryReport:
    """Find and store provider links for ``release_ids``; never raises for a lookup failure."""
    ids = [uuid.UUID(str(i)) for i in release_ids]
    async with engine.connect() as conn:
        targets = await load_targets(conn, ids, [p.provider_id for p in providers])
    found_ids = {t.release_id for t in targets}
    report = DiscoveryReport(missing=[i for i in ids if i not in found_ids])
    for t in targets:
        report.releases[t.release_id] = ReleaseDiscovery(
            release_id=t.release_id, title=t.title, session_studio_id=t.session_studio_id
        )
    write_lock = asyncio.Lock()  # one writer at a time (SQLite), whatever the providers do
    pending = {t.release_id: len(providers) for t in targets}

    async def finished_one(target: ReleaseTarget) -> None:
        pending[target.release_id] -= 1
        if pending[target.release_id] == 0 and sink is not None:
            result = report.releases[target.release_id]
            await sink(ReleaseDiscovered(
                release_id=str(target.release_id), title=target.title, status=result.status,
                providers={k: v.status for k, v in result.providers.items()},
                links_created=sum(p.created + p.upgraded for p in result.providers.values()),
                failed_providers=tuple(result.failed_providers),
            ))

    async def walk(provider: LookupProvider) -> None:
        for target in targets:
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                return
            outcome = ProviderOutcome(provider_id=provider.provider_id)
            report.releases[target.release_id].providers[provider.provider_id] = outcome
            failure: BaseException | None = None
            try:
                found, outcome.not_found = await _lookup_release(provider, target, fallbacks)
            except _ProviderFailed as exc:
                failure, found, outcome.not_found = exc.cause, exc.found, exc.not_found
            async with write_lock, engine.begin() as conn:
                stamp = now()
                for item in found:
                    result = await write_link(conn, item, now=stamp)
                    _count(outcome, result)
                fingerprint = _error_record(target, provider, None).fingerprint(connection_id)
                if failure is None:
                    await _resolve_error(conn, fingerprint, stamp)
                else:
                    outcome.error = _message(failure)
                    outcome.error_kind = getattr(failure, "kind", ErrorKind.internal)
                    record = _error_record(target, provider, failure)
                    report.error_fingerprints += await record_errors(
                        conn, [record], run_id=run_id, connection_id=connection_id
                    )
            await finished_one(target)

    # Providers may be shared with concurrent passes (a worker's jobs): count only ours.
    with count_requests() as sent:
        await asyncio.gather(*(walk(p) for p in providers))
    report.requests = {p.provider_id: sent.get(p.http, 0) for p in providers}
    if sink is not None:
        await sink(DiscoveryFinished(
            counts=report.counts(), errors=len(report.error_fingerprints),
            cancelled=report.cancelled,
        ))
    return report


def _count(outcome: ProviderOutcome, result: str) -> None:
    if result == "created":
        outcome.created += 1
    elif result == "upgraded":
        outcome.upgraded += 1
    elif result == "fallback":
        outcome.fallbacks += 1
    elif result == "kept_manual":
        outcome.kept_manual += 1
    else:
        outcome.kept += 1


async def _lookup_release(
    provider: LookupProvider, target: ReleaseTarget, fallbacks: bool
) -> tuple[list[Found], int]:
    """Lookups for one release on one provider: what to write, and how many were unknown."""
    pid = provider.provider_id
    found: list[Found] = []
    not_found = 0
    track_matches: list[Match] = []
    try:
        # ISRC first: every track that has no real link on this provider yet.
        for track in target.tracks:
            if not needs_lookup(track.links.get(pid)):
                continue
            match = None
            if track.isrc:
                match = await provider.lookup_isrc(
                    track.isrc, album_title=target.title, upc=target.upc
                )
            if match is not None:
                track_matches.append(match)
                found.append(Found.from_match(
                    match, "release_track", track.release_track_id,
                    discovered_from="isrc", identifier={"isrc": track.isrc or ""},
                ))
                continue
            not_found += 1
            fallback = _fallback(provider, target, track.title, track.release_track_id,
                                 "release_track", {"isrc": track.isrc} if track.isrc else {},
                                 fallbacks)
            if fallback is not None:
                found.append(fallback)
        if needs_lookup(target.links.get(pid)):
            release_match = _album_of(track_matches, target)
            discovered_from, identifier = "isrc_album", _first_isrc(target, track_matches)
            if release_match is None and target.upc:
                release_match = await provider.lookup_upc(target.upc)
                discovered_from, identifier = "upc", {"upc": target.upc}
            if release_match is not None:
                found.append(Found.from_match(
                    release_match, "release", target.release_id,
                    discovered_from=discovered_from, identifier=identifier,
                ))
            else:
                not_found += 1
                fallback = _fallback(provider, target, target.title, target.release_id, "release",
                                     {"upc": target.upc} if target.upc else {}, fallbacks)
                if fallback is not None:
                    found.append(fallback)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # one provider's failure must not stop the others
        # Fallbacks are only for "the service does not know it", never for "it failed".
        raise _ProviderFailed(exc, [f for f in found if not f.fallback], not_found) from exc
    return found, not_found


def _album_of(matches: list[Match], target: ReleaseTarget) -> Match | None:
    """The release link from an album the ISRC lookups already returned (no extra request)."""
    for match in matches:
        c = match.container
        # Trust the album only when it is this release (a shared ISRC may point at the single).
        if c is None:
            continue
        # MusicBrainz picked its release by barcode (or title) already.
        if match.provider_id == "musicbrainz" or same_title(c.title, target.title):
            return Match(provider_id=match.provider_id, kind="release", external_id=c.external_id,
                         url=c.url, title=c.title)
    return None


def _first_isrc(target: ReleaseTarget, matches: list[Match]) -> dict[str, str]:
    isrcs = [t.isrc for t in target.tracks if t.isrc]
    return {"isrc": isrcs[0]} if isrcs and matches else {}


def _fallback(
    provider: LookupProvider, target: ReleaseTarget, title: str, owner_id: uuid.UUID,
    owner_type: OwnerType, identifier: dict[str, str], enabled: bool,
) -> Found | None:
    if not enabled:
        return None
    url = provider.search_url(artist=target.artist, title=title)
    if url is None:
        return None
    return Found(
        owner_type=owner_type,
        owner_id=owner_id, provider_id=provider.provider_id, url=url, external_id=None,
        discovered_from="search", identifier=identifier, fallback=True,
    )


def _message(exc: BaseException) -> str:
    return getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"


def _error_record(
    target: ReleaseTarget, provider: LookupProvider, exc: BaseException | None
) -> ErrorRecord:
    """One live sync error per (release, provider): its fingerprint is stable."""
    external_id = target.session_studio_id or str(target.release_id)
    if exc is None:
        record = ErrorRecord(stage=STAGE, kind=ErrorKind.transient, message="")
    else:
        record = from_exception(exc, stage=STAGE, entity_type="release", external_id=external_id)
        record.message = f"{provider.display_name} lookup failed for “{target.title}”: " + (
            record.message
        )
        record.detail.update({
            "provider": provider.provider_id,
            "releaseId": str(target.release_id),
            "releaseTitle": target.title,
            "upc": target.upc,
            "advice": getattr(exc, "suggested_action", None)
            or "Retry discovery for this release.",
        })
    record.entity_type = "release"
    record.external_id = external_id
    record.project_external_id = target.session_studio_id
    record.code = f"discovery:{provider.provider_id}"
    return record


async def _resolve_error(conn: AsyncConnection, fingerprint: str, now: datetime) -> None:
    """A provider that answered for this release clears its earlier discovery error."""
    await change_status(conn, T_ERRORS.c.fingerprint == fingerprint, ErrorStatus.resolved,
                        by="ss-tui (discovery succeeded)", at=now)


async def discovery_step(
    settings: Settings,
    engine: AsyncEngine,
    release_ids: Sequence[uuid.UUID | str],
    providers: Sequence[str] | None,
    *,
    http: httpx.AsyncClient | None,
    sink: Sink,
    run_id: uuid.UUID | None,
    connection_id: uuid.UUID | None,
    cancel: asyncio.Event | None,
) -> JSONObject:
    """The pipeline's discoverCrossLinks step (``ss_tui.engine.steps.LinkDiscovery``): the
    named providers (default all) over ``http``, then :func:`discover_links`; its counts."""
    async with open_providers(settings, providers or None, http=http) as lookups:
        report = await discover_links(
            engine,
            release_ids,
            lookups.providers,
            sink=sink,
            run_id=run_id,
            connection_id=connection_id,
            cancel=cancel,
        )
    return report.counts()
