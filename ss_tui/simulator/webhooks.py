"""Webhook deliveries: signed, retried with backoff, each event id stable across retries."""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field

import httpx

from ss_tui.sessionstudio.webhooks import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    sign_webhook,
)
from ss_tui.simulator.catalogue import iso
from ss_tui.simulator.clock import Clock
from ss_tui.values import JSONObject


@dataclass
class Delivery:
    event_id: str
    type: str
    url: str
    body: bytes
    next_at: float
    attempts: int = 0
    status: str = "pending"  # pending | delivered | failed
    responses: list[str] = field(default_factory=list)  # "200", "500", "ConnectError", ...


class WebhookOutbox:
    def __init__(
        self, url: str | None, secret: str, retry_delays: tuple[float, ...], clock: Clock
    ) -> None:
        self.url = url
        self.secret = secret
        self.retry_delays = retry_delays
        self.clock = clock
        self.events: list[JSONObject] = []  # every event emitted, delivered or not
        self.deliveries: list[Delivery] = []
        self.transport: httpx.AsyncBaseTransport | None = None  # tests: an ASGI receiver
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def emit(self, event_type: str, account_id: str, data: JSONObject) -> JSONObject:
        event: JSONObject = {
            "id": f"evt_{secrets.token_hex(12)}",
            "type": event_type,
            "createdAt": iso(self.clock.time()),
            "accountId": account_id,
            "data": data,
        }
        self.events.append(event)
        if self.url:
            body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
            self.deliveries.append(
                Delivery(event["id"], event_type, self.url, body, next_at=self.clock.time())
            )
            self._poke()
        return event

    def _poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    def pending(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.status == "pending"]

    async def deliver_due(self) -> int:
        """Attempt every pending delivery that is due; returns how many were attempted."""
        now = self.clock.time()
        due = [d for d in self.pending() if d.next_at <= now]
        if not due:
            return 0
        async with httpx.AsyncClient(transport=self.transport, timeout=5.0) as http:
            for delivery in due:
                await self._attempt(http, delivery)
        return len(due)

    async def _attempt(self, http: httpx.AsyncClient, delivery: Delivery) -> None:
        now = self.clock.time()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "SessionStudio-Webhooks/1 (simulator)",
            SIGNATURE_HEADER: sign_webhook(self.secret, delivery.body, int(now)),
            EVENT_ID_HEADER: delivery.event_id,
            EVENT_TYPE_HEADER: delivery.type,
        }
        delivery.attempts += 1
        try:
            response = await http.post(delivery.url, content=delivery.body, headers=headers)
            outcome, ok = str(response.status_code), response.is_success
        except httpx.HTTPError as exc:
            outcome, ok = type(exc).__name__, False
        delivery.responses.append(outcome)
        if ok:
            delivery.status = "delivered"
        elif delivery.attempts > len(self.retry_delays):
            delivery.status = "failed"
        else:
            delivery.next_at = now + self.retry_delays[delivery.attempts - 1]

    async def run(self) -> None:
        """Background delivery loop (runs for the app's lifetime)."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        while True:
            self._wake.clear()
            await self.deliver_due()
            waits = [d.next_at - self.clock.time() for d in self.pending()]
            timeout = max(0.05, min(waits)) if waits else None
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
            except TimeoutError:
                pass
