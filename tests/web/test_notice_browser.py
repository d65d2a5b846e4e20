"""The notice page in a real browser (Debian's Chromium, JavaScript off), reached from
the link in an e-mail that a real SMTP server received: acknowledge, object, check
the record through the API; a forged link; a post after the deadline. axe-core checks
the notice page and the public page (no serious or critical violations). Each test is
told of a change of its own (`told`), at the world's start."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page

from registry.clock import FrozenClock
from registry.delivery import notice_links, subscriber_links
from registry.store import email_subscribers
from tests.conftest import START, make_settings
from tests.web.notice_world import OBJECTIONS, Told, World, notice_world
from tests.web.support import serving, web_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CLOCK = FrozenClock(START)


@pytest.fixture(scope="module")
def base_url(mongo_uri: str, db_name: str) -> Iterator[str]:
    with serving(web_app(make_settings(mongo_uri, db_name), CLOCK)) as url:
        yield url


@pytest.fixture(scope="module")
async def world(mongo_uri: str, db_name: str, base_url: str) -> AsyncIterator[World]:
    async with notice_world(mongo_uri, db_name, public_url=base_url, clock=CLOCK) as made:
        yield made


@pytest.fixture
async def told(world: World) -> Told:
    world.api.clock.set(START)
    return await world.announce()


async def new_page(browser: Browser) -> Page:
    context = await browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    return await context.new_page()


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of impact serious or critical (it needs JavaScript in the
    page, so it runs in a context of its own on the same HTML)."""
    results = await Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


async def audited(
    browser: Browser, url: str, method_post: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """axe-core on the page at `url` (or the answer to posting `method_post` there)."""
    context = await browser.new_context(java_script_enabled=True)
    try:
        page = await context.new_page()
        if method_post is None:
            await page.goto(url)
        else:
            answer = await context.request.post(url, form=method_post)
            await page.set_content(await answer.text())
        return await serious_violations(page)
    finally:
        await context.close()


async def test_a_privacy_officer_acts_on_the_notice_from_the_email(
    world: World, told: Told, browser: Browser, base_url: str
) -> None:
    link = told.link_for("privacy@acme.test")
    assert link.startswith(f"{base_url}/notices/")
    page = await new_page(browser)
    response = await page.goto(link)
    assert response is not None
    assert response.status == 200
    assert await page.locator("h1").inner_text() == "New subprocessor: Postmark"
    assert "4 February 2026, 10:00 CET" in await page.locator("#dates-heading + dl").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "notice-page.png"), full_page=True)

    await page.fill("#ack-name", "Ana Ruiz")
    await page.fill("#ack-email", "ana@acme.test")
    await page.get_by_role("button", name="Acknowledge").click()
    assert await page.locator("[role=status]").inner_text() == (
        "Thank you: the notice is acknowledged."
    )

    await page.fill("#reason", "Postmark offers no EU-only hosting")
    await page.fill("#obj-name", "Ana Ruiz")
    await page.fill("#obj-email", "ana@acme.test")
    await page.get_by_role("button", name="File objection").click()
    assert "Your objection is filed" in await page.locator("[role=status]").inner_text()
    assert await page.locator("#reason").count() == 0

    data = await world.api.gql(OBJECTIONS, {"id": told.change_id}, world.admin)
    assert data["change"]["objections"] == [
        {
            "reason": "Postmark offers no EU-only hosting",
            "status": "OPEN",
            "customer": {"id": world.customers["Acme GmbH"]},
        }
    ]
    evidence = (await world.evidence(told.change_id))[world.customers["Acme GmbH"]]
    assert evidence["viewedAt"] is not None
    assert evidence["acknowledgedAt"] is not None
    assert evidence["objectionFiledBy"] == "Ana Ruiz <ana@acme.test>"


async def test_a_forged_link_shows_a_404_page(world: World, told: Told, browser: Browser) -> None:
    link = told.link_for("privacy@bolt.test")
    page = await new_page(browser)
    response = await page.goto(link[:-3] + "xyz")
    assert response is not None
    assert response.status == 404
    assert "This link is not valid" in await page.content()
    evidence = await world.evidence(told.change_id)
    assert evidence[world.customers["Bolt Ltd"]]["viewedAt"] is None
    # The same page for every dead link offers a fresh link to the contract's addresses.
    guard = await page.locator("input[name=guard]").get_attribute("value")
    assert guard is not None
    assert await audited(browser, link[:-3] + "xyz") == []
    await page.get_by_role("button", name="Send a fresh link").click()
    assert "a fresh link is on its way" in await page.locator("#link-message").inner_text()
    fresh = f"{link[:-3]}xyz/fresh-link"
    assert await audited(browser, fresh, method_post={"guard": guard}) == []


async def test_the_pages_have_no_serious_accessibility_violations(
    world: World, told: Told, browser: Browser, base_url: str
) -> None:
    assert await audited(browser, told.link_for("privacy@bolt.test")) == []
    assert await audited(browser, f"{base_url}/subprocessors") == []
    key = notice_links.link_key(world.api.deps.settings.effective_secret_key())
    sub_id = email_subscribers.subscriber_id("dana@example.test")
    confirm = subscriber_links.confirm_token(key, sub_id, CLOCK.now())
    leave = subscriber_links.unsubscribe_token(key, sub_id)
    page = await new_page(browser)
    await page.goto(f"{base_url}/subprocessors")
    await page.fill("#subscribe-email", "dana@example.test")
    await page.get_by_role("button", name="Subscribe").click()
    assert await page.locator("h1").inner_text() == "Check your inbox"
    assert await audited(browser, page.url, method_post={"email": "dana@example.test"}) == []
    assert await audited(browser, subscriber_links.confirm_url(base_url, confirm)) == []
    assert await audited(browser, subscriber_links.unsubscribe_url(base_url, leave)) == []


async def test_a_post_after_the_deadline_is_refused(
    world: World, told: Told, browser: Browser
) -> None:
    page = await new_page(browser)
    await page.goto(told.link_for("privacy@cora.test"))
    await page.fill("#reason", "Too late, perhaps")
    await page.fill("#obj-name", "Cy Doe")
    await page.fill("#obj-email", "cy@cora.test")
    world.api.clock.advance(timedelta(days=31))  # the form was loaded before the deadline
    response = await page.goto(page.url)  # reload shows the closed form...
    assert response is not None
    assert await page.locator("#reason").count() == 0
    assert "The deadline to object was" in await page.content()
    world.api.clock.advance(timedelta(days=-31))
    await page.goto(told.link_for("privacy@cora.test"))
    await page.fill("#reason", "Too late, perhaps")
    await page.fill("#obj-name", "Cy Doe")
    await page.fill("#obj-email", "cy@cora.test")
    world.api.clock.advance(timedelta(days=31))
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.get_by_role("button", name="File objection").click()
    assert (await posted.value).status == 409
    assert "after the deadline to object" in await page.content()
    assert "Too late, perhaps" in await page.locator("#not-filed").inner_text()  # kept
    guard = await page.locator("input[name=guard]").first.get_attribute("value")
    assert guard is not None
    late = {"action": "object", "guard": guard, "reason": "Late", "name": "Cy", "email": "c@d.test"}
    assert await audited(browser, told.link_for("privacy@cora.test"), method_post=late) == []
    data = await world.api.gql(OBJECTIONS, {"id": told.change_id}, world.admin)
    assert data["change"]["objections"] == []
