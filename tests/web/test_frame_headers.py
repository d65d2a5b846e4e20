"""Pages with forms (and every other page) refuse to be framed by another site."""

from __future__ import annotations

import pytest

from tests.conftest import Api

PAGES = [
    ("GET", "/subprocessors"),
    ("GET", "/subscriptions/confirm?token=esub_x.1.y"),
    ("GET", "/subscriptions/unsubscribe?token=esub_x.0.y"),
    ("POST", "/subscriptions"),
    ("GET", "/notices/ntc_x.1.y"),
]


@pytest.mark.parametrize(("method", "path"), PAGES, ids=[p for _, p in PAGES])
async def test_a_page_is_never_framed(api: Api, method: str, path: str) -> None:
    async with api.client_from("198.51.100.90") as http:
        response = await http.request(
            method, path, data={"email": "no"} if method == "POST" else None
        )
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
