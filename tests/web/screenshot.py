"""Take the README's picture of the public page: `python -m tests.web.screenshot [PNG]`.

The same pieces as the browser test (uvicorn on a free loopback port, Debian's Chromium
through Playwright), on a throwaway embedded database holding the demo seed
(`seeds/pronestor.json`) plus one announced change, filtered to the US transfers.
Writes `docs/public-page.png` by default.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import async_playwright

from registry import devdb
from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.services.seeding import load_seed_file
from tests.conftest import make_settings
from tests.web.chromium import CHROMIUM_ARGS, EXECUTABLE
from tests.web.support import add_vendor, announce, running_web_api, serving, web_app

ROOT = Path(__file__).resolve().parents[2]


async def capture(uri: str, target: Path) -> None:
    settings = make_settings(uri, "screenshot")
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FrozenClock(now)
    async with running_web_api(settings, clock) as api:
        await load_seed_file(api.deps, ROOT / "seeds" / "pronestor.json")
        admin = await api.key(Role.ADMIN, name="screenshot")
        postmark = await add_vendor(
            api,
            admin,
            "Postmark (ActiveCampaign LLC)",
            "Transactional email",
            [("US", "PROCESSING")],
            [{"mechanism": "SCC_2021", "destination": "US", "sccModule": 3}],
        )
        await announce(api, admin, postmark, "Replaces Mailgun for transactional email")
        await api.scheduler.run_until_idle()
    with serving(web_app(settings, clock)) as url:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=EXECUTABLE, args=CHROMIUM_ARGS, headless=True
            )
            try:
                context = await browser.new_context(
                    java_script_enabled=False, viewport={"width": 1200, "height": 900}
                )
                page = await context.new_page()
                await page.goto(f"{url}/subprocessors?country=US")
                await page.screenshot(path=str(target), full_page=True)
                await context.close()
            finally:
                await browser.close()


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "public-page.png"
    with tempfile.TemporaryDirectory() as data, devdb.running(Path(data)) as uri:
        asyncio.run(capture(uri, target))
    print(target)


if __name__ == "__main__":
    main()
