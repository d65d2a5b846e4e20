"""Staff sign in as themselves with a real OpenID provider (oidc-provider in Node, see
tests/oidc/provider.mjs), over HTTP: role mapping, refusals, replays, expiry, sign-out,
and the person named on what they do. The browser path is in test_console_oidc_browser.py.

The registry's clock is set to the real time before each test: the provider signs ID
tokens with the real time, and the registry checks their expiry with its own clock.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.services.configuration import SettingsError, check_settings
from registry.services.console_sessions import start_sign_in
from registry.settings import Settings
from registry.store import audit_log, console_sessions
from registry.store.console_sessions import PendingSignIn
from registry.web.console.auth import STARTS_PER_CLIENT
from tests.conftest import Api, make_settings
from tests.oidc.flow import answer_of, authorize, log_in_at_provider, sign_in_as
from tests.oidc.provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    ROLE_MAP,
    OpenIdProvider,
    free_port,
    running_provider,
)
from tests.web.console_support import browser_like, token_of
from tests.web.console_support import sign_in as key_sign_in
from tests.web.support import add_vendor, announce, running_web_api

REGISTRY = "http://registry.test"
CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { __typename ... on CustomerCreated { customer { id } } }
}"""
FILE = """
mutation($input: FileObjectionInput!) {
  fileObjection(input: $input) { __typename ... on ObjectionFiled { objection { id } } }
}"""
AUDIT = """
{ auditLog(first: 50) { edges { node {
  action result keyId role person { name email subject }
} } } }"""
HISTORY = """
query($id: ID!) { subprocessor(id: $id) { history { reason role keyId person { name email } } } }
"""
OBJECTIONS = """
query($id: ID!) {
  objections(changeId: $id, first: 5) { edges { node { status resolvedBy { name email } } } }
}"""


def oidc_settings(mongo_uri: str, db_name: str, issuer: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "public_url": REGISTRY,
        "oidc_issuer": issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_roles": ROLE_MAP,
        "oidc_scopes": "openid profile email groups",
        **overrides,
    }
    return make_settings(mongo_uri, db_name, **values)


@pytest.fixture(scope="module")
def provider() -> Iterator[OpenIdProvider]:
    with running_provider(
        f"{REGISTRY}/console/sign-in/callback", f"{REGISTRY}/console/sign-in?signed_out=1"
    ) as found:
        yield found


@pytest.fixture(scope="module")
async def registry(mongo_uri: str, db_name: str, provider: OpenIdProvider) -> AsyncIterator[Api]:
    settings = oidc_settings(mongo_uri, db_name, provider.issuer)
    async with running_web_api(settings, FrozenClock(datetime.now(UTC))) as api:
        yield api


@pytest.fixture(autouse=True)
def real_time(registry: Api, provider: OpenIdProvider) -> Iterator[None]:
    """Each test starts at the provider's time, with the provider behaving."""
    registry.clock.set(datetime.now(UTC))
    provider.fault(None)
    yield
    provider.fault(None)


@contextlib.asynccontextmanager
async def fresh_registry(settings: Settings) -> AsyncIterator[Api]:
    """A registry that has not yet read the provider's discovery document."""
    async with running_web_api(settings, FrozenClock(datetime.now(UTC))) as api:
        yield api


async def _entries(api: Api, action: str) -> list[dict[str, Any]]:
    return [d async for d in api.deps.db[audit_log.NAME].find({"action": action})]


async def _pending(api: Api) -> int:
    return await api.deps.db[console_sessions.NAME].count_documents({"pending": {"$ne": None}})


def _session_cookie(response: httpx.Response) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith("registry_console=") and not header.startswith('registry_console=""'):
            return header.split(";")[0].split("=", 1)[1]
    return None


async def test_a_person_in_the_admin_group_signs_in_as_admin(registry: Api) -> None:
    before = len(await _entries(registry, "console.signIn"))
    async with browser_like(registry) as client:
        authorization = await authorize(client, "/console/objections")
        assert "code_challenge_method=S256" in authorization
        assert "code_challenge=" in authorization
        assert "nonce=" in authorization
        assert await _pending(registry) >= 1
        back = await log_in_at_provider(authorization, "ada")
        assert back.startswith(f"{REGISTRY}/console/sign-in/callback?")
        answer = await client.get(back)
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/console/objections"
        assert _session_cookie(answer)
        page = await client.get("/console")
        assert page.status_code == 200
        assert "Signed in as <strong>Ada Lovelace</strong> (ada@example.com) · ADMIN" in page.text
    entries = await _entries(registry, "console.signIn")
    assert len(entries) == before + 1
    entry = entries[-1]
    assert entry["result"] == "ok"
    assert entry["role"] == "ADMIN"
    assert entry["key_id"] is None
    assert entry["person"] == {"subject": "ada", "name": "Ada Lovelace", "email": "ada@example.com"}


async def test_the_procurement_group_maps_to_procurement(registry: Api) -> None:
    async with browser_like(registry) as client:
        answer = await sign_in_as(client, "piet")
        assert answer.status_code == 303
        page = await client.get("/console")
        assert "Signed in as <strong>Piet Hein</strong> (piet@example.com) · PROCUREMENT" in (
            page.text
        )
    stored = await registry.deps.db[console_sessions.NAME].find_one({"person.subject": "piet"})
    assert stored is not None
    assert stored["role"] == "PROCUREMENT"
    assert stored["key_id"] is None


@pytest.mark.parametrize(
    ("login", "name"),
    [("rita", "Rita Levi"), ("nora", "Nora Nobody")],
    ids=["groups map to no role", "no groups claim at all"],
)
async def test_a_person_without_a_mapped_role_is_refused(
    registry: Api, login: str, name: str
) -> None:
    async with browser_like(registry) as client:
        answer = await sign_in_as(client, login)
        assert answer.status_code == 403
        assert "No access to the staff console" in answer.text
        assert f"{name} &lt;{login}@example.com&gt; has no role" in answer.text
        assert "Ask an administrator" in answer.text
        assert _session_cookie(answer) is None
        assert (await client.get("/console")).status_code == 303
    refused = [e for e in await _entries(registry, "console.signIn") if e["result"] == "NO_ROLE"]
    assert refused[-1]["person"]["name"] == name
    assert refused[-1]["person"]["email"] == f"{login}@example.com"


async def test_a_tampered_state_opens_nothing_and_spends_the_sign_in(registry: Api) -> None:
    async with browser_like(registry) as client:
        back = await log_in_at_provider(await authorize(client), "ada")
        browser_token = client.cookies.get("registry_console_provider") or ""
        answer = answer_of(back)
        forged = {**answer, "state": answer["state"][:-2] + "xx"}
        refused = await client.get("/console/sign-in/callback", params=forged)
        assert refused.status_code == 400
        assert "does not belong to this sign-in" in refused.text
        assert _session_cookie(refused) is None
        # The genuine answer, now, finds no pending sign-in: it was spent by the forgery.
        client.cookies.set("registry_console_provider", browser_token, path="/console/sign-in")
        late = await client.get(back)
        assert late.status_code == 400
        assert "already used or took too long" in late.text
        assert (await client.get("/console")).status_code == 303


async def test_a_replayed_code_opens_nothing(registry: Api) -> None:
    async with browser_like(registry) as client:
        first = await authorize(client)
        token_cookie = client.cookies.get("registry_console_provider")
        back = await log_in_at_provider(first, "ada")
        assert (await client.get(back)).status_code == 303
    async with browser_like(registry) as attacker:
        # The same answer again, even with the browser's cookie: its sign-in was taken.
        attacker.cookies.set(
            "registry_console_provider", token_cookie or "", path="/console/sign-in"
        )
        replayed = await attacker.get(back)
        assert replayed.status_code == 400
        assert _session_cookie(replayed) is None
        # The code in a sign-in of the attacker's own: the provider refuses it (used once;
        # and its PKCE verifier is not this sign-in's).
        own = answer_of(await authorize(attacker))
        injected = {**answer_of(back), "state": own["state"]}
        refused = await attacker.get("/console/sign-in/callback", params=injected)
        assert refused.status_code == 400
        assert "refused the sign-in code (invalid_grant)" in refused.text
        assert _session_cookie(refused) is None
        assert (await attacker.get("/console")).status_code == 303


async def test_a_sign_in_left_at_the_provider_too_long_expires(registry: Api) -> None:
    async with browser_like(registry) as client:
        back = await log_in_at_provider(await authorize(client), "ada")
        registry.clock.advance(timedelta(minutes=11))
        late = await client.get(back)
        assert late.status_code == 400
        assert "already used or took too long" in late.text
        assert _session_cookie(late) is None


async def test_an_idle_session_expires(registry: Api) -> None:
    async with browser_like(registry) as client:
        assert (await sign_in_as(client, "ada")).status_code == 303
        assert (await client.get("/console")).status_code == 200
        registry.clock.advance(timedelta(minutes=31))
        expired = await client.get("/console")
        assert expired.status_code == 303
        assert expired.headers["location"].startswith("/console/sign-in")


async def test_sign_out_ends_the_session_and_offers_the_providers_sign_out(registry: Api) -> None:
    async with browser_like(registry) as client:
        answer = await sign_in_as(client, "ada")
        cookie = _session_cookie(answer)
        page = await client.get("/console")
        out = await client.post("/console/sign-out", data={"csrf_token": token_of(page.text)})
        assert out.status_code == 303
        assert out.headers["location"] == "/console/sign-in?signed_out=1"
        signed_out = await client.get(out.headers["location"])
        assert "You are signed out." in signed_out.text
        assert 'href="/console/sign-out/provider">sign out of it too' in signed_out.text
        onward = await client.get("/console/sign-out/provider")
        assert onward.status_code == 303
        target = httpx.URL(onward.headers["location"])
        assert str(target).startswith(f"{registry.deps.settings.oidc_issuer}/session/end")
        assert target.params["client_id"] == CLIENT_ID
        assert target.params["post_logout_redirect_uri"] == (
            f"{REGISTRY}/console/sign-in?signed_out=1"
        )
        assert (await client.get("/console")).status_code == 303
    async with browser_like(registry) as stolen:
        stolen.cookies.set("registry_console", cookie or "", path="/console")
        assert (await stolen.get("/console")).status_code == 303
    outs = await _entries(registry, "console.signOut")
    assert outs[-1]["person"]["name"] == "Ada Lovelace"


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        ("wrong-audience", "Invalid claim: &#39;aud&#39;"),
        ("wrong-issuer", "Invalid claim: &#39;iss&#39;"),
        ("expired", "expired_token: The token is expired"),
        ("unsigned", "Algorithm of &#39;none&#39; is not allowed"),
        ("wrong-nonce", "Invalid claim: &#39;nonce&#39;"),
        ("forged-signature", "bad_signature"),
    ],
    ids=[
        "another client's token",
        "another issuer's token",
        "expired token",
        "alg none",
        "another sign-in's nonce",
        "signed by another key",
    ],
)
async def test_a_bad_id_token_opens_nothing(
    registry: Api, provider: OpenIdProvider, fault: str, why: str
) -> None:
    async with browser_like(registry) as client:
        back = await log_in_at_provider(await authorize(client), "ada")
        provider.fault(fault)
        before = await registry.deps.db[console_sessions.NAME].count_documents({})
        refused = await client.get(back)
        assert refused.status_code == 401, refused.text
        assert "ID token was refused" in refused.text
        assert why in refused.text
        assert _session_cookie(refused) is None
        assert await registry.deps.db[console_sessions.NAME].count_documents({}) == before - 1
        assert (await client.get("/console")).status_code == 303
    failures = await _entries(registry, "console.signIn")
    assert any(e["result"] == "INVALID_ID_TOKEN" for e in failures)


async def test_a_provider_that_calls_itself_otherwise_is_refused(
    mongo_uri: str, db_name: str, provider: OpenIdProvider
) -> None:
    provider.fault("discovery-issuer")
    settings = oidc_settings(mongo_uri, db_name, provider.issuer)
    async with fresh_registry(settings) as fresh, browser_like(fresh) as client:
        refused = await client.get("/console/sign-in/provider")
        assert refused.status_code == 502
        assert "calls itself &#39;https://impostor.example&#39;" in refused.text
        assert "registry_console_provider" not in refused.headers.get("set-cookie", "")


async def test_a_provider_that_is_down_gets_a_clear_page(mongo_uri: str, db_name: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = oidc_settings(mongo_uri, db_name, closed)
    async with fresh_registry(settings) as fresh, browser_like(fresh) as client:
        page = await client.get("/console/sign-in")
        assert "Sign in with your company account" in page.text
        assert 'name="api_key"' not in page.text
        refused = await client.get("/console/sign-in/provider")
        assert refused.status_code == 503
        assert "could not be reached" in refused.text
        assert "nobody was signed in" in refused.text


async def test_sign_ins_started_and_abandoned_are_bounded(
    mongo_uri: str, db_name: str, provider: OpenIdProvider
) -> None:
    settings = oidc_settings(mongo_uri, db_name, provider.issuer)
    async with fresh_registry(settings) as fresh, browser_like(fresh) as client:
        for _ in range(STARTS_PER_CLIENT):
            assert (await client.get("/console/sign-in/provider")).status_code == 303
        refused = await client.get("/console/sign-in/provider")
        assert refused.status_code == 429
        assert "Too many sign-ins" in refused.text
        # Abandoned ones are purged when they lapse, as the next sign-in starts.
        assert await _pending(fresh) >= STARTS_PER_CLIENT
        fresh.clock.advance(timedelta(minutes=11))
        await start_sign_in(fresh.deps, PendingSignIn("s", "n", "v", "/console"))
        assert await _pending(fresh) == 1


async def test_api_keys_do_not_open_the_console_while_staff_sign_in_with_the_provider(
    registry: Api,
) -> None:
    key = await registry.key(Role.ADMIN, name="script")
    async with browser_like(registry) as client:
        page = await client.get("/console/sign-in")
        assert 'name="api_key"' not in page.text
        refused = await client.post("/console/sign-in", data={"api_key": key})
        assert refused.status_code == 403
        assert "staff sign in with the company&#39;s identity provider" in refused.text
        assert (await client.get("/console")).status_code == 303
    # ...and programs keep using their keys.
    assert (await registry.gql("{ viewer { role } }", key=key))["viewer"]["role"] == "ADMIN"


async def test_a_break_glass_setting_keeps_key_sign_in(
    mongo_uri: str, db_name: str, provider: OpenIdProvider
) -> None:
    settings = oidc_settings(mongo_uri, db_name, provider.issuer, console_key_sign_in=True)
    async with fresh_registry(settings) as fresh:
        key = await fresh.key(Role.ADMIN, name="break glass")
        async with browser_like(fresh) as client:
            page = await client.get("/console/sign-in")
            assert "Sign in with your company account" in page.text
            assert 'name="api_key"' in page.text
            assert (await key_sign_in(client, key)).status_code == 303


async def test_the_person_is_named_on_audit_history_and_resolution(registry: Api) -> None:
    admin = await registry.key(Role.ADMIN, name="setup")
    created = await registry.gql(
        CUSTOMER, {"input": {"name": "Initech", "noticePeriod": "P30D"}}, admin
    )
    customer = created["createCustomer"]["customer"]["id"]
    vendor = await add_vendor(registry, admin, "Sentry, Inc.", "Error tracking", [], [])
    change = await announce(registry, admin, vendor)
    await registry.scheduler.run_until_idle()
    filed = await registry.gql(
        FILE,
        {"input": {"changeId": change, "reason": "Not in our approved list"}},
        await registry.key(Role.CUSTOMER, customer_id=customer, name="initech"),
    )
    objection = filed["fileObjection"]["objection"]["id"]

    async with browser_like(registry) as client:
        assert (await sign_in_as(client, "ada")).status_code == 303
        form = await client.get(f"/console/subprocessors/{vendor}/edit")
        edited = await client.post(
            f"/console/subprocessors/{vendor}/edit",
            data={
                "csrf_token": token_of(form.text),
                "legalName": "Functional Software, Inc. (Sentry)",
                "purpose": "Error tracking",
                "reason": "The contract names the legal entity",
            },
        )
        assert edited.status_code == 303, edited.text
        inbox = await client.get("/console/objections")
        resolved = await client.post(
            f"/console/objections/{objection}/resolve",
            data={
                "csrf_token": token_of(inbox.text),
                "resolution": "CHANGE_CANCELLED_FOR_CUSTOMER",
                "note": "Initech keeps the current provider",
            },
        )
        assert resolved.status_code == 303, resolved.text
        everything = await client.get("/console/objections", params={"show": "all"})
        assert "Recorded by Ada Lovelace (ada@example.com)" in everything.text
        history = (await client.get(f"/console/subprocessors/{vendor}")).text
        assert 'Ada Lovelace <span class="muted">ada@example.com</span><br>Admin' in history

    ada = {"name": "Ada Lovelace", "email": "ada@example.com"}
    entries = [e["node"] for e in (await registry.gql(AUDIT, key=admin))["auditLog"]["edges"]]
    by_ada = {e["action"] for e in entries if e["person"] and e["person"]["name"] == ada["name"]}
    assert {"console.signIn", "console.updateSubprocessor", "console.resolveObjection"} <= by_ada
    mine = next(e for e in entries if e["action"] == "console.resolveObjection")
    assert mine["person"] == {**ada, "subject": "ada"}
    assert (mine["keyId"], mine["role"]) == (None, "ADMIN")

    history = (await registry.gql(HISTORY, {"id": vendor}, admin))["subprocessor"]["history"]
    assert history[0]["person"] == ada
    assert history[0]["role"] == "ADMIN"
    assert history[0]["keyId"] is None

    outcome = (await registry.gql(OBJECTIONS, {"id": change}, admin))["objections"]["edges"]
    assert outcome[0]["node"] == {"status": "RESOLVED", "resolvedBy": ada}
    # The customer sees the outcome, not the name of who on staff recorded it.
    own = await registry.key(Role.CUSTOMER, customer_id=customer, name="initech 2")
    seen = (await registry.gql(OBJECTIONS, {"id": change}, own))["objections"]["edges"]
    assert seen[0]["node"] == {"status": "RESOLVED", "resolvedBy": None}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"oidc_issuer": "https://id.example.com"}, "REGISTRY_OIDC_CLIENT_ID: required"),
        (
            {"oidc_issuer": "http://id.example.com", "oidc_client_id": "r", "oidc_roles": ROLE_MAP},
            "REGISTRY_OIDC_ISSUER: 'http://id.example.com' must be https",
        ),
        ({"oidc_roles": ""}, "REGISTRY_OIDC_ROLES: map at least one value"),
        ({"oidc_roles": "admins=OWNER"}, "REGISTRY_OIDC_ROLES: 'admins=OWNER': the role must be"),
        ({"oidc_roles": "a=ADMIN,a=PROCUREMENT"}, "'a' is mapped to both ADMIN and PROCUREMENT"),
        ({"oidc_scopes": "profile email"}, "REGISTRY_OIDC_SCOPES: must include openid"),
        ({"oidc_role_claim": " "}, "REGISTRY_OIDC_ROLE_CLAIM: name the claim"),
    ],
    ids=[
        "issuer alone",
        "plain http to another host",
        "no role mapped",
        "an unknown role",
        "one value, two roles",
        "no openid scope",
        "blank claim name",
    ],
)
def test_bad_provider_settings_stop_start_up(
    overrides: dict[str, Any], message: str, mongo_uri: str
) -> None:
    values: dict[str, Any] = {
        "oidc_issuer": "https://id.example.com",
        "oidc_client_id": "registry",
        "oidc_client_secret": "s3cret",
        "oidc_roles": ROLE_MAP,
        **overrides,
    }
    if overrides.get("oidc_issuer") == "https://id.example.com":
        values.pop("oidc_client_id")
    settings = make_settings(mongo_uri, "unused", **values)
    with pytest.raises(SettingsError) as raised:
        check_settings(settings)
    assert message in str(raised.value)
    assert "s3cret" not in str(raised.value)
