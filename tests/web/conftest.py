"""Fixtures of the web tests: one app with the web routes and seeded data per module."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, async_playwright

from registry.clock import FrozenClock
from registry.domain.models import Role
from tests.conftest import START, Api, make_settings
from tests.web.chromium import launch
from tests.web.support import Seeded, running_web_api, seed, serving, web_app


@pytest.fixture(scope="module")
async def web(mongo_uri: str, db_name: str) -> AsyncIterator[Api]:
    async with running_web_api(make_settings(mongo_uri, db_name), FrozenClock(START)) as api:
        yield api


@pytest.fixture(scope="module")
async def seeded(web: Api) -> Seeded:
    return await seed(web, await web.key(Role.ADMIN, name="admin"))


@pytest.fixture(scope="module")
def base_url(mongo_uri: str, db_name: str, web: Api) -> Iterator[str]:
    """The real app over HTTP, sharing the module's seeded database and frozen clock (a
    module that serves something else defines its own)."""
    clock = web.clock
    assert isinstance(clock, FrozenClock)
    with serving(web_app(make_settings(mongo_uri, db_name), clock)) as url:
        yield url


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, one per module, for the modules that drive pages in it."""
    async with async_playwright() as playwright:
        launched = await launch(playwright)
        try:
            yield launched
        finally:
            await launched.close()
