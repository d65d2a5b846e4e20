"""The graphql-schema-linter rules the schema is held to, as a walk with graphql-core.

Rule names and meaning follow graphql-schema-linter (types-have-descriptions,
fields-have-descriptions, arguments-have-descriptions, enum-values-have-descriptions,
input-object-values-have-descriptions, relay-connection-types-spec,
relay-connection-arguments-spec, relay-page-info-spec), so `make test` needs no Node.js.
Built-in scalars and introspection types are not part of the SDL and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_introspection_type,
    is_specified_scalar_type,
)

Problem = tuple[str, str]
"""(rule, message), e.g. ("fields-have-descriptions", "Customer.name has no description")."""


def _described(description: str | None) -> bool:
    return bool(description and description.strip())


def _own_types(schema: GraphQLSchema) -> list[GraphQLNamedType]:
    return [
        t
        for name, t in sorted(schema.type_map.items())
        if not is_introspection_type(t) and not is_specified_scalar_type(t)
    ]


def descriptions(schema: GraphQLSchema) -> Iterator[Problem]:
    """Every type, field, argument, enum value and input field has a description."""
    for t in _own_types(schema):
        if not _described(t.description):
            yield "types-have-descriptions", f"type {t.name} has no description"
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            for fname, field in t.fields.items():
                if not _described(field.description):
                    yield "fields-have-descriptions", f"{t.name}.{fname} has no description"
                for aname, arg in field.args.items():
                    if not _described(arg.description):
                        yield (
                            "arguments-have-descriptions",
                            f"{t.name}.{fname}({aname}:) has no description",
                        )
        elif isinstance(t, GraphQLEnumType):
            for vname, value in t.values.items():
                if not _described(value.description):
                    yield "enum-values-have-descriptions", f"{t.name}.{vname} has no description"
        elif isinstance(t, GraphQLInputObjectType):
            for fname, input_field in t.fields.items():
                if not _described(input_field.description):
                    yield (
                        "input-object-values-have-descriptions",
                        f"{t.name}.{fname} has no description",
                    )
        elif not isinstance(t, GraphQLUnionType | GraphQLScalarType):
            raise TypeError(f"unexpected type {t!r}")


def _is(output: GraphQLOutputType, named: str, *, non_null: bool) -> bool:
    if non_null != isinstance(output, GraphQLNonNull):
        return False
    inner = output.of_type if isinstance(output, GraphQLNonNull) else output
    return isinstance(inner, GraphQLScalarType | GraphQLObjectType) and inner.name == named


def relay_page_info(schema: GraphQLSchema) -> Iterator[Problem]:
    """PageInfo exists with hasPreviousPage/hasNextPage: Boolean!, start/endCursor: String."""
    rule = "relay-page-info-spec"
    page_info = schema.type_map.get("PageInfo")
    if not isinstance(page_info, GraphQLObjectType):
        yield rule, "PageInfo is missing or not an object type"
        return
    wanted = {
        "hasPreviousPage": ("Boolean", True),
        "hasNextPage": ("Boolean", True),
        "startCursor": ("String", False),
        "endCursor": ("String", False),
    }
    for name, (type_name, non_null) in wanted.items():
        field = page_info.fields.get(name)
        if field is None or not _is(field.type, type_name, non_null=non_null):
            shown = type_name + ("!" if non_null else "")
            yield rule, f"PageInfo.{name} must be {shown}"


def _unwrap_list(output: GraphQLOutputType) -> GraphQLOutputType | None:
    if isinstance(output, GraphQLNonNull):
        output = output.of_type
    return output.of_type if isinstance(output, GraphQLList) else None


def relay_connection_types(schema: GraphQLSchema) -> Iterator[Problem]:
    """Types named *Connection are objects with edges: [Edge] and pageInfo: PageInfo!;
    each edge type has node and cursor: String!."""
    rule = "relay-connection-types-spec"
    for t in _own_types(schema):
        if not t.name.endswith("Connection"):
            continue
        if not isinstance(t, GraphQLObjectType):
            yield rule, f"{t.name} must be an object type"
            continue
        edges = t.fields.get("edges")
        page_info = t.fields.get("pageInfo")
        if page_info is None or not _is(page_info.type, "PageInfo", non_null=True):
            yield rule, f"{t.name}.pageInfo must be PageInfo!"
        item = _unwrap_list(edges.type) if edges else None
        if item is None:
            yield rule, f"{t.name}.edges must be a list"
            continue
        edge = get_named_type(item)
        if not isinstance(edge, GraphQLObjectType):
            yield rule, f"{t.name}.edges must list an object type"
            continue
        if "node" not in edge.fields:
            yield rule, f"{edge.name} (edge of {t.name}) has no node field"
        cursor = edge.fields.get("cursor")
        if cursor is None or not _is(cursor.type, "String", non_null=True):
            yield rule, f"{edge.name}.cursor must be String!"


def _returns_connection(field: GraphQLField) -> bool:
    named = get_named_type(field.type)
    return isinstance(named, GraphQLObjectType) and named.name.endswith("Connection")


def relay_connection_arguments(schema: GraphQLSchema) -> Iterator[Problem]:
    """A field returning a connection takes first: Int and after: String (forward paging),
    or last: Int and before: String (backward paging), or both."""
    rule = "relay-connection-arguments-spec"

    def pair(field: GraphQLField, count: str, cursor: str) -> bool:
        a, b = field.args.get(count), field.args.get(cursor)
        return (
            a is not None
            and b is not None
            and _is(a.type, "Int", non_null=False)  # type: ignore[arg-type]
            and _is(b.type, "String", non_null=False)  # type: ignore[arg-type]
        )

    for t in _own_types(schema):
        if not isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for fname, field in t.fields.items():
            if not _returns_connection(field):
                continue
            if not (pair(field, "first", "after") or pair(field, "last", "before")):
                yield (
                    rule,
                    f"{t.name}.{fname} returns a connection but lacks first: Int and after: "
                    "String (or last: Int and before: String)",
                )


def lint(schema: GraphQLSchema) -> list[Problem]:
    """Every problem the rules find; an empty list means the schema passes."""
    return [
        *descriptions(schema),
        *relay_page_info(schema),
        *relay_connection_types(schema),
        *relay_connection_arguments(schema),
    ]
