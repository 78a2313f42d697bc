"""Typed lookup failures, on the client layer's error base so the engine classifies them.

They reuse :class:`ss_tui.sessionstudio.errors.SessionStudioError` (``kind``, ``http_status``,
``suggested_action``) so ``sync_errors.from_exception`` records them like any other failure;
the messages name the lookup service, never Session Studio.
"""

from __future__ import annotations

from typing import Unpack

from ss_tui.db.enums import ErrorKind
from ss_tui.sessionstudio.errors import ErrorOptions, SessionStudioError, TransientError


class ProviderError(SessionStudioError):
    """A lookup service answered in a way we cannot use (4xx other than not-found)."""

    kind = ErrorKind.internal
    default_action = "Check the lookup service's base URL setting; retry discovery later."


class LookupUnavailable(TransientError):
    """Timeout, connection error, 5xx or garbled body: retrying later may help."""

    kind = ErrorKind.transient
    default_action = "The lookup service was unavailable; retry discovery for this release."


class LookupRateLimited(LookupUnavailable):
    """The service said we went over its rate limit (429, MusicBrainz 503, Deezer code 4)."""

    kind = ErrorKind.rate_limited
    default_action = "The lookup service's rate limit was hit; retry discovery later."

    def __init__(
        self,
        message: str,
        *,
        retry_after: float = 1.0,
        **options: Unpack[ErrorOptions],
    ) -> None:
        super().__init__(message, **options)
        self.retry_after = retry_after


class LookupCircuitOpen(LookupUnavailable):
    """The provider failed repeatedly; calls to it are paused by its circuit breaker."""

    default_action = "The lookup service kept failing; retry discovery once it is back."
