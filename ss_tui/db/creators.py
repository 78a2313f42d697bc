"""Creator profiles the Jovie way (docs/jovie-model.md).

A profile ss-tui creates fills Jovie's required columns by Jovie's rules: ``creator_type``
'artist'; a ``username`` Jovie's own validation would accept (3-30 characters, letters,
digits and single hyphens, starting with a letter, not reserved) and ``username_normalized``
= the username lower-cased and trimmed, as Jovie normalises it. It is never public
(Jovie's ``is_public`` defaults to true) and never claimed.
"""

from __future__ import annotations

import re
import unicodedata
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db.enums import IngestionStatus
from ss_tui.values import Row

USERNAME_MIN, USERNAME_MAX = 3, 30
# Words Jovie reserves for its own routes and pages; a username may neither be one nor
# start with one followed by '-' or '_'.
RESERVED_USERNAMES = frozenset(
    """
    api admin dashboard onboarding settings profile login signin signup signout logout
    register auth oauth callback verify reset forgot app notify clerk mail changelog
    engagement-engine link-in-bio about contact privacy terms legal help support blog news
    press careers jobs team company pricing features demo sandbox test staging production prod
    dev development preview beta alpha stage www ftp email smtp pop imap http https mobile
    desktop download downloads assets static public private secure cdn media images root feed
    explore discover trending popular featured search find browse categories tags topics
    account accounts user users member members subscriber subscribers customer customers
    client artist artists album albums track tracks playlist playlists genre genres charts top
    jovie tip tips listen share link links bio waitlist invite invites referral refer
    """.split()
)
_VALID = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$")


def normalize_username(username: str) -> str:
    """Jovie's normalisation for ``username_normalized``: lower-cased and trimmed."""
    return username.lower().strip()


def is_valid_username(username: str) -> bool:
    n = normalize_username(username)
    if not (USERNAME_MIN <= len(n) <= USERNAME_MAX) or not _VALID.match(n):
        return False
    if n in RESERVED_USERNAMES:
        return False
    return not any(n.startswith(r + "-") or n.startswith(r + "_") for r in RESERVED_USERNAMES)


def _base(name: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", ascii_.lower())).strip("-")


def username_for(name: str, profile_id: uuid.UUID) -> str:
    """A valid, practically unique username for a new profile: the artist's name made
    URL-safe plus 8 hex digits of the profile's (deterministic) id."""
    suffix = profile_id.hex[:8]
    base = _base(name)[: USERNAME_MAX - len(suffix) - 1].strip("-")
    if (
        not base
        or not base[0].isalpha()
        or base in RESERVED_USERNAMES
        or any(base.startswith(r + "-") for r in RESERVED_USERNAMES)
    ):
        base = ("music-" + base)[: USERNAME_MAX - len(suffix) - 1].strip("-")
    candidate = f"{base}-{suffix}"
    return candidate if is_valid_username(candidate) else f"music-{suffix}"


def python_defaults(table: sa.Table) -> Row:
    """Every column's Python-side default (timestamps excluded): a row built from these
    plus the values one means to write is complete, whatever the database's defaults."""
    out: Row = {}
    for c in table.columns:
        if c.name in ("created_at", "updated_at") or c.default is None:
            continue
        d = c.default
        out[c.name] = d.arg(None) if d.is_callable else d.arg  # type: ignore[attr-defined]  # ScalarElementColumnDefault/CallableColumnDefault both have .arg
    return out


def new_profile_row(
    table: sa.Table, profile_id: uuid.UUID, display_name: str, ss_artist_id: str | None
) -> Row:
    """The full creator_profiles row for a profile ss-tui creates: never public, never
    claimed, Jovie's required columns filled."""
    username = username_for(display_name, profile_id)
    row = python_defaults(table)
    row.update(
        id=profile_id,
        creator_type="artist",
        username=username,
        username_normalized=normalize_username(username),
        display_name=display_name,
        is_public=False,
        is_claimed=False,
        ingestion_status=IngestionStatus.idle,
        ingestion_source_platform="session-studio",
        settings={"sessionStudioArtistId": ss_artist_id},
    )
    return row


async def is_jovie_database(engine: AsyncEngine) -> bool:
    """A database Jovie's app runs on (it has Jovie's ``users`` table, which ss-tui never
    creates): there, creating creator profiles is offered, never done silently."""
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: sa.inspect(c).has_table("users"))
