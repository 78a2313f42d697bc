"""The webhook receiver: signatures, dedup by event id, one job per event (loopback HTTP)."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.pool import NullPool

from ss_tui.db.engine import create_engine
from ss_tui.jobs import queue
from ss_tui.jobs.receiver import create_receiver_app, signature_verifier
from ss_tui.sessionstudio.webhooks import sign_webhook
from ss_tui.simulator.server import serve_in_thread

SECRET = "whsec-test"


def _event(event_id: str = "evt_1", project_id: str = "prj_1") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "type": "project.updated",
            "createdAt": "2026-11-24T10:00:00Z",
            "accountId": "acc_1",
            "data": {"projectId": project_id},
        }
    ).encode()


@pytest.fixture
async def receiver(db_url):
    # The server runs its own event loop in a thread: give it its own engine, unpooled,
    # so no connection crosses loops.
    app = create_receiver_app(create_engine(db_url, poolclass=NullPool),
                              signature_verifier(SECRET))
    with serve_in_thread(app, lifespan="off") as port:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            yield http


async def _post(http: httpx.AsyncClient, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["X-Session-Studio-Signature"] = signature
    return await http.post("/webhooks/session-studio", content=body, headers=headers)


async def test_a_valid_delivery_enqueues_one_import_job(receiver, db_engine):
    body = _event()
    resp = await _post(receiver, body, sign_webhook(SECRET, body))
    assert resp.status_code == 202 and resp.json()["status"] == "enqueued"
    job = await queue.get(db_engine, uuid.UUID(resp.json()["jobId"]))
    assert job.job_type == queue.IMPORT_PROJECT
    assert job.payload["project_id"] == "prj_1" and job.payload["account_id"] == "acc_1"


async def test_the_same_delivery_five_times_is_still_one_job(receiver, db_engine):
    body = _event("evt_repeat")
    ids = set()
    for _ in range(5):
        resp = await _post(receiver, body, sign_webhook(SECRET, body))
        assert resp.status_code == 202
        ids.add(resp.json()["jobId"])
    assert len(ids) == 1
    assert await queue.counts_by_status(db_engine) == {"pending": 1}


@pytest.mark.parametrize(
    "case",
    ["wrong_secret", "stale", "tampered", "missing", "garbage"],
)
async def test_bad_signatures_are_rejected_with_401_and_no_job(receiver, db_engine, case):
    body = _event()
    signature = {
        "wrong_secret": sign_webhook("not-the-secret", body),
        "stale": sign_webhook(SECRET, body, int(time.time()) - 301),
        "tampered": sign_webhook(SECRET, body),
        "missing": None,
        "garbage": "t=abc,v1=",
    }[case]
    sent = _event(project_id="prj_evil") if case == "tampered" else body
    resp = await _post(receiver, sent, signature)
    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert await queue.counts_by_status(db_engine) == {}


def _deliveries(exposition: str) -> dict[str, float]:
    """The ``ss_tui_webhook_deliveries_total`` samples by outcome (absent: never counted)."""
    return {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "ss_tui_webhook_deliveries_total"
    }


async def test_metrics_endpoint_speaks_prometheus(receiver):
    before = await receiver.get("/metrics")
    assert before.status_code == 200
    body = _event("evt_metrics")
    await _post(receiver, body, sign_webhook(SECRET, body))
    resp = await receiver.get("/metrics")
    assert resp.status_code == 200
    assert "ss_tui_webhook_deliveries_total" in resp.text
    counted, after = _deliveries(before.text), _deliveries(resp.text)
    assert after.get("enqueued", 0.0) == counted.get("enqueued", 0.0) + 1
    assert after.get("duplicate", 0.0) == counted.get("duplicate", 0.0)
    await _post(receiver, body, sign_webhook(SECRET, body))  # the same event again
    again = _deliveries((await receiver.get("/metrics")).text)
    assert again["enqueued"] == after["enqueued"]
    assert again["duplicate"] == after.get("duplicate", 0.0) + 1
