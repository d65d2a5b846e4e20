"""The public page `/subprocessors`: the list as GraphQL has it, filters, refusals, markup."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import pytest

from registry.clock import FrozenClock
from registry.domain.models import Role
from tests.conftest import START, Api, make_settings
from tests.web.support import Seeded, running_web_api, total_count


class Page(HTMLParser):
    """Just enough of the DOM for the assertions: tags with attributes, table rows, text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: dict[str, list[str]] = {}
        self._table: list[str] = []
        self._in_body = False
        self._in_row = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag == "table":
            self._table.append(found.get("id") or "")
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._in_row = True
            self.rows.setdefault(self._table[-1], []).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "tr":
            self._in_row = False
        elif tag == "table":
            self._table.pop()

    def handle_data(self, data: str) -> None:
        if self._in_row:
            self.rows[self._table[-1]][-1] += data

    def has(self, tag: str, **attrs: str) -> bool:
        return any(
            t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
            for t, a in self.tags
        )


def text(row: str) -> str:
    return re.sub(r"\s+", " ", row).strip()


async def test_page_lists_what_the_api_lists(web: Api, seeded: Seeded) -> None:
    response = await web.http.get("/subprocessors")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = Page(response.text)
    rows = [text(r) for r in page.rows["subprocessors"]]
    assert len(rows) == await total_count(web) == 4
    postmark = next(r for r in rows if r.startswith("Postmark"))
    assert "Transactional email" in postmark
    assert "United States (US)" in postmark
    assert "US: Valid Adequacy decision" in postmark
    zendesk = next(r for r in rows if r.startswith("Zendesk"))
    assert "US: Missing" in zendesk
    aws = next(r for r in rows if r.startswith("Amazon"))
    assert "DE: Not required" in aws
    assert "IE: Not required" in aws


async def test_upcoming_changes_and_how_to_object(web: Api, seeded: Seeded) -> None:
    page = Page((await web.http.get("/subprocessors")).text)
    upcoming = [text(r) for r in page.rows["changes"]]
    assert len(upcoming) == 1, upcoming
    assert upcoming[0].startswith("Add Mailgun Technologies, Inc.")
    assert "Second email provider for failover" in upcoming[0]
    assert seeded.upcoming in upcoming[0]
    html = (await web.http.get("/subprocessors")).text
    # People are told how to object and subscribe; the API's syntax stays in its docs.
    assert "Open the link in the notice e-mail" in html
    assert "privacy contact named in your data" in html
    assert 'action="/subscriptions"' in html
    assert "mutation" not in html
    assert "fileObjection" not in html
    assert 'href="/changes.atom"' in html
    assert 'href="/changes.ics"' in html
    # The cancelled change is no longer upcoming: the history says it was cancelled.
    assert not any("Dropped Analytics" in row for row in upcoming)
    (dropped,) = [text(r) for r in page.rows["past-changes"] if "Dropped Analytics" in text(r)]
    assert "Cancelled" in dropped


async def test_country_filter(web: Api, seeded: Seeded) -> None:
    page = Page((await web.http.get("/subprocessors", params={"country": "US"})).text)
    rows = [text(r) for r in page.rows["subprocessors"]]
    assert len(rows) == await total_count(web, countries=["US"]) == 2
    assert all("(US)" in r for r in rows)
    assert any(t == "option" and a["value"] == "US" and "selected" in a for t, a in page.tags)
    both = Page((await web.http.get("/subprocessors?country=US&country=IE")).text)
    assert len(both.rows["subprocessors"]) == await total_count(web, countries=["US", "IE"])
    nowhere = await web.http.get("/subprocessors", params={"country": "JP"})
    assert nowhere.status_code == 200
    assert "No subprocessors are in force" in nowhere.text


async def test_as_of_shows_the_list_announced_changes_will_make(web: Api, seeded: Seeded) -> None:
    future = (web.clock.now().replace(microsecond=0) + (START - START.replace(day=1))).replace(
        year=web.clock.now().year + 1
    )
    as_of = future.isoformat().replace("+00:00", "Z")
    page = Page((await web.http.get("/subprocessors", params={"asOf": as_of})).text)
    rows = page.rows["subprocessors"]
    assert len(rows) == await total_count(web, as_of=as_of) == 5
    assert any("Mailgun" in r for r in rows)
    assert "changes" not in page.rows  # nothing is upcoming after that date
    past = Page((await web.http.get("/subprocessors", params={"asOf": "2026-01-01"})).text)
    assert "subprocessors" not in past.rows
    assert len(past.rows.get("changes", [])) == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"asOf": "yesterday"}, "is not an ISO 8601 date or date-time"),
        ({"asOf": "2026-02-30"}, "is not a calendar date"),
        ({"asOf": "2026-03-01T00:00:00"}, "has no time zone offset"),
        ({"country": "XX"}, "&#39;XX&#39; is not an assigned ISO 3166-1 country code"),
        ({"country": "de"}, "is not an ISO 3166-1 alpha-2 country code"),
    ],
    ids=["words for asOf", "impossible date", "asOf without offset", "unknown country", "lower"],
)
async def test_bad_input_is_a_400_page(
    web: Api, seeded: Seeded, params: dict[str, str], message: str
) -> None:
    response = await web.http.get("/subprocessors", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text
    assert '<html lang="en">' in response.text


async def test_markup_is_accessible(web: Api, seeded: Seeded) -> None:
    html = (await web.http.get("/subprocessors")).text
    page = Page(html)
    assert page.has("html", lang="en")
    for landmark in ("header", "main", "nav", "footer"):
        assert page.has(landmark) or any(t == landmark for t, _ in page.tags), landmark
    assert page.has("caption") or "<caption>" in html
    assert page.has("th", scope="col")
    assert page.has("th", scope="row")
    # Every form control has a label.
    for tag, attrs in page.tags:
        if tag in ("select", "input"):
            assert page.has("label", for_=attrs["id"] or ""), attrs
    assert "<script" not in html


@pytest.fixture(scope="module")
async def private(mongo_uri: str, db_name: str) -> AsyncIterator[Api]:
    settings = make_settings(mongo_uri, db_name, public_read=False)
    async with running_web_api(settings, FrozenClock(START)) as api:
        yield api


async def test_private_registry_needs_a_key(private: Api, seeded: Seeded) -> None:
    refused = await private.http.get("/subprocessors")
    assert refused.status_code == 403
    assert "not public" in refused.text
    key = await private.key(Role.CUSTOMER, seeded.customers["Acme"])
    allowed = await private.http.get("/subprocessors", headers={"authorization": f"Bearer {key}"})
    assert allowed.status_code == 200
    bad = await private.http.get("/subprocessors", headers={"authorization": "Bearer rk_nope"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
