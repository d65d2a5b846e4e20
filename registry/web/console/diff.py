"""`/console/diff`: what changed in the list between two days, for staff to answer
"what changed since we last looked?" (the subprocessorDiff query, as a page)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from starlette.responses import Response

from registry.domain.errors import RegistryError
from registry.services import list_diff
from registry.web.console import forms
from registry.web.console.session import Page, errors_of, staff_page


@staff_page
async def diff(page: Page) -> Response:
    """`GET /console/diff?from=2026-01-01&to=2026-03-01`: both days at 00:00 UTC; `to`
    defaults to today's end, `from` to 30 days before it."""
    params = page.request.query_params
    values = {"from": params.get("from", ""), "to": params.get("to", "")}
    found, errors = None, {}
    try:
        end_day = forms.a_date(values["to"], "to")
        end = (
            datetime.combine(end_day, time(), UTC)
            if end_day
            else datetime.combine(page.deps.clock.now().date() + timedelta(days=1), time(), UTC)
        )
        start_day = forms.a_date(values["from"], "from")
        start = datetime.combine(start_day, time(), UTC) if start_day else end - timedelta(days=30)
        values = {"from": start.date().isoformat(), "to": end.date().isoformat()}
        found = await list_diff.subprocessor_diff(page.deps, page.caller, start, end)
    except RegistryError as exc:
        errors = dict(errors_of(exc))
    return page.render(
        "diff.html", 400 if errors else 200, values=values, errors=errors, diff=found
    )
