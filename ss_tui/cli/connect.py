"""CLI commands: ``ss-tui connect``, ``ss-tui disconnect``, ``ss-tui accounts``,
``ss-tui token-key`` — connecting a Session Studio account without the dashboard."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import click

from ss_tui.failures import EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from ss_tui.config import Settings
    from ss_tui.engine.service import ImportService
    from ss_tui.sessionstudio.auth import OAuthClient
    from ss_tui.sessionstudio.tokens import TokenStore

    Body = Callable[[ImportService, TokenStore, Settings], Awaitable[int]]


def _run(body: Body, database_url: str | None) -> None:
    """Settings + database + token store + import service, then ``body(svc, store, settings)``.

    Session Studio's errors (a declined login: exit 4; unreachable: 7) and the database's
    are explained by the CLI's error boundary (``cli/boundary.py``)."""
    from ss_tui.config import load_settings
    from ss_tui.db.engine import create_engine
    from ss_tui.engine.service import ImportService
    from ss_tui.sessionstudio.tokens import token_store_from_settings

    settings = load_settings(**({"database_url": database_url} if database_url else {}))

    async def main() -> int:
        engine = create_engine(settings.database_url)
        try:
            store = token_store_from_settings(settings, engine)
            return await body(ImportService(settings, engine, token_store=store), store, settings)
        finally:
            await engine.dispose()

    try:
        code = asyncio.run(main())
    except (KeyError, IndexError):
        raise  # a bug, not a missing account: the boundary reports it
    except LookupError as exc:  # no such account, or several to choose from
        click.secho(str(exc.args[0] if exc.args else exc), fg="red", err=True)
        code = EXIT_USAGE
    sys.exit(code)


def _oauth(settings: Settings) -> OAuthClient:
    from ss_tui.sessionstudio.auth import OAuthClient

    secret = settings.client_secret.get_secret_value() if settings.client_secret else None
    return OAuthClient(settings.api_base_url, settings.client_id, secret)


@click.command("connect")
@click.option("--device", "method", flag_value="device", default=True,
              help="Device login: open a URL on any device and enter a code (default).")
@click.option("--browser", "method", flag_value="browser",
              help="Browser login on this machine (authorization code + PKCE, loopback).")
@click.option("--token-stdin", "method", flag_value="token",
              help="Read a personal access token from standard input.")
@click.option("--no-open", is_flag=True, help="With --browser: print the URL, don't open it.")
@click.option("--database-url", default=None, help="Overrides SS_TUI_DATABASE_URL.")
def connect_cmd(method: str, no_open: bool, database_url: str | None) -> None:
    """Connect a Session Studio account and store its token (keyring by default)."""

    async def body(svc: ImportService, store: TokenStore, settings: Settings) -> int:
        async with _oauth(settings) as oauth:
            if method == "token":
                tokens = oauth.token_from_personal(sys.stdin.read())
            elif method == "browser":
                tokens = await oauth.authorize_with_loopback(
                    open_browser=not no_open,
                    on_url=lambda url: click.echo(f"Open this URL to approve ss-tui:\n  {url}"),
                )
            else:
                device = await oauth.start_device_flow()
                click.echo(
                    f"Open {device.verification_uri} and enter the code {device.user_code}\n"
                    f"(or open {device.verification_uri_complete or device.verification_uri}). "
                    "Waiting for approval…"
                )
                tokens = await oauth.poll_device_flow(device)
        info = await svc.register_connection(tokens)
        click.echo(
            f"Connected {info.account_name or info.account_id} ({info.account_id}); "
            f"token stored in {_where(store)}."
        )
        return EXIT_OK

    _run(body, database_url)


@click.command("disconnect")
@click.option("--account", default=None, help="Account id (needed when several are connected).")
@click.option("--no-revoke", is_flag=True, help="Only forget the token; don't revoke it.")
@click.option("--database-url", default=None, help="Overrides SS_TUI_DATABASE_URL.")
def disconnect_cmd(account: str | None, no_revoke: bool, database_url: str | None) -> None:
    """Revoke and forget a connected account's token."""

    async def body(svc: ImportService, store: TokenStore, settings: Settings) -> int:
        from ss_tui.sessionstudio.auth import TokenManager

        live = [
            c for c in await svc.connections()
            if c.status != "disconnected" and account in (None, c.account_id, c.id)
        ]
        if len(live) != 1:
            raise LookupError(
                "Several accounts are connected; choose one with --account."
                if live else "No such connected Session Studio account."
            )
        account_id = live[0].account_id
        async with _oauth(settings) as oauth:
            manager = TokenManager(None if no_revoke else oauth, store, account_id)
            await manager.disconnect(revoke=not no_revoke)
        await svc.disconnect(account_id)
        click.echo(f"Disconnected {account_id}.")
        return EXIT_OK

    _run(body, database_url)


@click.command("accounts")
@click.option("--database-url", default=None, help="Overrides SS_TUI_DATABASE_URL.")
def accounts_cmd(database_url: str | None) -> None:
    """List connected accounts and whether a token is stored for each."""

    async def body(svc: ImportService, store: TokenStore, settings: Settings) -> int:
        from ss_tui.queries.connections import list_connections  # as the Connect screen

        connections = await list_connections(svc.engine)
        if not connections:
            click.echo("No Session Studio account is connected (run `ss-tui connect`).")
            return EXIT_OK
        for c in connections:
            tokens = await store.get(c.account_id)
            if tokens is None:
                state = "no token stored"
            elif tokens.expires_at is None:
                state = "personal token"
            else:
                state = f"token expires {tokens.expires_at:%Y-%m-%d %H:%M} UTC"
            name = c.account_name or ""
            click.echo(f"{c.account_id}\t{name}\t{c.status}\t{state}\t{c.base_url}")
        return EXIT_OK

    _run(body, database_url)


@click.command("token-key")
def token_key_cmd() -> None:
    """Print a new Fernet key for SS_TUI_TOKEN_KEY (the database token store)."""
    from cryptography.fernet import Fernet

    click.echo(Fernet.generate_key().decode())


def _where(store: TokenStore) -> str:
    from ss_tui.sessionstudio.tokens import DatabaseTokenStore, KeyringTokenStore

    if isinstance(store, KeyringTokenStore):
        return "the OS keyring"
    if isinstance(store, DatabaseTokenStore):
        return "the database (encrypted with SS_TUI_TOKEN_KEY)"
    return "memory only (lost when ss-tui exits)"


def register(root: click.Group) -> None:
    """Add this module's commands to the root group."""
    for command in (connect_cmd, disconnect_cmd, accounts_cmd, token_key_cmd):
        root.add_command(command)
