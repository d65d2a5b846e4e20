"""The announce form's new country in a real browser (Debian's Chromium): a procurement
lead picks the country a vendor in use opens, previews who is told, announces it; axe-core
finds no serious or critical violation. The preview is saved as a picture."""

from __future__ import annotations

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, expect

from registry.domain.models import Role
from registry.store import changes
from tests.conftest import Api
from tests.web.chromium import ARTIFACTS
from tests.web.support import Seeded

PICTURE = ARTIFACTS / "console-announce-new-country.png"


async def test_a_new_country_is_picked_previewed_and_announced(
    web: Api, seeded: Seeded, base_url: str, browser: Browser
) -> None:
    key = await web.key(Role.PROCUREMENT, name="procurement lead")
    vendor = seeded.vendors["Hetzner Online GmbH"]
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/console")
        await page.get_by_label("API key").fill(key)
        await page.get_by_role("button", name="Sign in").click()
        await page.goto(f"{base_url}/console/announce?kind=UPDATE&subprocessor={vendor}")
        await page.locator("#f-newCountry").fill("Finland")
        await page.get_by_label("What it does there").select_option("STORAGE")
        await page.get_by_label("Description").fill("A second backup site near Helsinki.")
        await page.get_by_role("button", name="Preview").click()
        await expect(page.locator("#affected")).to_be_visible()
        results = await Axe().run(page)
        blocking = [
            v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}
        ]
        assert not blocking, [(v["id"], v["help"]) for v in blocking]
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(PICTURE), full_page=True)
        await page.get_by_role("button", name="Announce change").click()
        await expect(page.get_by_text("Change announced.")).to_be_visible()
    finally:
        await context.close()
    found = await web.deps.db[changes.NAME].find_one({"subprocessor_id": vendor, "located": True})
    assert found is not None
    assert found["description"] == (
        "Hetzner Online GmbH adds processing in Finland (storage). "
        "A second backup site near Helsinki."
    )
