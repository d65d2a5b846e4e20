"""The objections inbox and the customer pages over HTTP, checked through the GraphQL API."""

from __future__ import annotations

from registry.domain.models import Role
from tests.conftest import Api
from tests.web.console_support import browser_like, sign_in, token_of
from tests.web.support import Seeded

FILE = """
mutation($input: FileObjectionInput!) {
  fileObjection(input: $input) { __typename ... on ObjectionFiled { objection { id } } }
}"""
OBJECTIONS = """
query($changeId: ID!) {
  objections(changeId: $changeId, first: 10) { edges { node { id status resolution } } }
}"""


async def test_an_admin_resolves_an_objection_with_a_note(web: Api, seeded: Seeded) -> None:
    acme = seeded.customers["Acme"]
    customer_key = await web.key(Role.CUSTOMER, customer_id=acme, name="acme")
    filed = await web.gql(
        FILE,
        {"input": {"changeId": seeded.upcoming, "reason": "Mailgun is not in our approved list"}},
        customer_key,
    )
    objection_id = filed["fileObjection"]["objection"]["id"]
    key = await web.key(Role.ADMIN, name="privacy lead")
    async with browser_like(web) as client:
        await sign_in(client, key)
        inbox = await client.get("/console/objections")
        assert inbox.status_code == 200
        assert "Mailgun is not in our approved list" in inbox.text
        assert "Add Mailgun Technologies, Inc." in inbox.text
        token = token_of(inbox.text)

        refused = await client.post(
            f"/console/objections/{objection_id}/resolve",
            data={"csrf_token": token, "resolution": "IGNORED", "note": "keep this text"},
        )
        assert refused.status_code == 400
        assert f'id="re-{objection_id}"' in refused.text
        assert "keep this text" in refused.text
        status = await web.gql(OBJECTIONS, {"changeId": seeded.upcoming}, seeded.admin)
        assert status["objections"]["edges"][0]["node"]["status"] == "OPEN"

        resolved = await client.post(
            f"/console/objections/{objection_id}/resolve",
            data={
                "csrf_token": token,
                "resolution": "CHANGE_CANCELLED_FOR_CUSTOMER",
                "note": "Acme keeps the current provider",
            },
        )
        assert resolved.status_code == 303
        node = (await web.gql(OBJECTIONS, {"changeId": seeded.upcoming}, seeded.admin))[
            "objections"
        ]["edges"][0]["node"]
        assert node == {
            "id": objection_id,
            "status": "RESOLVED",
            "resolution": "CHANGE_CANCELLED_FOR_CUSTOMER",
        }
        assert objection_id not in (await client.get("/console/objections")).text
        everything = await client.get("/console/objections", params={"show": "all"})
        assert "Acme keeps the current provider" in everything.text

        page = await client.get(f"/console/customers/{acme}")
        assert page.status_code == 200
        assert "14 days (P14D)" in page.text
        assert "Add Mailgun Technologies, Inc." in page.text
        # Proof of notice: nothing delivered (no subscription), the objection's filer named.
        assert "Not delivered yet" in page.text
        assert "Objection filed by API key" in page.text
        assert '<h2 id="deliveries-h">Deliveries</h2>' in page.text
        listing = await client.get("/console/customers")
        assert "2 customers" in listing.text


async def test_procurement_sees_customers_but_not_their_deliveries(
    web: Api, seeded: Seeded
) -> None:
    key = await web.key(Role.PROCUREMENT, name="buyer")
    async with browser_like(web) as client:
        await sign_in(client, key)
        page = await client.get(f"/console/customers/{seeded.customers['Globex']}")
        assert page.status_code == 200
        assert "shown to ADMIN keys" in page.text
        assert "1 month (P1M)" in page.text
