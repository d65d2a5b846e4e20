"""Relay connections with keyset cursors and `totalCount`."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import orjson
import strawberry

from registry.domain.errors import ValidationError

T = TypeVar("T")
DEFAULT_PAGE = 50
MAX_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode()


def decode_cursor(cursor: str | None, arity: int) -> tuple[Any, ...] | None:
    if cursor is None:
        return None
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, orjson.JSONDecodeError):
        raise ValidationError("after", "invalid cursor") from None
    if not isinstance(values, list) or len(values) != arity:
        raise ValidationError("after", "invalid cursor")
    return tuple(values)


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise ValidationError("first", f"first must be between 0 and {MAX_PAGE}")
    return first


def connection(
    items: Sequence[Any],
    total: int,
    limit: int,
    key: Callable[[Any], Sequence[Any]],
    node: Callable[[Any], T],
) -> Connection[T]:
    """`items` holds up to limit + 1 results: the extra one only says there is more."""
    shown = items[:limit]
    edges = [Edge(node=node(item), cursor=encode_cursor(key(item))) for item in shown]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(items) > limit,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
