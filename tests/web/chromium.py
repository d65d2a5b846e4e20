"""Debian's Chromium for the browser tests: where it is, how it is started, and where
the screenshots go (`bin/ensure-chromium`, run by `make test`, installs it)."""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.async_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
EXECUTABLE = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def launch(playwright: Playwright) -> Browser:
    """A headless Chromium; the caller closes it."""
    return await playwright.chromium.launch(
        executable_path=EXECUTABLE or "/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
    )
