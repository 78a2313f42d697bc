"""Keep tokens and secrets out of logs, exception messages and reprs.

Two layers: every secret the process handles is registered (exact-match removal,
whatever the surrounding text looks like), and patterns catch the usual shapes
(``Bearer …``, ``access_token=…``, ``"refresh_token": "…"``) for secrets we never saw.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict

MASK = "[REDACTED]"
_MIN_SECRET_LEN = 8  # shorter strings would mask innocent text
_MAX_REGISTERED = 1024

_lock = threading.Lock()
_secrets: OrderedDict[str, None] = OrderedDict()

_SECRET_KEYS = (
    "access_token|refresh_token|id_token|client_secret|code_verifier|device_code|"
    "token|password|secret|authorization|api_key|apikey"
)
_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/=]{6,}"),
    # key=value (query strings, form bodies, log lines)
    re.compile(rf"(?i)\b({_SECRET_KEYS})=([^&\s\"',;]+)"),
    # "key": "value" / 'key': 'value' (JSON, dict reprs)
    re.compile(rf"(?i)([\"']({_SECRET_KEYS})[\"']\s*:\s*)[\"'][^\"']*[\"']"),
)


def register_secret(value: str | None) -> None:
    """Remember a secret so any later text containing it is masked."""
    if not value or len(value) < _MIN_SECRET_LEN:
        return
    with _lock:
        _secrets[value] = None
        _secrets.move_to_end(value)
        while len(_secrets) > _MAX_REGISTERED:
            _secrets.popitem(last=False)


def redact(text: str) -> str:
    """``text`` with every known secret and secret-shaped value masked."""
    if not text:
        return text
    with _lock:
        known = list(_secrets)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _PATTERNS[2].sub(lambda m: f'{m.group(1)}"{MASK}"', text)
    return text


def mask(value: str | None) -> str:
    """A stand-in for a secret in reprs: shows only that there is one."""
    return MASK if value else "None"


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message (and traceback) redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw msg, still redacted
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_installed = False


def install_log_redaction() -> None:
    """Redact every log record the process creates, whichever logger or handler gets it.

    A record factory (not a handler filter) so libraries' loggers and handlers added
    later (Textual's log, pytest's caplog) are covered too."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()
    redacting = RedactingFilter()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redacting.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
