"""The public page honours every filter: upcoming changes of vendors not yet in force,
downloads that keep the filters, a CSV filtered by country with country names, roles
and transfer bases, a search box, a last-updated date, and feed links that land on rows."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import async_playwright, expect
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.store.database import Document
from tests.conftest import START, Api, make_settings
from tests.web.chromium import ARTIFACTS, CHROMIUM_ARGS, EXECUTABLE
from tests.web.support import running_web_api, serving, web_app
from tests.web.test_console_browser import BLOCKING

SETUP = """mutation { a: createProduct(input: {code: "meetings", name: "Meetings"}) { __typename }
  b: createProduct(input: {code: "crm", name: "CRM"}) { __typename } }"""
SUB = """mutation($input: CreateSubprocessorInput!) { createSubprocessor(input: $input) {
  ... on SubprocessorCreated { subprocessor { id } } } }"""
PARTS = """mutation($s: ID!, $country: String!) {
  a: addProcessingLocation(subprocessorId: $s, input: {country: $country, role: STORAGE,
                                                       region: "r-1"}) { __typename }
  b: recordTransferBasis(subprocessorId: $s, input: {mechanism: SCC_2021, destination: $country,
                                                     sccModule: 2}) { __typename } }"""
ANNOUNCE = """mutation($s: ID!, $at: DateTime) {
  announceChange(input: {kind: ADD, subprocessorId: $s, effectiveAt: $at}) {
    __typename ... on ChangeAnnounced { change { id } } } }"""
LATER = START + timedelta(days=40)


@pytest.fixture(scope="module")
def name() -> str:
    return f"t_public_filters_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
async def public(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document], name: str
) -> AsyncIterator[Api]:
    """Alpha CRM in force (US, crm only); Beta Meetings announced for later (DE, meetings)."""
    async with running_web_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        admin = await api.key(Role.ADMIN)
        await api.gql(SETUP, {}, admin)
        for legal, product, country, at in [
            ("Alpha CRM Inc.", "crm", "US", None),
            ("Beta Meetings GmbH", "meetings", "DE", LATER.isoformat()),
        ]:
            input_ = {
                "legalName": legal,
                "purpose": f"{product} vendor",
                "dataCategories": ["Contact details"],
                "scope": {"products": [product]},
            }
            made = await api.gql(SUB, {"input": input_}, admin)
            sub_id = made["createSubprocessor"]["subprocessor"]["id"]
            await api.gql(PARTS, {"s": sub_id, "country": country}, admin)
            announced = await api.gql(ANNOUNCE, {"s": sub_id, "at": at}, admin)
            assert announced["announceChange"]["__typename"] == "ChangeAnnounced", announced
        await api.scheduler.run_until_idle()
        api.clock.advance(timedelta(days=1))
        await api.scheduler.run_until_idle()
        yield api
    await mongo_client.drop_database(name)


def _section(html: str, section: str) -> str:
    start = html.index(f'<section id="{section}"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        pytest.param("product=meetings", True, id="?product=meetings lists its vendor's ADD"),
        pytest.param("product=crm", False, id="?product=crm does not"),
        pytest.param("country=DE", True, id="?country=DE lists the ADD of a vendor in DE"),
        pytest.param("country=US", False, id="?country=US does not"),
        pytest.param("search=beta", True, id="?search=beta lists it"),
        pytest.param("search=alpha", False, id="?search=alpha does not"),
    ],
)
async def test_upcoming_changes_follow_the_filters(public: Api, query: str, listed: bool) -> None:
    html = (await public.http.get(f"/subprocessors?{query}")).text

    upcoming = _section(html, "upcoming")

    assert ("Add Beta Meetings GmbH" in upcoming) is listed, upcoming
    if not listed:
        assert "No changes are announced for the vendors these filters show" in upcoming


async def test_downloads_keep_the_filters_and_the_csv_filters_by_country(public: Api) -> None:
    html = (await public.http.get("/subprocessors?country=US&search=crm")).text
    assert 'href="/subprocessors.csv?country=US&amp;search=crm"' in html
    assert 'href="/subprocessors.json?country=US&amp;search=crm"' in html
    rows = (await public.http.get("/subprocessors?search=crm")).text
    assert "Alpha CRM Inc." in _section(rows, "current")
    assert 'id="search"' in rows

    text = (await public.http.get("/subprocessors.csv?country=US")).text
    table = list(csv.DictReader(io.StringIO(text)))

    assert [r["legal_name"] for r in table] == ["Alpha CRM Inc."]
    (alpha,) = table
    assert alpha["country_names"] == "United States"
    assert alpha["locations"] == "United States (storage, r-1)"
    assert alpha["roles"] == "STORAGE"
    assert alpha["data_categories"] == "Contact details"
    assert "EEA → United States: Standard contractual clauses (2021)" in alpha["transfer_basis"]
    assert (await public.http.get("/subprocessors.csv?country=DE")).text.count("\n") == 1
    body = (await public.http.get("/subprocessors.json?country=US")).json()["subprocessors"]
    assert body[0]["locations"] == [
        {"country": "US", "country_name": "United States", "region": "r-1", "role": "STORAGE"}
    ]
    eea = [t for t in body[0]["transfer_basis"] if t["origin"] == "EEA"]
    assert eea == [
        {
            "origin": "EEA",
            "country": "US",
            "country_name": "United States",
            "status": "VALID",
            "mechanism": "SCC_2021",
            "mechanism_label": "Standard contractual clauses (2021)",
        }
    ]


async def test_every_feed_link_lands_on_a_row_and_the_page_says_when_it_changed(
    public: Api,
) -> None:
    feed = (await public.http.get("/changes.atom")).text
    html = (await public.http.get("/subprocessors")).text

    anchors = set(re.findall(r'/subprocessors#(change-[^"]+)"', feed))

    assert len(anchors) == 2, feed
    for anchor in anchors:
        assert f'id="{anchor}"' in html, anchor
    history = _section(html, "history")
    assert "Add Alpha CRM Inc." in history
    assert "Effective" in history
    assert 'id="last-updated"' in html


async def test_the_filtered_page_in_a_browser(public: Api, mongo_uri: str, name: str) -> None:
    clock = public.clock
    assert isinstance(clock, FrozenClock)
    with serving(web_app(make_settings(mongo_uri, name), clock)) as url:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=EXECUTABLE or "/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            try:
                page = await browser.new_page(viewport={"width": 1280, "height": 900})
                await page.goto(f"{url}/subprocessors")
                await page.get_by_label("Product").select_option("meetings")
                await page.get_by_label("Search").fill("meetings")
                await page.get_by_role("button", name="Show").click()
                await page.wait_for_url("**/subprocessors?*product=meetings*")
                await expect(page.locator("#changes")).to_contain_text("Add Beta Meetings GmbH")
                results = await Axe().run(page)
                blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
                assert not blocking, [(v["id"], v["help"]) for v in blocking]
                ARTIFACTS.mkdir(exist_ok=True)
                await page.screenshot(path=str(ARTIFACTS / "public-filtered.png"), full_page=True)
                await page.goto(f"{url}/subprocessors/diff?from=2026-01-01")
                await expect(page.locator("#added")).to_contain_text("Alpha CRM Inc.")
                results = await Axe().run(page)
                blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
                assert not blocking, [(v["id"], v["help"]) for v in blocking]
                await page.screenshot(path=str(ARTIFACTS / "public-diff.png"), full_page=True)
            finally:
                await browser.close()


async def test_atom_entries_give_dates_people_read(public: Api) -> None:
    feed = (await public.http.get("/changes.atom")).text

    assert "Add Beta Meetings GmbH takes effect on 14 February 2026, 09:00 UTC." in feed
    assert "Announced: Add Beta Meetings GmbH, effective 14 February 2026, 09:00 UTC" in feed
