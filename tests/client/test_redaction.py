"""Tokens and secrets never reach logs, messages or reprs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from ss_tui.sessionstudio.errors import ReconnectNeeded, SessionStudioError
from ss_tui.sessionstudio.redaction import RedactingFilter, redact, register_secret
from ss_tui.sessionstudio.tokens import TokenSet


def test_patterns_catch_secrets_we_never_saw():
    line = (
        'GET /x Authorization: Bearer abcDEF123456.xyz access_token=s3cr3tvalue&a=1 '
        '{"refresh_token": "rt-zzzzzzzzzz", "client_secret": "cs-123456789"}'
    )
    out = redact(line)
    for secret in ("abcDEF123456.xyz", "s3cr3tvalue", "rt-zzzzzzzzzz", "cs-123456789"):
        assert secret not in out
    assert "a=1" in out and "GET /x" in out


def test_registered_secrets_are_masked_anywhere():
    register_secret("opaque-0123456789")
    assert redact("odd place: <opaque-0123456789>") == "odd place: <[REDACTED]>"


def test_token_set_repr_and_errors_hide_tokens():
    tokens = TokenSet(
        access_token="at-repr-0123456789",
        refresh_token="rt-repr-0123456789",
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
        scope="projects:read",
    )
    for text in (repr(tokens), str(tokens), f"{tokens}", repr([tokens])):
        assert "at-repr-0123456789" not in text and "rt-repr-0123456789" not in text
    assert "projects:read" in repr(tokens)
    err = ReconnectNeeded("refresh with rt-repr-0123456789 failed")
    assert "rt-repr-0123456789" not in str(err) and "rt-repr-0123456789" not in repr(err)
    assert err.kind == "auth" and "Reconnect" in err.suggested_action
    assert SessionStudioError("x").kind == "internal"


def test_filter_redacts_message_args_and_traceback(caplog):
    register_secret("tb-secret-0123456789")
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger="test.redaction"):
            logger.info("token is %s", "tb-secret-0123456789")
            try:
                raise ValueError("boom tb-secret-0123456789")
            except ValueError:
                logger.exception("failed")
    finally:
        logger.filters.clear()
    assert "tb-secret-0123456789" not in caplog.text
    assert "[REDACTED]" in caplog.text and "ValueError" in caplog.text
