"""The notice page: `/notices/{token}`, where a person reads one customer's notice,
acknowledges it and objects, without an API key or JavaScript.

The token in the path is the only credential (services/notice_page.py checks it).
Forms post back to the same path with an anti-forgery field bound to the link, then
redirect (post/redirect/get). Responses are never cached and never send a referrer,
so the link does not leak to the vendor websites the page links to.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from registry.domain import fields, labels, languages
from registry.domain import people_dates as dates
from registry.domain.errors import NotFound, ObjectionDeadlinePassed, RegistryError
from registry.domain.fields import Shown
from registry.domain.labels import headline
from registry.domain.models import ObjectionResolution
from registry.domain.translations import N_, catalog
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.services import fresh_links
from registry.services import notice_page as service
from registry.services import operator as operators
from registry.services.deps import Deps
from registry.web.pages import WebError, error_page, page_language, render
from registry.web.subscriptions import ClientLimiter

HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow",
}
DONE = {
    "acknowledged": N_("Thank you: the notice is acknowledged."),
    "objected": N_("Your objection is filed. We will contact you about it."),
}
RESOLUTION_LABELS: dict[ObjectionResolution, str] = {
    ObjectionResolution.WITHDRAWN: N_("withdrawn"),
    ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER: N_("change cancelled for customer"),
    ObjectionResolution.CUSTOMER_TERMINATES: N_("customer terminates"),
    ObjectionResolution.ACCOMMODATED: N_("accommodated"),
    ObjectionResolution.REJECTED: N_("rejected"),
}
"""An objection's resolution as the page names it, in the customer's language."""
MAX_FORM_BYTES = 20_000


FRESH_LINK_SENT = N_(
    "If this link was one of ours, a fresh link is on its way to the notice addresses in "
    "the contract. It can take a few minutes to arrive."
)


GONE = N_("This link is not valid: it may be mistyped, expired or withdrawn.")
"""services/notice_page.GONE, as the page translates it."""


def _gone(deps: Deps, token: str, request: Request) -> Response:
    """The same 404 for every link that does not open a notice, with the form asking for
    a fresh link: an expired or revoked link's holder and a guesser see the same page (in
    the browser's language: the link names no customer)."""
    lang = page_language(request)
    _ = catalog(lang).gettext
    return render(
        "notice_link.html",
        404,
        HEADERS,
        language=lang,
        title=_("Notice not found"),
        message=_(GONE) if service.GONE == GONE else service.GONE,
        code=404,
        sent=False,
        action=f"/notices/{token}/fresh-link",
        guard=service.form_guard(deps, token),
    )


def _fresh_limiter(request: Request) -> ClientLimiter:
    found = getattr(request.app.state, "fresh_link_limiter", None)
    if not isinstance(found, ClientLimiter):
        found = ClientLimiter()
        request.app.state.fresh_link_limiter = found
    return found


async def fresh_link(request: Request) -> Response:
    """`POST /notices/{token}/fresh-link`: one answer whether or not anything is sent
    (services/fresh_links.py decides in the background); limited per client address."""
    deps: Deps = request.app.state.deps
    token = request.path_params["token"]
    client = request.client.host if request.client else "unknown"
    if not _fresh_limiter(request).allow(client):
        return _refused(429, "Too many requests from your network. Try again in an hour.")
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return _refused(413, "The form is too large.")
    async with request.form(max_files=0, max_fields=5) as raw:
        guard = raw.get("guard")
    if not service.form_guard_ok(deps, token, guard if isinstance(guard, str) else None):
        return _refused(403, "This form could not be verified. Open the link again.")
    fresh_links.request(deps, token)
    lang = page_language(request)
    _ = catalog(lang).gettext
    return render(
        "notice_link.html",
        200,
        HEADERS,
        language=lang,
        title=_("A fresh link is requested"),
        message=_(FRESH_LINK_SENT),
        code=200,
        sent=True,
        action=None,
    )


def _where(payload: dict[str, Any], language: str) -> list[dict[str, str]]:
    shown = []
    for loc in payload["subprocessor"]["locations"]:
        transfer = loc.get("transfer") or {}
        name = loc.get("countryName") or loc["country"]
        if languages.base(language) != languages.DEFAULT:
            name = labels.country_name(loc["country"], language)
        shown.append(
            {
                "country": f"{name} ({loc['country']})",
                "region": loc.get("region") or "",
                "role": labels.role(loc.get("role", ""), language),
                "basis": labels.mechanism(transfer.get("mechanism"), language) or "",
                "status": labels.transfer_status(transfer.get("status", ""), language),
                "status_class": str(transfer.get("status", "")).lower(),
            }
        )
    return shown


def _parents(vendor: dict[str, Any]) -> dict[str, str]:
    """Whom each sub-processor of the chain serves, by its parent's id."""
    found = {x["id"]: x["legalName"] for x in vendor.get("chain") or []}
    return {**found, vendor["id"]: vendor["legalName"]}


async def _show(
    deps: Deps,
    token: str,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
    done: str | None = None,
    record_view: bool = True,
    late: bool = False,
) -> Response:
    """The page; `form` is what the person typed (shown again when it was refused), and
    `late` says an objection came after the deadline, explained in the customer's zone."""
    shown = await service.page(deps, token, record_view=record_view)
    zone = shown.holder.customer.terms.time_zone
    lang = shown.holder.customer.terms.language  # the customer's, as its e-mails
    _ = catalog(lang).gettext
    notice = shown.holder.notice
    proof = shown.evidence
    if late:
        error = _(
            "Your objection arrived on %(arrived)s, after the deadline to object "
            "(%(deadline)s): it was not filed. What you wrote is below, so that you can keep it."
        ) % {
            "arrived": dates.moment_with_utc(shown.now, zone, lang),
            "deadline": dates.moment_with_utc(notice.objection_deadline, zone, lang),
        }
    return render(
        "notice.html",
        status,
        HEADERS,
        language=lang,
        page=shown,
        change=shown.payload,
        headline=headline(shown.payload, lang),
        customer=shown.holder.customer,
        notice=notice,
        zone=zone,
        when=lambda instant: dates.moment_with_utc(instant, zone, lang) if instant else "",
        day=lambda instant: dates.day(instant, zone, lang),
        where=_where(shown.payload, lang),
        chain=shown.payload["subprocessor"].get("chain") or [],
        chain_parents=_parents(shown.payload["subprocessor"]),
        facts=fields.facts(VENDOR_FIELDS, Shown.NOTICE, shown.payload.get("subprocessor") or {}),
        not_stated=fields.NOT_STATED,
        objection=proof.objection,
        filer=proof.objection_filer,
        acknowledged_at=proof.acknowledged_at,
        acknowledged_by=proof.acknowledged_by,
        guard=service.form_guard(deps, token),
        action=f"/notices/{token}",
        error=error,
        form=form or {},
        done=_(DONE[done]) if done in DONE else None,
        resolution_label=lambda value: _(RESOLUTION_LABELS[value]),
        kind_label=labels.KINDS,
        operator=await operators.identity(deps),
    )


async def notice(request: Request) -> Response:
    """`GET /notices/{token}`: the notice, or the same 404 for any link that is not valid."""
    deps: Deps = request.app.state.deps
    try:
        return await _show(
            deps, request.path_params["token"], done=request.query_params.get("done")
        )
    except NotFound:
        return _gone(deps, request.path_params["token"], request)


async def act(request: Request) -> Response:
    """`POST /notices/{token}`: acknowledge, or file an objection (`action` field)."""
    deps: Deps = request.app.state.deps
    token = request.path_params["token"]
    try:
        await service.holder(deps, token)
    except NotFound:
        return _gone(deps, request.path_params["token"], request)
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return _refused(413, "The form is too large.")
    async with request.form(max_files=0, max_fields=10) as raw:
        form = {k: v for k, v in raw.items() if isinstance(v, str)}
    if not service.form_guard_ok(deps, token, form.get("guard")):
        return _refused(
            403, "This form could not be verified. Open the link from your e-mail again."
        )
    request_id = uuid.uuid4().hex
    try:
        if form.get("action") == "acknowledge":
            await service.acknowledge(
                deps,
                token,
                name=form.get("name"),
                email=form.get("email"),
                request_id=request_id,
            )
            done = "acknowledged"
        elif form.get("action") == "object":
            await service.object_to(
                deps,
                token,
                reason=form.get("reason", ""),
                name=form.get("name", ""),
                email=form.get("email", ""),
                request_id=request_id,
            )
            done = "objected"
        else:
            return _refused(400, "Unknown action.")
    except NotFound:
        return _gone(deps, request.path_params["token"], request)
    except ObjectionDeadlinePassed:
        return await _show(deps, token, status=409, form=form, late=True, record_view=False)
    except RegistryError as exc:
        return await _show(deps, token, status=400, error=exc.message, form=form, record_view=False)
    return RedirectResponse(f"/notices/{token}?done={done}", status_code=303, headers=HEADERS)


def _refused(status: int, message: str) -> Response:
    response = error_page(WebError(status, "Request refused", message))
    response.headers.update(HEADERS)
    return response
