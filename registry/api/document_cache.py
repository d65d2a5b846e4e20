"""Parsed and validated documents, cached per process under a digest of the query text.

strawberry's `ParserCache` and `ValidationCache` key on the text (and the document
keeps its source and comment tokens), counting entries, not bytes: 512 distinct texts
of 32 KB held some 50 MB. These tables charge each document for its text and are
bounded in bytes, so what a caller sends cannot pin more than the budget.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import DocumentNode, GraphQLError, parse, validate
from strawberry.extensions import SchemaExtension

from registry.http.bounded import DigestCache, digest

MAX_BYTES = 4_000_000
_PER_CHARACTER = 4
"""A document's cost per character of its text: the source, comment tokens, nodes."""


class DocumentTables:
    """One schema's tables (each text is charged for `_PER_CHARACTER` bytes a character)."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.documents: DigestCache[tuple[DocumentNode, int]] = DigestCache(
            max_bytes, lambda entry: entry[1] * _PER_CHARACTER
        )
        self.verdicts: DigestCache[tuple[list[GraphQLError], int]] = DigestCache(
            max_bytes // 4, lambda entry: entry[1] * _PER_CHARACTER if entry[0] else 64
        )

    @property
    def held_bytes(self) -> int:
        return self.documents.held_bytes + self.verdicts.held_bytes


class DocumentCache(SchemaExtension):
    """Pass as a factory: `extensions=[lambda: DocumentCache(tables)]`."""

    def __init__(self, tables: DocumentTables) -> None:
        super().__init__()
        self.tables = tables

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query or ""
        key = digest(query, repr(sorted(context.parse_options.items())))
        found = self.tables.documents.get(key)
        if found is None:
            # A syntax error propagates as strawberry's own parse does.
            found = (parse(query, **context.parse_options), len(query))
            self.tables.documents.put(key, found)
        context.graphql_document = found[0]
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        query = context.query or ""
        if document is None:
            yield
            return
        rules = ",".join(
            f"{rule.__module__}.{rule.__qualname__}" for rule in context.validation_rules
        )
        key = digest(query, repr(sorted(context.parse_options.items())), rules)
        found = self.tables.verdicts.get(key)
        if found is None:
            found = (
                validate(context.schema._schema, document, context.validation_rules),
                len(query),
            )
            self.tables.verdicts.put(key, found)
        context.pre_execution_errors = found[0]
        yield
