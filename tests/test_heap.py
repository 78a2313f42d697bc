"""Pausing the cyclic collector around bulk work must not hide garbage from it: a streaming
import pauses it for every page, and garbage moved out of the young generations each time
made the import's memory grow with the catalogue (bench/README.md, figure 5)."""

from __future__ import annotations

import gc
import weakref

from ss_tui.heap import collector_paused


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_garbage_made_while_paused_is_freed_by_a_young_collection() -> None:
    with collector_paused():
        node = _Node()
        gone = weakref.ref(node)
        del node
        assert gone() is not None  # paused: nobody collected it
    gc.collect(1)  # what the running program does often; a full collection is rare
    assert gone() is None


def test_the_collector_is_on_again_after_the_block_unless_it_was_off() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_what_a_promoting_block_keeps_skips_the_young_collections() -> None:
    """A preview's plan is kept until applied: scanning it in the young collection that
    the block's end starts cost 0.4 s for 1,000 projects, and kept all of it anyway."""
    with collector_paused(promote=True):
        kept = [_Node() for _ in range(3)]
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(n) in oldest for n in kept)
    assert not any(id(n) in {id(o) for o in gc.get_objects(generation=0)} for n in kept)


def test_garbage_a_promoting_block_made_is_still_freed_by_a_full_collection() -> None:
    with collector_paused(promote=True):
        node = _Node()
        gone = weakref.ref(node)
        del node
    assert gc.isenabled()
    gc.collect()
    assert gone() is None


def _in_a_process_of_its_own(script: str, *args: str) -> list[str]:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


FREEZE = """
import gc, weakref
from ss_tui import heap

gc.disable()  # start-up's garbage is still there when set-up ends
class Node:
    def __init__(self):
        self.me = self

garbage = Node()
gone = weakref.ref(garbage)
del garbage
kept = [[] for _ in range(20_000)]  # what start-up keeps for the whole run
heap.own_the_process()
heap.freeze_start_up()
scanned = {id(o) for o in gc.get_objects()}  # what a full collection would scan
later = [[] for _ in range(10)]
scanned_later = {id(o) for o in gc.get_objects()}
print(gone() is None, sum(id(k) in scanned for k in kept),
      all(id(o) in scanned_later for o in later))
"""


def test_freezing_start_up_frees_its_garbage_and_leaves_only_later_objects_to_scan() -> None:
    """A full collection in a headless run scans only what the run made, not the 75,000
    objects of start-up: it stalled every request for up to 0.2 s at a time."""
    freed, kept_scanned, later_scanned = _in_a_process_of_its_own(FREEZE)
    assert (freed, kept_scanned, later_scanned) == ("True", "0", "True")


def test_start_up_is_not_frozen_in_a_process_ss_tui_does_not_own() -> None:
    """Called in someone else's process (a test runner, a program using ss-tui's commands),
    nothing is frozen: that heap is theirs."""
    from ss_tui.heap import freeze_start_up

    before = gc.get_freeze_count()
    freeze_start_up()
    assert gc.get_freeze_count() == before == 0


RUN = """
import gc, sys
from ss_tui.heap import own_the_process
from ss_tui.cli.running import _run

own_the_process()

async def body(service, settings):
    print(gc.get_freeze_count() > 10_000)
    return 0

_run(body, sys.argv[1])
"""


def test_an_engine_command_freezes_its_start_up_before_it_works(sqlite_url: str) -> None:
    assert _in_a_process_of_its_own(RUN, sqlite_url) == ["True"]
