"""The cyclic garbage collector around bulk work (bench/README.md, "plan5 round").

Decoding a page of projects, storing its snapshots and planning an import allocate hundreds of
thousands of small containers (dicts, lists, models) that hold no reference cycles. With the
collector running, each is scanned by the young generations' collections and the full
collections they trigger rescan the whole heap: a quarter to a third of those phases' CPU.
Reference counting frees all of them anyway.

A headless process also keeps, from its start to its end, what start-up built: modules,
classes, validators and compiled statements, some 75,000 objects. Every full collection
scanned them all again (40 ms on an idle core, 190 ms on a busy one), and while it ran no
request went out: at 50 requests a second that is 2-10 slots of the rate limit lost for good
(bench/README.md, "Session 8"). :func:`freeze_start_up` takes them out of the collector's
sight once set-up is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_process_is_ours = False


def own_the_process() -> None:
    """The ``ss-tui`` command started this process, runs one command and ends with it:
    :func:`freeze_start_up` may act. Not so when a program (or a test runner) calls ss-tui's
    commands in a process of its own, whose heap is not ss-tui's to freeze."""
    global _process_is_ours
    _process_is_ours = True


def freeze_start_up() -> None:
    """In a process ss-tui owns (:func:`own_the_process`): collect start-up's garbage, then
    exempt everything still alive from later collections (``gc.freeze``); it lives as long
    as the process. Reference counting still frees any of it that is let go; only a cycle
    among it would stay, which start-up objects do not form once start-up is over. A later
    ``collector_paused(promote=True)`` block puts them back in the oldest generation
    (``gc.unfreeze`` cannot tell them apart from the block's)."""
    if not _process_is_ours:
        return
    gc.collect()
    gc.freeze()


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
