"""Staff sign in with the company's identity provider in a real browser: Debian's Chromium
through Playwright, the registry served by uvicorn and a real OpenID provider
(tests/oidc/provider.mjs) on loopback ports. JavaScript is on (the provider's pages and
axe-core use it; the registry's pages do not need it).

A person in the admin group signs in on the provider's own page and lands in the console
under their name (a picture for the docs); signing out ends the session at the provider
too, so the next sign-in asks for the password again. A person without a mapped group
gets a clear refusal; axe-core finds no serious or critical violation on these pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from registry.clock import FrozenClock
from registry.domain.models import Role
from tests.conftest import make_settings
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, ROLE_MAP, running_provider
from tests.web.chromium import ARTIFACTS
from tests.web.support import free_socket, running_web_api, seed, serving, web_app

BLOCKING = {"serious", "critical"}


@dataclass(frozen=True, slots=True)
class World:
    registry: str
    provider: str


@pytest.fixture(scope="module")
async def world(mongo_uri: str, db_name: str) -> AsyncIterator[World]:
    sock = free_socket()
    registry = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # The provider signs with the real time: the registry's clock ends there after seeding.
    clock = FrozenClock(datetime.now(UTC) - timedelta(days=40))
    with running_provider(
        f"{registry}/console/sign-in/callback", f"{registry}/console/sign-in?signed_out=1"
    ) as provider:
        settings = make_settings(
            mongo_uri,
            db_name,
            public_url=registry,
            oidc_issuer=provider.issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_roles=ROLE_MAP,
            oidc_scopes="openid profile email groups",
        )
        async with running_web_api(settings, clock) as api:
            admin = await api.key(Role.ADMIN)
            await seed(api, admin)
            clock.set(datetime.now(UTC))
        with serving(web_app(settings, clock), sock=sock):
            yield World(registry, provider.issuer)


@pytest.fixture
def axe_check() -> Axe:
    return Axe()


async def _no_blocking_violation(axe: Axe, page: Page) -> None:
    results = await axe.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, (page.url, [(v["id"], v["help"], v["nodes"][:2]) for v in blocking])


async def _log_in_at_provider(page: Page, login: str) -> None:
    """The provider's own development sign-in page: any password."""
    await page.get_by_placeholder("Enter any login").fill(login)
    await page.get_by_placeholder("and password").fill("any password")
    await page.get_by_role("button", name="Sign-in").click()


async def test_a_person_signs_in_is_named_and_signs_out(
    world: World, browser: Browser, axe_check: Axe
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(f"{world.registry}/console/objections")
        await expect(
            page.get_by_role("heading", name="Sign in to the staff console")
        ).to_be_visible()
        await _no_blocking_violation(axe_check, page)
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "console-oidc-sign-in.png"))
        await expect(page.get_by_label("API key")).to_have_count(0)
        await page.get_by_role("link", name="Sign in with your company account").click()
        assert page.url.startswith(world.provider)
        await _log_in_at_provider(page, "ada")

        await page.wait_for_url(f"{world.registry}/console/objections")
        who = page.locator("form.who")
        await expect(who).to_contain_text("Signed in as Ada Lovelace (ada@example.com) · ADMIN")
        await page.goto(f"{world.registry}/console")
        await expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        await _no_blocking_violation(axe_check, page)
        await page.screenshot(path=str(ARTIFACTS / "console-oidc-signed-in.png"))

        await page.get_by_role("button", name="Sign out").click()
        await page.wait_for_url(f"{world.registry}/console/sign-in?signed_out=1")
        await expect(page.get_by_role("status")).to_have_text("You are signed out.")
        await _no_blocking_violation(axe_check, page)
        await page.screenshot(path=str(ARTIFACTS / "console-oidc-signed-out.png"))
        # Ending the session at the provider too: it asks to confirm, then comes back.
        await page.get_by_role("link", name="sign out of it too").click()
        await page.get_by_role("button", name="Yes, sign me out").click()
        await page.wait_for_url(f"{world.registry}/console/sign-in?signed_out=1")
        await page.goto(f"{world.registry}/console")
        await expect(
            page.get_by_role("heading", name="Sign in to the staff console")
        ).to_be_visible()
        # Signed out at the provider too: it asks who is there again.
        await page.get_by_role("link", name="Sign in with your company account").click()
        await expect(page.get_by_placeholder("Enter any login")).to_be_visible()
    finally:
        await context.close()


async def test_a_person_without_a_mapped_group_gets_a_clear_refusal(
    world: World, browser: Browser, axe_check: Axe
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(f"{world.registry}/console/sign-in")
        await page.get_by_role("link", name="Sign in with your company account").click()
        await _log_in_at_provider(page, "rita")
        await expect(
            page.get_by_role("heading", name="No access to the staff console")
        ).to_be_visible()
        await expect(page.get_by_role("alert")).to_contain_text(
            "Rita Levi <rita@example.com> has no role in the subprocessor registry"
        )
        await _no_blocking_violation(axe_check, page)
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "console-oidc-refused.png"))
        await page.goto(f"{world.registry}/console")
        await expect(
            page.get_by_role("heading", name="Sign in to the staff console")
        ).to_be_visible()
    finally:
        await context.close()
