"""The operator's identity in a real browser: the public page's header band (logo, name,
brand colour), its footer contact and the console's identity page, with axe-core finding
no serious or critical violation. Pictures of both are saved under docs/."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from tests.conftest import Api
from tests.web.support import Seeded
from tests.web.test_console_browser import BLOCKING, _context, _sign_in

DOCS = Path(__file__).resolve().parents[2] / "docs"
UPDATE = """
mutation($input: UpdateOperatorInput!) { updateOperator(input: $input) { __typename } }"""


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, written by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(row * height)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


IDENTITY = {
    "legalName": "Pronestor ApS",
    "tradingName": "Pronestor",
    "address": "Noergaardsvej 7\n2800 Lyngby\nDenmark",
    "privacyEmail": "privacy@pronestor.example",
    "privacyUrl": "https://pronestor.example/privacy",
    "dpaTitle": "Data Processing Agreement",
    "dpaUrl": "https://pronestor.example/dpa",
    "brandColour": "#0a4fa6",
    "logo": "data:image/png;base64," + base64.b64encode(_png(40, 40, (255, 196, 0))).decode(),
}


async def _axe_clean(page: Page) -> None:
    results = await Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, (page.url, [(v["id"], v["help"], v["nodes"][:2]) for v in blocking])


async def test_the_public_page_and_the_console_name_the_company(
    web: Api,
    seeded: Seeded,
    base_url: str,
    browser: Browser,
) -> None:
    answer = await web.gql(UPDATE, {"input": IDENTITY}, seeded.admin)
    assert answer["updateOperator"]["__typename"] == "OperatorUpdated"
    context = await _context(browser, javascript=True)
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/subprocessors")
        assert (await page.title()).endswith(" · Pronestor")
        band = page.locator("header .operator")
        await expect(band).to_contain_text("Pronestor")
        await expect(band.get_by_role("img", name="Pronestor logo")).to_be_visible()
        contact = page.locator("footer address")
        await expect(contact).to_contain_text("Pronestor ApS, Noergaardsvej 7, 2800 Lyngby")
        await expect(contact.get_by_role("link", name="privacy@pronestor.example")).to_be_visible()
        await expect(page.locator("#object")).to_contain_text("privacy@pronestor.example")
        await _axe_clean(page)
        await page.screenshot(path=str(DOCS / "operator-public-page.png"))
        await page.locator("footer").screenshot(path=str(DOCS / "operator-public-footer.png"))

        await _sign_in(page, base_url, seeded.admin)
        await page.goto(f"{base_url}/console/operator")
        await expect(page.get_by_label("Legal name")).to_have_value("Pronestor ApS")
        await expect(page.get_by_label("Brand colour")).to_have_value("#0a4fa6")
        await _axe_clean(page)
        await page.get_by_label("Privacy contact e-mail").fill("not an address")
        await page.evaluate("document.querySelector('form.stack').noValidate = true")
        await page.get_by_role("button", name="Save").click()
        await expect(page.locator("#e-privacyEmail")).to_be_visible()
        await _axe_clean(page)
        await page.screenshot(path=str(DOCS / "operator-console.png"), full_page=True)
    finally:
        await context.close()
