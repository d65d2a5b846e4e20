"""GraphiQL at GET /graphql works offline, opens with example operations and the hint
that a key goes in an `Authorization: Bearer` header, passes axe-core, and shows the
schema's descriptions.

The browser may reach only the registry itself: any other request fails the test, so a
page that still needed a CDN would not render.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from graphql import parse, validate
from playwright.async_api import Browser, Page, Route, expect

from registry.api import graphiql
from registry.api.graphiql_examples import EXAMPLES, Example
from registry.api.schema import build_schema
from registry.clock import FrozenClock
from tests.conftest import START, Api, make_settings
from tests.web.chromium import ARTIFACTS
from tests.web.support import serving, web_app

SUBPROCESSOR = "A vendor that processes customer personal data on our behalf."


@pytest.fixture(scope="module")
def live(mongo_uri: str, db_name: str) -> Iterator[str]:
    with serving(web_app(make_settings(mongo_uri, db_name), FrozenClock(START))) as url:
        yield url


async def test_graphiql_and_its_assets_are_served_by_the_registry(api: Api) -> None:
    page = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    # Nothing is loaded from elsewhere (the examples may show a URL as text).
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)
    for name, media_type in graphiql.ASSETS.items():
        assert f'"{graphiql.ASSET_PATH}/{name}"' in page.text
        asset = await api.http.get(f"{graphiql.ASSET_PATH}/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["content-type"].startswith(media_type)
        assert len(asset.content) > 1000
    for bad in ("style.css", "..%2F__init__.py", "graphiql.min.js.map"):
        assert (await api.http.get(f"{graphiql.ASSET_PATH}/{bad}")).status_code == 404


async def open_docs_on_subprocessor(page: Page, base_url: str) -> None:
    """GraphiQL's documentation explorer, searched for and opened on `Subprocessor`."""
    await page.goto(f"{base_url}/graphql")
    await page.get_by_role("button", name="Show Documentation Explorer").click()
    search = page.get_by_role("combobox", name="Search Docs...")
    await search.fill("Subprocessor")
    await page.get_by_role("option", name="Subprocessor", exact=True).click()
    await page.get_by_text(SUBPROCESSOR).wait_for()


async def test_the_documentation_explorer_shows_subprocessor_offline(
    live: str, browser: Browser
) -> None:
    host = urlsplit(live).netloc
    elsewhere: list[str] = []

    async def only_the_registry(route: Route) -> None:
        if urlsplit(route.request.url).netloc == host:
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        await context.route("**/*", only_the_registry)
        page = await context.new_page()
        await open_docs_on_subprocessor(page, live)
        explorer = page.locator(".graphiql-doc-explorer")
        text = await explorer.inner_text()
        assert SUBPROCESSOR in text
        assert "legalName" in text
        assert "The vendor's legal name as in the DPA" in text
        assert elsewhere == []
        ARTIFACTS.mkdir(exist_ok=True)
        image = await page.screenshot(path=str(ARTIFACTS / "graphiql-subprocessor.png"))
        assert image.startswith(b"\x89PNG")
    finally:
        await context.close()


def test_a_post_still_answers_json(live: str) -> None:
    response = httpx.post(f"{live}/graphql", json={"query": "{ viewer { role } }"})
    assert response.json() == {"data": {"viewer": {"role": None}}}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.title)
def test_every_example_operation_is_valid_against_the_schema(example: Example) -> None:
    errors = validate(build_schema()._schema, parse(example.query))
    assert errors == [], [e.message for e in errors]


async def test_graphiql_opens_with_the_examples_and_the_header_hint(
    live: str, browser: Browser
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(f"{live}/graphql")
        hint = page.locator("#auth-hint")
        await expect(hint).to_contain_text('{"Authorization": "Bearer rk_…"}')
        tabs = page.locator(".graphiql-tab-button")
        await expect(tabs).to_have_text(["CurrentList", "CustomerNotices", "Subscribe"])
        # The first example answers without a key: the public list.
        await page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
        await expect(page.locator(".graphiql-response")).to_contain_text('"totalCount"')
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "graphiql-examples.png"))
    finally:
        await context.close()


async def test_no_serious_accessibility_violation_in_graphiql(live: str, browser: Browser) -> None:
    axe = Axe()
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(f"{live}/graphql")
        await expect(page.locator(".graphiql-tab")).to_have_count(len(EXAMPLES))
        checked = 0
        for tab in ("CurrentList", "Subscribe"):
            await page.locator(".graphiql-tab-button", has_text=tab).click()
            await expect(page.get_by_label("Operation (GraphQL)")).to_have_count(1)
            results = await axe.run(page)
            blocking = [
                (v["id"], v["help"], v["nodes"][:2])
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert blocking == [], (tab, blocking)
            checked += 1
        assert checked == 2
    finally:
        await context.close()
