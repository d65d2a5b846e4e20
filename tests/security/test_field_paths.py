"""Every field path of the schema shows only what its top-level query would show.

The queries are generated from introspection: for each root query field, a selection
of every field reachable from it, four objects deep (connections and edges do not
count as a level), run as every role, anonymous and anonymous on a private server,
against data holding every status of vendors, changes, notices, objections and
deliveries. Every object with an `id` found anywhere in an answer must be one the
caller's top-level query for that type returns (the oracle below); a new type with
an id needs its oracle here. Errors may only be the registry's own refusals.

Field-level rules too: a staff-only field (domain/remark_fields.py, vendor_fields.py)
holds a value in the data, and for every caller but staff it is null wherever the walk
finds it, and no version of a record (`history`) shows its before or after.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
)
from strawberry import Schema

from registry.api.context import Context
from registry.api.loaders import Loaders
from registry.api.schema import build_schema
from registry.clock import FrozenClock
from registry.domain import remark_fields
from registry.domain.errors import RegistryError
from registry.domain.models import Role
from registry.domain.versions import RecordKind
from registry.services.caller import ANONYMOUS, Caller
from registry.services.deps import Deps
from registry.store import meta
from tests.conftest import START, Api, make_settings, running_api
from tests.security.tenancy import unwrap, value_for
from tests.webhooks.conftest import Receiver

DEPTH = 4
WRAPPERS = ("Connection", "Edge")
FUTURE = "2030-01-01T00:00:00+00:00"
COLLECTIONS = {
    "subprocessors": "Subprocessor",
    "changes": "Change",
    "customers": "Customer",
    "notices": "Notice",
    "objections": "Objection",
    "webhook_subscriptions": "WebhookSubscription",
    "webhook_deliveries": "WebhookDelivery",
    "processing_locations": "ProcessingLocation",
    "dpas": "Dpa",
    "transfer_bases": "TransferBasis",
    "transfer_impact_assessments": "TransferImpactAssessment",
}


# --- queries from introspection ------------------------------------------------------------


def _required(args: dict[str, GraphQLArgument]) -> dict[str, GraphQLArgument]:
    return {
        n: a
        for n, a in args.items()
        if isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
    }


def _is_wrapper(t: Any) -> bool:
    return isinstance(t, GraphQLObjectType) and t.name.endswith(WRAPPERS)


def selection(schema: GraphQLSchema, t: Any, depth: int, prefix: str = "") -> str:
    """Every field of `t` and, while depth lasts, of the objects it leads to.

    Inside a fragment of an interface or union, fields are aliased by type (`prefix`),
    so fields of the same name and different types do not conflict.
    """
    base = unwrap(t)
    if isinstance(base, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(base, GraphQLUnionType | GraphQLInterfaceType):
        members = schema.get_possible_types(base)
        inner = [f"... on {m.name} {selection(schema, m, depth, m.name + '_')}" for m in members]
        return "{ __typename " + " ".join(inner) + " }"
    if not isinstance(base, GraphQLObjectType):
        return ""
    parts = ["__typename"]
    for name, f in base.fields.items():
        if _required(f.args):
            continue
        alias = f"{prefix}{name}: " if prefix and name != "id" else ""
        sub = unwrap(f.type)
        if isinstance(sub, GraphQLScalarType | GraphQLEnumType):
            parts.append(f"{alias}{name}")
        elif _is_wrapper(sub) or sub.name == "PageInfo":
            parts.append(f"{alias}{name} {selection(schema, sub, depth)}")
        elif depth > 0:
            parts.append(f"{alias}{name} {selection(schema, sub, depth - 1)}")
    return "{ " + " ".join(parts) + " }"


def _variants(schema: GraphQLSchema, field_name: str) -> Iterator[str]:
    """Argument lists for a root field without required arguments: none, each enum
    value of a list argument (or of a filter's), and a future date."""
    root = schema.query_type
    assert root is not None
    yield ""
    for name, arg in root.fields[field_name].args.items():
        base = unwrap(arg.type)
        if isinstance(base, GraphQLEnumType) and isinstance(arg.type, GraphQLList):
            for value in base.values:
                yield f"({name}: [{value}])"
        elif isinstance(base, GraphQLInputObjectType):
            for inner, field in base.fields.items():
                kind = unwrap(field.type)
                if isinstance(kind, GraphQLEnumType) and isinstance(field.type, GraphQLList):
                    for value in kind.values:
                        yield f"({name}: {{{inner}: [{value}]}})"
        elif base.name == "DateTime":
            yield f'({name}: "{FUTURE}")'


def root_queries(
    schema: GraphQLSchema, known: dict[str, list[str]]
) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """(root field, query, variable sets): ids go in variables, so each text parses once."""
    root = schema.query_type
    assert root is not None
    every_id = sorted(i for ids in known.values() for i in ids)
    for name, f in root.fields.items():
        required = _required(f.args)
        returned = unwrap(f.type)
        # node(id:) reaches every type: one level less keeps it quick and still >= 3 deep.
        depth = DEPTH - 1 if isinstance(returned, GraphQLInterfaceType) else DEPTH
        fields = selection(schema, f.type, depth)
        if not required:
            for args in _variants(schema, name):
                yield name, f"query {{ {name}{args} {fields} }}", [{}]
            continue
        ids = known.get(returned.name, every_id)  # node(id:) and the like: every id
        declared = ", ".join(f"${n}: {a.type}" for n, a in required.items())
        passed = ", ".join(f"{n}: ${n}" for n in required)
        query = f"query({declared}) {{ {name}({passed}) {fields} }}"
        yield name, query, [{n: value_for(a.type, [i]) for n, a in required.items()} for i in ids]


# --- running as a caller -----------------------------------------------------------------


async def run(
    schema: Schema,
    deps: Deps,
    caller: Caller,
    query: str,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Execute as the endpoint does, without its size limits (the walk is large on purpose)."""
    context = Context(deps, caller, "walk", Loaders(deps, caller))
    result = await schema.execute(query, variable_values=variables, context_value=context)
    for error in result.errors or ():
        assert error.path, f"the generated query is invalid: {error.message}"
        original = error.original_error
        assert original is None or isinstance(original, RegistryError), (query, error)
    return result.data or {}


def objects(value: Any) -> Iterator[tuple[str, str]]:
    """Every (type, id) anywhere in an answer."""
    if isinstance(value, dict):
        if "__typename" in value and isinstance(value.get("id"), str):
            yield value["__typename"], value["id"]
        for inner in value.values():
            yield from objects(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from objects(inner)


async def _all_pages(
    schema: Schema, deps: Deps, caller: Caller, field: str, args: str = ""
) -> set[str]:
    found: set[str] = set()
    after = None
    while True:
        cursor = f', after: "{after}"' if after else ""
        query = (
            f"{{ {field}(first: 100{args}{cursor}) "
            "{ edges { node { id } } pageInfo { hasNextPage endCursor } } }"
        )
        data = (await run(schema, deps, caller, query)).get(field)
        if not data:
            return found
        found |= {e["node"]["id"] for e in data["edges"]}
        if not data["pageInfo"]["hasNextPage"]:
            return found
        after = data["pageInfo"]["endCursor"]


async def oracle(
    schema: Schema, deps: Deps, caller: Caller, known: dict[str, list[str]]
) -> dict[str, set[str]]:
    """What each type's top-level query lets this caller see."""
    seen: dict[str, set[str]] = {}
    for typename, field, parts in (
        (
            "Subprocessor",
            "subprocessor",
            "locations { id } dpas { id } transferBases { id } transferImpactAssessments { id }",
        ),
        ("Change", "change", ""),
        ("Customer", "customer", ""),
    ):
        seen[typename] = set()
        for id_ in known[typename]:
            query = f'{{ {field}(id: "{id_}") {{ id {parts} }} }}'
            found = (await run(schema, deps, caller, query)).get(field)
            if found:
                seen[typename].add(id_)
                for child, key in (
                    ("ProcessingLocation", "locations"),
                    ("Dpa", "dpas"),
                    ("TransferBasis", "transferBases"),
                    # Staff only: the field itself says whom it shows them to.
                    ("TransferImpactAssessment", "transferImpactAssessments"),
                ):
                    # A vendor's parts are visible exactly when the vendor is.
                    seen.setdefault(child, set()).update(x["id"] for x in found.get(key, ()))
    for child in ("ProcessingLocation", "Dpa", "TransferBasis", "TransferImpactAssessment"):
        seen.setdefault(child, set())
    seen["Notice"] = await _all_pages(schema, deps, caller, "notices")
    seen["Objection"] = await _all_pages(schema, deps, caller, "objections")
    seen["WebhookDelivery"] = await _all_pages(schema, deps, caller, "webhookDeliveries")
    seen["AuditEntry"] = await _all_pages(schema, deps, caller, "auditLog")
    seen["EmailSubscriber"] = await _all_pages(schema, deps, caller, "emailSubscribers")
    seen["WebhookSubscription"] = await _all_pages(schema, deps, caller, "webhookSubscriptions")
    return seen


STAFF_ONLY = {
    "Subprocessor": remark_fields.staff_only(RecordKind.SUBPROCESSOR),
    "ProcessingLocation": remark_fields.staff_only(RecordKind.PROCESSING_LOCATION),
    "TransferBasis": remark_fields.staff_only(RecordKind.TRANSFER_BASIS),
    "Customer": remark_fields.staff_only(RecordKind.CUSTOMER),
}


def staff_values(value: Any) -> Iterator[str]:
    """Every staff-only value anywhere in an answer: a declared staff-only field that is
    not null, and a version's before or after of one ("Type.field")."""
    if isinstance(value, dict):
        typename = value.get("__typename")
        for field in STAFF_ONLY.get(typename or "", ()):
            for key in (field, f"{typename}_{field}"):
                if value.get(key) is not None:
                    yield f"{typename}.{field}"
        if typename == "RecordVersion":
            kind = value.get("kind") or value.get("RecordVersion_kind")
            hidden = remark_fields.staff_only(RecordKind(kind)) if kind else frozenset()
            for change in value.get("changes") or value.get("RecordVersion_changes") or ():
                if change.get("field") in hidden:
                    yield f"RecordVersion({kind}).{change['field']}"
        for inner in value.values():
            yield from staff_values(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from staff_values(inner)


# --- data with every status ----------------------------------------------------------------


@dataclasses.dataclass
class World:
    api: Api
    keys: dict[str, Caller]
    known: dict[str, list[str]]


async def _id(api: Api, query: str, variables: dict[str, Any], key: str, *path: str) -> str:
    data: Any = await api.gql(query, variables, key)
    for step in path:
        data = data[step]
    return str(data)


CREATE_CUSTOMER = """mutation($n: String!) { createCustomer(input: {name: $n, noticePeriod: "P1D",
  note: "staff: terms from the 2024 order form"})
  { ... on CustomerCreated { customer { id } } } }"""
CREATE_VENDOR = """mutation($n: String!) { createSubprocessor(input: {legalName: $n, purpose: "p",
  note: "staff: found in their trust centre"})
  { ... on SubprocessorCreated { subprocessor { id } } } }"""
ANNOUNCE = """mutation($k: ChangeKind!, $s: ID!) {
  announceChange(input: {kind: $k, subprocessorId: $s, description: "walk"}) {
    ... on ChangeAnnounced { change { id } } } }"""
PARTS = """mutation($s: ID!) {
  a: addProcessingLocation(subprocessorId: $s, input: {country: "US",
     note: "staff: inferred from the sign-up page"}) { __typename }
  b: recordDpa(subprocessorId: $s, input: {version: "1", signedOn: "2025-01-01"}) { __typename }
  c: recordTransferBasis(subprocessorId: $s, input: {mechanism: SCC_2021, destination: "US",
     sccModule: 3}) { __typename }
  d: recordTransferImpactAssessment(subprocessorId: $s, input: {destination: "US",
     mechanism: SCC_2021, assessedOn: "2025-12-01", outcome: SUFFICIENT,
     reviewer: "Dana"}) { __typename } }"""
SUBSCRIBE = """mutation($u: String!) { createWebhookSubscription(input: {url: $u})
  { ... on WebhookSubscriptionCreated { subscription { id } } } }"""
OBJECT = """mutation($c: ID!) { fileObjection(input: {changeId: $c, reason: "no"})
  { ... on ObjectionFiled { objection { id } } } }"""
# Versions that change staff-only fields: one only a note, one a note and a region.
CORRECTIONS = """mutation($l: ID!, $c: ID!) {
  a: correctProcessingLocation(id: $l, input: {region: "us-east-1",
     note: "staff: region confirmed by e-mail", reason: "the region"}) { __typename }
  b: updateCustomer(id: $c, input: {note: "staff: renewed in 2026", reason: "renewal"})
     { __typename } }"""
LOCATION_OF = """query($s: ID!) { subprocessor(id: $s) { locations { id } } }"""


async def _effective_after_window(api: Api) -> None:
    api.clock.advance(timedelta(days=2))
    await api.scheduler.run_until_idle()


@pytest.fixture(scope="module")
async def world(mongo_uri: str, db_name: str) -> AsyncIterator[World]:
    receiver = Receiver(routes={"/ok": "200", "/gone": "410", "/retry": "500"})
    await receiver.start()
    try:
        async with running_api(make_settings(mongo_uri, db_name), FrozenClock(START)) as api:
            admin = await api.key(Role.ADMIN)
            a = await _id(
                api, CREATE_CUSTOMER, {"n": "A"}, admin, "createCustomer", "customer", "id"
            )
            b = await _id(
                api, CREATE_CUSTOMER, {"n": "B"}, admin, "createCustomer", "customer", "id"
            )
            a_key, b_key = await api.key(Role.CUSTOMER, a), await api.key(Role.CUSTOMER, b)
            for key, route in ((a_key, "/ok"), (b_key, "/ok"), (b_key, "/gone"), (b_key, "/retry")):
                url = receiver.url(route, host="127.0.0.1")
                await _id(api, SUBSCRIBE, {"u": url}, key, "createWebhookSubscription")

            vendors = {}
            for name in ("proposed", "announced", "active", "retired", "cancelled"):
                vendors[name] = await _id(
                    api,
                    CREATE_VENDOR,
                    {"n": name},
                    admin,
                    "createSubprocessor",
                    "subprocessor",
                    "id",
                )
                await api.gql(PARTS, {"s": vendors[name]}, admin)
            path = ("announceChange", "change", "id")
            for name in ("active", "retired"):
                await _id(api, ANNOUNCE, {"k": "ADD", "s": vendors[name]}, admin, *path)
            await _effective_after_window(api)
            await _id(api, ANNOUNCE, {"k": "REMOVE", "s": vendors["retired"]}, admin, *path)
            await _effective_after_window(api)
            pending = await _id(
                api, ANNOUNCE, {"k": "ADD", "s": vendors["announced"]}, admin, *path
            )
            cancelled = await _id(
                api, ANNOUNCE, {"k": "ADD", "s": vendors["cancelled"]}, admin, *path
            )
            await api.scheduler.run_until_idle()
            await api.gql(OBJECT, {"c": cancelled}, a_key)
            cancel = 'mutation($c: ID!) { cancelChange(id: $c, reason: "r") { __typename } }'
            await api.gql(cancel, {"c": cancelled}, admin)
            await api.gql(OBJECT, {"c": pending}, b_key)
            withdrawn = await _id(
                api, OBJECT, {"c": pending}, a_key, "fileObjection", "objection", "id"
            )
            resolve = """mutation($o: ID!) {
              resolveObjection(id: $o, resolution: WITHDRAWN) { __typename } }"""
            await api.gql(resolve, {"o": withdrawn}, admin)
            await api.scheduler.run_until_idle()
            for name in ("active", "proposed"):
                found = await api.gql(LOCATION_OF, {"s": vendors[name]}, admin)
                location = found["subprocessor"]["locations"][0]["id"]
                done = await api.gql(CORRECTIONS, {"l": location, "c": a}, admin)
                assert {v["__typename"] for v in done.values()} <= {
                    "RecordCorrected",
                    "CustomerUpdated",
                }, done
            # Transfer bases' notes come from seed files only.
            await api.deps.db["transfer_bases"].update_many(
                {}, {"$set": {"note": "staff: module per the DPA annex"}}
            )
            await meta.bump(api.deps.db)

            db = api.deps.db
            known = {
                typename: [d["_id"] async for d in db[name].find({}, {"_id": 1})]
                for name, typename in COLLECTIONS.items()
            }
            statuses = {
                name: {d["status"] async for d in db[name].find({}, {"status": 1})}
                for name in (
                    "subprocessors",
                    "changes",
                    "notices",
                    "objections",
                    "webhook_deliveries",
                )
            }
            assert statuses == {
                "subprocessors": {"PROPOSED", "ACTIVE", "RETIRED"},
                "changes": {"ANNOUNCED", "EFFECTIVE", "CANCELLED"},
                "notices": {"PENDING", "EFFECTIVE", "CANCELLED"},
                "objections": {"OPEN", "RESOLVED"},
                "webhook_deliveries": {"PENDING", "DELIVERED", "FAILED"},
            }, statuses
            callers = {
                "anonymous": ANONYMOUS,
                "ADMIN": Caller(Role.ADMIN),
                "PROCUREMENT": Caller(Role.PROCUREMENT),
                "CUSTOMER A": Caller(Role.CUSTOMER, customer_id=a),
                "CUSTOMER B": Caller(Role.CUSTOMER, customer_id=b),
            }
            yield World(api, callers, known)
    finally:
        await receiver.stop()


CALLERS = ["anonymous", "anonymous (private)", "ADMIN", "PROCUREMENT", "CUSTOMER A", "CUSTOMER B"]


@pytest.mark.parametrize("who", CALLERS)
async def test_no_field_path_shows_what_its_top_level_query_refuses(world: World, who: str) -> None:
    api = world.api
    schema = build_schema()
    deps = api.deps
    caller = world.keys.get(who, ANONYMOUS)
    if who == "anonymous (private)":
        deps = dataclasses.replace(
            deps, settings=deps.settings.model_copy(update={"public_read": False})
        )
    allowed = await oracle(schema, deps, caller, world.known)
    paths = 0
    leaks: list[str] = []
    staff_seen: set[str] = set()
    for field, query, variable_sets in root_queries(schema._schema, world.known):
        for variables in variable_sets:
            data = await run(schema, deps, caller, query, variables)
            staff_seen.update(staff_values(data))
            for typename, id_ in objects(data):
                paths += 1
                assert typename in allowed, f"{typename} has an id but no top-level oracle here"
                if id_ not in allowed[typename]:
                    leaks.append(f"{field}: {typename} {id_}")
    assert not leaks, (
        f"{who} reached {len(leaks)} objects its top-level queries refuse: {leaks[:10]}"
    )
    assert paths > 0 or who == "anonymous (private)"
    if who in ("ADMIN", "PROCUREMENT"):
        # The data holds every rule's field with a value, and staff find each of them.
        assert staff_seen >= {f"{t}.{f}" for t, fields in STAFF_ONLY.items() for f in fields}
        assert "RecordVersion(PROCESSING_LOCATION).note" in staff_seen
        assert "RecordVersion(CUSTOMER).note" in staff_seen
    else:
        assert not staff_seen, f"{who} read staff-only fields: {sorted(staff_seen)}"
