"""Circuit breaker: opens after 5 failures in 60 s, half-opens after 30 s, closes after 2."""

from __future__ import annotations

import pytest

from ss_tui.sessionstudio.breaker import CircuitBreaker
from ss_tui.sessionstudio.errors import CircuitOpenError


def make(vtime, changes):
    return CircuitBreaker(clock=vtime.monotonic, on_change=changes.append)


def test_opens_after_five_failures_within_a_minute(vtime):
    changes: list[str] = []
    breaker = make(vtime, changes)
    for _ in range(4):
        breaker.before_call()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError) as err:
        breaker.before_call()
    assert err.value.kind == "transient" and "30 s" in str(err.value)
    assert changes == ["open"]


def test_failures_spread_over_more_than_a_minute_do_not_open(vtime):
    breaker = make(vtime, [])
    for _ in range(10):
        breaker.record_failure()
        vtime.advance(16)
    assert breaker.state == "closed"


def test_half_open_after_30_s_then_closed_after_two_successes(vtime):
    changes: list[str] = []
    breaker = make(vtime, changes)
    for _ in range(5):
        breaker.record_failure()
    vtime.advance(29)
    assert breaker.state == "open"
    vtime.advance(1)
    assert breaker.state == "half_open"
    breaker.before_call()
    with pytest.raises(CircuitOpenError):
        breaker.before_call()  # one trial call at a time
    breaker.record_success()
    assert breaker.state == "half_open"
    breaker.before_call()
    breaker.record_success()
    assert breaker.state == "closed"
    assert changes == ["open", "half_open", "closed"]


def test_a_failed_trial_reopens(vtime):
    breaker = make(vtime, [])
    for _ in range(5):
        breaker.record_failure()
    vtime.advance(30)
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state == "open"
    vtime.advance(29)
    assert breaker.state == "open"
