"""A 10 MB post to any POST route is refused with 413 before anything reads it whole."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from registry.http.body_limit import MAX_FORM_BYTES
from tests.conftest import Api

TEN_MB = 10_000_000
ROUTES = [
    "/subscriptions",
    "/subscriptions/confirm?token=x",
    "/subscriptions/unsubscribe?token=x",
    "/notices/ntc_x.1.y",
    "/console/sign-in",
    "/console/sign-out",
    "/console/subprocessors/new",
    "/console/announce",
    "/console/customers/cus_x/note",
]
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("path", ROUTES)
async def test_a_declared_10_mb_form_is_413(api: Api, path: str) -> None:
    body = b"email=" + b"a" * TEN_MB
    response = await api.http.post(path, content=body, headers=FORM)
    assert response.status_code == 413


async def _chunks() -> AsyncIterator[bytes]:
    yield b"email="
    for _ in range(TEN_MB // 65_536):
        yield b"a" * 65_536


@pytest.mark.parametrize("path", ROUTES)
async def test_a_streamed_10_mb_form_is_refused(api: Api, path: str) -> None:
    """Without a length to check: 413 when a route reads it, or the route's refusal
    before reading anything (an unknown token, no session)."""
    response = await api.http.post(path, content=_chunks(), headers=FORM)
    assert response.status_code in (401, 403, 404, 413)


async def test_a_streamed_10_mb_subscription_form_is_413(api: Api) -> None:
    async with api.client_from("198.51.100.121") as http:
        response = await http.post("/subscriptions", content=_chunks(), headers=FORM)
    assert response.status_code == 413


async def test_a_form_within_the_limit_is_read(api: Api) -> None:
    async with api.client_from("198.51.100.120") as http:
        response = await http.post("/subscriptions", data={"email": "x" * (MAX_FORM_BYTES // 2)})
    assert response.status_code in (400, 413)  # the page's own, smaller limit decides
