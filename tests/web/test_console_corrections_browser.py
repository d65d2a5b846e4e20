"""Correcting a transfer basis in the console, in a real browser with JavaScript off: the
form filled with the stored values, the reason required, the correction listed with its
reason on the vendor's page; axe-core finds no serious or critical violation on the form,
its refusal, or the page. The page with its corrections is saved as a picture."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from registry.store import subprocessors
from tests.conftest import START, Api
from tests.web.chromium import ARTIFACTS
from tests.web.support import Seeded
from tests.web.test_console_browser import BLOCKING, _context, _sign_in

VENDOR = """mutation($name: String!) {
  createSubprocessor(input: {legalName: $name, purpose: "Support desk"}) {
    ... on SubprocessorCreated { subprocessor { id } } } }"""
PARTS = """mutation($s: ID!) {
  a: addProcessingLocation(subprocessorId: $s, input: {country: "US"}) { __typename }
  b: recordTransferBasis(subprocessorId: $s, input: {mechanism: SCC_2021, destination: "US"})
    { __typename }
  c: recordDpa(subprocessorId: $s, input: {version: "v1", signedOn: "2026-01-01",
                                           sccModules: [2]}) { __typename } }"""
BASES = """query($s: ID!) { subprocessor(id: $s) {
  transferBases { sccModule } history { action reason } } }"""


async def _axe_clean(axe: Axe, page: Page) -> None:
    results = await axe.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, (page.url, [(v["id"], v["help"], v["nodes"][:2]) for v in blocking])


@pytest.mark.parametrize("javascript", [False, True], ids=["as a person", "with axe-core"])
async def test_correcting_a_basis_in_the_console(
    web: Api,
    seeded: Seeded,
    base_url: str,
    browser: Browser,
    javascript: bool,
) -> None:
    made = await web.gql(VENDOR, {"name": f"Browser Correction {javascript} Inc."}, seeded.admin)
    sub_id = made["createSubprocessor"]["subprocessor"]["id"]
    await web.gql(PARTS, {"s": sub_id}, seeded.admin)
    await subprocessors.activate(web.deps.db, sub_id, START)
    axe = Axe()
    context = await _context(browser, javascript=javascript)
    try:
        page = await context.new_page()
        await _sign_in(page, base_url, seeded.admin)
        await page.goto(f"{base_url}/console/subprocessors/{sub_id}")
        await page.get_by_role(
            "link", name=re.compile("Correct, end or remove the .* basis to")
        ).click()
        await expect(
            page.get_by_role("heading", name="Correct or end a transfer basis")
        ).to_be_visible()
        # A country picker: a select by code, or with scripts a field showing the name.
        shown = "United States (US)" if javascript else "US"
        await expect(page.get_by_label("Destination")).to_have_value(shown)
        if javascript:
            await _axe_clean(axe, page)
        await page.get_by_label("SCC module").select_option("2")
        if javascript:  # past the browser's own check of the required reason: the server's
            await page.evaluate("document.querySelector('form.stack').noValidate = true")
            await page.get_by_role("button", name="Save correction").click()
            await expect(page.locator("#e-reason")).to_be_visible()
            await _axe_clean(axe, page)
        await page.get_by_label("Reason for the correction").fill("The DPA incorporates module 2.")
        await page.get_by_role("button", name="Save correction").click()
        await expect(page.get_by_role("status")).to_contain_text("Correction saved")
        corrections = page.locator("#corrections")
        await expect(corrections).to_contain_text("The DPA incorporates module 2.")
        await expect(corrections).to_contain_text("sccModule: — → 2")
        if javascript:
            await _axe_clean(axe, page)
            await page.get_by_role("link", name="What changed").click()
            await expect(
                page.get_by_role("heading", name="What changed in the list")
            ).to_be_visible()
            await _axe_clean(axe, page)
        else:
            await page.screenshot(path=str(ARTIFACTS / "console-corrections.png"), full_page=True)
    finally:
        await context.close()
    data = (await web.gql(BASES, {"s": sub_id}, seeded.admin))["subprocessor"]
    assert data["transferBases"] == [{"sccModule": 2}]
    assert data["history"] == [{"action": "CORRECTED", "reason": "The DPA incorporates module 2."}]
