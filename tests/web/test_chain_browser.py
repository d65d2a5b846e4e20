"""The public page shows each vendor's chain collapsed under it, opened without
JavaScript, each onward transfer with its verdict (the reasons naming each hop are
tested through the API, tests/api/test_chains.py); the counts take the onward transfers
as transferAssessment does. axe-core finds nothing serious with the chain opened. The
console's vendor page lists the chain with its declared fields."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.services.seeding import load_seed_file
from registry.store import ids
from registry.store.database import Document
from tests.conftest import make_settings
from tests.web.console_support import browser_like, sign_in
from tests.web.support import running_web_api, serving, web_app

ROOT = Path(__file__).resolve().parents[2]
PICTURE = ROOT / "test-artifacts" / "public-page-chain.png"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ZENDESK = ids.stable_id("Subprocessor", "pronestor-privacy-policy.txt", "zendesk")
NORDHAVN = ids.stable_id("Customer", "pronestor-privacy-policy.txt", "nordhavn")
HAVBLIK = ids.stable_id("Customer", "pronestor-privacy-policy.txt", "havblik")
COUNTS = "{ transferAssessment(origin: EEA) { items { status } } }"


@pytest.fixture(scope="module")
async def site(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document]
) -> AsyncIterator[tuple[str, FrozenClock]]:
    name = f"t_chain_page_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name)
    clock = FrozenClock(NOW)
    async with running_web_api(settings, clock) as api:
        await load_seed_file(api.deps, ROOT / "seeds" / "pronestor.json")
    yield name, clock
    await mongo_client.drop_database(name)


@pytest.fixture(scope="module")
def base_url(mongo_uri: str, site: tuple[str, FrozenClock]) -> Iterator[str]:
    name, clock = site
    with serving(web_app(make_settings(mongo_uri, name), clock)) as url:
        yield url


async def test_the_chain_opens_without_javascript(base_url: str, browser: Browser) -> None:
    context = await browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/subprocessors")
        row = page.locator(f"tr[id='{ZENDESK}']")
        chain = row.locator("details.chain")
        assert await chain.count() == 1
        twilio = chain.locator("li.depth-1").first
        assert not await twilio.is_visible()  # collapsed
        await chain.locator("summary").first.click()
        assert await twilio.is_visible()
        assert "Twilio Inc." in await twilio.inner_text()
        deep = chain.locator("li.depth-2").first
        assert "for Twilio Inc. (level 2)" in await deep.inner_text()
        assert "Missing" in await deep.inner_text()  # the weakest hop: Zendesk's own US one
        await row.scroll_into_view_if_needed()
        await row.screenshot(path=str(PICTURE))
    finally:
        await context.close()


async def test_axe_finds_nothing_serious_with_the_chain_open(
    base_url: str, browser: Browser
) -> None:
    context = await browser.new_context(java_script_enabled=True)
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/subprocessors")
        await page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        results = await Axe().run(page)
        serious = [
            (v["id"], v["help"])
            for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        assert serious == []
    finally:
        await context.close()


async def test_the_page_counts_onward_transfers_as_the_api_does(
    mongo_uri: str, site: tuple[str, FrozenClock]
) -> None:
    name, clock = site
    async with running_web_api(make_settings(mongo_uri, name), clock) as api:
        items = (await api.gql(COUNTS))["transferAssessment"]["items"]
        page = (await api.http.get("/subprocessors")).text
    missing = sum(1 for i in items if i["status"] == "MISSING")
    assert missing > 0
    assert f"Missing: {missing}</span>" in page


async def test_the_console_vendor_page_lists_the_chain(
    mongo_uri: str, site: tuple[str, FrozenClock]
) -> None:
    name, clock = site
    async with running_web_api(make_settings(mongo_uri, name), clock) as api:
        key = await api.key(Role.PROCUREMENT, name="buyer")
        async with browser_like(api) as client:
            await sign_in(client, key)
            page = (await client.get(f"/console/subprocessors/{ZENDESK}")).text
    section = page[page.index('id="chain"') :]
    assert section.index("Twilio Inc.") < section.index("Amazon Web Services, Inc.")
    assert "level 2" in section
    assert "101 Spear Street" in section  # a declared field (domain/chain_fields.py)
    assert "Standard contractual clauses (2021) module 3" in section


async def test_the_console_customer_page_offers_its_dora_register(
    mongo_uri: str, site: tuple[str, FrozenClock]
) -> None:
    name, clock = site
    async with running_web_api(make_settings(mongo_uri, name), clock) as api:
        key = await api.key(Role.PROCUREMENT, name="buyer")
        async with browser_like(api) as client:
            await sign_in(client, key)
            page = (await client.get(f"/console/customers/{NORDHAVN}")).text
            link = f"/console/customers/{NORDHAVN}/dora-register.zip"
            assert link in page
            assert "PRN-2024-017" in page
            answer = await client.get(link)
            other = (await client.get(f"/console/customers/{HAVBLIK}")).text
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert "dora-register.zip" not in other  # no contract reference: nothing to download
    assert "No contract reference recorded" in other
