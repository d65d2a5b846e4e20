"""The notice page in the customer's language, on a phone, in Debian's Chromium: German
compounds wrap (no sideways scrolling), `lang` is set, and axe-core finds no serious or
critical violation in German, French or Danish. The e-mail that links to it is in the
same language."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from registry.clock import FrozenClock
from tests.conftest import START, make_settings
from tests.web.notice_world import World, notice_world
from tests.web.support import serving, web_app
from tests.web.test_notice_browser import serious_violations

DOCS = Path(__file__).resolve().parents[2] / "docs"
CLOCK = FrozenClock(START)
PHONE = {"width": 360, "height": 780}
UPDATE = """
mutation($id: ID!, $language: String!) {
  updateCustomer(id: $id, input: {language: $language}) { __typename }
}"""


@pytest.fixture(scope="module")
def base_url(mongo_uri: str, db_name: str) -> Iterator[str]:
    with serving(web_app(make_settings(mongo_uri, db_name), CLOCK)) as url:
        yield url


@pytest.fixture(scope="module")
async def world(mongo_uri: str, db_name: str, base_url: str) -> AsyncIterator[World]:
    async with notice_world(mongo_uri, db_name, public_url=base_url, clock=CLOCK) as made:
        yield made


async def _link_in(world: World, language: str) -> tuple[str, str]:
    """Acme's language set, a change announced: its e-mail's subject and notice link."""
    acme = world.customers["Acme GmbH"]
    done = await world.api.gql(UPDATE, {"id": acme, "language": language}, world.admin)
    assert done["updateCustomer"]["__typename"] == "CustomerUpdated"
    world.api.clock.set(START)
    told = await world.announce("privacy@acme.test")
    return str(told.message_to("privacy@acme.test")["Subject"]), told.link_for("privacy@acme.test")


async def test_the_german_notice_page_on_a_phone(world: World, browser: Browser) -> None:
    subject, link = await _link_in(world, "de")
    assert subject.startswith("Neuer Unterauftragsverarbeiter: Postmark — Einspruch bis ")
    context = await browser.new_context(
        java_script_enabled=True, viewport=PHONE, is_mobile=True, device_scale_factor=2
    )
    try:
        page = await context.new_page()
        response = await page.goto(link)
        assert response is not None
        assert response.status == 200
        assert await page.get_attribute("html", "lang") == "de"
        assert await page.locator("h1").inner_text() == "Neuer Unterauftragsverarbeiter: Postmark"
        dates = await page.locator("#dates-heading + dl").inner_text()
        assert "4. Februar 2026, 10:00 MEZ" in dates
        assert "Einspruchsfrist" in dates
        where = await page.locator("#where-heading + table").inner_text()
        assert "Vereinigte Staaten (US)" in where
        assert "Standardvertragsklauseln (2021)" in where
        assert await page.get_by_role("button", name="Einspruch einlegen").count() == 1
        # Nothing is wider than the phone: long compounds wrap instead of scrolling sideways.
        widest = await page.evaluate("document.documentElement.scrollWidth")
        assert widest <= PHONE["width"]
        assert await serious_violations(page) == []
        DOCS.mkdir(exist_ok=True)
        await page.screenshot(path=str(DOCS / "notice-page-de-phone.png"), full_page=True)
    finally:
        await context.close()


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("fr", "Nouveau sous-traitant ultérieur : Postmark"),
        ("da", "Ny underdatabehandler: Postmark"),
        ("de-CH", "Neuer Unterauftragsverarbeiter: Postmark"),
        ("en", "New subprocessor: Postmark"),
    ],
)
async def test_the_notice_page_in_each_language_passes_axe(
    world: World, browser: Browser, language: str, heading: str
) -> None:
    _, link = await _link_in(world, language)
    context = await browser.new_context(java_script_enabled=True, viewport=PHONE)
    try:
        page = await context.new_page()
        await page.goto(link)
        assert await page.get_attribute("html", "lang") == language
        assert await page.locator("h1").inner_text() == heading
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert await serious_violations(page) == []
    finally:
        await context.close()
