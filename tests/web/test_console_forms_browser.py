"""Console forms in Debian's Chromium: the country picker with and without JavaScript, the
SCC module shown only for the mechanism that has modules, and every console page fitting
a 1,280 px window and a 390 px phone without sideways scrolling (axe-core clean at both).
"""

from __future__ import annotations

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from registry.domain.models import Role
from tests.conftest import Api
from tests.web.chromium import ARTIFACTS
from tests.web.support import Seeded, add_vendor

BLOCKING = {"serious", "critical"}
WIDTHS = (1280, 390)
FITS = "document.documentElement.scrollWidth <= window.innerWidth"
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(-3).map(e => e.tagName + '.' + e.className + '#' + e.id)"""


async def _signed_in(browser: Browser, base_url: str, key: str, **options: object) -> Page:
    context = await browser.new_context(**options)  # type: ignore[arg-type]
    page = await context.new_page()
    await page.goto(f"{base_url}/console/sign-in")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    return page


async def test_the_country_picker_with_and_without_javascript(
    web: Api, seeded: Seeded, base_url: str, browser: Browser
) -> None:
    sub_id = await add_vendor(web, seeded.admin, "Picker Test Oy", "Forms", [], [])
    key = await web.key(Role.PROCUREMENT, name="picker")
    form = f"{base_url}/console/subprocessors/{sub_id}/locations/new"

    page = await _signed_in(browser, base_url, key, java_script_enabled=False)
    try:
        await page.goto(form)
        picker = page.get_by_label("Country")
        assert await picker.evaluate("e => e.tagName") == "SELECT"
        await picker.select_option(label="Finland (FI)")
        await page.get_by_role("button", name="Add location").click()
        await expect(page.get_by_text("Processing location added.")).to_be_visible()
    finally:
        await page.context.close()

    page = await _signed_in(
        browser, base_url, key, viewport={"width": 1280, "height": 900}, java_script_enabled=True
    )
    try:
        await page.goto(form)
        picker = page.get_by_label("Country")
        assert await picker.evaluate("e => e.tagName") == "INPUT"
        suggestions = await picker.evaluate("e => [...e.list.options].map(o => o.value)")
        assert "Sweden (SE)" in suggestions
        assert len(suggestions) > 240
        await picker.fill("Sweden (SE)")
        await page.get_by_label("Role").select_option("STORAGE")
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "console-country-picker.png"), full_page=True)
        await page.get_by_role("button", name="Add location").click()
        await expect(page.get_by_text("Processing location added.")).to_be_visible()
        # A typo comes back beside the field, as typed, with the closest name.
        await page.goto(form)
        await page.get_by_label("Country").fill("Swedn")
        await page.get_by_role("button", name="Add location").click()
        await expect(page.locator("#e-country")).to_contain_text("Did you mean Sweden")
        await expect(page.get_by_label("Country")).to_have_value("Swedn")
    finally:
        await page.context.close()
    data = await web.gql(
        "query($id: ID!) { subprocessor(id: $id) { locations { country } } }",
        {"id": sub_id},
        seeded.admin,
    )
    assert sorted(loc["country"] for loc in data["subprocessor"]["locations"]) == ["FI", "SE"]


async def test_the_module_shows_only_for_the_2021_sccs(
    web: Api, seeded: Seeded, base_url: str, browser: Browser
) -> None:
    vendor = seeded.vendors["Mailgun"]
    page = await _signed_in(browser, base_url, seeded.admin, java_script_enabled=False)
    try:
        await page.goto(f"{base_url}/console/subprocessors/{vendor}/transfer-bases/new")
        module = page.get_by_label("SCC module")
        await expect(module).to_be_visible()  # the 2021 SCCs are chosen first
        for mechanism in ("UK_ADDENDUM", "EU_US_DPF"):
            await page.get_by_label("Mechanism").select_option(mechanism)
            await expect(module).to_be_hidden()
        await page.get_by_label("Mechanism").select_option("SCC_2021")
        await expect(module).to_be_visible()
        await page.get_by_label("Destination").select_option("US")
        await page.get_by_role("button", name="Record transfer basis").click()
        warning = page.locator("#incomplete")
        await expect(warning).to_contain_text("names no module")
        await page.get_by_label("SCC module").select_option(
            label="Module 3: processor to processor"
        )
        await page.get_by_role("button", name="Record transfer basis").click()
        await expect(page.get_by_text("Transfer basis recorded.")).to_be_visible()
    finally:
        await page.context.close()


async def test_every_console_page_fits_a_window_and_a_phone(
    web: Api, seeded: Seeded, base_url: str, browser: Browser
) -> None:
    vendor = seeded.vendors["Mailgun"]
    customer = seeded.customers["Acme"]
    facts = await web.gql(
        "query($id: ID!) { subprocessor(id: $id) { locations { id } transferBases { id } } }",
        {"id": vendor},
        seeded.admin,
    )
    long_words = await web.gql(
        """mutation($input: CreateSubprocessorInput!) { createSubprocessor(input: $input) {
          ... on SubprocessorCreated { subprocessor { id } } } }""",
        {
            "input": {
                "legalName": "Long Words Incorporated International Holdings GmbH & Co. KG",
                "purpose": "Verylongunbrokenwordthatcouldpushapagewiderthanaphonescreen" * 2,
                "website": "https://example.com/" + "privacy-and-subprocessor-details/" * 4,
            }
        },
        seeded.admin,
    )
    wordy = long_words["createSubprocessor"]["subprocessor"]["id"]
    location = facts["subprocessor"]["locations"][0]["id"]
    basis = facts["subprocessor"]["transferBases"][0]["id"]
    paths = [
        "/console",
        "/console/subprocessors",
        f"/console/subprocessors/{vendor}",
        f"/console/subprocessors/{wordy}",
        "/console/subprocessors/new",
        f"/console/subprocessors/{vendor}/edit",
        f"/console/subprocessors/{vendor}/locations/new",
        f"/console/subprocessors/{vendor}/locations/{location}",
        f"/console/subprocessors/{vendor}/dpas/new",
        f"/console/subprocessors/{vendor}/transfer-bases/new",
        f"/console/subprocessors/{vendor}/transfer-bases/{basis}",
        f"/console/subprocessors/{vendor}/tias/new",
        f"/console/announce?subprocessor={vendor}",
        f"/console/changes/{seeded.upcoming}",
        f"/console/changes/{seeded.upcoming}/cancel",
        "/console/objections?show=all",
        "/console/customers",
        f"/console/customers/{customer}",
        "/console/legal",
        "/console/diff",
    ]
    axe = Axe()
    overflowing: list[tuple[int, str, list[str]]] = []
    for width in WIDTHS:
        page = await _signed_in(
            browser,
            base_url,
            seeded.admin,
            viewport={"width": width, "height": 900},
            java_script_enabled=True,
        )
        try:
            for path in paths:
                await page.goto(f"{base_url}{path}")
                if not await page.evaluate(FITS):
                    overflowing.append((width, path, await page.evaluate(WIDEST)))
                results = await axe.run(page)
                blocking = [
                    v["id"] for v in results.response["violations"] if v["impact"] in BLOCKING
                ]
                assert not blocking, (width, path, blocking)
            if width == 390:
                await page.goto(f"{base_url}/console/subprocessors/{vendor}")
                await page.screenshot(path=str(ARTIFACTS / "console-vendor-phone.png"))
        finally:
            await page.context.close()
    assert overflowing == []


async def test_a_procurement_user_is_not_offered_what_the_policy_refuses(
    web: Api, seeded: Seeded, base_url: str, browser: Browser
) -> None:
    key = await web.key(Role.PROCUREMENT, name="buyer")
    page = await _signed_in(browser, base_url, key, java_script_enabled=False)
    try:
        await page.goto(f"{base_url}/console/customers/{seeded.customers['Acme']}")
        await expect(page.locator("#note-readonly")).to_be_visible()
        await expect(page.get_by_role("button", name="Save note")).to_have_count(0)
    finally:
        await page.context.close()
    page = await _signed_in(browser, base_url, seeded.admin, java_script_enabled=False)
    try:
        await page.goto(f"{base_url}/console/customers/{seeded.customers['Acme']}")
        await expect(page.get_by_role("button", name="Save note")).to_be_visible()
    finally:
        await page.context.close()
