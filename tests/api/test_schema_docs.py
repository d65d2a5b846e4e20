"""The public schema documents itself and follows the Relay connection rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema as parse_sdl

from registry.api.schema import build_schema
from tests.api.schema_lint import lint

SDL = Path(__file__).parents[2] / "schema" / "schema.graphql"


def test_every_schema_element_has_a_description_and_relay_rules_hold() -> None:
    problems = lint(build_schema()._schema)
    assert problems == [], "\n".join(f"{rule}: {message}" for rule, message in problems)


def test_the_exported_sdl_passes_the_same_rules() -> None:
    problems = lint(parse_sdl(SDL.read_text()))
    assert problems == [], "\n".join(f"{rule}: {message}" for rule, message in problems)


GOOD = '''
"""q"""
type Query {
  """l"""
  things(
    """n"""
    first: Int
    """c"""
    after: String
  ): ThingConnection!
}
"""t"""
type ThingConnection {
  """e"""
  edges: [ThingEdge!]!
  """p"""
  pageInfo: PageInfo!
}
"""t"""
type ThingEdge {
  """n"""
  node: String!
  """c"""
  cursor: String!
}
"""p"""
type PageInfo {
  """h"""
  hasPreviousPage: Boolean!
  """h"""
  hasNextPage: Boolean!
  """s"""
  startCursor: String
  """e"""
  endCursor: String
}
"""k"""
enum Kind {
  """a"""
  A
}
"""i"""
input Filter {
  """k"""
  kind: Kind
}
'''


def test_a_complete_schema_passes() -> None:
    assert lint(parse_sdl(GOOD)) == []


@pytest.mark.parametrize(
    ("edit", "rule", "message"),
    [
        (('"""t"""\ntype ThingEdge', "type ThingEdge"), "types-have-descriptions", "ThingEdge"),
        (('"""e"""\n  edges', "edges"), "fields-have-descriptions", "ThingConnection.edges"),
        (('"""n"""\n    first', "first"), "arguments-have-descriptions", "Query.things(first:)"),
        (('"""a"""\n  A', "A"), "enum-values-have-descriptions", "Kind.A"),
        (('"""k"""\n  kind', "kind"), "input-object-values-have-descriptions", "Filter.kind"),
        (
            ('"""s"""\n  startCursor: String\n', ""),
            "relay-page-info-spec",
            "PageInfo.startCursor",
        ),
        (("hasPreviousPage: Boolean!", "hasPreviousPage: Boolean"), "relay-page-info-spec", ""),
        (("pageInfo: PageInfo!", "pageInfo: PageInfo"), "relay-connection-types-spec", ""),
        (("edges: [ThingEdge!]!", "edges: ThingEdge"), "relay-connection-types-spec", "edges"),
        (("cursor: String!", "cursor: Int!"), "relay-connection-types-spec", "ThingEdge.cursor"),
        (("after: String", "after: Int"), "relay-connection-arguments-spec", "Query.things"),
    ],
)
def test_each_rule_reports_what_breaks_it(edit: tuple[str, str], rule: str, message: str) -> None:
    old, new = edit
    assert old in GOOD
    problems = lint(parse_sdl(GOOD.replace(old, new, 1)))
    assert any(r == rule and message in m for r, m in problems), problems
