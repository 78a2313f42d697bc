"""``make screenshots``: SVGs of every screen from the demo, deterministically.

Run as ``python -m ss_tui.tui.screenshots DIR``. The demo runs in-process (simulator over
ASGI, fresh SQLite in a temp dir) at a fixed size, with a fixed clock and seeded ids, so the
same code writes byte-identical files.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from ss_tui.tui.messages import DataChanged

if TYPE_CHECKING:
    from types import ModuleType

    from textual.pilot import Pilot

SIZE = (140, 40)
FIXED_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@contextmanager
def deterministic() -> Iterator[None]:
    """Fixed wall clock for every ``utcnow`` in ss_tui and seeded ``uuid4``."""
    rng = random.Random(1234)
    original_uuid4 = uuid.uuid4
    patched: list[tuple[ModuleType, str, object]] = []

    def fixed_now() -> datetime:
        return FIXED_NOW

    uuid.uuid4 = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)
    for name, module in list(sys.modules.items()):
        if name.startswith("ss_tui") and callable(getattr(module, "utcnow", None)):
            patched.append((module, "utcnow", module.utcnow))
            module.utcnow = fixed_now  # type: ignore[attr-defined]
    try:
        yield
    finally:
        uuid.uuid4 = original_uuid4
        for module, attr, value in patched:
            setattr(module, attr, value)


async def settle(pilot: Pilot[None]) -> None:
    """Let the screen's database workers finish and the screen repaint, including a redraw
    a screen holds back to coalesce bursts of events (the Progress screen)."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for _ in range(20):  # a bounded wait: a pending redraw lands within one interval
        if not getattr(pilot.app.screen, "redraw_pending", False):
            break
        await pilot.pause(0.05)
    await pilot.pause()


async def _no_wait(_seconds: float) -> None:
    await asyncio.sleep(0)


async def take(out_dir: Path, size: tuple[int, int] = SIZE, *, text: bool = False) -> list[Path]:
    """Write each screen as SVG (or, with ``text``, as plain text: for reviewing layouts)."""
    # Import the whole app first so deterministic() can patch every module's utcnow.
    from ss_tui.engine import service as _service  # noqa: F401
    from ss_tui.simulator import create_app as create_simulator
    from ss_tui.tui.demo import build_demo_app, demo_parts, demo_simulator_config, prepare_database

    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="ss-tui-shots-") as tmp, deterministic():
        parts = demo_parts(Path(tmp))
        await prepare_database(parts.database_url)
        sim_app = create_simulator(demo_simulator_config(projects=60))
        app = build_demo_app(
            parts, api_base_url="http://sim/v1",
            http_transport=httpx.ASGITransport(app=sim_app), simulator=sim_app.state.simulator,
            clock=lambda: FIXED_NOW, frozen=True, oauth_sleep=_no_wait,
        )

        async with app.run_test(size=size) as pilot:

            async def shot(
                name: str, *keys: str, before: Callable[[], object] | None = None
            ) -> None:
                for key in keys:
                    await pilot.press(key)
                    await settle(pilot)
                if before is not None:
                    result = before()
                    if asyncio.iscoroutine(result):
                        await result
                    await settle(pilot)
                if text:
                    from ss_tui.tui.text_dump import screen_text

                    path = out_dir / f"{name}.txt"
                    path.write_text(screen_text(app), encoding="utf-8")
                else:
                    path = out_dir / f"{name}.svg"
                    path.write_text(app.export_screenshot(title="ss-tui"), encoding="utf-8")
                written.append(path)

            await settle(pilot)
            await shot("01-connect-empty")
            await shot("02-connect", "d")
            await shot("03-browser", "f3", "r", "down", "space", "space", "space")
            await shot("04-project-filter", before=lambda: setattr(
                app.screen.query_one("#f-type"), "value", "album"))
            await shot("05-preview", "p", "down", "down")
            await shot("06-progress", "a", "y")
            await shot("07-errors", "f5", "down")
            await shot("08-history", "f6")

            async def queue_jobs() -> None:
                from ss_tui.jobs import queue
                from ss_tui.jobs.schedule import enqueue_incremental_syncs

                await enqueue_incremental_syncs(app.ctx.db_engine)
                await queue.enqueue(app.ctx.db_engine, queue.RETRY_ERRORS,
                                    {"error_ids": ["demo-1", "demo-2"]}, priority=1)
                app.post_message(DataChanged("jobs"))

            await shot("10-jobs", "f7", before=queue_jobs)
            await shot("11-stats", "f8")
            await shot("09-help", "f3", "f1")
        await app.ctx.db_engine.dispose()
    return written


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    text = "--text" in args  # python -m ss_tui.tui.screenshots DIR [WxH] [--text]
    args = [a for a in args if a != "--text"]
    out_dir = Path(args[0] if args else "screenshots")
    size = tuple(int(n) for n in args[1].split("x")) if len(args) > 1 else SIZE
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(take(out_dir, size, text=text)):  # type: ignore[arg-type]
        print(path)


if __name__ == "__main__":
    main()
