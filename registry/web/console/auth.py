"""Signing in to the console, as a person with the company's OpenID provider or with an
API key, and out again.

API-key sign-in stays for development and demos without a provider, and as a break-glass
way in while the provider is down (`REGISTRY_CONSOLE_KEY_SIGN_IN`); with a provider
configured it is off unless that setting turns it on.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from registry.domain.errors import PermissionDenied, SignInRefused
from registry.services import audit, failed_auth
from registry.services import console_sessions as sessions
from registry.services.access import InvalidApiKey, authenticate
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.staff_sign_in import IdentityProvider, provider_config
from registry.web.console.render import refusal, render
from registry.web.console.session import (
    COOKIE,
    TOKEN_FIELD,
    Page,
    request_id,
    set_session_cookie,
    staff_page,
)
from registry.web.subscriptions import ClientLimiter

# Before a session exists, the sign-in form's token is bound to this cookie instead.
SIGN_IN_COOKIE = "registry_console_sign_in"
PURPOSE = "sign-in"
# Between leaving for the provider and coming back: the pending sign-in's id.
PROVIDER_COOKIE = "registry_console_provider"
SIGNED_OUT = "/console/sign-in?signed_out=1"
# Each start keeps a pending sign-in for ten minutes: a bound per client address.
STARTS_PER_CLIENT, STARTS_WINDOW_S = 30, 600.0
# How each refusal of a provider's sign-in is answered.
REFUSALS = {
    "PROVIDER_UNREACHABLE": (503, "Identity provider unreachable"),
    "PROVIDER_MISCONFIGURED": (502, "Identity provider misconfigured"),
    "PROVIDER_ERROR": (401, "Not signed in"),
    "SIGN_IN_EXPIRED": (400, "Sign-in expired"),
    "STATE_MISMATCH": (400, "Sign-in refused"),
    "CODE_REFUSED": (400, "Sign-in refused"),
    "INVALID_ID_TOKEN": (401, "Sign-in refused"),
    "NO_ROLE": (403, "No access to the staff console"),
}


def _next(raw: str | None) -> str:
    """Only a console path: never an open redirect to another site."""
    if raw and raw.startswith("/console") and "//" not in raw and "\\" not in raw:
        return raw
    return "/console"


def _form(
    deps: Deps,
    nonce: str,
    *,
    status: int = 200,
    error: str | None = None,
    next_path: str = "/console",
    notice: str | None = None,
) -> Response:
    response = render(
        "sign_in.html",
        status,
        token=sessions.form_token(deps, nonce, PURPOSE),
        caller=None,
        section="",
        error=error,
        next_path=next_path,
        notice=notice,
        provider=deps.settings.oidc_configured,
        key_sign_in=deps.settings.console_key_sign_in_allowed,
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        nonce,
        path="/console",
        httponly=True,
        samesite="lax",
        secure=deps.settings.secure_cookies,
    )
    return response


def _throttle(request: Request) -> failed_auth.FailureThrottle:
    found = getattr(request.app.state, "sign_in_failures", None)
    if not isinstance(found, failed_auth.FailureThrottle):
        found = failed_auth.FailureThrottle()
        request.app.state.sign_in_failures = found
    return found


async def sign_in(request: Request) -> Response:
    """`GET/POST /console/sign-in`: an ADMIN or PROCUREMENT key opens a session."""
    deps: Deps = request.app.state.deps
    if request.method == "GET":
        if await sessions.resume(deps, request.cookies.get(COOKIE)):
            return RedirectResponse("/console", status_code=303)
        notice = "You are signed out." if request.query_params.get("signed_out") else None
        nonce = request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(24)
        return _form(deps, nonce, next_path=_next(request.query_params.get("next")), notice=notice)
    if not deps.settings.console_key_sign_in_allowed:
        return refusal(
            403,
            "Sign in with your company account",
            "API keys do not open the staff console here: staff sign in with the company's "
            "identity provider. Keys remain for programs using the API.",
        )
    form = await request.form()
    nonce = request.cookies.get(SIGN_IN_COOKIE, "")
    offered = form.get(TOKEN_FIELD)
    next_path = _next(str(form.get("next") or ""))
    if not nonce or not sessions.token_matches(
        deps, nonce, offered if isinstance(offered, str) else None, PURPOSE
    ):
        return refusal(
            403,
            "Form refused",
            "The sign-in form's anti-forgery token is missing or wrong. Reload the page.",
        )
    key = str(form.get("api_key") or "").strip()
    rid = request_id()
    fresh = secrets.token_urlsafe(24)
    if not key:
        return _form(deps, fresh, status=400, error="Enter an API key.", next_path=next_path)
    client = request.client.host if request.client else "unknown"
    throttle = _throttle(request)
    if throttle.blocked(client, key):
        return _form(
            deps,
            fresh,
            status=429,
            error="Too many failed sign-ins. Wait a few minutes and try again.",
            next_path=next_path,
        )
    try:
        caller = await authenticate(deps, f"Bearer {key}")
    except InvalidApiKey:
        await failed_auth.record_failure(
            deps,
            throttle,
            client,
            key,
            action="console.signIn",
            result="InvalidApiKey",
            request_id=rid,
        )
        return _form(
            deps,
            fresh,
            status=401,
            error="This API key is unknown or revoked.",
            next_path=next_path,
        )
    try:
        session_id = await sessions.open_session(deps, caller)
    except PermissionDenied:
        await audit.record(
            deps, caller, action="console.signIn", result="PermissionDenied", request_id=rid
        )
        return _form(
            deps,
            fresh,
            status=403,
            error="The staff console needs an ADMIN or PROCUREMENT key; "
            "customer keys use the API and the notice pages.",
            next_path=next_path,
        )
    await audit.record(deps, caller, action="console.signIn", result="ok", request_id=rid)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, deps, session_id)
    response.delete_cookie(SIGN_IN_COOKIE, path="/console")
    return response


def _provider(request: Request) -> IdentityProvider | None:
    """The process's provider, made on first use (it keeps discovery and keys)."""
    deps: Deps = request.app.state.deps
    found = getattr(request.app.state, "identity_provider", None)
    if isinstance(found, IdentityProvider):
        return found
    config = provider_config(deps.settings)
    if config is None:
        return None
    made = IdentityProvider(config, deps.settings.public_url)
    request.app.state.identity_provider = made
    return made


def _starts(request: Request) -> ClientLimiter:
    found = getattr(request.app.state, "sign_in_starts", None)
    if not isinstance(found, ClientLimiter):
        found = ClientLimiter(limit=STARTS_PER_CLIENT, window=STARTS_WINDOW_S)
        request.app.state.sign_in_starts = found
    return found


async def start_provider_sign_in(request: Request) -> Response:
    """`GET /console/sign-in/provider`: off to the company's identity provider."""
    deps: Deps = request.app.state.deps
    provider = _provider(request)
    if provider is None:
        return refusal(404, "No identity provider", "This registry has no identity provider.")
    if not _starts(request).allow(request.client.host if request.client else "unknown"):
        return refusal(
            429,
            "Too many sign-ins",
            "Too many sign-ins were started from here. Wait a few minutes and try again.",
        )
    try:
        url, browser_token = await provider.begin(deps, _next(request.query_params.get("next")))
    except SignInRefused as refused:
        return await _refused(deps, refused)
    response = RedirectResponse(url, status_code=303)
    # Lax: the provider's answer is a top-level GET back to us, which carries it.
    response.set_cookie(
        PROVIDER_COOKIE,
        browser_token,
        path="/console/sign-in",
        httponly=True,
        samesite="lax",
        secure=deps.settings.secure_cookies,
        max_age=int(sessions.SIGN_IN_TIMEOUT.total_seconds()),
    )
    return response


async def provider_callback(request: Request) -> Response:
    """`GET /console/sign-in/callback`: the provider's answer opens a person's session."""
    deps: Deps = request.app.state.deps
    provider = _provider(request)
    if provider is None:
        return refusal(404, "No identity provider", "This registry has no identity provider.")
    answer = {k: v for k, v in request.query_params.items()}
    try:
        signed_in = await provider.finish(deps, request.cookies.get(PROVIDER_COOKIE), answer)
    except SignInRefused as refused:
        response = await _refused(deps, refused)
        response.delete_cookie(PROVIDER_COOKIE, path="/console/sign-in")
        return response
    session_id = await sessions.open_person_session(deps, signed_in.person, signed_in.role)
    caller = Caller(role=signed_in.role, person=signed_in.person)
    await audit.record(deps, caller, action="console.signIn", result="ok", request_id=request_id())
    response = RedirectResponse(signed_in.next_path, status_code=303)
    set_session_cookie(response, deps, session_id)
    response.delete_cookie(PROVIDER_COOKIE, path="/console/sign-in")
    return response


async def _refused(deps: Deps, refused: SignInRefused) -> Response:
    """A clear page, and the audit entry: the person's when the provider named one."""
    status, title = REFUSALS[refused.reason]
    if refused.person is not None:
        caller = Caller(role=None, person=refused.person)
        await audit.record(
            deps, caller, action="console.signIn", result=refused.reason, request_id=request_id()
        )
    else:
        await failed_auth.audit_failure(deps, "console.signIn", refused.reason, request_id())
    return refusal(status, title, refused.message)


@staff_page
async def sign_out(page: Page) -> Response:
    """`POST /console/sign-out`: the session ends on the server, not just in the browser.
    The signed-out page offers to end a person's session at the provider too (a form may
    not redirect to another site: the console's pages allow `form-action 'self'`)."""
    await sessions.close(page.deps, page.session_id)
    await page.record("signOut", "ok")
    response = RedirectResponse(SIGNED_OUT, status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


async def sign_out_at_provider(request: Request) -> Response:
    """`GET /console/sign-out/provider`: on to the provider's end-session page, which
    comes back to the signed-out page (RP-initiated logout); the console's own session
    ended already."""
    deps: Deps = request.app.state.deps
    provider = _provider(request)
    after = deps.settings.public_url.rstrip("/") + SIGNED_OUT
    target = await provider.end_session_url(deps, after) if provider else None
    return RedirectResponse(target or SIGNED_OUT, status_code=303)
