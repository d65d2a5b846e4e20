"""The console tells each customer's timeline, in a browser with JavaScript off.

An emergency replacement of Mailgun by Brevo reaching three customers, one of whose
terms allow it: the preview's headline names each outcome ("now" for one, a later date
for the two whose terms require notice) and lists only groups with customers; the change
page shows every customer's own date and status; cancelling asks for a confirmation
first. The preview and the change page are saved as pictures under docs/.
"""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, expect

from registry.domain.drafts import ChangeAnnouncement, CustomerDraft
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.models import ChangeKind, ChangeStatus, CustomerTerms, Role
from registry.scheduler.jobs import JOBS
from registry.scheduler.loop import Scheduler
from registry.services import changes as change_service
from registry.services import customers, vendors
from registry.services.caller import Caller
from registry.store import changes
from tests.conftest import Api

ADMIN = Caller(Role.ADMIN)
DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCKING = {"serious", "critical"}


async def _context(browser: Browser, *, javascript: bool = False) -> BrowserContext:
    return await browser.new_context(
        java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
    )


async def _sign_in(page: Page, base_url: str, key: str) -> None:
    await page.goto(f"{base_url}/console")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()


async def _no_blocking_violation(page: Page) -> None:
    results = await Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, (page.url, [(v["id"], v["help"]) for v in blocking])


async def test_preview_change_page_and_cancel(web: Api, base_url: str, browser: Browser) -> None:
    deps = web.deps
    mailgun = await vendors.create_subprocessor(deps, ADMIN, Details.named("Mailgun", "Email"))
    await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, mailgun.id)
    )
    await Scheduler(deps, JOBS, worker_id="w").run_until_idle()  # no customer yet: at once
    brevo = await vendors.create_subprocessor(deps, ADMIN, Details.named("Brevo SAS", "Email"))
    for name, terms in [
        ("Consenting GmbH", CustomerTerms(allows_emergency_replacement=True)),
        ("Strict SA", CustomerTerms(time_zone="Europe/Paris")),
        ("Careful Ltd", CustomerTerms(time_zone="Europe/Paris")),
    ]:
        await customers.create_customer(deps, ADMIN, CustomerDraft(name, terms=terms))
    admin = await web.key(Role.ADMIN, name="admin")

    context = await _context(browser)
    try:
        page = await context.new_page()
        await _sign_in(page, base_url, admin)
        await page.goto(f"{base_url}/console/announce")
        await page.get_by_label("Kind").select_option("REPLACE")
        await page.get_by_label("Subprocessor").select_option(brevo.id)
        await page.get_by_label("Replaces").select_option(mailgun.id)
        await page.get_by_label("Emergency replacement").check()
        await page.get_by_label("Emergency reason").fill("Mailgun reported a breach")
        await page.get_by_role("button", name="Preview").click()
        headline = page.locator("#headline")
        await expect(headline).to_contain_text("now for 1 customer;")
        await expect(headline).to_contain_text("for 2 customers whose terms require notice")
        rows = page.locator("#affected tbody tr")
        await expect(rows).to_have_count(2)  # two sets of terms, no empty group
        await page.screenshot(path=str(DOCS / "console-preview-emergency.png"), full_page=True)
        await page.get_by_role("button", name="Announce change").click()
        await expect(page.get_by_role("status")).to_contain_text("Change announced")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Replace Mailgun with Brevo SAS"
        )
        change_id = page.url.split("/console/changes/")[1].split("?")[0]
        await Scheduler(deps, JOBS, worker_id="w").run_until_idle()
        await page.goto(f"{base_url}/console/changes/{change_id}")
        table = page.locator("#customers")
        await expect(table.locator("tbody tr")).to_have_count(3)
        await expect(table.locator("tr", has_text="Consenting GmbH")).to_contain_text("In effect")
        await expect(table.locator("tr", has_text="Strict SA")).to_contain_text("Pending")
        await expect(table.locator("tr", has_text="Strict SA")).to_contain_text("May object until")
        proof = page.locator("#proof-links").get_by_role("link", name="CSV")
        await expect(proof).to_have_attribute("href", f"/console/changes/{change_id}/notices.csv")
        await page.screenshot(path=str(DOCS / "console-change-timelines.png"), full_page=True)
        # In force for one customer: it cannot be cancelled, and the page says what to do.
        await expect(page.get_by_text("cannot be cancelled")).to_be_visible()
    finally:
        await context.close()

    # An ordinary announced change: Cancel asks for confirmation first.
    postmark = await vendors.create_subprocessor(deps, ADMIN, Details.named("Postmark", "Email"))
    announced = await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, postmark.id)
    )
    context = await _context(browser)
    try:
        page = await context.new_page()
        await _sign_in(page, base_url, admin)
        await page.goto(f"{base_url}/console/changes/{announced.id}")
        await page.get_by_role("link", name="Cancel…").click()
        found = await changes.get(deps.db, announced.id)
        assert found is not None
        assert found.status is ChangeStatus.ANNOUNCED  # the first step changes nothing
        await page.get_by_label("Why it is cancelled").fill("Postmark withdrew its offer")
        await page.get_by_role("button", name="Yes, cancel the change").click()
        await expect(page.get_by_role("status")).to_contain_text("Change cancelled")
        found = await changes.get(deps.db, announced.id)
        assert found is not None
        assert found.status is ChangeStatus.CANCELLED
    finally:
        await context.close()

    sendgrid = await vendors.create_subprocessor(deps, ADMIN, Details.named("Sendgrid", "Email"))
    pending = await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, sendgrid.id)
    )
    context = await _context(browser, javascript=True)  # axe-core itself is JavaScript
    try:
        page = await context.new_page()
        await _sign_in(page, base_url, admin)
        for path in [
            f"/console/changes/{change_id}",
            f"/console/changes/{announced.id}",
            f"/console/changes/{pending.id}",
            f"/console/changes/{pending.id}/cancel",  # the confirmation step
        ]:
            await page.goto(f"{base_url}{path}")
            await _no_blocking_violation(page)
    finally:
        await context.close()
