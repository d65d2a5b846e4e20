"""CI fails on a breaking schema change unless it was deprecated first or allowed with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema as parse_sdl

from registry.api.schema import build_schema
from tests.api.schema_compat import allowed_changes, unannounced_breaking_changes

SCHEMA = Path(__file__).parents[2] / "schema"


def test_no_unannounced_breaking_change_since_the_last_release() -> None:
    released = parse_sdl((SCHEMA / "released.graphql").read_text())
    allowed = allowed_changes(SCHEMA / "breaking-changes.toml")
    broken = unannounced_breaking_changes(released, build_schema()._schema, allowed)
    assert broken == [], (
        "Breaking changes against schema/released.graphql. Deprecate first "
        "(@deprecated(reason:)) and remove in a later release, or list the change with a "
        "reason in schema/breaking-changes.toml:\n" + "\n".join(broken)
    )


RELEASED = """
type Query {
  vendors(first: Int, search: String): [Vendor!]!
}
type Vendor {
  name: String!
  note: String @deprecated(reason: "Use name.")
  kind: Kind
}
enum Kind { CLOUD EMAIL OLD @deprecated(reason: "Gone.") }
"""


def _check(current: str, allowed: dict[str, str] | None = None) -> list[str]:
    return unannounced_breaking_changes(parse_sdl(RELEASED), parse_sdl(current), allowed or {})


def test_additions_and_deprecated_removals_pass() -> None:
    assert (
        _check(
            """
            type Query { vendors(first: Int, search: String, after: String): [Vendor!]!
                         count: Int }
            type Vendor { name: String! kind: Kind website: String }
            enum Kind { CLOUD EMAIL }
            """
        )
        == []
    )


@pytest.mark.parametrize(
    ("current", "reported"),
    [
        (
            "type Query { vendors(first: Int, search: String): [Vendor!]! }"
            " type Vendor { note: String kind: Kind } enum Kind { CLOUD EMAIL OLD }",
            "FIELD_REMOVED: Field Vendor.name was removed.",
        ),
        (
            "type Query { vendors(first: Int): [Vendor!]! }"
            " type Vendor { name: String! kind: Kind } enum Kind { CLOUD EMAIL OLD }",
            "ARG_REMOVED: Argument Query.vendors(search:) was removed.",
        ),
        (
            "type Query { vendors(first: Int, search: String): [Vendor!]! }"
            " type Vendor { name: String kind: Kind } enum Kind { CLOUD EMAIL OLD }",
            "FIELD_CHANGED_KIND: Field Vendor.name changed type from String! to String.",
        ),
        (
            "type Query { vendors(first: Int, search: String!): [Vendor!]! }"
            " type Vendor { name: String! kind: Kind } enum Kind { CLOUD EMAIL OLD }",
            "ARG_CHANGED_KIND: Argument Query.vendors(search:) has changed type from String"
            " to String!.",
        ),
        (
            "type Query { vendors(first: Int, search: String): [Vendor!]! }"
            " type Vendor { name: String! kind: Kind } enum Kind { CLOUD OLD }",
            "VALUE_REMOVED_FROM_ENUM: Enum value Kind.EMAIL was removed.",
        ),
    ],
)
def test_unannounced_breaking_changes_are_reported(current: str, reported: str) -> None:
    assert _check(current) == [reported]


def test_the_allow_list_admits_a_change_with_a_reason(tmp_path: Path) -> None:
    current = (
        "type Query { vendors(first: Int): [Vendor!]! }"
        " type Vendor { name: String! kind: Kind } enum Kind { CLOUD EMAIL OLD }"
    )
    listed = tmp_path / "allowed.toml"
    listed.write_text(
        '[[allowed]]\nchange = "Argument Query.vendors(search:) was removed."\n'
        'reason = "Search moved to a filter input."\n'
    )
    assert _check(current, allowed_changes(listed)) == []
    listed.write_text('[[allowed]]\nchange = "Argument Query.vendors(search:) was removed."\n')
    with pytest.raises(ValueError, match="reason"):
        allowed_changes(listed)
