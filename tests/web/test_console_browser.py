"""The staff console in a real browser (Debian's Chromium through Playwright).

One procurement lead's whole path with JavaScript off: sign in, create a vendor, add a
US location and a DPF basis, see the verdict, preview and announce an ADD, see the
notice count; then an admin resolves an objection. Each result is checked through the
GraphQL API. A CUSTOMER key, a forged cookie and a form without its token change
nothing, and axe-core finds no serious or critical violation on any console page.
The overview and the announce preview are saved as pictures for the README.
"""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, expect

from registry.domain.models import Role
from tests.conftest import Api
from tests.web.chromium import ARTIFACTS
from tests.web.support import Seeded

FIND = """
query($search: String) {
  subprocessors(filter: {search: $search, status: [PROPOSED, ACTIVE]}, first: 5) {
    edges { node {
      id legalName status locations { country role note } transfers { country status mechanism }
    } }
  }
}"""
CHANGES = """
query($id: ID!) { subprocessor(id: $id) { changes { id kind status } } }"""
NOTICES = """
query($id: ID!) { change(id: $id) { notices(first: 1) { totalCount } } }"""
FILE = """
mutation($input: FileObjectionInput!) {
  fileObjection(input: $input) { __typename ... on ObjectionFiled { objection { id } } }
}"""
OBJECTION = """
query($id: ID!) {
  objections(changeId: $id, first: 5) { edges { node { id status resolution note } } }
}"""
CUSTOMER = """
mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename } }"""
BLOCKING = {"serious", "critical"}


async def _context(browser: Browser, *, javascript: bool = False) -> BrowserContext:
    return await browser.new_context(
        java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
    )


async def _sign_in(page: Page, base_url: str, key: str) -> None:
    await page.goto(f"{base_url}/console")
    await expect(page.get_by_role("heading", name="Sign in to the staff console")).to_be_visible()
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()


async def _vendor(web: Api, key: str, name: str) -> dict[str, Any]:
    data = await web.gql(FIND, {"search": name}, key)
    edges = data["subprocessors"]["edges"]
    assert len(edges) == 1, edges
    node: dict[str, Any] = edges[0]["node"]
    return node


async def test_the_whole_path_in_a_browser(
    web: Api, seeded: Seeded, base_url: str, browser: Browser
) -> None:
    admin = seeded.admin
    customer_key = await web.key(Role.CUSTOMER, customer_id=seeded.customers["Acme"], name="acme")
    procurement = await web.key(Role.PROCUREMENT, name="procurement lead")
    berlin = await web.gql(
        CUSTOMER,
        {"input": {"name": "Initech GmbH", "noticePeriod": "P6W", "timeZone": "Europe/Berlin"}},
        admin,
    )
    assert berlin["createCustomer"]["__typename"] == "CustomerCreated"
    ARTIFACTS.mkdir(exist_ok=True)
    context = await _context(browser)
    try:
        page = await context.new_page()
        # A customer key is refused with a clear message, and no session is opened.
        await _sign_in(page, base_url, customer_key)
        await expect(page.get_by_text("needs an ADMIN or PROCUREMENT key")).to_be_visible()
        assert not [c for c in await context.cookies() if c["name"] == "registry_console"]

        await page.get_by_label("API key").fill(procurement)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
        session = next(c for c in await context.cookies() if c["name"] == "registry_console")
        assert session["httpOnly"] is True
        assert session["sameSite"] == "Lax"

        # Create a vendor.
        await page.get_by_role("link", name="Subprocessors", exact=True).click()
        await page.get_by_role("link", name="New subprocessor").click()
        await page.get_by_label("Legal name").fill("Customer.io, Inc.")
        await page.get_by_label("Purpose").fill("Lifecycle messaging")
        await page.get_by_label("Data categories").fill("Contact details, Usage data")
        await page.get_by_label("Website").fill("https://customer.io")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("heading", name="Customer.io, Inc.")).to_be_visible()
        vendor = await _vendor(web, admin, "Customer.io")
        assert vendor["status"] == "PROPOSED"

        # A US location and a DPF basis; the verdict shows on the page and in the API.
        await page.get_by_role("link", name="Add location").click()
        await page.get_by_label("Country").select_option("US")
        await page.get_by_label("Role").select_option("STORAGE")
        await page.get_by_label("Note").fill("Message archive, per the vendor's DPA annex")
        await page.get_by_role("button", name="Add location").click()
        transfers = page.locator("#transfers tbody tr").first
        await expect(transfers).to_contain_text("Missing")
        await expect(transfers.locator("td.note")).to_have_text(
            "Message archive, per the vendor's DPA annex"
        )
        await page.get_by_role("link", name="Record transfer basis").click()
        await page.get_by_label("Mechanism").select_option("EU_US_DPF")
        await page.get_by_label("Destination").select_option("US")
        await page.get_by_label("Valid from").fill("2024-02-01")
        await page.get_by_role("button", name="Record transfer basis").click()
        await expect(transfers.locator("td").nth(3)).to_contain_text("Valid")
        await expect(transfers).to_contain_text("EU–US Data Privacy Framework")
        vendor = await _vendor(web, admin, "Customer.io")
        assert vendor["locations"] == [
            {
                "country": "US",
                "role": "STORAGE",
                "note": "Message archive, per the vendor's DPA annex",
            }
        ]
        # The DPF certification is what the adequacy decision for the US rests on.
        assert [(t["country"], t["status"]) for t in vendor["transfers"]] == [("US", "VALID")]

        # Preview and announce an ADD.
        await page.locator("main").get_by_role("link", name="Announce a change").click()
        await expect(page.get_by_label("Subprocessor", exact=True)).to_have_value(vendor["id"])
        await page.get_by_role("button", name="Preview").click()
        affected = page.locator("#affected tbody tr")
        await expect(affected).to_have_count(3)
        await expect(page.locator("#affected")).to_contain_text("Acme")
        # Initech's six weeks bind the date; its dates read in its own zone.
        await expect(affected.last).to_contain_text("Initech GmbH")
        await expect(affected.last).to_contain_text("CET (Europe/Berlin)")
        await page.screenshot(path=str(ARTIFACTS / "console-announce.png"), full_page=True)
        await page.get_by_role("button", name="Announce change").click()
        await expect(page.get_by_text("Change announced.")).to_be_visible()
        change_id = page.url.split("/")[-1].split("?")[0]
        changes = (await web.gql(CHANGES, {"id": vendor["id"]}, admin))["subprocessor"]["changes"]
        assert [(c["id"], c["kind"], c["status"]) for c in changes] == [
            (change_id, "ADD", "ANNOUNCED")
        ]
        await web.scheduler.run_until_idle()
        await page.reload()
        count = (await web.gql(NOTICES, {"id": change_id}, admin))["change"]["notices"]
        assert count["totalCount"] == 3
        await expect(page.locator("#notice-count")).to_have_text("3")

        # A form without its anti-forgery token changes nothing, even from the session.
        before = len((await web.gql(FIND, {"search": "Forged"}, admin))["subprocessors"]["edges"])
        forged = await page.request.post(
            f"{base_url}/console/subprocessors/new",
            form={"legalName": "Forged Ltd", "purpose": "Nothing"},
            max_redirects=0,
        )
        assert forged.status == 403
        after = len((await web.gql(FIND, {"search": "Forged"}, admin))["subprocessors"]["edges"])
        assert before == after == 0

        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_text("You are signed out.")).to_be_visible()
    finally:
        await context.close()

    # The customer objects; an admin resolves it from the inbox.
    filed = await web.gql(
        FILE,
        {"input": {"changeId": change_id, "reason": "We need to review Customer.io"}},
        customer_key,
    )
    assert filed["fileObjection"]["__typename"] == "ObjectionFiled"
    context = await _context(browser)
    try:
        page = await context.new_page()
        await _sign_in(page, base_url, admin)
        await expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
        await expect(page.locator("#objections")).to_contain_text("Acme")
        await page.screenshot(path=str(ARTIFACTS / "console-overview.png"), full_page=True)
        await page.get_by_role("link", name="Objections", exact=True).click()
        row = page.locator("#objections tbody tr", has_text="We need to review Customer.io")
        # Nothing is preselected: each outcome is a choice staff make.
        assert await row.locator("input[name=resolution]:checked").count() == 0
        await row.get_by_label("Rejected, with the reason in the note").check()
        await row.get_by_label("Note to the customer").fill(
            "Customer.io holds data in the EEA only; reviewed together on a call"
        )
        await row.get_by_role("button", name="Resolve").click()
        await expect(page.get_by_text("Objection resolved.")).to_be_visible()
        nodes = (await web.gql(OBJECTION, {"id": change_id}, admin))["objections"]["edges"]
        assert [n["node"]["status"] for n in nodes] == ["RESOLVED"]
        assert nodes[0]["node"]["resolution"] == "REJECTED"
    finally:
        await context.close()


async def test_a_forged_session_cookie_opens_nothing(base_url: str, browser: Browser) -> None:
    context = await _context(browser)
    try:
        host = base_url.split("//")[1].split(":")[0]
        await context.add_cookies(
            [{"name": "registry_console", "value": "forged", "domain": host, "path": "/console"}]
        )
        page = await context.new_page()
        await page.goto(f"{base_url}/console/customers")
        await expect(
            page.get_by_role("heading", name="Sign in to the staff console")
        ).to_be_visible()
        assert page.url.startswith(f"{base_url}/console/sign-in")
    finally:
        await context.close()


async def test_no_serious_accessibility_violation_on_any_console_page(
    web: Api, seeded: Seeded, base_url: str, browser: Browser
) -> None:
    axe = Axe()
    context = await _context(browser, javascript=True)  # axe-core itself is JavaScript
    checked: list[str] = []

    async def check(page: Page) -> None:
        results = await axe.run(page)
        blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
        assert not blocking, (page.url, [(v["id"], v["help"], v["nodes"][:2]) for v in blocking])
        checked.append(page.url)

    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/console/sign-in")
        await check(page)
        await page.get_by_label("API key").fill("rk_wrong")
        await page.get_by_role("button", name="Sign in").click()
        await check(page)  # the refusal beside the field
        await _sign_in(page, base_url, seeded.admin)
        vendor = seeded.vendors["Mailgun"]
        customer = seeded.customers["Acme"]
        for path in [
            "/console",
            "/console/subprocessors",
            "/console/subprocessors?status=ACTIVE&country=US",
            f"/console/subprocessors/{vendor}",
            "/console/subprocessors/new",
            f"/console/subprocessors/{vendor}/edit",
            f"/console/subprocessors/{vendor}/locations/new",
            f"/console/subprocessors/{vendor}/dpas/new",
            f"/console/subprocessors/{vendor}/transfer-bases/new",
            f"/console/changes/{seeded.upcoming}",
            "/console/objections",
            "/console/objections?show=all",
            "/console/customers",
            f"/console/customers/{customer}",
            "/console/subprocessors/sub_000000000000000000000000",
        ]:
            await page.goto(f"{base_url}{path}")
            await check(page)
        # A refused form, and the announce preview with a too-early date.
        await page.goto(f"{base_url}/console/subprocessors/new")
        await page.get_by_label("Purpose").fill("Something")
        await page.get_by_label("Legal name").fill(" ")
        await page.get_by_role("button", name="Save").click()
        await expect(page.locator("#e-legalName")).to_be_visible()
        await check(page)
        dropped = seeded.vendors["Dropped"]
        await page.goto(f"{base_url}/console/announce?subprocessor={dropped}")
        await check(page)
        await page.get_by_label("Effective at (UTC)").fill("2026-02-20T09:00")
        await page.get_by_role("button", name="Preview").click()
        await expect(page.locator("#too-early")).to_be_visible()
        await check(page)
        # A refused note, the message beside the field.
        await page.goto(f"{base_url}/console/customers/{customer}")
        await page.get_by_label("Edit the note").fill("x" * 2001)
        await page.get_by_role("button", name="Save note").click()
        await expect(page.locator("#e-note")).to_be_visible()
        await check(page)
    finally:
        await context.close()
    assert len(checked) == 21
    assert all(re.match(rf"{re.escape(base_url)}/console", url) for url in checked)
