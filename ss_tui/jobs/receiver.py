"""The webhook receiver (`ss-tui webhooks serve`, README "Running at scale").

It only verifies, deduplicates and enqueues, so it answers within the sender's timeout;
workers do the importing. A delivery that repeats (same event id) maps to the same
``dedup_key`` and so to the same job.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ss_tui.jobs import queue
from ss_tui.sessionstudio.models import WEBHOOK_EVENT_TYPES
from ss_tui.sessionstudio.webhooks import (
    DEFAULT_TOLERANCE_S,
    SIGNATURE_HEADER,
    SignatureError,
    verify_signature,
)

log = logging.getLogger("ss_tui.webhooks")

DELIVERIES = Counter(
    "ss_tui_webhook_deliveries_total", "Webhook deliveries by outcome", ["outcome"]
)

# Every event type names the project it touches; all of them mean "import that project again".
PROJECT_EVENTS = frozenset(WEBHOOK_EVENT_TYPES)

Verifier = Callable[[bytes, str | None], bool]


def signature_verifier(
    secret: str, *, tolerance_s: int = DEFAULT_TOLERANCE_S, clock: Callable[[], float] | None = None
) -> Verifier:
    """A verifier for ``create_receiver_app``: HMAC over the raw body, constant-time
    compare, timestamps older or newer than ``tolerance_s`` rejected."""

    def verify(body: bytes, header: str | None) -> bool:
        try:
            verify_signature(
                secret, body, header, tolerance_s=tolerance_s,
                now=clock() if clock else None,
            )
        except SignatureError:
            return False
        return True

    return verify


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def create_receiver_app(engine: AsyncEngine, verify: Verifier) -> Starlette:
    """``verify(raw_body, signature_header)`` checks the HMAC and the timestamp tolerance."""

    async def receive(request: Request) -> Response:
        body = await request.body()  # the raw bytes: the signature covers them exactly
        if not verify(body, request.headers.get(SIGNATURE_HEADER)):
            DELIVERIES.labels("rejected").inc()
            return _problem(401, "Invalid signature",
                            f"Missing, malformed, stale or wrong {SIGNATURE_HEADER}.")
        try:
            event = json.loads(body)
            event_id = str(event["id"])
            event_type = str(event["type"])
            data = event.get("data") or {}
            account_id = event.get("accountId")
        except (ValueError, KeyError, TypeError, AttributeError):
            DELIVERIES.labels("malformed").inc()
            return _problem(400, "Malformed event", "The body is not a Session Studio event.")
        project_id = data.get("projectId") if isinstance(data, dict) else None
        if event_type not in PROJECT_EVENTS or not project_id:
            DELIVERIES.labels("ignored").inc()
            return JSONResponse({"status": "ignored", "eventId": event_id}, status_code=202)
        job_id, created = await queue.enqueue(
            engine,
            queue.IMPORT_PROJECT,
            {"account_id": account_id, "project_id": project_id, "event_id": event_id,
             "event_type": event_type},
            dedup_key=f"webhook:{event_id}",
        )
        DELIVERIES.labels("enqueued" if created else "duplicate").inc()
        log.info(json.dumps({"event": "webhook", "id": event_id, "type": event_type,
                             "job_id": str(job_id), "duplicate": not created}))
        return JSONResponse(
            {"status": "enqueued" if created else "duplicate", "jobId": str(job_id)},
            status_code=202,
        )

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def metrics(_request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/webhooks/session-studio", receive, methods=["POST"]),
            Route("/healthz", health),
            Route("/metrics", metrics),
        ]
    )
