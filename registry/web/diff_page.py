"""`/subprocessors/diff`: what changed in the public list between two days, for people
(the same diff as `/subprocessors/diff.json` and the subprocessorDiff query)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from starlette.requests import Request
from starlette.responses import Response

from registry.domain.errors import ValidationError
from registry.domain.translations import N_
from registry.services import list_diff
from registry.services import operator as operators
from registry.web import scope_params
from registry.web.pages import (
    language_headers,
    language_links,
    page_language,
    parse_as_of,
    render,
    web_caller,
)

DEFAULT_SPAN = timedelta(days=90)
KINDS = {"ADD": N_("Add"), "REMOVE": N_("Remove"), "REPLACE": N_("Replace"), "UPDATE": N_("Update")}
"""A change's kind as the comparison names it (translated in the page)."""


def _instant(request: Request, name: str) -> datetime | None:
    try:
        return parse_as_of(request.query_params.get(name))
    except ValidationError as error:
        raise ValidationError(name, f"{name}: {error.message}") from None


async def diff_page(request: Request) -> Response:
    """`GET /subprocessors/diff?from=2026-01-01&to=2026-04-01[&product=&region=]`; `to`
    defaults to now, `from` to 90 days before it."""
    deps, caller = await web_caller(request)
    lang = page_language(request)
    products, region = scope_params.requested(request)
    end = _instant(request, "to") or deps.clock.now()
    start = _instant(request, "from") or datetime.combine((end - DEFAULT_SPAN).date(), time(), UTC)
    found = await list_diff.subprocessor_diff(
        deps, caller, start, end, products=products, hosting_region=region
    )
    return render(
        "diff.html",
        headers=language_headers(lang, 60),
        language=lang,
        languages=language_links(request, lang),
        diff=found,
        kinds=KINDS,
        start_day=start.date().isoformat(),
        end_day=end.date().isoformat(),
        operator=await operators.identity(deps),
    )
