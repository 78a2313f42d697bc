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
def collector_paused(*, keep_survivors: bool = False) -> Iterator[None]:
    """No cyclic collection inside the block (nested blocks and concurrent tasks only keep it
    off longer; it is switched back on by the block that switched it off).

    ``keep_survivors``: what the block built and returns (a plan: millions of objects) is
    moved to the oldest generation as a whole (``gc.freeze`` then ``gc.unfreeze``, both
    constant time) instead of being scanned by the next young collection; skipped while
    someone else holds objects frozen (the dashboard's heap, an apply), whose freeze the
    unfreeze would undo."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep_survivors and gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()
