"""``ss-tui discover``: find Apple Music / Deezer / MusicBrainz links for releases, headless.

Exit codes: 0 every release looked up (found, not found or already linked); 1 at least one
provider failed for some release (recorded as sync errors, stage ``discovery``); 2 bad usage.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import click

from ss_tui.config import load_settings
from ss_tui.db.engine import create_engine
from ss_tui.discovery import PROVIDER_ORDER, ReleaseDiscovered, discover_links, open_providers
from ss_tui.queries.releases import imported_release_ids
from ss_tui.text import visible


async def _run(
    release_ids: list[uuid.UUID], all_: bool, names: list[str] | None, fallbacks: bool,
    as_json: bool, database_url: str | None,
) -> int:
    settings = load_settings()
    engine = create_engine(database_url or settings.database_url)
    try:
        ids = release_ids or (await imported_release_ids(engine) if all_ else [])

        async def sink(event: object) -> None:
            if isinstance(event, ReleaseDiscovered) and not as_json:
                failed = ", ".join(event.failed_providers)
                click.echo(
                    f"{event.status:<10} {visible(event.title, single_line=True)}"
                    f"  +{event.links_created} links"
                    + (f" (failed: {failed})" if failed else "")
                )

        async with open_providers(settings, names) as lookups:
            report = await discover_links(
                engine, ids, lookups.providers, sink=sink, fallbacks=fallbacks
            )
    finally:
        await engine.dispose()
    if as_json:
        click.echo(json.dumps({
            "counts": report.counts(),
            "requests": report.requests,
            "missing": [str(i) for i in report.missing],
            "releases": [
                {"releaseId": str(r.release_id), "title": r.title, "status": r.status,
                 "providers": {k: {"status": v.status, "created": v.created,
                                   "upgraded": v.upgraded, "fallbacks": v.fallbacks,
                                   "error": v.error} for k, v in r.providers.items()}}
                for r in report.releases.values()
            ],
        }, indent=2))
    else:
        counts = report.counts()
        click.echo(
            f"{len(report.releases)} releases: {counts.get('found', 0)} found, "
            f"{counts.get('not_found', 0)} not found, {counts.get('failed', 0)} failed, "
            f"{counts.get('unchanged', 0)} unchanged; {counts.get('links_created', 0)} links "
            f"created, {counts.get('links_upgraded', 0)} fallbacks upgraded."
        )
        for missing in report.missing:
            click.echo(f"No release with id {missing}.", err=True)
    return 1 if report.counts().get("failed") else 0


def register(root: click.Group) -> None:
    @root.command("discover")
    @click.argument("release_ids", nargs=-1, type=click.UUID)
    @click.option("--all", "all_", is_flag=True, help="Every release imported from Session Studio.")
    @click.option("--provider", "providers", multiple=True, type=click.Choice(PROVIDER_ORDER),
                  help="Only these providers (repeatable; default all, in discovery order).")
    @click.option("--no-fallbacks", is_flag=True, help="Do not store search-URL fallbacks.")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @click.option("--database-url", default=None, help="Override SS_TUI_DATABASE_URL.")
    def discover_cmd(
        release_ids: tuple[uuid.UUID, ...], all_: bool, providers: tuple[str, ...],
        no_fallbacks: bool, as_json: bool, database_url: str | None,
    ) -> None:
        """Find links on Apple Music, Deezer and MusicBrainz from ISRCs and UPCs."""
        if not release_ids and not all_:
            raise click.UsageError("Name release ids, or pass --all.")
        code = asyncio.run(_run(
            list(release_ids), all_, list(providers) or None, not no_fallbacks, as_json,
            database_url,
        ))
        raise SystemExit(code)
