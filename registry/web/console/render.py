"""Rendering console pages: the template environment, readable dates, common headers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from starlette.responses import HTMLResponse

from registry.domain import countries
from registry.web import pages
from registry.web.pages import MECHANISM_LABELS, STATUS_LABELS, country_name

# Staff pages hold internal data: never cached, never framed.
HEADERS = {
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'self'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
}


def when(value: datetime | None, zone: str = "UTC") -> str:
    """`5 February 2026, 10:00 CET (Europe/Berlin)`; UTC reads `… 09:00 UTC`."""
    if value is None:
        return ""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz, zone = ZoneInfo("UTC"), "UTC"
    local = value.astimezone(tz)
    text = f"{local:%-d %B %Y, %H:%M} {local.tzname()}"
    return text if zone == "UTC" else f"{text} ({zone})"


_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def period(value: str | None) -> str:
    """`P3M` -> `3 months`, `P1Y2M` -> `1 year 2 months`; anything else as written."""
    found = _PERIOD.match(value or "")
    if not value or not found or not any(found.groups()):
        return value or ""
    units = ("year", "month", "week", "day")
    pairs = zip(found.groups(), units, strict=True)
    parts = [f"{n} {unit}{'' if n == '1' else 's'}" for n, unit in pairs if n]
    return " ".join(parts)


def day(value: date | None) -> str:
    return "" if value is None else f"{value:%-d %B %Y}"


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def label(value: Any) -> str:
    """An enum value for people: `SUPPORT_ACCESS` -> `Support access`."""
    raw = getattr(value, "value", value)
    return str(raw).replace("_", " ").capitalize()


@cache
def environment() -> jinja2.Environment:
    env = pages.environment()
    env.filters.update(
        when=when, day=day, period=period, iso=iso, label=label, country=country_name
    )
    env.globals.update(
        status_label=lambda s: STATUS_LABELS[s],
        mechanism_label=lambda m: MECHANISM_LABELS.get(m, m.value) if m else "",
        countries=countries.choices(),
        country_code=countries.known,
    )
    return env


def render(
    name: str, status: int = 200, headers: Mapping[str, str] | None = None, **values: Any
) -> HTMLResponse:
    html = environment().get_template(f"console/{name}").render(**values)
    return HTMLResponse(html, status_code=status, headers={**HEADERS, **(headers or {})})


def refusal(status: int, title: str, message: str) -> HTMLResponse:
    """A refused request, in the console's layout (also for errors.py's handlers)."""
    return render(
        "refused.html", status, title=title, message=message, token="", caller=None, section=""
    )
