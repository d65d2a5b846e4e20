"""Public e-mail subscription pages: subscribe (form on the public page), confirm, and
unsubscribe (a plain page, and RFC 8058's one-click POST).

Subscribing answers "check your inbox" for every well-formed address, known or not.
Requests are limited per client address here (in this process), and per e-mail
address in the store (services/subscribers.py).
"""

from __future__ import annotations

import contextlib
import time
from collections import OrderedDict, deque
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from registry.domain import languages
from registry.domain.errors import NotFound, ValidationError
from registry.domain.translations import N_, catalog
from registry.services import subscribers
from registry.services.deps import Deps
from registry.web.pages import page_language, render

HEADERS = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
PER_CLIENT = 10
WINDOW_S = 3600.0
MAX_FORM_BYTES = 2_000
MAX_CLIENTS = 100_000


class ClientLimiter:
    """At most `limit` requests per client address per `window` seconds.

    Clients are kept in the order they were last seen, so those idle for a whole window
    are forgotten as others arrive (and at most `max_clients` are kept at all)."""

    def __init__(
        self, limit: int = PER_CLIENT, window: float = WINDOW_S, max_clients: int = MAX_CLIENTS
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_clients = max_clients
        self.seen: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, client: str, now: float | None = None) -> bool:
        at = time.monotonic() if now is None else now
        self._forget_idle(at)
        times = self.seen.pop(client, None) or deque()
        self.seen[client] = times  # now the most recently seen
        while times and times[0] <= at - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(at)
        return True

    def _forget_idle(self, at: float) -> None:
        while self.seen:
            oldest, times = next(iter(self.seen.items()))
            if len(self.seen) < self.max_clients and times and times[-1] > at - self.window:
                return
            del self.seen[oldest]


def _limiter(request: Request) -> ClientLimiter:
    found = getattr(request.app.state, "subscribe_limiter", None)
    if not isinstance(found, ClientLimiter):
        found = ClientLimiter()
        request.app.state.subscribe_limiter = found
    return found


LINK_REFUSALS = (
    N_("This confirmation link is not valid or has expired."),
    N_("This unsubscribe link is not valid (or the address was erased)."),
)
"""The subscription service's refusals of a link, as the pages translate them."""


def _link_refusal(exc: NotFound) -> str:
    return exc.message if exc.message in LINK_REFUSALS else LINK_REFUSALS[0]


def _page(request: Request, status: int, title: str, message: str, **values: Any) -> Response:
    """The page in the reader's language; `title` and `message` are marked messages."""
    lang = page_language(request)
    _ = catalog(lang).gettext
    return render(
        "subscription.html",
        status,
        HEADERS,
        language=lang,
        title=_(title),
        message=_(message),
        code=status,
        **values,
    )


async def subscribe(request: Request) -> Response:
    """`POST /subscriptions`: a well-formed address always gets "check your inbox"."""
    deps: Deps = request.app.state.deps
    client = request.client.host if request.client else "unknown"
    if not _limiter(request).allow(client):
        return _page(
            request,
            429,
            N_("Too many requests"),
            N_("Too many subscription requests from your network. Try again in an hour."),
        )
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return _page(request, 413, N_("Request refused"), N_("The form is too large."))
    async with request.form(max_files=0, max_fields=5) as form:
        address = form.get("email")
        chosen = form.get("lang")
    # The language its e-mails will be written in: the form's choice, else the page's.
    language = page_language(request)
    if isinstance(chosen, str) and chosen.strip():
        with contextlib.suppress(ValidationError):
            language = languages.parse(chosen, "lang")
    try:
        await subscribers.request(deps, address if isinstance(address, str) else "", language)
    except ValidationError:
        return _page(
            request,
            400,
            N_("Check the address"),
            N_("That does not look like an e-mail address (for example name@example.com)."),
            show_form=True,
        )
    return _page(
        request,
        200,
        N_("Check your inbox"),
        N_(
            "If the address can receive our messages, a confirmation link is on its way. "
            "Nothing else is sent until you confirm."
        ),
    )


async def confirm_page(request: Request) -> Response:
    """`GET /subscriptions/confirm?token=…`: a button, so link scanners confirm nothing."""
    deps: Deps = request.app.state.deps
    token = request.query_params.get("token", "")
    if not subscribers.confirmable(deps, token):
        return _page(
            request,
            404,
            N_("Link not valid"),
            N_("This confirmation link is not valid or has expired."),
        )
    return _page(
        request,
        200,
        N_("Confirm your subscription"),
        N_("Confirm to receive an e-mail when our list of subprocessors changes."),
        action=f"/subscriptions/confirm?token={token}",
        button=catalog(page_language(request)).gettext(N_("Confirm subscription")),
    )


async def confirm(request: Request) -> Response:
    deps: Deps = request.app.state.deps
    try:
        await subscribers.confirm(deps, request.query_params.get("token", ""))
    except NotFound as exc:
        return _page(request, 404, N_("Link not valid"), _link_refusal(exc))
    return _page(
        request,
        200,
        N_("Subscribed"),
        N_(
            "You will receive an e-mail when our list of subprocessors changes. Every message "
            "has a link to unsubscribe."
        ),
    )


async def unsubscribe_page(request: Request) -> Response:
    """`GET /subscriptions/unsubscribe?token=…`: a plain page with one button."""
    deps: Deps = request.app.state.deps
    token = request.query_params.get("token", "")
    try:
        await subscribers.unsubscriber(deps, token)
    except NotFound as exc:
        return _page(request, 404, N_("Link not valid"), _link_refusal(exc))
    return _page(
        request,
        200,
        N_("Unsubscribe"),
        N_("Stop the e-mails about changes to our list of subprocessors?"),
        action=f"/subscriptions/unsubscribe?token={token}",
        button=catalog(page_language(request)).gettext(N_("Unsubscribe")),
    )


async def unsubscribe(request: Request) -> Response:
    """`POST /subscriptions/unsubscribe?token=…`: the page's button, or a mail client's
    one-click request (RFC 8058, body `List-Unsubscribe=One-Click`)."""
    deps: Deps = request.app.state.deps
    try:
        await subscribers.unsubscribe(deps, request.query_params.get("token", ""))
    except NotFound as exc:
        return _page(request, 404, N_("Link not valid"), _link_refusal(exc))
    return _page(request, 200, N_("Unsubscribed"), N_("You will receive no more e-mails from us."))
