"""Mutations emit signed webhook deliveries, retried with a stable event id."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ss_tui.sessionstudio.models import WebhookEvent
from ss_tui.sessionstudio.webhooks import (
    SIGNATURE_HEADER,
    SignatureError,
    sign_webhook,
    verify_signature,
)
from ss_tui.simulator import DEMO_ACCOUNT_ID, ManualClock, SimulatorConfig
from ss_tui.simulator.server import start_live_simulator

SECRET = "whsec-test"


class Receiver:
    """A webhook endpoint that fails the first ``failures`` deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.arrived = threading.Event()

    async def hook(self, request: Request) -> Response:
        self.received.append((dict(request.headers), await request.body()))
        if len(self.received) <= self.failures:
            return Response(status_code=500)
        self.arrived.set()
        return Response(status_code=204)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hooks", self.hook, methods=["POST"])])


def test_sign_and_verify_roundtrip() -> None:
    body = b'{"id":"evt_1"}'
    header = sign_webhook(SECRET, body, t=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert verify_signature(SECRET, body, header, now=1_700_000_100) == 1_700_000_000
    for secret, payload, now in (
        ("other", body, 1_700_000_000),
        (SECRET, body + b" ", 1_700_000_000),
        (SECRET, body, 1_700_001_000),  # stale: a replay
    ):
        with pytest.raises(SignatureError):
            verify_signature(secret, payload, header, now=now)
    with pytest.raises(SignatureError):
        verify_signature(SECRET, body, "v1=abc")


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(
        projects=10,
        webhook_url="http://receiver/hooks",
        webhook_secret=SECRET,
        webhook_retry_delays=(10.0, 60.0),
    )


async def test_mutations_emit_signed_events(simulator) -> None:
    receiver = Receiver()
    simulator.webhooks.transport = httpx.ASGITransport(app=receiver.app())
    cat = simulator.catalogue
    draft = simulator.add_project(title="Fresh", tracks=2)
    simulator.release_project(draft["id"])
    tid = cat.project_tracks[draft["id"]][0]
    newcomer = {
        "id": "col_new",
        "name": "New Person",
        "role": "performer",
        "instrument": "cello",
        "ipi": None,
        "isni": None,
    }
    simulator.edit_track(tid, collaborators=[*cat.tracks[tid]["collaborators"], newcomer])
    assert await simulator.deliver_webhooks() == len(simulator.webhooks.events)
    types = [json.loads(body)["type"] for _, body in receiver.received]
    assert types == [
        "project.updated",
        "project.released",
        "track.published",
        "track.published",
        "project.updated",
        "collaborator.added",
    ]
    for headers, body in receiver.received:
        verify_signature(
            SECRET, body, headers[SIGNATURE_HEADER.lower()], now=simulator.clock.time()
        )
        event = WebhookEvent.model_validate_json(body)
        assert event.account_id == DEMO_ACCOUNT_ID
        assert headers["x-session-studio-event-id"] == event.id


async def test_failed_deliveries_retry_with_the_same_event_id(simulator) -> None:
    clock = ManualClock()
    simulator.set_clock(clock)
    receiver = Receiver(failures=2)
    simulator.webhooks.transport = httpx.ASGITransport(app=receiver.app())
    pid = simulator.catalogue.project_ids(DEMO_ACCOUNT_ID)[0]
    simulator.edit_project(pid, title="Retitled")
    assert await simulator.deliver_webhooks() == 1  # 500
    assert await simulator.deliver_webhooks() == 0  # not due yet
    clock.advance(10)
    assert await simulator.deliver_webhooks() == 1  # 500 again
    clock.advance(60)
    assert await simulator.deliver_webhooks() == 1  # delivered
    bodies = {body for _, body in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1  # same event, same body
    ids = {headers["x-session-studio-event-id"] for headers, _ in receiver.received}
    assert len(ids) == 1
    signatures = [h[SIGNATURE_HEADER.lower()] for h, _ in receiver.received]
    assert len(set(signatures)) == 3  # each attempt is signed at its own time
    delivery = simulator.webhooks.deliveries[0]
    assert delivery.status == "delivered" and delivery.responses == ["500", "500", "204"]


async def test_delivery_gives_up_after_the_retry_schedule(simulator) -> None:
    clock = ManualClock()
    simulator.set_clock(clock)
    simulator.webhooks.transport = httpx.ASGITransport(app=Receiver(failures=99).app())
    simulator.edit_project(simulator.catalogue.project_ids(DEMO_ACCOUNT_ID)[0], label="X")
    for _ in range(3):
        await simulator.deliver_webhooks()
        clock.advance(60)
    assert simulator.webhooks.deliveries[0].status == "failed"
    assert simulator.state()["webhooks"]["failed"] == 1


def test_live_server_delivers_in_the_background(sim_config) -> None:
    receiver = Receiver()
    with start_live_simulator(sim_config) as live:
        sim = live.simulator
        sim.webhooks.transport = httpx.ASGITransport(app=receiver.app())
        admin = httpx.post(
            f"{live.root_url}/_sim/mutations/release-project",
            json={"projectId": sim.catalogue.project_ids(DEMO_ACCOUNT_ID)[0]},
        )
        assert admin.status_code == 200 and admin.json()["status"] == "released"
        assert receiver.arrived.wait(10)
    headers, body = receiver.received[0]
    assert json.loads(body)["type"] == "project.released"
    verify_signature(SECRET, body, headers[SIGNATURE_HEADER.lower()])
