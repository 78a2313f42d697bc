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
def collector_paused(*, promote: bool = False) -> Iterator[None]:
    """No cyclic collection inside the block (nested blocks and concurrent tasks only keep it
    off longer; it is switched back on by the block that switched it off).

    By default what the block built is left where it is, in the youngest generation, and the
    first collection after the block scans whatever of it is still alive. Moving it to the
    oldest generation unscanned instead (``gc.freeze`` + ``gc.unfreeze``) takes the block's
    garbage along, out of reach until a full collection: done after every chunk of a
    streaming import, its memory grew with the catalogue (bench/README.md, "Session 5").

    ``promote=True`` does move it, for a block that builds one large thing its caller keeps:
    a preview's plan (a million objects for 1,000 projects), which that first young
    collection scanned for 0.4 s while keeping all of it (bench/README.md, "Session 7").
    Like switching the collector back on, promoting is done by the outermost block only."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if promote:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
