"""Console sessions over HTTP: sign-in, cookie flags, anti-forgery, expiry, revocation, audit."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.services.access import hash_key, revoke_api_key
from registry.services.caller import Caller
from registry.settings import Settings
from registry.store import api_keys, audit_log, console_sessions
from tests.conftest import START, Api, make_settings
from tests.web.console_support import browser_like, sign_in, token_of
from tests.web.support import Seeded, running_web_api


async def _entries(api: Api, action: str) -> list[dict[str, object]]:
    return [d async for d in api.deps.db[audit_log.NAME].find({"action": action})]


async def test_a_procurement_key_signs_in_and_sees_the_overview(web: Api, seeded: Seeded) -> None:
    key = await web.key(Role.PROCUREMENT, name="buyer")
    async with browser_like(web) as client:
        before = len(await _entries(web, "console.signIn"))
        response = await sign_in(client, key)
        assert response.status_code == 303
        assert response.headers["location"] == "/console"
        cookie = next(
            h for h in response.headers.get_list("set-cookie") if h.startswith("registry_console=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie.replace("samesite", "SameSite")
        assert "Secure" not in cookie  # the test server's public URL is http
        session_id = cookie.split(";")[0].split("=", 1)[1]
        # Only the hash of the session id is stored.
        stored = await web.deps.db[console_sessions.NAME].find_one(
            {"_id": hashlib.sha256(session_id.encode()).hexdigest()}
        )
        assert stored is not None
        assert session_id not in str(stored)

        page = await client.get("/console")
        assert page.status_code == 200
        assert "<h1>Overview</h1>" in page.text
        assert "Mailgun Technologies, Inc." in page.text  # the upcoming ADD
        assert page.headers["cache-control"] == "no-store"
        entries = await _entries(web, "console.signIn")
        assert len(entries) == before + 1
        assert entries[-1]["result"] == "ok"
        assert entries[-1]["key_id"] == stored["key_id"]


async def test_a_customer_key_is_refused(web: Api, seeded: Seeded) -> None:
    key = await web.key(Role.CUSTOMER, customer_id=seeded.customers["Acme"], name="acme")
    async with browser_like(web) as client:
        response = await sign_in(client, key)
        assert response.status_code == 403
        assert "needs an ADMIN or PROCUREMENT key" in response.text
        assert "registry_console=" not in "".join(response.headers.get_list("set-cookie"))
        assert (await client.get("/console")).status_code == 303
    refused = [
        e for e in await _entries(web, "console.signIn") if e["result"] == "PermissionDenied"
    ]
    assert refused
    assert refused[-1]["role"] == "CUSTOMER"


async def test_an_unknown_key_and_a_forged_cookie_open_nothing(web: Api, seeded: Seeded) -> None:
    async with browser_like(web) as client:
        response = await sign_in(client, "rk_" + "x" * 43)
        assert response.status_code == 401
        assert "unknown or revoked" in response.text
        client.cookies.set("registry_console", "forged-session-id", path="/console")
        page = await client.get("/console")
        assert page.status_code == 303
        assert page.headers["location"].startswith("/console/sign-in")


async def test_a_sign_in_form_without_its_token_is_refused(web: Api, seeded: Seeded) -> None:
    key = await web.key(Role.ADMIN, name="no-token")
    async with browser_like(web) as client:
        await client.get("/console/sign-in")
        response = await client.post("/console/sign-in", data={"api_key": key})
        assert response.status_code == 403
        assert (await client.get("/console")).status_code == 303


async def test_sign_out_ends_the_session_on_the_server(web: Api, seeded: Seeded) -> None:
    key = await web.key(Role.ADMIN, name="leaver")
    async with browser_like(web) as client:
        await sign_in(client, key)
        overview = await client.get("/console")
        session_id = client.cookies.get("registry_console", path="/console")
        assert session_id
        no_token = await client.post("/console/sign-out", data={})
        assert no_token.status_code == 403
        assert (await client.get("/console")).status_code == 200
        out = await client.post("/console/sign-out", data={"csrf_token": token_of(overview.text)})
        assert out.status_code == 303
        # Replaying the old cookie does not bring the session back.
        client.cookies.set("registry_console", session_id, path="/console")
        assert (await client.get("/console")).status_code == 303
    outs = await _entries(web, "console.signOut")
    assert outs
    assert outs[-1]["result"] == "ok"


async def test_revoking_the_key_ends_its_sessions(web: Api, seeded: Seeded) -> None:
    key = await web.key(Role.PROCUREMENT, name="revoked")
    async with browser_like(web) as client:
        await sign_in(client, key)
        assert (await client.get("/console")).status_code == 200
        stored = await api_keys.find_by_hash(web.deps.db, hash_key(key))
        assert stored is not None
        assert await web.deps.db[console_sessions.NAME].count_documents({"key_id": stored["_id"]})
        await revoke_api_key(web.deps, Caller(role=Role.ADMIN), stored["_id"])
        assert (await client.get("/console")).status_code == 303
    assert await web.deps.db[console_sessions.NAME].count_documents({"key_id": stored["_id"]}) == 0


async def test_a_session_expires_after_the_idle_timeout(web: Api, seeded: Seeded) -> None:
    idle = web.deps.settings.console_idle_timeout
    key = await web.key(Role.ADMIN, name="idle")
    async with browser_like(web) as client:
        await sign_in(client, key)
        web.clock.advance(idle - timedelta(seconds=5))
        assert (await client.get("/console")).status_code == 200  # activity extends it
        web.clock.advance(idle - timedelta(seconds=5))
        assert (await client.get("/console")).status_code == 200
        web.clock.advance(idle + timedelta(seconds=1))
        assert (await client.get("/console")).status_code == 303


def test_the_idle_timeout_is_checked_at_start_up() -> None:
    with pytest.raises(ValueError, match="invalid interval"):
        Settings(_env_file=None, console_session_idle="soon")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="must be positive"):
        Settings(_env_file=None, console_session_idle="0s")  # type: ignore[call-arg]
    assert Settings(_env_file=None, console_session_idle="15m").console_idle_timeout == (  # type: ignore[call-arg]
        timedelta(minutes=15)
    )


async def test_the_cookie_is_secure_behind_https(
    mongo_uri: str, db_name: str, seeded: Seeded
) -> None:
    settings = make_settings(mongo_uri, db_name, public_url="https://registry.example")
    async with running_web_api(settings, FrozenClock(START)) as api:
        key = await api.key(Role.ADMIN, name="tls")
        async with browser_like(api, "https://registry.example") as client:
            response = await sign_in(client, key)
            cookie = next(
                h
                for h in response.headers.get_list("set-cookie")
                if h.startswith("registry_console=")
            )
            assert "Secure" in cookie
            assert "HttpOnly" in cookie
