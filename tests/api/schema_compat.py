"""Breaking changes against the last release's schema, with graphql-core.

A change may break clients only when it was announced: the element was marked
`@deprecated(reason:)` in the released schema before it was removed, or the change is
listed with a reason in `schema/breaking-changes.toml`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    find_breaking_changes,
    is_introspection_type,
)


def deprecated_removals(released: GraphQLSchema) -> Iterator[str]:
    """How find_breaking_changes words the removal of each deprecated element."""
    for t in released.type_map.values():
        if is_introspection_type(t):
            continue
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            for fname, field in t.fields.items():
                if field.deprecation_reason is not None:
                    yield f"Field {t.name}.{fname} was removed."
                for aname, arg in field.args.items():
                    if arg.deprecation_reason is not None:
                        yield f"Argument {t.name}.{fname}({aname}:) was removed."
        elif isinstance(t, GraphQLInputObjectType):
            for fname, input_field in t.fields.items():
                if input_field.deprecation_reason is not None:
                    yield f"Field {t.name}.{fname} was removed."
        elif isinstance(t, GraphQLEnumType):
            for vname, value in t.values.items():
                if value.deprecation_reason is not None:
                    yield f"Enum value {t.name}.{vname} was removed."


def allowed_changes(path: Path) -> dict[str, str]:
    """The allow-list: change description -> reason; every entry must give a reason."""
    entries = tomllib.loads(path.read_text()).get("allowed", [])
    allowed: dict[str, str] = {}
    for entry in entries:
        change, reason = entry.get("change", ""), entry.get("reason", "").strip()
        if not change or not reason:
            raise ValueError(f"{path.name}: each entry needs a change and a reason: {entry!r}")
        allowed[change] = reason
    return allowed


def unannounced_breaking_changes(
    released: GraphQLSchema, current: GraphQLSchema, allowed: dict[str, str]
) -> list[str]:
    """Breaking changes that neither a deprecation nor the allow-list announced."""
    announced = set(deprecated_removals(released)) | set(allowed)
    return [
        f"{change.type.name}: {change.description}"
        for change in find_breaking_changes(released, current)
        if change.description not in announced
    ]
