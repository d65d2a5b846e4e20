"""The console's legal pages in a real browser, JavaScript off (issue 31): a procurement lead
records a transfer impact assessment (refused twice, the message beside the field), sees the
verdict cite it, asks what the EU–US DPF falling would change, and opens the announce form
the report links to. axe-core finds no serious or critical violation on these pages; the
report and the vendor's assessments are saved as pictures for the README."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from registry.domain.models import Role
from tests.conftest import Api
from tests.web.chromium import ARTIFACTS
from tests.web.support import Seeded
from tests.web.test_console_browser import BLOCKING, _context, _sign_in

TRANSFERS = """query($id: ID!) { subprocessor(id: $id) {
  transferImpactAssessments { outcome measures reviewer nextReviewOn }
  transfers { status reasons } } }"""


async def _no_blocking_violation(page: Page) -> None:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, (page.url, [(v["id"], v["help"], v["nodes"][:2]) for v in blocking])


async def test_assessment_and_what_if_in_a_browser(
    web: Api,
    seeded: Seeded,
    base_url: str,
    browser: Browser,
) -> None:
    procurement = await web.key(Role.PROCUREMENT, name="privacy lead")
    mailgun = seeded.vendors["Mailgun"]
    ARTIFACTS.mkdir(exist_ok=True)
    context = await _context(browser)
    try:
        page = await context.new_page()
        await _sign_in(page, base_url, procurement)
        await page.goto(f"{base_url}/console/subprocessors/{mailgun}")
        await page.get_by_role("link", name="Record transfer impact assessment").click()
        await expect(page.get_by_text("EDPB Recommendations 01/2020")).to_be_visible()
        await page.get_by_label("Destination").select_option("US")
        await page.get_by_label("Mechanism assessed").select_option("SCC_2021")
        await page.get_by_label("Assessed on").fill("2026-02-10")
        await page.get_by_label("Outcome").select_option("SUPPLEMENTARY_MEASURES")
        await page.get_by_label("Reviewed by").fill("Dana Privacy")
        await page.get_by_role("button", name="Record assessment").click()
        await expect(page.locator("#e-measures")).to_contain_text("name the supplementary")
        await page.get_by_label("Supplementary measures").fill(
            "Encryption at rest, keys held in the EEA\nTransparency reports reviewed yearly"
        )
        await page.get_by_label("Next review").fill("2026-01-31")
        await page.get_by_role("button", name="Record assessment").click()
        await expect(page.locator("#e-nextReviewOn")).to_contain_text("must come after")
        assert await web.deps.db["transfer_impact_assessments"].count_documents({}) == 0
        await page.get_by_label("Next review").fill("2027-02-10")
        await page.get_by_role("button", name="Record assessment").click()
        await expect(page.get_by_text("Transfer impact assessment recorded")).to_be_visible()
        await expect(page.locator("#tias")).to_contain_text("Dana Privacy")
        await expect(page.locator("#transfers")).to_contain_text(
            "sufficient with supplementary measures"
        )
        await page.locator("#tias").screenshot(path=str(ARTIFACTS / "console-tia.png"))
        found = (await web.gql(TRANSFERS, {"id": mailgun}, seeded.admin))["subprocessor"]
        assert found["transferImpactAssessments"] == [
            {
                "outcome": "SUPPLEMENTARY_MEASURES",
                "measures": [
                    "Encryption at rest, keys held in the EEA",
                    "Transparency reports reviewed yearly",
                ],
                "reviewer": "Dana Privacy",
                "nextReviewOn": "2027-02-10",
            }
        ]

        # What if the DPF fell on 1 March? Postmark rests on it alone.
        await page.get_by_role("link", name="Legal watch").click()
        await expect(page.get_by_role("heading", name="Legal watch", level=1)).to_be_visible()
        await page.get_by_label("Mechanism withdrawn").select_option("EU_US_DPF")
        await page.get_by_label("From").fill("2026-03-01")
        await page.get_by_role("button", name="Show the impact").click()
        await expect(page.get_by_role("heading", name="Legal impact", level=1)).to_be_visible()
        falling = page.locator("section", has_text="Transfers that lose their basis (1)")
        await expect(falling).to_contain_text("Postmark (ActiveCampaign LLC)")
        await expect(falling).to_contain_text("1 March 2026")
        await expect(falling).to_contain_text("Acme")
        await page.screenshot(path=str(ARTIFACTS / "console-legal-watch.png"), full_page=True)
        await page.get_by_role("link", name="Back to the legal watch").click()
        await expect(page.locator("#reports-h")).to_be_visible()
        # The report is listed, and the staff event telling of it.
        await expect(page.get_by_role("link", name="What if EU_US_DPF withdrawn")).to_have_count(2)
        await page.screenshot(path=str(ARTIFACTS / "console-legal-index.png"), full_page=True)
        await page.go_back()
        await falling.get_by_role("link", name="Announce a change").click()
        await expect(page.get_by_label("Kind")).to_have_value("UPDATE")
        await expect(page.get_by_label("Subprocessor", exact=True)).to_have_value(
            seeded.vendors["Postmark (ActiveCampaign LLC)"]
        )
    finally:
        await context.close()


async def test_no_serious_accessibility_violation_on_the_legal_pages(
    web: Api,
    seeded: Seeded,
    base_url: str,
    browser: Browser,
) -> None:
    context = await _context(browser, javascript=True)  # axe-core itself is JavaScript
    try:
        page = await context.new_page()
        await _sign_in(page, base_url, seeded.admin)
        await page.goto(f"{base_url}/console/legal")
        await _no_blocking_violation(page)
        await page.get_by_label("Mechanism withdrawn").select_option("ADEQUACY")
        await page.get_by_label("From").fill("2026-03-01")
        await page.get_by_label("Only for this country").fill("GB")
        await page.get_by_role("button", name="Show the impact").click()
        await expect(page.get_by_role("heading", name="Legal impact", level=1)).to_be_visible()
        await _no_blocking_violation(page)
        await page.goto(f"{base_url}/console/legal")
        await page.get_by_label("Mechanism withdrawn").select_option("EU_US_DPF")
        await page.get_by_label("From").fill("2026-03-01")
        await page.get_by_label("Only for this country").fill("US")
        await page.get_by_role("button", name="Show the impact").click()
        await expect(page.locator("#e-country")).to_contain_text("narrows only an ADEQUACY")
        await _no_blocking_violation(page)
        mailgun = seeded.vendors["Mailgun"]
        await page.goto(f"{base_url}/console/subprocessors/{mailgun}/tias/new")
        await _no_blocking_violation(page)
        await page.get_by_label("Destination").fill("BR")
        await page.get_by_label("Assessed on").fill("2026-02-10")
        await page.get_by_role("button", name="Record assessment").click()
        await expect(page.locator("#e-destination")).to_contain_text("no processing location")
        await _no_blocking_violation(page)
    finally:
        await context.close()
