"""The response cache: repeated reads are served from it, never stale, never shared."""

from __future__ import annotations

from datetime import timedelta

from registry.domain.drafts import ChangeAnnouncement, SubprocessorDetails
from registry.domain.models import ChangeKind, Role
from registry.services import changes, vendors
from registry.services.caller import Caller
from tests.conftest import Api
from tests.security.tenancy import two_tenants

LIST = """{ subprocessors(filter: {status: [PROPOSED, ACTIVE]}) {
  totalCount edges { node { legalName locations { country } } } } }"""
NOTICES = "{ notices { totalCount edges { node { customer { id name } } } } }"


async def test_repeat_is_a_hit_and_a_write_is_seen_at_once(api: Api, admin_key: str) -> None:
    first = await api.post(LIST, key=admin_key)
    again = await api.post(LIST, key=admin_key)
    assert again.headers.get("x-cache") == "hit"
    assert again.json() == first.json()

    create = """mutation { createSubprocessor(input: {legalName: "Fresh vendor", purpose: "p"}) {
      ... on SubprocessorCreated { subprocessor { id } } } }"""
    sub_id = (await api.gql(create, key=admin_key))["createSubprocessor"]["subprocessor"]["id"]
    after = await api.post(LIST, key=admin_key)
    assert after.headers.get("x-cache") is None
    names = [e["node"]["legalName"] for e in after.json()["data"]["subprocessors"]["edges"]]
    assert "Fresh vendor" in names

    add = """mutation($id: ID!) {
      addProcessingLocation(subprocessorId: $id, input: {country: "SE"}) { __typename } }"""
    await api.gql(add, {"id": sub_id}, admin_key)
    latest = (await api.post(LIST, key=admin_key)).json()["data"]["subprocessors"]["edges"]
    fresh = next(e["node"] for e in latest if e["node"]["legalName"] == "Fresh vendor")
    assert fresh["locations"] == [{"country": "SE"}]


async def test_one_customers_view_is_never_served_to_another(api: Api) -> None:
    tenants = await two_tenants(api)
    b_key = await api.key(Role.CUSTOMER, tenants.b_id)
    a_view = await api.post(NOTICES, key=tenants.a_key)
    a_again = await api.post(NOTICES, key=tenants.a_key)
    assert a_again.headers.get("x-cache") == "hit"
    b_view = await api.post(NOTICES, key=b_key)
    assert b_view.headers.get("x-cache") is None
    a_ids = {e["node"]["customer"]["id"] for e in a_view.json()["data"]["notices"]["edges"]}
    b_ids = {e["node"]["customer"]["id"] for e in b_view.json()["data"]["notices"]["edges"]}
    assert a_ids == {tenants.a_id}
    assert b_ids == {tenants.b_id}
    # Staff roles do not share either: PROCUREMENT never receives ADMIN's cached answer.
    procurement = await api.key(Role.PROCUREMENT)
    await api.post(NOTICES, key=tenants.admin)
    assert (await api.post(NOTICES, key=procurement)).headers.get("x-cache") is None


async def test_scheduler_transitions_retire_cached_answers(api: Api, admin_key: str) -> None:
    """A change the scheduler makes EFFECTIVE retires the answers cached before it."""
    staff = Caller(Role.ADMIN)
    vendor = await vendors.create_subprocessor(
        api.deps, staff, SubprocessorDetails.named("Cache", "x")
    )
    announced = await changes.announce_change(
        api.deps, staff, ChangeAnnouncement(ChangeKind.ADD, vendor.id)
    )
    query = "{ changes(status: [EFFECTIVE]) { totalCount } }"
    before = (await api.gql(query, key=admin_key))["changes"]["totalCount"]
    assert (await api.post(query, key=admin_key)).headers.get("x-cache") is not None
    api.clock.set(announced.effective_at + timedelta(seconds=1))
    await api.scheduler.run_until_idle()
    after = await api.post(query, key=admin_key)
    assert after.headers.get("x-cache") is None
    assert after.json()["data"]["changes"]["totalCount"] > before
