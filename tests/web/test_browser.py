"""The public page in a real browser (Debian's Chromium, headless, JavaScript off).

The app is served by uvicorn on a free loopback port against this module's database;
the page must show as many rows as the GraphQL API counts for the same list, and the
country filter must work as a plain GET form.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests.conftest import Api
from tests.web.chromium import ARTIFACTS, EXECUTABLE
from tests.web.support import Seeded, total_count


def test_chromium_is_installed() -> None:
    # Not a skip: a machine without the browser must fail loudly, not pass quietly.
    assert EXECUTABLE is not None, "Chromium is missing: run bin/ensure-chromium"


@pytest.fixture(scope="module")
def screenshot_path() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / "subprocessors.png"


async def test_public_page_in_a_browser(
    web: Api, seeded: Seeded, base_url: str, browser: Browser, screenshot_path: Path
) -> None:
    context = await browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = await context.new_page()
        response = await page.goto(f"{base_url}/subprocessors")
        assert response is not None
        assert response.status == 200
        assert await page.title() == f"Subprocessors · as of {web.clock.now().date()}"
        rows = page.locator("#subprocessors tbody tr")
        assert await rows.count() == await total_count(web) == 4

        await page.get_by_label("Country").select_option("US")
        await page.get_by_role("button", name="Show").click()
        await page.wait_for_url("**/subprocessors?country=US*")
        expected = await total_count(web, countries=["US"])
        assert await rows.count() == expected == 2
        for text in await page.locator("#subprocessors tbody tr td:nth-child(3)").all_inner_texts():
            assert "United States (US)" in text
        caption = await page.locator("#subprocessors caption").inner_text()
        assert "United States" in caption

        await page.goto(f"{base_url}/subprocessors")
        image = await page.screenshot(path=str(screenshot_path), full_page=True)
        assert image.startswith(b"\x89PNG")
        assert len(image) > 10_000
    finally:
        await context.close()
