"""Signing in to the console with an API key, and out again."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from registry.domain.errors import PermissionDenied
from registry.services import audit, failed_auth
from registry.services import console_sessions as sessions
from registry.services.access import InvalidApiKey, authenticate
from registry.services.deps import Deps
from registry.web.console.render import refusal, render
from registry.web.console.session import (
    COOKIE,
    TOKEN_FIELD,
    Page,
    request_id,
    set_session_cookie,
    staff_page,
)

# Before a session exists, the sign-in form's token is bound to this cookie instead.
SIGN_IN_COOKIE = "registry_console_sign_in"
PURPOSE = "sign-in"


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
        throttle.failed(client, key)
        await failed_auth.audit_failure(deps, "console.signIn", "InvalidApiKey", rid)
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


@staff_page
async def sign_out(page: Page) -> Response:
    """`POST /console/sign-out`: the session ends on the server, not just in the browser."""
    await sessions.close(page.deps, page.session_id)
    await page.record("signOut", "ok")
    response = RedirectResponse("/console/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response
