"""Walking the sign-in as a browser would, over HTTP: the registry through its ASGI app,
the provider (tests/oidc/provider.mjs) over the loopback network."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import httpx

LOGIN_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"')


async def authorize(registry: httpx.AsyncClient, next_path: str = "/console") -> str:
    """Start a sign-in at the registry; returns the provider's authorization URL."""
    started = await registry.get("/console/sign-in/provider", params={"next": next_path})
    assert started.status_code == 303, started.text
    location: str = started.headers["location"]
    return location


async def log_in_at_provider(authorization_url: str, login: str) -> str:
    """Sign in on the provider's own pages; returns the URL it sends the browser back to
    (the registry's callback with code and state), without following it."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorization_url))
    async with httpx.AsyncClient(timeout=10) as browser:
        response = await browser.get(authorization_url)
        for _ in range(10):
            if response.status_code in (302, 303):
                target = response.headers["location"]
                if not target.startswith(("/", origin)):
                    return target  # leaving the provider: the answer to the registry
                response = await browser.get(httpx.URL(origin).join(target))
                continue
            assert response.status_code == 200, response.text
            form = LOGIN_FORM.search(response.text)
            assert form, response.text
            response = await browser.post(
                httpx.URL(origin).join(form.group(1)),
                data={"prompt": "login", "login": login, "password": "any password"},
            )
        raise AssertionError("the provider never sent the browser back")


def answer_of(callback_url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(callback_url).query))


async def sign_in_as(registry: httpx.AsyncClient, login: str) -> httpx.Response:
    """The whole round trip; returns the registry's answer to the provider's redirect."""
    back = await log_in_at_provider(await authorize(registry), login)
    return await registry.get(back)
