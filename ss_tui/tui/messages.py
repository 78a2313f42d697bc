"""Typed messages the dashboard's workers post back to the UI thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from ss_tui.engine.events import EngineEvent


@dataclass
class EngineEventPosted(Message):
    """One engine event, forwarded from the run worker."""

    event: EngineEvent


@dataclass
class DataChanged(Message):
    """The database changed (a run, a refresh, a retry finished): screens reload their data."""

    reason: str


@dataclass
class RefreshEventPosted(Message):
    """One engine event from "refresh from Session Studio" (fetch progress, reconnect)."""

    event: EngineEvent


@dataclass
class DiscoveryEventPosted(Message):
    """A link-discovery event (ReleaseDiscovered / DiscoveryFinished)."""

    event: Any
