"""Web routes answer failures through one table of Starlette exception handlers."""

from __future__ import annotations

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from registry.domain.models import Role
from registry.services import console_vendors, listing
from tests.conftest import Api
from tests.web.console_support import browser_like, sign_in


@pytest.mark.parametrize(
    ("path", "status", "kind"),
    [
        ("/subprocessors?asOf=yesterday", 400, "text/html"),
        ("/subprocessors.json?asOf=yesterday", 400, "application/json"),
        ("/subprocessors.csv?asOf=2026-03-01T00:00:00", 400, "application/json"),
        ("/audit.jsonl", 403, "application/json"),
        ("/changes/chg_000000000000000000000000/notices.json", 403, "application/json"),
        ("/subprocessors.json", 401, "application/json"),
        ("/metrics", 401, "text/plain"),
        ("/subprocessors.xml", 404, "text/html"),
    ],
)
async def test_each_refusal_in_its_routes_format(
    web: Api, path: str, status: int, kind: str
) -> None:
    # A 401 case sends a key that does not exist.
    headers = (
        {"authorization": "Bearer rk_unknown"} if status == 401 and "metrics" not in path else {}
    )
    response = await web.http.get(path, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith(kind)
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


async def test_a_database_outage_is_a_503_not_a_crash(
    web: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(*args: object, **kwargs: object) -> object:
        raise ServerSelectionTimeoutError("no servers")

    monkeypatch.setattr(listing, "list_filter", unreachable)  # what pages and exports read
    as_json = await web.http.get("/subprocessors.json")
    assert as_json.status_code == 503
    assert "cannot be reached" in as_json.json()["error"]
    page = await web.http.get("/subprocessors")
    assert page.status_code == 503
    assert "no servers" not in page.text


async def test_console_refusals_keep_the_consoles_layout(
    web: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with browser_like(web) as client:
        await sign_in(client, await web.key(Role.PROCUREMENT, name="errors-buyer"))
        missing = await client.get("/console/subprocessors/sp_000000000000000000000000")
        assert missing.status_code == 404
        assert "no subprocessor" in missing.text
        assert "Back to the console" in missing.text  # console/refused.html, not the public page
        assert missing.headers["cache-control"] == "no-store"
        assert "www-authenticate" not in missing.headers

        async def unreachable(*args: object, **kwargs: object) -> object:
            raise ServerSelectionTimeoutError("no servers")

        monkeypatch.setattr(console_vendors, "vendor_lines", unreachable)
        down = await client.get("/console/subprocessors")
        assert down.status_code == 503
        assert "cannot be reached" in down.text
        assert "Back to the console" in down.text
        assert "no servers" not in down.text
