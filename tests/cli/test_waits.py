"""Long waits show as waits: the client says when Session Studio holds requests back (a
Retry-After, a failure being retried, the circuit breaker) and when answers flow again, and
the CLI's progress bar and the dashboard's Progress screen show it."""

from __future__ import annotations

from typing import Any

import pytest

from ss_tui.cli.running import _Progress
from ss_tui.engine import events as ev
from ss_tui.sessionstudio.breaker import CircuitBreaker
from ss_tui.sessionstudio.errors import CircuitOpenError, TransientError
from ss_tui.simulator import FaultConfig
from ss_tui.tui.run_state import RunState
from tests.tui.seed import T0


def _waits(events: list[Any]) -> list[tuple[str, float]]:
    return [(e.reason, e.seconds) for e in events if isinstance(e, ev.ApiWaiting)]


async def test_a_failure_being_retried_is_announced_then_its_end(kit) -> None:
    await kit.connect()
    kit.sim.queue_faults("503", "timeout")
    async with kit.client() as client:
        await client.me()
    waits = [e for e in kit.events if isinstance(e, ev.ApiWaiting)]
    assert [w.reason for w in waits] == ["retrying", "retrying", "resumed"]
    first, second = waits[0], waits[1]
    assert first.seconds == kit.vtime.sleeps[0] and "HTTP 503" in first.message
    assert "Retrying in 1 s (attempt 2 of 3)" in first.message
    assert "did not answer within" in second.message and "attempt 3 of 3" in second.message


async def test_retry_after_is_announced_with_its_length(kit) -> None:
    await kit.connect()
    kit.sim.set_faults(FaultConfig(retry_after_s=7))
    kit.sim.queue_faults("429")
    async with kit.client() as client:
        await client.me()
    assert _waits(kit.events) == [("rate_limited", 7.0), ("resumed", 0.0)]
    assert "waits 7 s (Retry-After)" in next(
        e.message for e in kit.events if isinstance(e, ev.ApiWaiting)
    )


async def test_an_open_breaker_is_announced(kit) -> None:
    await kit.connect()
    breaker = CircuitBreaker(failure_threshold=1, recovery_s=30, clock=kit.vtime.monotonic)
    kit.sim.queue_faults("503", "503", "503")
    async with kit.client(breaker=breaker) as client:
        with pytest.raises(TransientError):
            await client.me()
        with pytest.raises(CircuitOpenError):
            await client.me()
    assert ("circuit_open", 30.0) in _waits(kit.events)


async def test_the_cli_bar_shows_the_wait_and_drops_it_when_answers_flow() -> None:
    with _Progress(True) as bar:
        await bar(ev.RunStarted("r", 10, "me", False))
        await bar(ev.ApiWaiting("retrying", 2.0, "Session Studio did not answer…"))
        assert bar.progress.tasks[0].description == (
            "Importing · waiting 2s: no answer, retrying"
        )
        await bar(ev.ItemFailed("r", "p", "project", "p", "transient", "down"))
        assert "waiting 2s" in bar.progress.tasks[0].description  # still waiting
        await bar(ev.ApiWaiting("resumed", 0.0, "Session Studio is answering again."))
        assert bar.progress.tasks[0].description == "Importing (1 errors)"


def test_the_progress_screen_state_keeps_the_wait_until_it_ends() -> None:
    state = RunState()
    state.apply(ev.RunStarted("r", 3, "me", False), T0)
    state.apply(ev.ApiWaiting("rate_limited", 20.0, "Session Studio's rate limit: every "
                              "request waits 20 s (Retry-After)."), T0)
    assert state.waiting and "20 s" in state.waiting
    assert state.log[-1] == ("warn", state.waiting)
    state.apply(ev.ApiWaiting("resumed", 0.0, "Session Studio is answering again."), T0)
    assert state.waiting is None
