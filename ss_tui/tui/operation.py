"""One shape for everything the dashboard runs in the background and shows as it goes: an
import run, a refresh from Session Studio, a link discovery.

An ``Operation`` is idle, running, finished or failed; while it runs, the worker's events
fold into its ``detail`` (what the screen draws: a ``RunState``, a ``RefreshState``…), which
also says how far along it is. The app starts, feeds and ends operations; screens subscribe
to ``changed`` and draw. Nothing here knows a screen.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from textual.dom import DOMNode
from textual.signal import Signal


class Phase(StrEnum):
    idle = "idle"  # never started in this session
    running = "running"
    finished = "finished"
    failed = "failed"  # the operation itself could not run (not: it ran and found errors)


class Detail(Protocol):
    """What an operation's events fold into."""

    # Any: each detail takes its own events (RunState the engine's), so no narrower type fits all.
    def apply(self, event: Any, now: datetime) -> bool:
        """Fold one event; True when it changed what a screen shows."""
        ...

    @property
    def progress(self) -> tuple[float, float | None]:
        """(done, total); total None while unknown."""
        ...


DetailT = TypeVar("DetailT", bound=Detail)
ResultT = TypeVar("ResultT")


class Operation(Generic[DetailT, ResultT]):
    """A background operation's state, published to subscribers on every visible change."""

    def __init__(self, owner: DOMNode, name: str, detail: DetailT) -> None:
        self.name = name
        self.detail = detail
        self.phase = Phase.idle
        self.message: str | None = None  # why it failed (or a closing word)
        self.result: ResultT | None = None
        self.changed: Signal[Operation[DetailT, ResultT]] = Signal(owner, name)

    @property
    def active(self) -> bool:
        return self.phase is Phase.running

    @property
    def progress(self) -> float:
        return self.detail.progress[0]

    @property
    def total(self) -> float | None:
        return self.detail.progress[1]

    def start(self, detail: DetailT) -> None:
        self.detail = detail
        self.phase = Phase.running
        self.message = self.result = None
        self.publish()

    def fold(self, event: object, now: datetime) -> None:
        if self.detail.apply(event, now):
            self.publish()

    def finish(self, result: ResultT | None = None, message: str | None = None) -> None:
        self.phase, self.result, self.message = Phase.finished, result, message
        self.publish()

    def fail(self, message: str) -> None:
        self.phase, self.message = Phase.failed, message
        self.publish()

    def publish(self) -> None:
        self.changed.publish(self)
