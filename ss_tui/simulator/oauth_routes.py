"""OAuth 2.0 endpoints: authorize (+ consent page), token, device code and page, revoke."""

from __future__ import annotations

import base64
import html
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ss_tui.sessionstudio.models import DEVICE_GRANT
from ss_tui.simulator.http import Ctx, Handler, endpoint
from ss_tui.simulator.oauth import OAuthProblem, parse_scopes

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Session Studio (simulator)</title>
<style>body{{font-family:system-ui;max-width:32rem;margin:4rem auto}}button{{margin:.3rem}}</style>
</head><body><h1>Session Studio</h1>{body}</body></html>"""


def page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(body=body), status)


def _redirect(uri: str, **params: str | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{uri}{'&' if '?' in uri else '?'}{query}", status_code=302)


def _hidden(params: dict[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
    )


AUTHORIZE_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def _check_authorize(ctx: Ctx, params: dict[str, str]) -> Response | tuple[str, ...]:
    """Validate an authorization request; an error response, or the granted scopes."""
    sim = ctx.sim
    redirect_uri = params.get("redirect_uri", "")
    if params.get("client_id") != sim.config.client_id:
        return page("<p>Unknown application (client_id).</p>", 400)
    if not sim.auth.redirect_allowed(redirect_uri):
        return page("<p>This redirect_uri is not registered for the application.</p>", 400)
    state = params.get("state")
    if params.get("response_type") != "code":
        return _redirect(redirect_uri, error="unsupported_response_type", state=state)
    if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
        return _redirect(
            redirect_uri,
            error="invalid_request",
            error_description="PKCE with code_challenge_method=S256 is required",
            state=state,
        )
    try:
        return parse_scopes(params.get("scope"))
    except OAuthProblem as exc:
        return _redirect(
            redirect_uri, error=exc.error, error_description=exc.description, state=state
        )


def _approve(
    ctx: Ctx, params: dict[str, str], scopes: tuple[str, ...], account: str | None
) -> Response:
    code = ctx.sim.auth.create_code(
        params["client_id"], params["redirect_uri"], scopes, params["code_challenge"], account
    )
    return _redirect(params["redirect_uri"], code=code, state=params.get("state"))


async def authorize_page(ctx: Ctx) -> Response:
    params = {
        k: ctx.request.query_params[k] for k in AUTHORIZE_FIELDS if k in ctx.request.query_params
    }
    checked = _check_authorize(ctx, params)
    if isinstance(checked, Response):
        return checked
    if ctx.sim.config.auto_approve_authorize:
        return _approve(ctx, params, checked, None)
    accounts = "".join(
        f'<option value="{html.escape(a["id"])}">{html.escape(a["name"])}</option>'
        for a in ctx.sim.catalogue.accounts.values()
    )
    return page(
        f"<p><b>{html.escape(params['client_id'])}</b> wants to read your projects "
        f"({html.escape(' '.join(checked))}).</p>"
        f'<form method="post" action="authorize">{_hidden(params)}'
        f'<label>Account <select name="account">{accounts}</select></label><br>'
        '<button name="decision" value="approve">Approve</button>'
        '<button name="decision" value="deny">Deny</button></form>'
    )


async def authorize_decision(ctx: Ctx) -> Response:
    form = await ctx.request.form()
    params = {k: str(form[k]) for k in AUTHORIZE_FIELDS if k in form}
    checked = _check_authorize(ctx, params)
    if isinstance(checked, Response):
        return checked
    if form.get("decision") != "approve":
        return _redirect(
            params["redirect_uri"],
            error="access_denied",
            error_description="the user denied the request",
            state=params.get("state"),
        )
    account = str(form.get("account") or "") or None
    if account is not None and account not in ctx.sim.catalogue.accounts:
        account = None
    return _approve(ctx, params, checked, account)


def _text(form: FormData, name: str) -> str | None:
    """A text field of the form (a file upload in its place counts as missing)."""
    value = form.get(name)
    return value if isinstance(value, str) else None


def _client_credentials(request: Request, form: FormData) -> tuple[str | None, str | None, bool]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            raw = base64.b64decode(header[6:].strip()).decode()
        except ValueError:
            return None, None, True
        client_id, _, secret = raw.partition(":")
        return client_id, secret, True
    return _text(form, "client_id"), _text(form, "client_secret"), False


def oauth_error(exc: OAuthProblem, basic: bool = False) -> JSONResponse:
    headers = dict(NO_STORE)
    if exc.status == 401 and basic:
        headers["WWW-Authenticate"] = 'Basic realm="session-studio"'
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description}, exc.status, headers=headers
    )


async def token(ctx: Ctx) -> Response:
    request = ctx.request
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return oauth_error(OAuthProblem("invalid_request", "use application/x-www-form-urlencoded"))
    form = await request.form()
    client_id, secret, basic = _client_credentials(request, form)
    auth = ctx.sim.auth
    try:
        client = auth.check_client(client_id, secret)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            issued = auth.exchange_code(
                client, _text(form, "code"), _text(form, "redirect_uri"),
                _text(form, "code_verifier"),
            )
        elif grant == "refresh_token":
            issued = auth.refresh(client, _text(form, "refresh_token"), _text(form, "scope"))
        elif grant == DEVICE_GRANT:
            issued = auth.device_poll(client, _text(form, "device_code"))
        elif not grant:
            raise OAuthProblem("invalid_request", "grant_type is required")
        else:
            raise OAuthProblem("unsupported_grant_type", f"grant_type {grant} is not supported")
    except OAuthProblem as exc:
        return oauth_error(exc, basic)
    return JSONResponse(issued.model_dump(exclude_none=True), headers=NO_STORE)


async def device_code(ctx: Ctx) -> Response:
    form = await ctx.request.form()
    client_id, secret, basic = _client_credentials(ctx.request, form)
    try:
        client = ctx.sim.auth.check_client(client_id, secret)
        scopes = parse_scopes(_text(form, "scope"))
    except OAuthProblem as exc:
        return oauth_error(exc, basic)
    uri = str(ctx.request.url.replace(path=ctx.request.url.path.replace("/code", ""), query=""))
    issued = ctx.sim.auth.device_start(client, scopes, uri)
    return JSONResponse(issued.model_dump(exclude_none=True), headers=NO_STORE)


async def device_page(ctx: Ctx) -> Response:
    code = html.escape(ctx.request.query_params.get("user_code", ""))
    return page(
        "<p>Enter the code shown on your device.</p>"
        f'<form method="post"><input name="user_code" value="{code}" autofocus>'
        '<button name="decision" value="approve">Approve</button>'
        '<button name="decision" value="deny">Deny</button></form>'
    )


async def device_decision(ctx: Ctx) -> Response:
    form = await ctx.request.form()
    approve = form.get("decision") == "approve"
    user_code = str(form.get("user_code") or "")
    if not ctx.sim.auth.decide_device(user_code, approve):
        return page("<p>That code is unknown, expired or already used.</p>", 400)
    verdict = "approved" if approve else "denied"
    return page(f"<p>Device {verdict}. You can return to your terminal.</p>")


async def revoke(ctx: Ctx) -> Response:
    form = await ctx.request.form()
    client_id, secret, basic = _client_credentials(ctx.request, form)
    try:
        ctx.sim.auth.check_client(client_id, secret)
    except OAuthProblem as exc:
        return oauth_error(exc, basic)
    value = form.get("token")
    if not value:
        return oauth_error(OAuthProblem("invalid_request", "token is required"))
    ctx.sim.auth.revoke(str(value))
    return Response(status_code=200, headers=NO_STORE)


def _oauth(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    return endpoint(handler, scopes=None, api=False)


routes = [
    Route("/oauth/authorize", _oauth(authorize_page), methods=["GET"]),
    Route("/oauth/authorize", _oauth(authorize_decision), methods=["POST"]),
    Route("/oauth/token", _oauth(token), methods=["POST"]),
    Route("/oauth/device/code", _oauth(device_code), methods=["POST"]),
    Route("/oauth/device", _oauth(device_page), methods=["GET"]),
    Route("/oauth/device", _oauth(device_decision), methods=["POST"]),
    Route("/oauth/revoke", _oauth(revoke), methods=["POST"]),
]
