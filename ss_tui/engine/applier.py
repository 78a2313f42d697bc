"""Writes projects' plans for a :class:`RunLedger`: runs of new projects several to a
transaction, any other project in a transaction of its own.

Everything a write depends on is given when the applier is made: the row states the plan
went through (its staleness tokens), the decisions stored with each item, the raw payloads at
hand for error rows, the error fingerprints to keep open and how to re-plan a project whose
rows changed. The item's row travels in the same transaction as the project's rows
(docs/plan-format.md): an item reads applied exactly when its rows are committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ss_tui.db.enums import ErrorKind, ErrorStage, IngestionStatus, ItemStatus
from ss_tui.db.types import utcnow
from ss_tui.engine import events as ev
from ss_tui.engine.apply import (
    ApplyResult,
    PlanVersions,
    Stale,
    apply_new_projects,
    apply_project,
    identifier_taken,
)
from ss_tui.engine.bulk import Batch, compiled_statement
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.plan_types import Action, EntityKind, ProjectPlan
from ss_tui.engine.rows import T_CREATOR, as_uuid
from ss_tui.engine.run import T_ITEMS, RunLedger
from ss_tui.engine.snapshots import load_projects
from ss_tui.sync_errors import ErrorRecord, from_exception, record_errors, resolve_cleared
from ss_tui.values import JSONObject, Row

MAX_ATTEMPTS = 4
# A group of new projects written in one transaction (one statement per table for all of
# them): bounded so that pause and cancel, checked between transactions, stay prompt, and
# so that a group the database refuses costs little to write again one project at a time.
GROUP_PROJECTS = 50
GROUP_ROWS = 10_000
_WRITES = (Action.create, Action.update, Action.delete)  # EntityChange.writes, inlined

Replanner = Callable[[str], Awaitable[ProjectPlan | None]]


def _retryable_db_error(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True  # a concurrent importer won a unique race: re-plan sees its row
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return any(s in text for s in ("deadlock", "serializ", "database is locked", "busy"))


def has_issues(pp: ProjectPlan) -> bool:
    return bool(
        pp.issues
        or pp.blocked
        or any(e.action == Action.conflict and e.included for e in pp.entities)
    )


def issue_records(pp: ProjectPlan, raw: JSONObject | None) -> list[ErrorRecord]:
    """The sync errors a project's plan carries: bad data, conflicts, a blocked project."""
    tracks = {t.get("id"): t for t in (raw or {}).get("tracks") or [] if isinstance(t, dict)}
    out = []
    for i in pp.issues:
        is_track = i["entity"] != "release"
        out.append(
            ErrorRecord(
                stage=ErrorStage.transform,
                kind=ErrorKind.invalid_data,
                message=i["message"],
                entity_type="track" if is_track else "project",
                external_id=i["external_id"],
                project_external_id=pp.project_id,
                code=i.get("field"),
                detail={"field": i.get("field"), "skipped": bool(i["fatal"])},
                source_payload=tracks.get(i["external_id"]) if is_track else raw,
            )
        )
    for e in pp.entities:
        if e.action == Action.conflict and e.included and e.conflict is not None:
            out.append(
                ErrorRecord(
                    stage=ErrorStage.plan,
                    kind=ErrorKind.conflict,
                    message=e.conflict.reason,
                    entity_type=e.kind.value,
                    external_id=e.external_id,
                    project_external_id=pp.project_id,
                    code=e.conflict.code,
                    detail={"choices": e.conflict.choices, "entity_key": e.key},
                    source_payload=tracks.get(e.external_id) or raw,
                )
            )
    if pp.blocked and not out:
        out.append(
            ErrorRecord(
                stage=ErrorStage.plan,
                kind=ErrorKind.conflict,
                message=pp.blocked,
                entity_type="project",
                external_id=pp.project_id,
                project_external_id=pp.project_id,
                code="blocked",
                source_payload=raw,
            )
        )
    return out


def _started(run: RunLedger, pp: ProjectPlan) -> ev.ProjectStarted:
    recordings = sum(1 for e in pp.entities if e.kind is EntityKind.recording)
    return ev.ProjectStarted(str(run.run_id), pp.project_id, pp.title, recordings)


class ProjectApplier:
    """Applies project plans and reports each outcome to ``ledger``."""

    def __init__(
        self,
        ledger: RunLedger,
        *,
        known: PlanVersions | None,
        decisions: PlanDecisions | None = None,
        payloads: dict[str, JSONObject] | None = None,
        keep: dict[str, set[str]] | None = None,
        live_errors: set[str] | None = None,
        replan: Replanner | None = None,
    ) -> None:
        self.ledger = ledger
        self.known = known  # row states the plan went through (staleness tokens)
        self.decisions = decisions  # PlanDecisions, stored with each item
        self.payloads = payloads or {}  # raw payloads at hand (else read when needed)
        self.keep = keep or {}  # project → error fingerprints seen this run (stay open)
        self.live_errors = live_errors  # projects with open errors (None: unknown)
        self.replan = replan
        # Rows a project of this plan was to create but did not write (stale, failed): a
        # later project relying on them cannot be written as planned either.
        self.unwritten: dict[str, str] = {}

    async def payload(self, conn: AsyncConnection, project_id: str) -> JSONObject | None:
        """A project's raw source payload for its error rows: from the snapshots, and only
        when an error needs it (a run does not hold every payload in memory)."""
        if project_id in self.payloads:
            return self.payloads[project_id]
        if self.ledger.connection_id is None:
            return None
        return (await load_projects(conn, self.ledger.connection_id, [project_id])).get(
            project_id
        )

    async def apply_all(self, projects: list[ProjectPlan]) -> None:
        """Apply these projects in order; pause and cancel take effect between
        transactions. Consecutive new projects with nothing else to record (no sync error
        to open or clear) are written a group per transaction; any other project, and each
        project of a group the database refused, by :meth:`apply` in a transaction of its
        own (which tells a stale plan from a failure)."""
        for group, grouped in self._groups(projects):
            if grouped:
                if not await self.ledger.checkpoint():
                    return
                if await self._apply_group(group):
                    continue
            for pp in group:
                if not await self.ledger.checkpoint():
                    return
                await self.apply(pp)

    def _groups(
        self, projects: list[ProjectPlan]
    ) -> Iterator[tuple[list[ProjectPlan], bool]]:
        """Runs of groupable projects (bounded), and the others alone. Two projects of a
        plan never create the same row (a later project sees an earlier one's rows as
        existing); if they did, the group's plain INSERTs would be refused and the group
        applied one project at a time."""
        group: list[ProjectPlan] = []
        rows = 0
        for pp in projects:
            mine = self._group_rows(pp)
            if mine is None:
                if group:
                    yield group, True
                    group, rows = [], 0
                yield [pp], False
                continue
            if group and (len(group) >= GROUP_PROJECTS or rows + mine > GROUP_ROWS):
                yield group, True
                group, rows = [], 0
            group.append(pp)
            rows += mine
        if group:
            yield group, True

    def _group_rows(self, pp: ProjectPlan) -> int | None:
        """How many rows a project writes if it can join a group, else None: included, not
        blocked, every row new, no sync error to record or clear (no data issue, no
        conflict, none open), nothing it relies on left unwritten by an earlier project.
        One pass over the entities (what has_issues and apply._creates_only ask)."""
        if (
            not pp.included
            or pp.blocked
            or pp.issues
            or self.live_errors is None
            or pp.project_id in self.live_errors
            or pp.project_id in self.keep
            or (self.unwritten and self._unwritten_reference(pp) is not None)
        ):
            return None
        n = 0
        for e in pp.entities:
            if not e.included:
                continue
            action = e.action
            if action is Action.conflict:
                return None
            if action in _WRITES and e.row is not None:
                if action is not Action.create or e.has_base:
                    return None
                n += 1
        return n or None

    async def _apply_group(self, group: list[ProjectPlan]) -> bool:
        """Write a group in one transaction, then report each project as :meth:`apply`
        would. False: nothing was written (a row exists already, the database refused a
        write, anything else went wrong): the caller applies the group's projects one by
        one. An interrupt (cancellation) is not caught: the transaction rolls back."""
        run = self.ledger
        try:
            async with run.engine.begin() as conn:
                results = await apply_new_projects(
                    conn,
                    group,
                    connection_id=run.connection_id,
                    then=lambda done: self._group_batches(conn, done),
                )
        except Exception:  # rolled back (a refused write, or one project's bad value):
            return False  # apply() tells stale from failed, one project at a time
        if results is None:  # a row exists: nothing was written
            return False
        for pp, result in zip(group, results, strict=True):
            await run.emit(_started(run, pp))
            await run.record_outcome(
                pp.project_id,
                ItemStatus.applied,
                result,
                creator_profile_id=pp.creator_profile_id,
                warnings=len(pp.warnings),
                skipped=len(pp.skipped),
                errors=0,
            )
        return True

    def _group_batches(
        self, conn: AsyncConnection, done: list[tuple[ProjectPlan, ApplyResult]]
    ) -> list[Batch]:
        """What travels with a group's rows: their creators marked "processing" (see
        :meth:`_mark_processing`) and every item's row."""
        creators = {
            creator
            for pp, _ in done
            if (creator := as_uuid(pp.creator_profile_id)) is not None
            and creator not in self.ledger.creators
        }
        out = []
        if creators:
            comp = compiled_statement(
                conn.dialect,
                "creator_profiles:processing",
                lambda: (
                    sa.update(T_CREATOR)
                    .where(T_CREATOR.c.id == sa.bindparam("k_id", type_=T_CREATOR.c.id.type))
                    .values(
                        ingestion_status=sa.bindparam(
                            "v_status", type_=T_CREATOR.c.ingestion_status.type
                        ),
                        updated_at=sa.bindparam("v_at", type_=T_CREATOR.c.updated_at.type),
                    )
                ),
                {
                    "k_id": T_CREATOR.c.id.type,
                    "v_status": T_CREATOR.c.ingestion_status.type,
                    "v_at": T_CREATOR.c.updated_at.type,
                },
            )
            now = utcnow()
            rows = [
                {"k_id": c, "v_status": IngestionStatus.processing, "v_at": now}
                for c in sorted(creators, key=str)
            ]
            out.append((comp.sql, comp.params(rows, now)))
        out.append(self._items_batch(conn, done))
        return out

    async def apply(self, pp: ProjectPlan) -> ItemStatus:
        """Apply one project's plan in its own transaction, with its item and errors."""
        run = self.ledger
        await run.emit(_started(run, pp))
        attempt = 0
        current: ProjectPlan | None = pp
        while True:
            attempt += 1
            assert current is not None
            try:
                status, result, fails = await self._apply_tx(current)
                break
            except Stale as exc:
                if self.replan is None or attempt >= MAX_ATTEMPTS:
                    status, result, fails = ItemStatus.stale, None, 0
                    await self._mark_stale(pp.project_id, current, str(exc))
                    break
            except DBAPIError as exc:
                taken = await self._identifier_taken(current, exc) or self._relies_on_unwritten(
                    current, exc
                )
                if taken is not None and (self.replan is None or attempt >= MAX_ATTEMPTS):
                    # the plan's claim no longer holds
                    status, result, fails = ItemStatus.stale, None, 0
                    await self._mark_stale(pp.project_id, current, taken)
                    break
                if taken is None and (
                    self.replan is None or attempt >= MAX_ATTEMPTS or not _retryable_db_error(exc)
                ):
                    self._not_written(current)
                    await self._fail(current, exc)
                    return ItemStatus.failed
            except Exception as exc:  # one project's bug must not end the run
                self._not_written(current)
                await self._fail(current, exc)
                return ItemStatus.failed
            assert self.replan is not None  # every path that gets here checked it
            current = await self.replan(pp.project_id)
            if current is None:
                return ItemStatus.failed
        if status == ItemStatus.stale:
            self._not_written(current)
        await run.record_outcome(
            pp.project_id,
            status,
            result,
            creator_profile_id=current.creator_profile_id,
            warnings=len(current.warnings),
            skipped=len(current.skipped),
            errors=fails,
        )
        return status

    async def _identifier_taken(self, pp: ProjectPlan, exc: DBAPIError) -> str | None:
        """A refused write whose cause is a row added behind the plan's back (same ISRC,
        UPC or slug) is a stale plan, not a bug."""
        if not isinstance(exc, IntegrityError):
            return None
        async with self.ledger.engine.connect() as conn:
            return await identifier_taken(conn, pp)

    def _not_written(self, pp: ProjectPlan) -> None:
        for e in pp.entities:
            if e.included and e.action == Action.create and e.row is not None:
                self.unwritten[str(e.row["id"])] = pp.title or pp.project_id

    def _relies_on_unwritten(self, pp: ProjectPlan, exc: DBAPIError) -> str | None:
        """A refused reference to a row an earlier project of this plan was to create and
        did not write: this project is stale too (plan both again), not a bug."""
        if not isinstance(exc, IntegrityError) or not self.unwritten:
            return None
        return self._unwritten_reference(pp)

    def _unwritten_reference(self, pp: ProjectPlan) -> str | None:
        """Why the project relies on rows an earlier project did not write, or None."""
        for e in pp.entities:
            if not (e.included and e.writes and e.row is not None):
                continue
            for col, value in e.row.items():
                if col.endswith("_id") and value is not None and str(value) in self.unwritten:
                    return (
                        f"It relies on rows of project {self.unwritten[str(value)]!r}, which "
                        "was not written: plan both again"
                    )
        return None

    async def _mark_stale(self, project_id: str, pp: ProjectPlan, reason: str) -> None:
        values = self._item_values(pp, ItemStatus.stale, None, reason)
        async with self.ledger.engine.begin() as conn:
            await self.ledger.set_item(conn, project_id, **values)

    async def _apply_tx(self, pp: ProjectPlan) -> tuple[ItemStatus, ApplyResult, int]:
        run = self.ledger
        live = self.live_errors is None or pp.project_id in self.live_errors
        issues = pp.included and has_issues(pp)
        quiet = not issues and not live  # nothing to record or clear: the item row travels
        async with run.engine.begin() as conn:
            result = await apply_project(
                conn,
                pp,
                connection_id=run.connection_id,
                known_versions=self.known,
                then=(lambda r: self._item_batch(conn, pp, r)) if quiet else None,
            )
            await self._mark_processing(conn, pp)
            if result.then_done:
                return result.status, result, 0
            records = issue_records(pp, await self.payload(conn, pp.project_id)) if issues else []
            fps = await record_errors(
                conn, records, run_id=run.run_id, connection_id=run.connection_id
            )
            if result.status in (ItemStatus.applied, ItemStatus.unchanged) and (live or fps):
                keep = {*fps, *self.keep.get(pp.project_id, ())}
                await resolve_cleared(
                    conn, project_ids=[pp.project_id], keep=keep,
                    connection_id=run.connection_id, not_imported=pp.not_imported(),
                )
            values = self._item_values(pp, result.status, result, result.message)
            await run.set_item(conn, pp.project_id, **values)
        for r in records:
            if (
                r.kind != ErrorKind.invalid_data
                or r.detail.get("skipped")
                or result.status == ItemStatus.failed
            ):
                await run.emit(
                    ev.ItemFailed(
                        str(run.run_id),
                        pp.project_id,
                        r.entity_type or "",
                        r.external_id,
                        r.kind,
                        r.message,
                    )
                )
        return result.status, result, len(records)

    async def _mark_processing(self, conn: AsyncConnection, pp: ProjectPlan) -> None:
        """The creator's ingestion_status reads "processing" from this run's first project for
        it (in that project's transaction) until the ledger's finish() sets idle/failed."""
        creator = as_uuid(pp.creator_profile_id) if pp.creator_profile_id else None
        if creator is None or creator in self.ledger.creators or not pp.included or pp.blocked:
            return
        await conn.execute(
            sa.update(T_CREATOR)
            .where(T_CREATOR.c.id == creator)
            .values(ingestion_status=IngestionStatus.processing, updated_at=utcnow())
        )

    def _item_values(
        self, pp: ProjectPlan, status: ItemStatus, result: ApplyResult | None, error: str | None
    ) -> Row:
        decisions = self.decisions.for_project(pp.project_id).to_dict() if self.decisions else None
        return {
            "status": status,
            "updated_at": utcnow(),
            "error": error,
            "release_id": result.release_id if result else None,
            "counts": {
                "written": result.written if result else {},
                "planned": pp.counts(),
                "source_hash": pp.source_hash,
            },
            "warnings": list(pp.warnings)[:200],
            "decision": decisions,
        }

    def _item_batch(self, conn: AsyncConnection, pp: ProjectPlan, result: ApplyResult) -> Batch:
        """The item's update as a precompiled statement (see apply_project's ``then``)."""
        return self._items_batch(conn, [(pp, result)])

    def _items_batch(
        self, conn: AsyncConnection, done: list[tuple[ProjectPlan, ApplyResult]]
    ) -> Batch:
        """The items' updates as one precompiled statement, a parameter set per item."""
        cols = ("status", "updated_at", "error", "release_id", "counts", "warnings", "decision")

        def build() -> sa.Update:
            return (
                sa.update(T_ITEMS)
                .where(
                    T_ITEMS.c.run_id == sa.bindparam("k_run", type_=T_ITEMS.c.run_id.type),
                    T_ITEMS.c.project_external_id
                    == sa.bindparam("k_pid", type_=T_ITEMS.c.project_external_id.type),
                )
                .values({c: sa.bindparam(f"v_{c}", type_=T_ITEMS.c[c].type) for c in cols})
            )

        types = {f"v_{c}": T_ITEMS.c[c].type for c in cols}
        types.update(k_run=T_ITEMS.c.run_id.type, k_pid=T_ITEMS.c.project_external_id.type)
        comp = compiled_statement(conn.dialect, "import_items:set", build, types)
        rows = []
        now = utcnow()
        for pp, result in done:
            values = self._item_values(pp, result.status, result, result.message)
            row = {f"v_{c}": values[c] for c in cols}
            row |= {"k_run": self.ledger.run_id, "k_pid": pp.project_id}
            rows.append(row)
        return comp.sql, comp.params(rows, now)

    async def _fail(self, pp: ProjectPlan, exc: BaseException) -> None:
        async with self.ledger.engine.connect() as conn:
            payload = await self.payload(conn, pp.project_id)
        record = from_exception(
            exc,
            stage=ErrorStage.apply,
            entity_type="project",
            external_id=pp.project_id,
            project_external_id=pp.project_id,
            payload=payload,
        )
        await self.ledger.fail_project(pp.project_id, record)
