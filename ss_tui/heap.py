"""The cyclic garbage collector around bulk work (bench/README.md, "plan5 round").

Decoding a page of projects, storing its snapshots and planning an import allocate hundreds of
thousands of small containers (dicts, lists, models) that hold no reference cycles. With the
collector running, each is scanned by the young generations' collections and the full
collections they trigger rescan the whole heap: a quarter to a third of those phases' CPU.
Reference counting frees all of them anyway.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block (nested blocks and concurrent tasks only keep it
    off longer; it is switched back on by the block that switched it off).

    What the block built is left where it is: moving it to the oldest generation
    (``gc.freeze`` + ``gc.unfreeze``) saved a little more CPU but took the garbage along, out
    of reach until a full collection; a streaming import's memory then grew with the
    catalogue (bench/README.md, "Session 5")."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
