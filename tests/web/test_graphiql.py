"""GraphiQL at GET /graphql works offline and shows the schema's descriptions.

The browser may reach only the registry itself: any other request fails the test, so a
page that still needed a CDN would not render.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, async_playwright

from registry.api import graphiql
from registry.clock import FrozenClock
from tests.conftest import START, Api, make_settings
from tests.web.support import serving, web_app
from tests.web.test_browser import ARTIFACTS, CHROMIUM_ARGS, EXECUTABLE

SUBPROCESSOR = "A vendor that processes customer personal data on our behalf."


@pytest.fixture(scope="module")
def live(mongo_uri: str, db_name: str) -> Iterator[str]:
    with serving(web_app(make_settings(mongo_uri, db_name), FrozenClock(START))) as url:
        yield url


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=EXECUTABLE or "/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


async def test_graphiql_and_its_assets_are_served_by_the_registry(api: Api) -> None:
    page = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "https://" not in page.text
    assert "http://" not in page.text
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
