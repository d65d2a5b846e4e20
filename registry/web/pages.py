"""The toolkit every page of the site uses: templates, rendering, refusals as pages, the
caller of a page, `asOf` from a query string, and the labels pages share. The pages
themselves (the public list, feeds, notice page, subscriptions, the console) import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from registry.domain import labels, languages, people_dates
from registry.domain.errors import PermissionDenied, ValidationError
from registry.domain.labels import country_name as country_name  # pages name it here
from registry.domain.models import Change, ChangeKind, TransferStatus
from registry.domain.translations import N_, catalog
from registry.http.callers import request_caller
from registry.services import change_queries, policy
from registry.services.caller import Caller
from registry.services.deps import Deps

TEMPLATES = Path(__file__).parent / "templates"
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

STATUS_LABELS: Mapping[TransferStatus, str] = {
    TransferStatus.NOT_REQUIRED: N_("Not required"),
    TransferStatus.VALID: N_("Valid"),
    TransferStatus.EXPIRING: N_("Expiring"),
    TransferStatus.INVALID: N_("Invalid"),
    TransferStatus.MISSING: N_("Missing"),
}
"""A transfer verdict's label (public page, chains); translated where shown."""


MECHANISM_LABELS = labels.MECHANISMS  # the console's forms and pages name it here


class WebError(Exception):
    """A refusal rendered as a page (or a short text for feeds), with its HTTP status."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def environment() -> jinja2.Environment:
    """A template environment over the site's templates: escaped, strict, trimmed, with
    Jinja's i18n extension (`{% trans %}`, new-style gettext); the translations are given
    per render (`render(language=…)`), English when none is."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(("html", "xml")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.policies["ext.i18n.trimmed"] = True  # as extracted (babel.cfg)
    return env


def translated(language: str | None) -> dict[str, Any]:
    """The values a template renders one language with: new-style `gettext`/`ngettext`
    (placeholders filled and escaped, as `install_gettext_translations(newstyle=True)`
    does), `lang` for the page's `lang` attribute and the language's date filters."""
    tag = language or languages.DEFAULT
    found = catalog(tag)

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, message: str, /, **variables: Any) -> str:
        text = found.gettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 — our catalog; placeholders are escaped by %
        return text % variables  # as Jinja's new-style gettext: `%%` in a message is `%`

    @jinja2.pass_context
    def ngettext(
        context: jinja2.runtime.Context, singular: str, plural: str, n: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", n)
        text = found.ngettext(singular, plural, n)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 — our catalog; placeholders are escaped by %
        return text % variables

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext, "lang": tag}


@cache
def templates() -> jinja2.Environment:
    """The pages' environment, built once per process (templates never change at run time)."""
    env = environment()
    env.filters["when"] = _format_instant
    env.filters["day_in"] = _day_in
    env.filters["country_in"] = _country_in
    env.filters["iso"] = _iso
    return env


NOT_FRAMED = {
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
}
"""Every page: the public list, notice and subscription pages hold forms, and a page
another site frames could be clicked through (the console sets its own, stricter CSP)."""


def render(
    name: str,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    language: str | None = None,
    **values: Any,
) -> HTMLResponse:
    """The page in `language` (a supported BCP 47 tag; English when None)."""
    html = templates().get_template(name).render(**translated(language), **values)
    return HTMLResponse(html, status_code=status, headers={**NOT_FRAMED, **(headers or {})})


def error_page(error: WebError) -> HTMLResponse:
    headers = {"www-authenticate": "Bearer"} if error.status == 401 else {}
    return render(
        "error.html",
        error.status,
        headers,
        title=error.title,
        message=error.message,
        code=error.status,
    )


async def web_caller(request: Request) -> tuple[Deps, Caller]:
    """Authenticate a bearer key (optional); refuse anonymous callers on a private server."""
    deps: Deps = request.app.state.deps
    caller = await request_caller(request)
    if not policy.may_read_public_list(caller, deps.settings.public_read):
        raise PermissionDenied(
            "This registry's subprocessor list is not public. "
            "Send an API key as `Authorization: Bearer rk_…` to read it."
        )
    return deps, caller


def parse_as_of(raw: str | None) -> datetime | None:
    """`2026-03-01` (midnight UTC) or an ISO 8601 date-time with an offset; empty is none."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    example = (
        "use a date such as 2026-03-01 or a date-time with offset such as 2026-03-01T00:00:00Z"
    )
    if _DATE_ONLY.match(text):
        try:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        except ValueError:
            raise ValidationError(
                "asOf", f"asOf {text!r} is not a calendar date: {example}"
            ) from None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValidationError(
            "asOf", f"asOf {text!r} is not an ISO 8601 date or date-time: {example}"
        ) from None
    if value.tzinfo is None:
        raise ValidationError("asOf", f"asOf {text!r} has no time zone offset: {example}")
    return value.astimezone(UTC)


def describe_change(change: Change, names: Mapping[str, str], language: str | None = None) -> str:
    """One line a person reads: "Add Postmark", "Replace Mailgun with Postmark"."""
    _ = catalog(language).gettext
    vendor = names.get(change.subprocessor_id, change.subprocessor_id)
    if change.kind is ChangeKind.REPLACE and change.replaces_id:
        old = names.get(change.replaces_id, change.replaces_id)
        return _("Replace %(old)s with %(vendor)s") % {"old": old, "vendor": vendor}
    if change.kind is ChangeKind.ADD:
        return _("Add %(vendor)s") % {"vendor": vendor}
    if change.kind is ChangeKind.REMOVE:
        return _("Remove %(vendor)s") % {"vendor": vendor}
    return _("Update %(vendor)s") % {"vendor": vendor}


def page_language(request: Request) -> str:
    """A public page's language: `?lang=` when it names a supported one, else the best
    of Accept-Language, else English (an unknown `?lang=` is not an error on a page)."""
    header = request.headers.get("accept-language")
    try:
        return languages.negotiate(request.query_params.get("lang"), header)
    except ValidationError:
        return languages.negotiate(None, header)


def language_headers(lang: str, max_age: int) -> dict[str, str]:
    """The headers of a page or feed written in the reader's language: it depends on the
    caller and on Accept-Language, so caches keep it per both, and says which it is."""
    return {
        "cache-control": f"private, max-age={max_age}",
        "vary": "authorization, accept-language",
        "content-language": lang,
    }


def language_links(request: Request, current: str) -> list[dict[str, Any]]:
    """The page in each language (`?lang=`, other parameters kept): the switcher and the
    `hreflang` alternates."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    links = []
    for code in languages.SUPPORTED:
        query = urlencode([*kept, ("lang", code)])
        links.append(
            {
                "code": code,
                "name": languages.NAMES[code],
                "href": f"{request.url.path}?{query}",
                "current": languages.base(current) == code,
            }
        )
    return links


async def vendor_names(deps: Deps, items: Iterable[Change]) -> dict[str, str]:
    return await change_queries.vendor_names(deps, items)


@jinja2.pass_context
def _format_instant(context: jinja2.runtime.Context, value: datetime | date | None) -> str:
    """A date or UTC instant in the page's language ("4 February 2026, 09:00 UTC")."""
    if value is None:
        return ""
    language = context.get("lang")
    if isinstance(value, datetime):
        return people_dates.utc_moment(value, language)
    return people_dates.day(
        datetime.combine(value, datetime.min.time(), tzinfo=UTC), "UTC", language
    )


@jinja2.pass_context
def _day_in(context: jinja2.runtime.Context, value: datetime, zone: str | None) -> str:
    return people_dates.day(value, zone, context.get("lang"))


@jinja2.pass_context
def _country_in(context: jinja2.runtime.Context, code: str) -> str:
    return labels.country_name(code, context.get("lang"))


def _iso(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()
