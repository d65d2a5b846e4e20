"""Every operation × every role, against the access table of the API contract.

Every mutation is called with arguments that succeed (`CALLS`): a role the access table
allows gets the success payload; any other role gets `PermissionDenied`, and nothing is
written but the audit entry of the refusal.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from pymongo import monitoring

from registry.api.schema import build_schema
from registry.clock import FrozenClock
from registry.domain.models import (
    Role,
)
from registry.store import (
    audit_log,
    email_subscribers,
    meta,
    webhook_subscriptions,
)
from tests.conftest import START, Api, make_settings, running_api
from tests.security.tenancy import Tenants, operation, root_fields, two_tenants
from tests.vendors_in_use import vendor_in_use

GRAPHQL = build_schema()._schema
MUTATIONS = root_fields(GRAPHQL, "mutation")
ADMIN, PROCUREMENT, CUSTOMER, ANONYMOUS = "ADMIN", "PROCUREMENT", "CUSTOMER", "ANONYMOUS"
STAFF = {ADMIN, PROCUREMENT}

# Who may call each mutation (API.md "Access"); anyone else gets PermissionDenied.
MUTATION_ACCESS: dict[str, set[str]] = {
    "createSubprocessor": STAFF,
    "updateSubprocessor": STAFF,
    "addProcessingLocation": STAFF,
    "recordDpa": STAFF,
    "recordTransferBasis": STAFF,
    "recordTransferImpactAssessment": STAFF,
    "correctProcessingLocation": STAFF,
    "removeProcessingLocation": STAFF,
    "correctDpa": STAFF,
    "removeDpa": STAFF,
    "correctTransferBasis": STAFF,
    "removeTransferBasis": STAFF,
    "correctProduct": STAFF,
    "correctHostingRegion": STAFF,
    "announceChange": STAFF,
    "cancelChange": STAFF,
    "resolveObjection": STAFF,
    "createCustomer": {ADMIN},
    "updateCustomer": {ADMIN},
    "updateOperator": {ADMIN},
    "createProduct": STAFF,
    "createHostingRegion": STAFF,
    "removeProduct": STAFF,
    "removeHostingRegion": STAFF,
    "createApiKey": {ADMIN},
    "revokeApiKey": {ADMIN},
    "revokeNoticeLinks": {ADMIN},
    "deleteEmailSubscriber": {ADMIN},
    "fileObjection": {ADMIN, CUSTOMER},
    "acknowledgeNotice": {CUSTOMER},
    "createWebhookSubscription": {ADMIN, CUSTOMER},
    "rotateWebhookSecret": {ADMIN, CUSTOMER},
    "deleteWebhookSubscription": {ADMIN, CUSTOMER},
    "replayDelivery": {ADMIN, CUSTOMER},
    "enableWebhookSubscription": {ADMIN, CUSTOMER},
    "sendTestEvent": {ADMIN, CUSTOMER},
    "recordChainLink": STAFF,
    "announceChainChange": STAFF,
    "setRegisterDetails": STAFF,
}
# Queries refused outright to some roles (others answer, limited to what they may see).
QUERY_REFUSED: dict[str, set[str]] = {
    "auditLog": {PROCUREMENT, CUSTOMER, ANONYMOUS},
    "emailSubscribers": {PROCUREMENT, CUSTOMER, ANONYMOUS},
    "changes": {ANONYMOUS},
    "notices": {ANONYMOUS},
    "objections": {ANONYMOUS},
    "customers": {ANONYMOUS},
    "webhookSubscriptions": {PROCUREMENT, ANONYMOUS},
    "webhookDeliveries": {PROCUREMENT, ANONYMOUS},
}
ROLES = [ADMIN, PROCUREMENT, CUSTOMER, ANONYMOUS]


class New(enum.Enum):
    """A value made for one call only, so no case depends on what another left behind."""

    NAME = "a name nothing else has"
    CODE = "a catalog code nothing else has"
    VENDOR = "a PROPOSED vendor"
    ACTIVE_VENDOR = "a vendor in use (ACTIVE), processing in Germany"
    US_ROUTE = "a vendor with a location in the US and an SCC basis for it"
    CHANGE = "an ADD announced to every customer"
    OBJECTION = "customer A's open objection to a new change"
    CUSTOMER = "a customer with no key"
    API_KEY = "a PROCUREMENT key"
    PRODUCT = "an unused product"
    REGION = "an unused hosting region"
    EMAIL_SUBSCRIBER = "a public e-mail subscriber"
    SUBSCRIPTION = "one of customer A's webhook subscriptions"
    DISABLED_SUBSCRIPTION = "one of customer A's subscriptions, disabled"
    DELIVERY = "a delivery to one of customer A's subscriptions"
    LOCATION = "the US location of a new vendor with a US route"
    DPA = "a DPA of a new vendor"
    BASIS = "the SCC basis of a new vendor with a US route"
    NOTICE = "customer A's notice of a new change"


A = "customer A"  # the customer the CUSTOMER key is bound to (an ADMIN names it too)
HOST = {  # a sub-processor for a vendor's chain
    "legalName": "Hosting Ltd",
    "address": "1 Quay Street, Dublin, Ireland",
    "purpose": "hosting",
    "locations": [{"country": "IE"}],
}

# A call of each mutation that succeeds for every role allowed to make it.
CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "createSubprocessor": (
        "SubprocessorCreated",
        {"input": {"legalName": New.NAME, "purpose": "hosting"}},
    ),
    "updateSubprocessor": (
        "SubprocessorUpdated",
        {"id": New.VENDOR, "input": {"purpose": "payroll"}},
    ),
    "addProcessingLocation": (
        "ProcessingLocationAdded",
        {"subprocessorId": New.VENDOR, "input": {"country": "SE"}},
    ),
    "recordDpa": (
        "DpaRecorded",
        {"subprocessorId": New.VENDOR, "input": {"version": "1", "signedOn": "2025-01-01"}},
    ),
    "recordTransferBasis": (
        "TransferBasisRecorded",
        {
            "subprocessorId": New.VENDOR,
            "input": {"mechanism": "SCC_2021", "destination": "US", "sccModule": 2},
        },
    ),
    "recordTransferImpactAssessment": (
        "TransferImpactAssessmentRecorded",
        {
            "subprocessorId": New.US_ROUTE,
            "input": {
                "destination": "US",
                "mechanism": "SCC_2021",
                "assessedOn": "2025-12-01",
                "outcome": "SUFFICIENT",
            },
        },
    ),
    "announceChange": ("ChangeAnnounced", {"input": {"kind": "ADD", "subprocessorId": New.VENDOR}}),
    "cancelChange": ("ChangeCancelled", {"id": New.CHANGE, "reason": "withdrawn"}),
    "resolveObjection": ("ObjectionResolved", {"id": New.OBJECTION, "resolution": "ACCOMMODATED"}),
    "createCustomer": ("CustomerCreated", {"input": {"name": New.NAME}}),
    "updateCustomer": ("CustomerUpdated", {"id": New.CUSTOMER, "input": {"name": New.NAME}}),
    "updateOperator": ("OperatorUpdated", {"input": {"dpaTitle": New.NAME}}),
    "createProduct": ("ProductCreated", {"input": {"code": New.CODE, "name": "CRM"}}),
    "createHostingRegion": (
        "HostingRegionCreated",
        {"input": {"code": New.CODE, "name": "EU", "countries": ["DE"]}},
    ),
    "removeProduct": ("ProductRemoved", {"code": New.PRODUCT}),
    "removeHostingRegion": ("HostingRegionRemoved", {"code": New.REGION}),
    "correctProcessingLocation": (
        "RecordCorrected",
        {"id": New.LOCATION, "input": {"region": "us-east-1", "reason": "the region"}},
    ),
    "removeProcessingLocation": ("RecordCorrected", {"id": New.LOCATION, "reason": "in error"}),
    "correctDpa": ("RecordCorrected", {"id": New.DPA, "input": {"version": "2", "reason": "typo"}}),
    "removeDpa": ("RecordCorrected", {"id": New.DPA, "reason": "a duplicate"}),
    "correctTransferBasis": (
        "RecordCorrected",
        {"id": New.BASIS, "input": {"sccModule": 3, "reason": "module 3 applies"}},
    ),
    "removeTransferBasis": ("RecordCorrected", {"id": New.BASIS, "reason": "in error"}),
    "correctProduct": (
        "ProductCorrected",
        {"code": New.PRODUCT, "input": {"name": "Renamed", "reason": "typo"}},
    ),
    "correctHostingRegion": (
        "HostingRegionCorrected",
        {"code": New.REGION, "input": {"name": "Renamed", "reason": "typo"}},
    ),
    "createApiKey": ("ApiKeyCreated", {"input": {"name": New.NAME, "role": "PROCUREMENT"}}),
    "revokeApiKey": ("ApiKeyRevoked", {"id": New.API_KEY}),
    "revokeNoticeLinks": ("NoticeLinksRevoked", {"customerId": A}),
    "deleteEmailSubscriber": ("EmailSubscriberDeleted", {"id": New.EMAIL_SUBSCRIBER}),
    "fileObjection": (
        "ObjectionFiled",
        {"input": {"changeId": New.CHANGE, "reason": "we object", "customerId": A}},
    ),
    "acknowledgeNotice": ("NoticeAcknowledged", {"noticeId": New.NOTICE, "name": "Integration"}),
    "createWebhookSubscription": (
        "WebhookSubscriptionCreated",
        {"input": {"url": "http://127.0.0.1:9/roles", "customerId": A}},
    ),
    "rotateWebhookSecret": ("WebhookSecretRotated", {"id": New.SUBSCRIPTION}),
    "deleteWebhookSubscription": ("WebhookSubscriptionDeleted", {"id": New.SUBSCRIPTION}),
    "enableWebhookSubscription": ("WebhookSubscriptionEnabled", {"id": New.DISABLED_SUBSCRIPTION}),
    "replayDelivery": ("DeliveryReplayed", {"id": New.DELIVERY}),
    "sendTestEvent": ("TestEventQueued", {"subscriptionId": New.SUBSCRIPTION}),
    "recordChainLink": ("ChainLinkRecorded", {"input": {**HOST, "subprocessorId": New.VENDOR}}),
    "announceChainChange": (
        "ChangeAnnounced",
        {
            "input": {
                "subprocessorId": New.ACTIVE_VENDOR,
                "action": "ADD",
                "link": {**HOST, "subprocessorId": New.ACTIVE_VENDOR},
            }
        },
    ),
    "setRegisterDetails": (
        "RegisterDetailsSet",
        {"input": {"customerId": A, "contractReference": "DPA-2025-01"}},
    ),
}


WRITES = {"insert", "update", "delete", "findAndModify", "create", "drop"}


class Writes(monitoring.CommandListener):
    """The write commands sent to one database; the audit log's kept apart, the registry
    version's left out (bumped for writes made before, such as a test's own)."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.sent: list[tuple[str, object]] = []
        self.audited: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name != self.database or event.command_name not in WRITES:
            return
        collection = event.command.get(event.command_name)
        if collection == meta.NAME:
            return
        if collection == audit_log.NAME:
            self.audited += [entry["result"] for entry in event.command.get("documents", ())]
        else:
            self.sent.append((event.command_name, collection))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@dataclass
class World:
    """The module's two tenants, a key per role, and a maker of each `New` value."""

    api: Api
    tenants: Tenants
    keys: dict[str, str | None]
    writes: Writes

    async def arguments(self, value: Any, made: dict[New, str] | None = None) -> Any:
        """`value` with customer A's id and a new value of each `New` put in (the same
        one wherever a call names it twice: a chain link and the vendor it belongs to)."""
        made = {} if made is None else made
        if isinstance(value, dict):
            return {name: await self.arguments(v, made) for name, v in value.items()}
        if value == A:
            return self.tenants.a_id
        if isinstance(value, New):
            if value not in made:
                made[value] = await self.new(value)
            return made[value]
        return value

    async def new(self, kind: New) -> str:
        makers = {
            New.NAME: self.name,
            New.CODE: self.code,
            New.VENDOR: self.vendor,
            New.ACTIVE_VENDOR: self.active_vendor,
            New.US_ROUTE: self.us_route,
            New.CHANGE: self.change,
            New.OBJECTION: self.objection,
            New.CUSTOMER: self.customer,
            New.API_KEY: self.api_key,
            New.PRODUCT: self.product,
            New.REGION: self.region,
            New.EMAIL_SUBSCRIBER: self.email_subscriber,
            New.SUBSCRIPTION: self.subscription,
            New.DISABLED_SUBSCRIPTION: self.disabled_subscription,
            New.DELIVERY: self.delivery,
            New.LOCATION: self.location,
            New.DPA: self.dpa,
            New.BASIS: self.basis,
            New.NOTICE: self.notice,
        }
        return await makers[kind]()

    async def name(self) -> str:
        return f"Name {uuid.uuid4().hex[:8]}"

    async def code(self) -> str:
        return f"code-{uuid.uuid4().hex[:8]}"

    async def vendor(self) -> str:
        query = """mutation($n: String!) { createSubprocessor(input: {legalName: $n, purpose: "p"})
          { ... on SubprocessorCreated { subprocessor { id } } } }"""
        return await self.made(query, "subprocessor", n=await self.name())

    async def active_vendor(self) -> str:
        """Written as a vendor already in use is (announcing one takes months)."""
        return await vendor_in_use(self.api.deps.db, await self.name())

    async def us_route(self) -> str:
        vendor = await self.vendor()
        route = """mutation($v: ID!) {
          a: addProcessingLocation(subprocessorId: $v, input: {country: "US"}) { __typename }
          b: recordTransferBasis(subprocessorId: $v,
            input: {mechanism: SCC_2021, destination: "US", sccModule: 2}) { __typename } }"""
        made = await self.api.gql(route, {"v": vendor}, self.tenants.admin)
        assert made == {
            "a": {"__typename": "ProcessingLocationAdded"},
            "b": {"__typename": "TransferBasisRecorded"},
        }
        return vendor

    async def location(self) -> str:
        return await self.part("locations")

    async def dpa(self) -> str:
        return await self.part("dpas")

    async def basis(self) -> str:
        return await self.part("transferBases")

    async def part(self, field: str) -> str:
        """The id of a new vendor's location, DPA or transfer basis."""
        vendor = await self.us_route()
        await self.api.gql(
            """mutation($v: ID!) { recordDpa(subprocessorId: $v,
              input: {version: "1", signedOn: "2025-01-01"}) { __typename } }""",
            {"v": vendor},
            self.tenants.admin,
        )
        query = "query($v: ID!) { subprocessor(id: $v) { " + field + " { id } } }"
        found = await self.api.gql(query, {"v": vendor}, self.tenants.admin)
        part_id: str = found["subprocessor"][field][0]["id"]
        return part_id

    async def change(self) -> str:
        query = """mutation($v: ID!) { announceChange(input: {kind: ADD, subprocessorId: $v}) {
          ... on ChangeAnnounced { change { id } } } }"""
        return await self.made(query, "change", v=await self.vendor())

    async def objection(self) -> str:
        query = """mutation($c: ID!, $a: ID!) {
          fileObjection(input: {changeId: $c, reason: "r", customerId: $a}) {
            ... on ObjectionFiled { objection { id } } } }"""
        return await self.made(query, "objection", c=await self.change(), a=self.tenants.a_id)

    async def notice(self) -> str:
        change = await self.change()
        await self.api.scheduler.run_until_idle()
        query = """query($c: ID!) { change(id: $c) { notices(first: 100) {
          edges { node { id customer { id } } } } } }"""
        found = await self.api.gql(query, {"c": change}, self.tenants.admin)
        [notice_id] = [
            e["node"]["id"]
            for e in found["change"]["notices"]["edges"]
            if e["node"]["customer"]["id"] == self.tenants.a_id
        ]
        return str(notice_id)

    async def customer(self) -> str:
        query = """mutation($n: String!) { createCustomer(input: {name: $n}) {
          ... on CustomerCreated { customer { id } } } }"""
        return await self.made(query, "customer", n=await self.name())

    async def api_key(self) -> str:
        query = """mutation($n: String!) { createApiKey(input: {name: $n, role: PROCUREMENT}) {
          ... on ApiKeyCreated { apiKey { id } } } }"""
        return await self.made(query, "apiKey", n=await self.name())

    async def product(self) -> str:
        query = """mutation($c: String!) { createProduct(input: {code: $c, name: "Unused"}) {
          ... on ProductCreated { product { id: code } } } }"""
        return await self.made(query, "product", c=await self.code())

    async def region(self) -> str:
        query = """mutation($c: String!) { createHostingRegion(input: {code: $c, name: "Unused"})
          { ... on HostingRegionCreated { hostingRegion { id: code } } } }"""
        return await self.made(query, "hostingRegion", c=await self.code())

    async def email_subscriber(self) -> str:
        address = f"{uuid.uuid4().hex[:8]}@example.test"
        now = self.api.clock.now()
        made, _ = await email_subscribers.request(self.api.deps.db, address, now, per_day=3)
        return made.id

    async def subscription(self) -> str:
        query = """mutation($a: ID!) {
          createWebhookSubscription(input: {url: "http://127.0.0.1:9/made", customerId: $a}) {
            ... on WebhookSubscriptionCreated { subscription { id } } } }"""
        return await self.made(query, "subscription", a=self.tenants.a_id)

    async def disabled_subscription(self) -> str:
        made = await self.subscription()
        db, now = self.api.deps.db, self.api.clock.now()
        assert await webhook_subscriptions.disable(db, made, at=now, reason="failing")
        return made

    async def delivery(self) -> str:
        subscription = await self.subscription()
        await self.change()  # announced to that subscription, among others
        await self.api.scheduler.run_until_idle()
        found = await self.api.deps.db["webhook_deliveries"].find_one(
            {"subscription_id": subscription}
        )
        assert found is not None
        delivery_id: str = found["_id"]
        return delivery_id

    async def made(self, query: str, made: str, **variables: str) -> str:
        """Run `query` as ADMIN; the id of the `made` object of its answer."""
        [answer] = (await self.api.gql(query, variables, self.tenants.admin)).values()
        assert made in answer, answer
        made_id: str = answer[made]["id"]
        return made_id


@pytest.fixture(scope="module")
async def world(mongo_uri: str, db_name: str) -> AsyncIterator[World]:
    writes = Writes(db_name)
    monitoring.register(writes)  # applies to the client of the app made below
    async with running_api(make_settings(mongo_uri, db_name), FrozenClock(START)) as api:
        tenants = await two_tenants(api)
        keys = {
            ADMIN: tenants.admin,
            PROCUREMENT: await api.key(Role.PROCUREMENT),
            CUSTOMER: tenants.a_key,
            ANONYMOUS: None,
        }
        yield World(api, tenants, keys, writes)


def mutation(field: str, variables: dict[str, Any]) -> str:
    """`field` called with `variables`, typed as the schema declares its arguments."""
    arguments = MUTATIONS[field].args
    declared = ", ".join(f"${name}: {arguments[name].type}" for name in variables)
    passed = ", ".join(f"{name}: ${name}" for name in variables)
    return f"mutation({declared}) {{ {field}({passed}) {{ __typename }} }}"


def test_every_mutation_has_an_access_rule_and_a_call_that_succeeds() -> None:
    assert set(MUTATIONS) == set(MUTATION_ACCESS)
    assert set(MUTATIONS) == set(CALLS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", sorted(CALLS))
async def test_mutation_access(world: World, field: str, role: str) -> None:
    succeeds_with, arguments = CALLS[field]
    # Arguments that succeed for an allowed role, so only the role can refuse them.
    variables = await world.arguments(arguments)
    writes = world.writes
    writes.sent.clear()
    writes.audited.clear()
    response = await world.api.post(mutation(field, variables), variables, world.keys[role])
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    answer = body["data"][field]["__typename"]
    if role in MUTATION_ACCESS[field]:
        assert answer == succeeds_with, (field, role, body)
    else:
        assert answer == "PermissionDenied", (field, role, body)
        assert writes.sent == []  # the audit entry of the refusal aside
        assert writes.audited == ["PermissionDenied"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", sorted(QUERY_REFUSED))
async def test_query_access(world: World, field: str, role: str) -> None:
    f = root_fields(GRAPHQL, "query")[field]
    query = operation("query", field, f, [world.tenants.a_id], depth=1)
    response = await world.api.post(query, key=world.keys[role])
    assert response.status_code < 500
    body = response.json()
    refused = bool(body.get("errors")) and (body.get("data") or {}).get(field) is None
    assert refused == (role in QUERY_REFUSED[field]), (field, role, body)
