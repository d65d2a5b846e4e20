"""HTTP caching of reads: ETag, If-None-Match and 304, Cache-Control, and GET queries."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from registry.app import create_app
from registry.clock import FrozenClock
from registry.domain.models import Role, StatusChange, Subprocessor, SubprocessorStatus
from registry.store import ids, meta, subprocessors
from tests.conftest import START, Api, make_settings

LIST = "{ subprocessors { totalCount edges { node { legalName } } } }"
STAFF_LIST = """{ subprocessors(filter: {status: [PROPOSED, ACTIVE]}) {
  totalCount edges { node { legalName } } } }"""
CREATE = """mutation($name: String!) { createSubprocessor(input: {legalName: $name, purpose: "p"}) {
  ... on SubprocessorCreated { subprocessor { id } } } }"""


async def create_vendor(api: Api, admin_key: str, name: str) -> None:
    """An active vendor, as the public sees it (written directly, then the version bumped)."""
    sub_id = ids.new_id("Subprocessor")
    active = SubprocessorStatus.ACTIVE
    vendor = Subprocessor(
        id=sub_id,
        legal_name=name,
        purpose="p",
        status=active,
        created_at=START,
        status_history=(StatusChange(active, START),),
        active_from=START,
    )
    await subprocessors.insert(api.deps.db, vendor)
    await meta.bump(api.deps.db)


def names(response: httpx.Response) -> list[str]:
    edges = response.json()["data"]["subprocessors"]["edges"]
    return [e["node"]["legalName"] for e in edges]


async def post(
    api: Api, query: str, headers: dict[str, str], variables: dict[str, Any] | None = None
) -> httpx.Response:
    payload = {"query": query, "variables": variables or {}}
    return await api.http.post("/graphql", json=payload, headers=headers)


async def test_a_current_etag_gets_304_and_a_stale_one_the_new_body(
    api: Api, admin_key: str
) -> None:
    await create_vendor(api, admin_key, "Etag One Ltd")
    first = await post(api, LIST, {})
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert "authorization" in first.headers["vary"].lower()

    again = await post(api, LIST, {"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    # A weak form of the same tag, in a list, matches too (If-None-Match compares weakly).
    listed = await post(api, LIST, {"if-none-match": f'"other", W/{etag}'})
    assert listed.status_code == 304

    await create_vendor(api, admin_key, "Etag Two Ltd")
    after = await post(api, LIST, {"if-none-match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert "Etag Two Ltd" in names(after)


async def test_a_mutation_retires_the_tag_at_once(api: Api, admin_key: str) -> None:
    auth = {"authorization": f"Bearer {admin_key}"}
    first = await post(api, STAFF_LIST, auth)
    assert (
        await post(api, STAFF_LIST, {**auth, "if-none-match": first.headers["etag"]})
    ).status_code == 304
    await api.gql(CREATE, {"name": "Proposed Etag Ltd"}, admin_key)
    after = await post(api, STAFF_LIST, {**auth, "if-none-match": first.headers["etag"]})
    assert after.status_code == 200
    assert "Proposed Etag Ltd" in names(after)


async def test_the_tag_depends_on_the_query_variables_and_the_caller(
    api: Api, admin_key: str, procurement_key: str
) -> None:
    one = "query($n: Int) { subprocessors(first: $n) { totalCount } }"
    small = await post(api, one, {}, {"n": 1})
    large = await post(api, one, {}, {"n": 2})
    assert small.headers["etag"] != large.headers["etag"]
    assert (
        await post(api, one, {"if-none-match": small.headers["etag"]}, {"n": 2})
    ).status_code == 200

    admin = await post(api, "{ viewer { role } }", {"authorization": f"Bearer {admin_key}"})
    assert admin.headers["cache-control"] == "private, no-cache"
    procurement = await post(
        api,
        "{ viewer { role } }",
        {"authorization": f"Bearer {procurement_key}", "if-none-match": admin.headers["etag"]},
    )
    assert procurement.status_code == 200
    assert procurement.json()["data"]["viewer"]["role"] == "PROCUREMENT"
    anonymous = await post(api, "{ viewer { role } }", {"if-none-match": admin.headers["etag"]})
    assert anonymous.status_code == 200


@pytest.mark.parametrize(
    "header", ["abc", '"unterminated', "W/abc", '"a" "b"', "*", '"ok", bogus', "\x7f"]
)
async def test_a_malformed_if_none_match_is_ignored(api: Api, header: str) -> None:
    response = await post(api, LIST, {"if-none-match": header})
    assert response.status_code == 200
    assert response.json()["data"]["subprocessors"]["totalCount"] >= 0
    assert response.headers["etag"]


async def test_get_queries_are_cacheable(api: Api, admin_key: str) -> None:
    await create_vendor(api, admin_key, "Get Query Ltd")
    url = "/graphql?query=" + quote(LIST)
    response = await api.http.get(url)
    assert response.status_code == 200
    assert "Get Query Ltd" in names(response)
    assert response.headers["cache-control"].startswith("public, max-age=5")
    revalidated = await api.http.get(url, headers={"if-none-match": response.headers["etag"]})
    assert revalidated.status_code == 304
    keyed = await api.http.get(url, headers={"authorization": f"Bearer {admin_key}"})
    assert keyed.headers["cache-control"] == "private, no-cache"
    assert keyed.headers["etag"] != response.headers["etag"]
    variables = quote('{"n": 1}')
    paged = await api.http.get(
        "/graphql?query="
        + quote("query($n: Int) { subprocessors(first: $n) { edges { cursor } } }")
        + f"&variables={variables}"
    )
    assert len(paged.json()["data"]["subprocessors"]["edges"]) == 1


async def test_get_never_runs_a_mutation(api: Api, admin_key: str) -> None:
    before = (await api.gql("{ subprocessors { totalCount } }"))["subprocessors"]["totalCount"]
    mutation = """mutation {
      createSubprocessor(input: {legalName: "Via GET", purpose: "p"}) { __typename } }"""
    response = await api.http.get(
        "/graphql?query=" + quote(mutation), headers={"authorization": f"Bearer {admin_key}"}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "etag" not in response.headers
    error = response.json()["errors"][0]
    assert "POST" in error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    after = (await api.gql("{ subprocessors { totalCount } }"))["subprocessors"]["totalCount"]
    assert after == before


async def test_an_oversized_get_query_is_refused(api: Api) -> None:
    padding = " " * 17_000
    response = await api.http.get("/graphql?query=" + quote("{ __typename" + padding + "}"))
    assert response.status_code == 414
    assert "POST" in response.json()["errors"][0]["message"]


async def test_answers_with_errors_carry_no_tag(api: Api) -> None:
    response = await post(api, "{ customers { totalCount } }", {})
    assert response.json().get("errors")
    assert "etag" not in response.headers
    assert response.headers["cache-control"] == "no-store"


async def test_one_request_computes_the_answer_the_others_wait_for(
    mongo_uri: str, db_name: str, admin_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(
        make_settings(mongo_uri, db_name), clock=FrozenClock(START), run_scheduler=False
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
            api = Api(http, app.state.deps, FrozenClock(START), app.state.scheduler)
            await create_vendor(api, admin_key, "Single Flight Ltd")  # new version: no cache
            await single_flight(api, app.state.graphql, monkeypatch)


async def single_flight(api: Api, endpoint: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    executions = 0
    execute = endpoint.schema.execute

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal executions
        executions += 1
        return await execute(*args, **kwargs)

    monkeypatch.setattr(endpoint.schema, "execute", counted)
    responses = await asyncio.gather(*(post(api, LIST, {}) for _ in range(20)))
    assert executions == 1
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert "Single Flight Ltd" in names(responses[0])
    assert sum(r.headers.get("x-cache") == "hit" for r in responses) == 19


async def test_exports_answer_conditional_requests(api: Api, admin_key: str) -> None:
    for path in ("/subprocessors.json", "/subprocessors.csv"):
        first = await api.http.get(path)
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert first.headers["cache-control"].startswith("public, max-age=")
        again = await api.http.get(path, headers={"if-none-match": etag})
        assert again.status_code == 304
        assert again.content == b""
        keyed = await api.http.get(
            path, headers={"if-none-match": etag, "authorization": f"Bearer {admin_key}"}
        )
        assert keyed.status_code == 200
        assert keyed.headers["cache-control"] == "private, no-cache"
    json_tag = (await api.http.get("/subprocessors.json")).headers["etag"]
    await create_vendor(api, admin_key, "Export Fresh Ltd")
    stale = await api.http.get("/subprocessors.json", headers={"if-none-match": json_tag})
    assert stale.status_code == 200
    assert "Export Fresh Ltd" in stale.text
    bad = await api.http.get("/subprocessors.xml", headers={"if-none-match": json_tag})
    assert bad.status_code == 404
    assert "etag" not in bad.headers


async def test_an_invalid_key_is_refused_not_revalidated(api: Api) -> None:
    etag = (await api.http.get("/subprocessors.json")).headers["etag"]
    response = await api.http.get(
        "/subprocessors.json",
        headers={"if-none-match": etag, "authorization": "Bearer rk_not-a-key"},
    )
    assert response.status_code == 401


async def test_keys_of_different_customers_never_share_a_tag(api: Api, admin_key: str) -> None:
    create = """mutation($name: String!) { createCustomer(input: {name: $name}) {
      ... on CustomerCreated { customer { id } } } }"""
    ids = [
        (await api.gql(create, {"name": name}, admin_key))["createCustomer"]["customer"]["id"]
        for name in ("Tag A", "Tag B")
    ]
    keys = [await api.key(Role.CUSTOMER, customer_id) for customer_id in ids]
    query = "{ viewer { customer { name } } }"
    a = await post(api, query, {"authorization": f"Bearer {keys[0]}"})
    b = await post(
        api, query, {"authorization": f"Bearer {keys[1]}", "if-none-match": a.headers["etag"]}
    )
    assert b.status_code == 200
    assert b.json()["data"]["viewer"]["customer"]["name"] == "Tag B"


async def test_feeds_answer_conditional_requests(api: Api, admin_key: str) -> None:
    for path in ("/changes.atom", "/changes.ics"):
        first = await api.http.get(path)
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert etag.startswith('W/"')  # the same content, not the same bytes (time stamps)
        assert first.headers["cache-control"].startswith("public, max-age=")
        assert (await api.http.get(path, headers={"if-none-match": etag})).status_code == 304
    etag = (await api.http.get("/changes.atom")).headers["etag"]
    await api.gql(CREATE, {"name": "Feed Fresh Ltd"}, admin_key)
    assert (await api.http.get("/changes.atom", headers={"if-none-match": etag})).status_code == 200
