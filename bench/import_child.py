"""A headless import in its own process (figure 5 measures this process's peak RSS).

    python -m bench.import_child --base-url URL --database-url URL --account ID
The access token comes from the environment (BENCH_SS_TOKEN), never from the command line,
so it does not show in process listings. Prints the run's summary as JSON on stdout, with
its wall time, when the first listing page had been received (before it, the importer has
nothing to work on) and when the listing was complete (the import streams: planning and
applying overlap the fetch). With ``--baseline`` it only imports the same modules (the interpreter's
own footprint).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

TOKEN_ENV = "BENCH_SS_TOKEN"


async def _import(args: argparse.Namespace) -> dict[str, object]:
    from ss_tui.config import load_settings
    from ss_tui.db.engine import create_engine
    from ss_tui.engine import events as ev
    from ss_tui.engine.service import ImportService
    from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet

    store = MemoryTokenStore()
    await store.set(args.account, TokenSet(access_token=os.environ[TOKEN_ENV]))
    settings = load_settings(database_url=args.database_url, token_store="memory", operator="bench")
    engine = create_engine(args.database_url, sqlite_begin="IMMEDIATE")
    listing_done: list[float] = []
    first_answer: list[float] = []  # the first listing page's body received (its budget)

    async def sink(event: Any) -> None:
        if isinstance(event, ev.FetchProgress) and event.total is not None:
            listing_done.append(time.perf_counter())
        elif isinstance(event, ev.RateLimited) and not first_answer:
            first_answer.append(time.perf_counter())

    try:
        svc = ImportService(settings, engine, token_store=store, api_base_url=args.base_url)
        info = await svc.ensure_connection(args.account, "Demo Label")
        started = time.perf_counter()
        result = await svc.run_import(info.id, sink=sink)
        wall = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {
        "status": result.status,
        "items": result.items,
        "rows": result.rows_written,
        "wall_s": wall,
        "fetch_s": listing_done[0] - started if listing_done else None,
        "first_page_s": first_answer[0] - started if first_answer else None,
    }


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.import_child")
    p.add_argument("--base-url")
    p.add_argument("--database-url")
    p.add_argument("--account")
    p.add_argument("--baseline", action="store_true")
    args = p.parse_args()
    if args.baseline:
        import ss_tui.engine.service
        import ss_tui.sessionstudio.client  # noqa: F401

        print(json.dumps({"status": "baseline"}))
        return
    print(json.dumps(asyncio.run(_import(args))))


if __name__ == "__main__":
    main()
