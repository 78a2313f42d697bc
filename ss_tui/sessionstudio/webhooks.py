"""Webhook signatures (docs/session-studio-api.yaml).

``X-Session-Studio-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">``, keyed
with ``SESSION_STUDIO_WEBHOOK_SECRET``. Receivers reject stale timestamps (replays)
and compare in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Session-Studio-Signature"
EVENT_ID_HEADER = "X-Session-Studio-Event-Id"
EVENT_TYPE_HEADER = "X-Session-Studio-Event-Type"
DEFAULT_TOLERANCE_S = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match."""


def _digest(secret: str, body: bytes, t: int) -> str:
    message = str(t).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_webhook(secret: str, body: bytes, t: int | None = None) -> str:
    """The signature header value for ``body`` sent at unix time ``t``."""
    t = int(time.time()) if t is None else int(t)
    return f"t={t},v1={_digest(secret, body, t)}"


def parse_signature(header: str) -> tuple[int, list[str]]:
    """``(t, [v1 signatures])``; several ``v1`` entries are allowed (secret rotation)."""
    t: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                t = int(value)
            except ValueError as exc:
                raise SignatureError("signature timestamp is not an integer") from exc
        elif key == "v1":
            signatures.append(value)
    if t is None or not signatures:
        raise SignatureError("signature header needs t=<unix> and v1=<hex>")
    return t, signatures


def verify_signature(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    tolerance_s: int | None = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> int:
    """Check ``header`` against ``body``; returns the signed timestamp or raises SignatureError.

    ``tolerance_s=None`` skips the freshness check (e.g. replaying a stored delivery).
    """
    if not header:
        raise SignatureError("missing signature header")
    t, signatures = parse_signature(header)
    if tolerance_s is not None:
        current = time.time() if now is None else now
        if abs(current - t) > tolerance_s:
            raise SignatureError("signature timestamp outside the tolerance window")
    expected = _digest(secret, body, t)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("signature does not match the body")
    return t
