"""Two customers with data of their own, and query builders driven by introspection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
)

from registry.domain.models import Role
from tests.conftest import Api


@dataclass
class Tenants:
    admin: str
    a_key: str
    a_id: str
    b_id: str
    change_id: str
    b_secrets: list[str] = field(default_factory=list)
    b_ids: dict[str, str] = field(default_factory=dict)


async def two_tenants(api: Api) -> Tenants:
    """Customer B has a notice and an objection; A's key must never see them."""
    admin = await api.key(Role.ADMIN)
    create = """mutation($name: String!) { createCustomer(input: {name: $name}) {
      ... on CustomerCreated { customer { id } } } }"""
    a_id = (await api.gql(create, {"name": "Tenant A"}, admin))["createCustomer"]["customer"]["id"]
    b_name = "Tenant B Confidential GmbH"
    b_id = (await api.gql(create, {"name": b_name}, admin))["createCustomer"]["customer"]["id"]
    sub = """mutation { createSubprocessor(input: {legalName: "Shared vendor", purpose: "p"}) {
      ... on SubprocessorCreated { subprocessor { id } } } }"""
    sub_id = (await api.gql(sub, key=admin))["createSubprocessor"]["subprocessor"]["id"]
    announce = """mutation($id: ID!) { announceChange(input: {kind: ADD, subprocessorId: $id}) {
      ... on ChangeAnnounced { change { id } } } }"""
    change_id = (await api.gql(announce, {"id": sub_id}, admin))["announceChange"]["change"]["id"]
    await api.scheduler.run_until_idle()
    b_key = await api.key(Role.CUSTOMER, b_id)
    hook_url = "http://127.0.0.1:9/b-private-hook-7f3a"
    subscribe = """mutation($url: String!) { createWebhookSubscription(input: {url: $url}) {
      ... on WebhookSubscriptionCreated { subscription { id } secret } } }"""
    created = (await api.gql(subscribe, {"url": hook_url}, b_key))["createWebhookSubscription"]
    subscription_id = created["subscription"]["id"]
    reason = "B objects: confidential reason 7f3a"
    objection = """mutation($c: ID!, $r: String!) {
      fileObjection(input: {changeId: $c, reason: $r}) {
        ... on ObjectionFiled { objection { id } } } }"""
    filed = await api.gql(objection, {"c": change_id, "r": reason}, b_key)
    objection_id = filed["fileObjection"]["objection"]["id"]
    notice = await api.deps.db["notices"].find_one({"customer_id": b_id})
    assert notice is not None
    await api.scheduler.run_until_idle()  # dispatches B's objection.filed to B's hook
    delivery = await api.deps.db["webhook_deliveries"].find_one({"customer_id": b_id})
    assert delivery is not None
    a_key = await api.key(Role.CUSTOMER, a_id)
    return Tenants(
        admin=admin,
        a_key=a_key,
        a_id=a_id,
        b_id=b_id,
        change_id=change_id,
        b_secrets=[
            b_id,
            b_name,
            reason,
            objection_id,
            notice["_id"],
            "b-private-hook-7f3a",
            subscription_id,
            delivery["_id"],
            created["secret"],
        ],
        b_ids={
            "Customer": b_id,
            "Objection": objection_id,
            "Notice": notice["_id"],
            "WebhookSubscription": subscription_id,
            "WebhookDelivery": delivery["_id"],
        },
    )


def unwrap(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def value_for(t: Any, ids: list[str], depth: int = 0) -> Any:
    """A plausible value of input type `t`; ID arguments get the other tenant's ids."""
    required = isinstance(t, GraphQLNonNull)
    base = unwrap(t)
    is_list = isinstance(t.of_type if required else t, GraphQLList)
    if isinstance(base, GraphQLScalarType):
        sample: Any = {
            "ID": ids[0],
            "String": "x",
            "Int": 1,
            "Boolean": False,
            "Float": 1.0,
            "DateTime": "2030-01-01T00:00:00+00:00",
            "Date": "2030-01-01",
        }.get(base.name, "x")
    elif isinstance(base, GraphQLEnumType):
        sample = next(iter(base.values))
        return [sample] if is_list else sample
    elif isinstance(base, GraphQLInputObjectType):
        if depth > 2:
            return None
        sample = {
            name: value_for(f.type, ids, depth + 1)
            for name, f in base.fields.items()
            if isinstance(f.type, GraphQLNonNull) or unwrap(f.type).name == "ID"
        }
    else:
        return None
    return [sample] if is_list else sample


def literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str) and value.isupper() and value.replace("_", "").isalpha():
        return value  # enum value
    return '"' + str(value).replace('"', '\\"') + '"'


def selection(t: Any, depth: int) -> str:
    base = unwrap(t)
    if isinstance(base, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(base, GraphQLUnionType):
        parts = ["__typename"]
        for member in base.types:
            inner = selection(member, depth - 1) if depth > 0 else ""
            if inner:
                parts.append(f"... on {member.name} {inner}")
        return "{ " + " ".join(parts) + " }"
    if isinstance(base, GraphQLObjectType | GraphQLInterfaceType):
        parts = ["__typename"]
        for name, f in base.fields.items():
            if any(isinstance(a.type, GraphQLNonNull) for a in f.args.values()):
                continue
            sub = unwrap(f.type)
            if isinstance(sub, GraphQLScalarType | GraphQLEnumType):
                parts.append(name)
            elif depth > 0:
                inner = selection(f.type, depth - 1)
                if inner:
                    parts.append(f"{name} {inner}")
        return "{ " + " ".join(parts) + " }"
    return ""


def operation(kind: str, name: str, f: GraphQLField, ids: list[str], depth: int = 3) -> str:
    args = []
    for arg_name, arg in f.args.items():
        if isinstance(arg.type, GraphQLNonNull) or unwrap(arg.type).name == "ID":
            value = value_for(arg.type, ids)
            if value is not None:
                args.append(f"{arg_name}: {literal(value)}")
    arg_text = f"({', '.join(args)})" if args else ""
    return f"{kind} {{ {name}{arg_text} {selection(f.type, depth)} }}"


def root_fields(schema: GraphQLSchema, kind: str) -> dict[str, GraphQLField]:
    root = schema.query_type if kind == "query" else schema.mutation_type
    assert root is not None
    return dict(root.fields)
