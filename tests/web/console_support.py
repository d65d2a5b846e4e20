"""Helpers for the console tests: a cookie-keeping HTTP client that signs in like a browser."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tests.conftest import Api

TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def token_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has no anti-forgery field"
    return found.group(1)


@contextlib.asynccontextmanager
async def browser_like(
    api: Api, base_url: str = "http://registry.test"
) -> AsyncIterator[httpx.AsyncClient]:
    """A second client over the same app with its own cookie jar."""
    transport = api.http._transport
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield client


async def sign_in(client: httpx.AsyncClient, key: str) -> httpx.Response:
    form = await client.get("/console/sign-in")
    assert form.status_code == 200
    return await client.post(
        "/console/sign-in",
        data={"csrf_token": token_of(form.text), "api_key": key, "next": "/console"},
    )


async def submit(
    client: httpx.AsyncClient, path: str, data: dict[str, Any], *, form_path: str | None = None
) -> httpx.Response:
    """GET the form (for its token), then POST it as a browser would."""
    page = await client.get(form_path or path)
    assert page.status_code == 200, page.text
    return await client.post(path, data={"csrf_token": token_of(page.text), **data})
