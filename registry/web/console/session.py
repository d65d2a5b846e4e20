"""The console's request seam: session cookie in, signed-in caller out, forms guarded.

Every console route is wrapped by `staff_page`: it resumes the server-side session
from the cookie (or sends the browser to sign in), refuses a POST whose anti-forgery
token does not match the session before the handler runs, and leaves the refusals of
services a page does not show itself to the app's handlers (web/errors.py renders
`/console` paths in the console's layout). `Page.act` is the console's `attempt`: one
service call, the audit entry with the key's id, and retired cached answers after a write.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from registry.domain.errors import RegistryError
from registry.services import audit, runner
from registry.services import console_sessions as sessions
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.web.console.page_cache import cache_of, key_of
from registry.web.console.render import refusal, render

COOKIE = "registry_console"
TOKEN_FIELD = "csrf_token"  # noqa: S105 (a form field name, not a secret)
T = TypeVar("T")


def request_id() -> str:
    return uuid.uuid4().hex


@dataclass(slots=True)
class Page:
    """One console request: who is signed in, its form (for POST) and its token."""

    request: Request
    deps: Deps
    caller: Caller
    session_id: str
    request_id: str
    form: FormData | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def token(self) -> str:
        return sessions.form_token(self.deps, self.session_id)

    def submitted(self) -> dict[str, str]:
        """The form as typed (to re-render after a refusal), without the token."""
        if self.form is None:
            return {}
        return {
            k: v.strip()
            for k, v in self.form.multi_items()
            if isinstance(v, str) and k != TOKEN_FIELD
        }

    def fields(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes), blanks dropped."""
        if self.form is None:
            return []
        return [v.strip() for v in self.form.getlist(name) if isinstance(v, str) and v.strip()]

    def field(self, name: str) -> str:
        if self.form is None:
            return ""
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) else ""

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        parts = self.request.url.path.split("/")
        section = parts[2] if len(parts) > 2 and parts[2] else "overview"
        return render(
            template, status, token=self.token, caller=self.caller, section=section, **values
        )

    async def act(
        self, action: str, call: Callable[[], Awaitable[T]], *, target: str | None = None
    ) -> T:
        """Parse and run one service call through the runner; refusals propagate.

        `call` builds the service call, so an input refused while parsing the form is
        audited like one the service refuses.
        """
        return await runner.run(
            self.deps,
            self.caller,
            action,
            call,
            request_id=self.request_id,
            channel=runner.CONSOLE,
            target=target,
        )

    async def record(self, action: str, result: str, target: str | None = None) -> None:
        await audit.record(
            self.deps,
            self.caller,
            action=f"console.{action}",
            result=result,
            request_id=self.request_id,
            target=target,
        )


Handler = Callable[[Page], Awaitable[Response]]


def staff_page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        deps: Deps = request.app.state.deps
        session_id = request.cookies.get(COOKIE, "")
        caller = await sessions.resume(deps, session_id)
        if caller is None:
            if request.method == "GET":
                target = quote(request.url.path, safe="/")
                response: Response = RedirectResponse(
                    f"/console/sign-in?next={target}", status_code=303
                )
            else:
                response = refusal(
                    401, "Signed out", "Your session has ended. Sign in again; nothing was changed."
                )
            response.delete_cookie(COOKIE, path="/console")
            return response
        page = Page(request, deps, caller, session_id, request_id())
        if request.method == "POST":
            page.form = await request.form()
            offered = page.form.get(TOKEN_FIELD)
            if not sessions.token_matches(
                deps, session_id, offered if isinstance(offered, str) else None
            ):
                await page.record("forgedForm", "refused", request.url.path)
                return refusal(
                    403,
                    "Form refused",
                    "The form's anti-forgery token is missing or wrong; nothing was changed. "
                    "Reload the page and try again.",
                )
        cacheable = request.method == "GET"
        if cacheable:
            pages = cache_of(request)
            key = await key_of(request, session_id, deps.clock.now())
            if (kept := pages.get(key)) is not None:
                return kept
        # A refusal the handler does not show itself (NotFound, PermissionDenied...)
        # propagates to web/errors.py, which renders console paths in this layout.
        response = await handler(page)
        if cacheable and response.status_code == 200:
            pages.put(key, response)
        return response

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


def set_session_cookie(response: Response, deps: Deps, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        path="/console",
        httponly=True,
        samesite="lax",
        secure=deps.settings.secure_cookies,
    )


def errors_of(error: RegistryError) -> Mapping[str, str]:
    """A refusal as messages keyed by the form field it concerns (`""`: the whole form)."""
    return {getattr(error, "field", "") or "": error.message}
