"""HTTP caching of reads: ETag, If-None-Match and 304, Cache-Control, and GET queries."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.api.reads import LIST, REPEAT, create_vendor, names
from tests.conftest import Api

CREATE = """mutation($name: String!) { createSubprocessor(input: {legalName: $name, purpose: "p"}) {
  ... on SubprocessorCreated { subprocessor { id } } } }"""


async def post(
    api: Api, query: str, headers: dict[str, str], variables: dict[str, Any] | None = None
) -> httpx.Response:
    payload = {"query": query, "variables": variables or {}}
    return await api.http.post("/graphql", json=payload, headers=headers)


async def test_a_current_etag_gets_304_and_a_stale_one_the_new_body(
    api: Api, admin_key: str
) -> None:
    await create_vendor(api, "Etag One Ltd")
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

    await create_vendor(api, "Etag Two Ltd")
    after = await post(api, LIST, {"if-none-match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert "Etag Two Ltd" in names(after)


async def test_the_tag_depends_on_the_query_and_its_variables(api: Api, admin_key: str) -> None:
    """And on the caller's visibility: test_cache.py asks as each role and customer."""
    one = "query($n: Int) { subprocessors(first: $n) { totalCount } }"
    small = await post(api, one, {}, {"n": 1})
    large = await post(api, one, {}, {"n": 2})
    assert small.headers["etag"] != large.headers["etag"]
    assert (
        await post(api, one, {"if-none-match": small.headers["etag"]}, {"n": 2})
    ).status_code == 200
    other = await post(api, "{ subprocessors { totalCount } }", {})
    assert other.headers["etag"] != small.headers["etag"]
    admin = await post(api, "{ viewer { role } }", {"authorization": f"Bearer {admin_key}"})
    assert admin.headers["cache-control"] == "private, no-cache"


@pytest.mark.parametrize(
    "header", ["abc", '"unterminated', "W/abc", '"a" "b"', "*", '"ok", bogus', "\x7f"]
)
async def test_a_malformed_if_none_match_is_ignored(api: Api, header: str) -> None:
    response = await post(api, LIST, {"if-none-match": header})
    assert response.status_code == 200
    assert response.json()["data"]["subprocessors"]["totalCount"] >= 0
    assert response.headers["etag"]


async def test_get_queries_are_cacheable(api: Api, admin_key: str) -> None:
    await create_vendor(api, "Get Query Ltd")
    url = "/graphql?query=" + quote(LIST)
    answers = [await api.http.get(url) for _ in range(REPEAT)]  # the last from memory
    assert len({(a.status_code, a.content, a.headers["etag"]) for a in answers}) == 1
    assert answers[-1].headers["x-cache"] == "hit"
    response = answers[0]
    assert response.status_code == 200
    assert "Get Query Ltd" in names(response)
    assert response.headers["cache-control"].startswith("public, max-age=5")
    revalidated = await api.http.get(url, headers={"if-none-match": response.headers["etag"]})
    assert (revalidated.status_code, revalidated.content) == (304, b"")
    assert revalidated.headers["cache-control"].startswith("public, max-age=")
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
    await create_vendor(api, "Export Fresh Ltd")
    stale = await api.http.get("/subprocessors.json", headers={"if-none-match": json_tag})
    assert stale.status_code == 200
    assert "Export Fresh Ltd" in stale.text
    bad = await api.http.get("/subprocessors.xml", headers={"if-none-match": json_tag})
    assert bad.status_code == 404
    assert "etag" not in bad.headers


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
