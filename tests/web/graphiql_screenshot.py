"""Take the picture of GraphiQL's documentation explorer on `Subprocessor`:
`python -m tests.web.graphiql_screenshot [PNG]` (default `docs/graphiql-subprocessor.png`).

The same steps as tests/web/test_graphiql.py (uvicorn on a free loopback port, Debian's
Chromium through Playwright, no request leaving the machine), on a throwaway embedded
database; the explorer shows the schema, so no data is needed.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from playwright.async_api import async_playwright

from registry import devdb
from registry.clock import FrozenClock
from tests.conftest import START, make_settings
from tests.web.chromium import CHROMIUM_ARGS, EXECUTABLE
from tests.web.support import serving, web_app
from tests.web.test_graphiql import open_docs_on_subprocessor

ROOT = Path(__file__).resolve().parents[2]


async def capture(uri: str, target: Path) -> None:
    with serving(web_app(make_settings(uri, "graphiql_screenshot"), FrozenClock(START))) as url:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=EXECUTABLE, args=CHROMIUM_ARGS, headless=True
            )
            try:
                context = await browser.new_context(viewport={"width": 1400, "height": 1500})
                page = await context.new_page()
                await open_docs_on_subprocessor(page, url)
                await page.screenshot(path=str(target))
                await context.close()
            finally:
                await browser.close()


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "graphiql-subprocessor.png"
    with tempfile.TemporaryDirectory() as data, devdb.running(Path(data)) as uri:
        asyncio.run(capture(uri, target))
    print(target)


if __name__ == "__main__":
    main()
