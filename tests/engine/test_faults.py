"""Fault test: the simulator's fault mix plus 5 % bad data. Every valid item is imported,
every bad one is a sync error with its payload and a clear message; once the faults stop,
retrying the transient errors clears every one of them."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from ss_tui.config import Settings
from ss_tui.db import schema
from ss_tui.engine.service import ImportService
from ss_tui.sessionstudio.auth import TokenManager
from ss_tui.sessionstudio.client import SessionStudioClient
from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet
from ss_tui.simulator import FaultConfig, SimulatorConfig

WARN_ONLY = {
    "invalid_isrc",
    "invalid_upc",
    "negative_duration",
    "splits_not_100",
    "rich_markup_title",
    "ansi_title",
    "invalid_iswc",
    "invalid_ipi",
}
FAULTS = FaultConfig(
    error_share=0.5,
    rate_limit_share=0.1,
    malformed_share=0.05,
    reset_share=0.05,
    retry_after_s=1,
    seed=3,
)


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=21, projects=60, bad_data_share=0.05, rate_limit=100_000)


async def _no_wait(_seconds: float) -> None:
    """Backoff and Retry-After pauses without real waiting (the client's sleep is injectable)."""


@pytest.fixture
async def service(db_engine, sim_app):
    sim = sim_app.state.simulator
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim_app), timeout=10)
    store = MemoryTokenStore()
    await store.set(
        sim.demo_account_id, TokenSet.from_response(sim.issue_token(account_id=sim.demo_account_id))
    )

    def client_factory(account_key, on_event):
        return SessionStudioClient(
            "http://sim/v1",
            TokenManager(None, store, account_key),
            http=http,
            sleep=_no_wait,
            on_event=on_event,
        )

    svc = ImportService(
        Settings(operator="tester"),
        db_engine,
        client_factory=client_factory,
        api_base_url="http://sim/v1",
    )
    await svc.ensure_connection(sim.demo_account_id, "Demo Label")
    yield svc, sim
    await http.aclose()


def _related(errors: list[dict], item: str, defect: str, cat) -> list[dict]:
    """Errors about a bad item. A duplicated identifier may be flagged on either holder
    (whichever was imported second), so the message naming the identifier counts too."""
    direct = [e for e in errors if e["external_id"] == item]
    if direct or not defect.startswith("duplicate_"):
        return direct
    field = "isrc" if defect == "duplicate_isrc" else "upc"
    value = (cat.tracks.get(item) or cat.projects.get(item) or {}).get(field)
    return [e for e in errors if value and value in e["message"]]


async def _errors(engine) -> list[dict]:
    t = schema.SyncError.__table__
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(sa.select(t))).mappings()]


async def _imported(engine) -> tuple[set[str], set[str]]:
    rel, rt = schema.DiscogRelease.__table__, schema.DiscogReleaseTrack.__table__
    async with engine.connect() as conn:
        releases = (
            (await conn.execute(sa.select(rel.c.metadata["sessionStudioId"].as_string())))
            .scalars()
            .all()
        )
        tracks = (
            (await conn.execute(sa.select(rt.c.metadata["sessionStudioId"].as_string())))
            .scalars()
            .all()
        )
    return set(releases), set(tracks)


async def test_faults_and_bad_data_then_retry_clears_transient_errors(service, db_engine):
    svc, sim = service
    cat = sim.catalogue
    pids = cat.project_ids(sim.demo_account_id)
    sim.set_faults(FAULTS)
    first = await svc.run_import(None, pids)
    assert first.status == "partial"
    transient = [
        e
        for e in await _errors(db_engine)
        if e["kind"] in ("transient", "rate_limited") and e["status"] == "open"
    ]
    assert transient, "the fault mix produced no transient failure"

    sim.set_faults(FaultConfig())
    retried = await svc.retry_errors([e["id"] for e in transient])
    assert retried.status in ("succeeded", "partial")
    by_id = {e["id"]: e for e in await _errors(db_engine)}
    not_cleared = [by_id[e["id"]] for e in transient if by_id[e["id"]]["status"] != "resolved"]
    assert not_cleared == [], [(e["status"], e["stage"], e["message"]) for e in not_cleared]
    assert not [
        e
        for e in by_id.values()
        if e["kind"] in ("transient", "rate_limited") and e["status"] == "open"
    ]

    # Every valid item is imported.
    releases, tracks = await _imported(db_engine)
    dup_isrc = {t for t, k in cat.bad_items.items() if k == "duplicate_isrc"}
    dup_isrc |= {
        t
        for t in cat.tracks
        if cat.tracks[t].get("isrc") in {cat.tracks[d]["isrc"] for d in dup_isrc}
    }
    dup_upc = {p for p, k in cat.bad_items.items() if k == "duplicate_upc"}
    dup_upc |= {
        p for p in pids if cat.projects[p].get("upc") in {cat.projects[d]["upc"] for d in dup_upc}
    }
    for pid in pids:
        kinds = set(cat.bad_projects.get(pid, []))
        project_fatal = any(cat.bad_items.get(pid) == k for k in kinds) and not (kinds <= WARN_ONLY)
        if pid in dup_upc or project_fatal:
            continue
        assert pid in releases, (pid, kinds)
        for tid in cat.project_tracks[pid]:
            defect = cat.bad_items.get(tid)
            if tid in dup_isrc or (defect and defect not in WARN_ONLY):
                continue
            assert tid in tracks, (tid, defect)

    # Every bad item is a sync error with a clear message and the raw payload.
    errors = [e for e in by_id.values() if e["kind"] in ("invalid_data", "conflict")]
    for item, defect in cat.bad_items.items():
        if defect in ("rich_markup_title",):
            continue  # a valid title: imported literally, not an error
        related = _related(errors, item, defect, cat)
        assert related, (item, defect)
        for e in related:
            assert e["message"] and e["source_payload"] is not None, e
            assert e["suggested_action"] in ("fix_data", "ignore", "retry")
