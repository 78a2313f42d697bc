"""The fetch side of a streaming import: pages (or groups of requested ids) are fetched,
saved as snapshots and handed to the importer one chunk at a time through a small queue, so
the next page is being fetched while the current one is planned and applied, and memory is
bounded by the queue, not by the catalogue."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime

from ss_tui.db.enums import ErrorKind, ErrorStage
from ss_tui.engine import events as ev
from ss_tui.engine.fetcher import Fetcher, FetchResult, api_counts
from ss_tui.engine.rows import as_uuid
from ss_tui.engine.snapshots import mark_removed, save_snapshots_hashed
from ss_tui.sessionstudio.client import SessionStudioClient
from ss_tui.sessionstudio.errors import AuthError, SessionStudioError
from ss_tui.sync_errors import (
    ErrorRecord,
    from_exception,
    record_errors,
    resolve_account_errors,
    resolve_cleared,
)
from ss_tui.values import JSONObject, Row

DEPTH = 1  # chunks fetched ahead of the one being applied
ID_CHUNK = 100  # requested ids fetched (concurrently) per chunk


@dataclass(slots=True)
class Chunk:
    payloads: dict[str, JSONObject]  # project id → raw payload, saved as snapshots
    failed: dict[str, ErrorRecord]  # projects that could not be fetched or parsed
    problems: list[ErrorRecord]  # recorded fetch problems (e.g. a malformed track)
    hashes: dict[str, str]  # project id → the hash its snapshot was saved with


@dataclass(slots=True)
class Listing:
    """What the whole fetch learnt: ids and counters only, never payloads."""

    upstream: dict[str, str] = field(default_factory=dict)  # new/changed/unchanged/removed
    seen: set[str] = field(default_factory=set)
    fetched: int = 0
    failed: int = 0  # projects that could not be fetched or parsed (failed items)
    problems: int = 0
    listing_error: ErrorRecord | None = None  # the listing itself failed part-way
    listing_exception: BaseException | None = None  # … and the exception that said so
    complete: bool = True
    finished: bool = False
    max_updated_at: datetime | None = None
    api: dict[str, float] = field(default_factory=dict)
    auth_error: AuthError | None = None
    error: BaseException | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(slots=True)
class Stream:
    """A fetch under way: its producer task, the queue it fills and what it learns."""

    producer: asyncio.Task[None]
    queue: asyncio.Queue[FetchResult | None]
    listing: Listing
    run_id: asyncio.Future[str]  # set once the run's row exists

    async def stop(self) -> None:
        if not self.producer.done():
            self.producer.cancel()
            with suppress(asyncio.CancelledError):
                await self.producer


def start_stream(
    fetcher: Fetcher,
    connection: Row,
    project_ids: list[str] | None,
    incremental: bool,
    sink: ev.EventSink,
) -> Stream:
    """Start fetching now: the first request goes out while the caller does its own set-up."""
    listing = Listing()
    queue: asyncio.Queue[FetchResult | None] = asyncio.Queue(maxsize=DEPTH)
    run_id: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    producer = asyncio.create_task(
        produce(
            fetcher, connection, project_ids, incremental, queue, listing,
            sink=sink, run_id=run_id,
        )
    )
    return Stream(producer, queue, listing, run_id)


async def produce(
    fetcher: Fetcher,
    connection: Row,
    project_ids: list[str] | None,
    incremental: bool,
    queue: asyncio.Queue[FetchResult | None],
    listing: Listing,
    *,
    sink: ev.EventSink,
    run_id: asyncio.Future[str],
) -> None:
    """Fill ``queue`` with fetched chunks (FetchResult), then None. Network and parsing only:
    the importer saves each chunk, so the database has one writer and the fetch never waits
    on it. Never raises: failures land in ``listing``. ``run_id`` may still be pending when
    the first request goes out (the run's row is written meanwhile); progress events wait
    for it."""

    try:
        async with fetcher.connections.make_client(connection["account_id"], sink) as client:
            try:
                async for out in _chunks(fetcher, client, connection, project_ids, incremental):
                    listing.fetched += len(out.payloads)
                    listing.failed += len(out.failed)
                    listing.problems += len(out.problems) + len(out.failed)
                    await sink(
                        ev.FetchProgress(await run_id, listing.fetched, listing.problems)
                    )
                    await queue.put(out)
                    listing.changed.set()
            except AuthError as exc:
                listing.complete, listing.auth_error = False, exc
            except SessionStudioError as exc:
                listing.complete, listing.listing_exception = False, exc
                listing.listing_error = from_exception(
                    exc, stage=ErrorStage.fetch, entity_type="listing", external_id=None
                )
            listing.api = api_counts(client)
        await sink(
            ev.FetchProgress(
                await run_id, listing.fetched, listing.problems, total=listing.fetched
            )
        )
    except asyncio.CancelledError:
        raise  # the importer stopped (cancelled run): nobody waits for the end marker
    except Exception as exc:  # handed to the importer, which raises it
        listing.error = exc
    listing.finished = True
    listing.changed.set()
    await queue.put(None)


async def finish_listing(
    fetcher: Fetcher, cid: uuid.UUID, listing: Listing, project_ids: list[str] | None,
    incremental: bool, run_id: str,
) -> int:
    """After the last chunk: projects gone upstream, a failed listing's error. Returns the
    number of errors recorded."""
    async with fetcher.engine.begin() as conn:
        if project_ids is None and not incremental and listing.complete:
            for gone in await mark_removed(conn, cid, listing.seen):
                listing.upstream[gone] = "removed"
        if listing.fetched and listing.auth_error is None:  # Session Studio took the token
            await resolve_account_errors(conn, cid, why="ss-tui (account listed again)")
        if listing.listing_error is None:
            return 0
        await record_errors(
            conn, [listing.listing_error], run_id=as_uuid(run_id), connection_id=cid
        )
        return 1


async def _chunks(
    fetcher: Fetcher,
    client: SessionStudioClient,
    connection: Row,
    project_ids: list[str] | None,
    incremental: bool,
) -> AsyncIterator[FetchResult]:

    if project_ids is not None:
        for i in range(0, len(project_ids), ID_CHUNK):
            out = FetchResult()
            await fetcher.fetch_ids(client, project_ids[i : i + ID_CHUNK], out)
            yield out
        return
    since = connection.get("sync_cursor") if incremental else None
    async for page in client.iter_project_pages(updated_since=since):
        out = FetchResult()
        fetcher.take_page(page.results, out)
        yield out


async def save_chunk(
    fetcher: Fetcher, cid: uuid.UUID, out: FetchResult, listing: Listing, run_id: str
) -> Chunk:
    """One chunk's snapshots and fetch problems, in one transaction."""
    async with fetcher.engine.begin() as conn:
        upstream, hashes = await save_snapshots_hashed(conn, cid, list(out.payloads.values()))
        listing.upstream.update(upstream)
        fps = await record_errors(
            conn,
            [*out.problems, *out.failed.values()],
            run_id=as_uuid(run_id),
            connection_id=cid,
        )
        # Fetched fine this time: earlier fetch failures of these projects are over.
        await resolve_cleared(
            conn,
            project_ids=sorted(
                {
                    *out.payloads,
                    *(p for p, r in out.failed.items() if r.kind == ErrorKind.invalid_data),
                }
            ),
            keep=fps,
            connection_id=cid,
            stages=(ErrorStage.fetch,),
        )
    listing.seen.update(out.payloads)
    if out.max_updated_at is not None and (
        listing.max_updated_at is None or out.max_updated_at > listing.max_updated_at
    ):
        listing.max_updated_at = out.max_updated_at
    return Chunk(out.payloads, out.failed, out.problems, hashes)
