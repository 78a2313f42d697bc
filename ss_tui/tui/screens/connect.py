"""Accounts: their state and last sync; connect (device flow, loopback OAuth, pasted
token), disconnect, and choose the account the other screens work on."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Header, Input, Static

from ss_tui.queries import connections as q
from ss_tui.tui.failure import describe
from ss_tui.tui.messages import AccountConnected, AccountDisconnected, UseAccount
from ss_tui.tui.safe import clean, lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.columns import Column, FittedColumns
from ss_tui.tui.widgets.dialogs import ConfirmDialog
from ss_tui.tui.widgets.format import STATUS_STYLES, ago
from ss_tui.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    import uuid

    from ss_tui.engine.connections import ConnectionInfo

STATE_LABELS = {
    "connected": "connected",
    "reconnect_needed": "reconnect needed",
    "disconnected": "disconnected",
    "no_token": "sign in again",  # the database says connected, the token store has nothing
}

# At 100 columns the table takes the whole width (the login panel goes below it).
COLUMNS = (
    Column("account", "Account", 24, 24),
    Column("state", "State", 17, 16),
    Column("sync", "Last sync", 12, 12),
    Column("projects", "Projects", 8, 8),
    Column("server", "Server", 30, 28),
)


class ConnectScreen(BaseScreen):
    TITLE = "Accounts"
    HELP = """\
Connect a Session Studio account. Tokens go to the OS keyring (or the encrypted database
store), never to a file or the screen.

* **d** device login: open the URL shown on any device and type the code.
* **l** browser login (authorization code + PKCE on a loopback redirect).
* **t** paste a personal access token.
* **enter** works on the highlighted account; **x** disconnects it (removes its token).
* *sign in again*: the database remembers the account but the token store holds no token
  for it (the memory store forgets on exit; a keyring entry may have been deleted).
* *reconnect needed*: Session Studio revoked the token or it expired for good.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "device_login", "Device login", id="connect.device",
                tooltip="Connect with a code shown here (OAuth device flow)"),
        Binding("l", "loopback_login", "Browser login", id="connect.loopback",
                tooltip="Connect in the browser (OAuth code + PKCE, loopback redirect)"),
        Binding("t", "paste_token", "Paste token", id="connect.token",
                tooltip="Connect with a personal access token"),
        Binding("enter", "use_account", "Use account", id="connect.use",
                tooltip="Browse this account's projects"),
        Binding("x", "disconnect", "Disconnect", id="connect.disconnect",
                tooltip="Disconnect the highlighted account and delete its token"),
        Binding("escape", "cancel_login", "Cancel login", id="connect.cancel", show=False,
                tooltip="Cancel the login in progress"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.accounts: dict[str, q.ConnectionRow] = {}
        self.fitted = FittedColumns(*COLUMNS)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=not self.ctx.frozen)
        with Horizontal(id="connect-body"):
            with Vertical(id="accounts-box"):
                yield Static(Text("Session Studio accounts", style="bold"))
                yield DataTable(id="accounts", cursor_type="row", zebra_stripes=True)
                yield Static("", id="accounts-status", classes="status-line")
            with Vertical(id="login-box", classes="side-panel"):
                yield Static(self._login_intro(), id="login-intro")
                yield Static("", id="device-code", classes="big-code")
                yield Static("", id="device-url")
                yield Input(placeholder="Personal access token, then Enter",
                            password=True, id="token-input")
        yield KeyFooter()

    def _login_intro(self) -> Text:
        text = Text("Connect an account\n\n", style="bold")
        text.append("d  device login (code + URL)\nl  browser login\nt  paste a token\n\n")
        text.append("Server: ", style="dim")
        text.append_text(lit(self.ctx.api_base_url, "dim"))
        return text

    def on_mount(self) -> None:
        self.fitted.fit(self.query_one("#accounts", DataTable), self.app.size.width)
        self.query_one("#token-input", Input).display = False
        self.ctx.live.data_changed.subscribe(self, lambda _reason: self.load())
        self.load()

    def on_resize(self) -> None:
        if self.fitted.fit(self.query_one("#accounts", DataTable), self.app.size.width):
            self.load()

    @work(exclusive=True, group="accounts", exit_on_error=False)
    async def load(self) -> None:
        rows = await q.list_connections(self.ctx.db_engine)
        # "connected" is what the database remembers; the token may be gone (the memory
        # store forgets on exit, a keyring entry can be deleted): say what is true.
        missing = {r.id for r in rows if r.status == "connected"
                   and not await self.ctx.services.has_token(r.account_id)}
        current = self.ctx.live.account
        if current is None:  # the first connected account, until the user picks another
            current = q.default_account(rows)
            if current is not None:
                self.request(UseAccount(current))
        now = self.ctx.clock()
        table = self.query_one("#accounts", DataTable)
        table.clear()
        self.accounts = {str(r.id): r for r in rows}
        for r in rows:
            marker = "▶ " if r.id == current else "  "
            name = Text(marker, style="bold green")
            name.append_text(lit(r.account_name or r.account_id, max_len=40))
            state = "no_token" if r.id in missing else r.status
            table.add_row(*self.fitted.cells({
                "account": name,
                "state": Text(STATE_LABELS.get(state, state), style=STATUS_STYLES.get(state, "")),
                "sync": Text(ago(r.last_sync_at, now)),
                "projects": Text(f"{r.projects:,}", justify="right"),
                "server": lit(r.base_url, max_len=60),
            }), key=str(r.id))
        status = (f"{len(rows)} account(s)" if rows
                  else "No account yet: press d, l or t to connect one.")
        # One line at 100 columns: the state column says which account, F1 says more.
        if any(r.status == "reconnect_needed" for r in rows):
            status += "  ·  token revoked or expired: press d, l or t to sign in again"
        elif missing:
            status += (f"  ·  no token in the {self.ctx.settings.token_store} store: "
                       "press d, l or t to sign in")
        self.query_one("#accounts-status", Static).update(Text(status))

    def _current(self) -> q.ConnectionRow | None:
        return self.accounts.get(self.cursor_key("accounts") or "")

    # -- actions ----------------------------------------------------------------------------

    def action_use_account(self) -> None:
        row = self._current()
        if row is None:
            return
        self.request(UseAccount(row.id, browse=True))

    @on(DataTable.RowSelected, "#accounts")
    def _selected(self) -> None:
        self.action_use_account()

    def action_device_login(self) -> None:
        self.device_login()

    @work(exclusive=True, group="login", exit_on_error=False)
    async def device_login(self) -> None:
        code = self.query_one("#device-code", Static)
        url = self.query_one("#device-url", Static)
        try:
            device = await self.ctx.services.start_device_flow()
        except Exception as exc:
            self._login_failed(exc)
            return
        # Spaced out in a framed box so it reads at a glance from across a desk.
        spaced = " ".join(clean(device.user_code, single_line=True))
        code.update(Text(f"  {spaced}  ", style="bold reverse"))
        code.add_class("showing")
        link = device.verification_uri_complete or device.verification_uri
        hint = Text("Open ", end="")
        hint.append_text(lit(link, "bold underline"))
        hint.append("\nand enter the code above. Waiting for approval… (escape cancels)")
        url.update(hint)
        self.app.copy_to_clipboard(device.user_code)
        try:
            info = await self.ctx.services.finish_device_flow(device)
        except Exception as exc:
            self._login_failed(exc)
            return
        finally:
            code.update("")
            code.remove_class("showing")
        url.update(Text("Connected.", style="green"))
        self._connected(info)

    def action_loopback_login(self) -> None:
        self.loopback_login()

    @work(exclusive=True, group="login", exit_on_error=False)
    async def loopback_login(self) -> None:
        url = self.query_one("#device-url", Static)
        try:
            flow = await self.ctx.services.begin_loopback()
        except Exception as exc:
            self._login_failed(exc)
            return
        hint = Text("Open this URL in your browser to sign in:\n", end="")
        hint.append_text(lit(flow.authorize_url, "bold underline", single_line=False))
        hint.append("\nWaiting for the redirect… (escape cancels)")
        url.update(hint)
        self.app.open_url(flow.authorize_url)
        try:
            info = await self.ctx.services.finish_loopback(flow)
        except Exception as exc:
            self._login_failed(exc)
            return
        url.update(Text("Connected.", style="green"))
        self._connected(info)

    def action_paste_token(self) -> None:
        box = self.query_one("#token-input", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#token-input")
    def _token_submitted(self, event: Input.Submitted) -> None:
        token = event.value.strip()
        event.input.value = ""
        event.input.display = False
        if token:
            self.token_login(token)

    @work(exclusive=True, group="login", exit_on_error=False)
    async def token_login(self, token: str) -> None:
        try:
            info = await self.ctx.services.connect_personal_token(token)
        except Exception as exc:
            self._login_failed(exc)
            return
        self._connected(info)

    def action_cancel_login(self) -> None:
        self.workers.cancel_group(self, "login")
        self.query_one("#device-code", Static).update("")
        self.query_one("#device-url", Static).update("")
        self.query_one("#token-input", Input).display = False

    def _login_failed(self, exc: Exception) -> None:
        text = describe(exc, self.ctx, "Login")  # the cause and the next step, never a trace
        self.query_one("#device-url", Static).update(lit(text, "red", single_line=False))
        self.notify(clean(text), severity="error", markup=False, timeout=10)

    def _connected(self, info: ConnectionInfo) -> None:
        # Replaces whatever an earlier attempt left there ("Login failed…").
        self.query_one("#device-url", Static).update(Text("Connected.", style="green"))
        self.notify("Account connected.", markup=False)
        self.request(AccountConnected(getattr(info, "id", None)))

    def action_disconnect(self) -> None:
        row = self._current()
        if row is None:
            return
        message = Text("Disconnect ")
        message.append_text(lit(row.account_name or row.account_id, "bold"))
        message.append("? Its token is deleted; imported data stays.")

        def answer(yes: bool | None) -> None:
            if yes:
                self.disconnect(row.id)

        self.app.push_screen(ConfirmDialog(message, yes="Disconnect", no="Keep"), answer)

    @work(exclusive=True, group="disconnect", exit_on_error=False)
    async def disconnect(self, connection_id: uuid.UUID) -> None:
        try:
            await self.ctx.services.disconnect(connection_id)
        except Exception as exc:
            self.notify(clean(f"Disconnect failed: {exc}"), severity="error", markup=False)
            return
        self.notify("Account disconnected; its token was deleted.")
        self.request(AccountDisconnected(connection_id))

