"""Typed errors raised by the Session Studio client (classified by ss_tui/sync_errors.py).

Every error carries a ``kind`` (how the engine classifies it), the HTTP status and
RFC 9457 problem body when there was one, and a ``suggested_action`` a person can act
on. Messages pass through :func:`redact` so no token text ever reaches a log line,
a screen or the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from ss_tui.db.enums import ErrorKind
from ss_tui.sessionstudio.redaction import redact
from ss_tui.values import JSONObject


class ErrorOptions(TypedDict, total=False):
    """What every error takes besides its message (subclasses pass it on unchanged)."""

    http_status: int | None
    problem: JSONObject | None
    kind: ErrorKind | None
    suggested_action: str | None


class SessionStudioError(Exception):
    """Base class: something went wrong talking to Session Studio."""

    kind: ErrorKind = ErrorKind.internal
    default_action: str = "Report this to the ss-tui maintainers with the run id."

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        problem: JSONObject | None = None,
        kind: ErrorKind | None = None,
        suggested_action: str | None = None,
    ) -> None:
        self.message = redact(message)
        super().__init__(self.message)
        self.http_status = http_status
        self.problem = problem
        if kind is not None:
            self.kind = kind
        self.suggested_action = suggested_action or self.default_action

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({self.message!r}, kind={str(self.kind)!r}, status={self.http_status})"


class TransientError(SessionStudioError):
    """A timeout, connection error, 5xx or garbled response: retrying may help."""

    kind = ErrorKind.transient
    default_action = "Retry later; Session Studio or the network was unavailable."


class RateLimitedError(TransientError):
    """Session Studio answered 429; ``retry_after`` is how long it asked us to wait."""

    kind = ErrorKind.rate_limited
    default_action = "Retry later; the Session Studio rate limit was exhausted."

    def __init__(
        self,
        message: str,
        *,
        retry_after: float = 1.0,
        **options: Unpack[ErrorOptions],
    ) -> None:
        super().__init__(message, **options)
        self.retry_after = retry_after


class CircuitOpenError(TransientError):
    """The circuit breaker is open: we stopped calling a failing Session Studio."""

    default_action = "Wait for Session Studio to recover; the client retries on its own."

    def __init__(
        self,
        message: str,
        *,
        retry_in: float = 0.0,
        **options: Unpack[ErrorOptions],
    ) -> None:
        super().__init__(message, **options)
        self.retry_in = retry_in


class AuthError(SessionStudioError):
    """Authentication or authorization failed (401/403, OAuth errors)."""

    kind = ErrorKind.auth
    default_action = "Reconnect the Session Studio account."


class ReconnectNeeded(AuthError):
    """The refresh token was rejected (invalid_grant/revoked) or none is stored.

    Never retried: only a person reconnecting the account fixes it."""

    default_action = "Reconnect the Session Studio account (ss-tui connect, or the Connect screen)."


class AuthorizationDenied(AuthError):
    """The user declined the authorization request (``access_denied``)."""

    default_action = "Start connecting again and approve the request."


class AuthorizationExpired(AuthError):
    """The device code or authorization attempt expired before it was approved."""

    default_action = "Start connecting again and approve within the time shown."


class NotFound(SessionStudioError):
    kind = ErrorKind.not_found
    default_action = "The item no longer exists in Session Studio; ignore or remove it."


class InvalidRequest(SessionStudioError):
    """Session Studio rejected the request itself (400/422): a bug or bad parameter."""

    kind = ErrorKind.invalid_data
    default_action = "Check the filters/parameters; report it if it persists."


class ConflictError(SessionStudioError):
    kind = ErrorKind.conflict
    default_action = "Refresh and try again."


class NoKeyringBackend(SessionStudioError):
    """The OS keyring is unavailable; we refuse to fall back to keyring's null backend."""

    kind = ErrorKind.auth
    default_action = (
        "Install/configure a keyring backend (e.g. gnome-keyring, KWallet, macOS Keychain, "
        "or `pip install keyrings.alt`), or set SS_TUI_TOKEN_STORE=database together with "
        "SS_TUI_TOKEN_KEY (a Fernet key) to keep tokens encrypted in the database."
    )

    def __init__(self, backend: str) -> None:
        # The message names the problem; the two fixes travel as the suggested action (shown
        # once by the CLI and the dashboard) and in str() for logs.
        super().__init__(f"No usable OS keyring backend (keyring chose {backend}).")

    def __str__(self) -> str:
        return f"{self.message} Fix: {self.suggested_action}"


@dataclass(slots=True)
class ItemValidationProblem:
    """One item from a page that did not match the contract; its page-mates still arrive."""

    entity: str  # project | track | artist
    external_id: str | None
    payload: Any  # the raw JSON item, exactly as received
    errors: list[str] = field(default_factory=list)
    parent_id: str | None = None  # for a track: the project it came in
    kind: ErrorKind = ErrorKind.invalid_data
    suggested_action: str = "Fix the item in Session Studio, then retry it."

    @property
    def message(self) -> str:
        what = f"{self.entity} {self.external_id}" if self.external_id else f"a {self.entity}"
        return f"Session Studio sent {what} that does not match the contract: " + "; ".join(
            self.errors
        )


class InvalidItem(SessionStudioError):
    """A single requested item (``get_project``/``get_track``) does not match the contract."""

    kind = ErrorKind.invalid_data
    default_action = "Fix the item in Session Studio, then retry it."

    def __init__(self, item: ItemValidationProblem) -> None:
        super().__init__(item.message)
        self.item = item


def problem_from_response(body: Any) -> JSONObject | None:
    """The RFC 9457 problem dict if ``body`` looks like one."""
    if isinstance(body, dict) and ("title" in body or "detail" in body or "error" in body):
        return {k: v for k, v in body.items() if isinstance(k, str)}
    return None
