"""Relay connections with keyset cursors and `totalCount`."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import orjson
import strawberry

from registry.domain.errors import ValidationError

T = TypeVar("T")
DEFAULT_PAGE = 50
MAX_PAGE = 100
FIRST = f"How many items to return: 0 to {MAX_PAGE}, default {DEFAULT_PAGE}."
AFTER = (
    "Return the items after this cursor (an `endCursor` or edge `cursor`); from the start "
    "when null."
)


@strawberry.type(description="Where a page sits in its list (Relay connection specification).")
class PageInfo:
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page. Lists page forward only (`first`, "
        "`after`), so this is always false, as the Relay specification allows; start again "
        "without `after` to go back."
    )
    has_next_page: bool = strawberry.field(
        description="Whether more items follow; ask for them with `after: endCursor`."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first item; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last item, to pass as `after` for the next page; "
        "null when the page is empty."
    )


@strawberry.type(description="One item of a list and its cursor (Relay connection edge).")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The item.")
    cursor: str = strawberry.field(
        description="Opaque position of this item; pass it as `after` to continue after it."
    )


@strawberry.type(
    description="One page of a list (Relay connection): `first` items (default 50, at most "
    "100) after the cursor `after`."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's items, in list order.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    total_count: int = strawberry.field(
        description="How many items the whole list has (all pages), as the caller may see them."
    )


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode()


CursorField = Callable[[Any], Any]
"""Checks one position of a decoded cursor; raises ValueError when it is not that kind."""

MAX_CURSOR = 2000


def as_text(value: Any) -> str:
    """A name or id: a string, never an object (which the store would read as an operator)."""
    if not isinstance(value, str) or len(value) > 500:
        raise ValueError("not a short string")
    return value


def as_instant(value: Any) -> str:
    """An ISO 8601 date-time with an offset, as the store's keys write it."""
    if datetime.fromisoformat(as_text(value)).tzinfo is None:
        raise ValueError("no offset")
    return str(value)


def decode_cursor(cursor: str | None, *fields: CursorField) -> tuple[Any, ...] | None:
    """The key a cursor carries, each position checked by its field kind.

    A forged or garbled cursor is a ValidationError on `after`: never an operator in a
    query, never an internal error.
    """
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError("too long")
        values = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != len(fields):
            raise ValueError("wrong shape")
        return tuple(check(value) for check, value in zip(fields, values, strict=True))
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise ValidationError("after", "invalid cursor: pass an endCursor as given") from None


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
            has_previous_page=False,
            has_next_page=len(items) > limit,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


class PageQuery(Protocol):
    """A service's page read with its filters bound: up to `limit` items after `after`."""

    def __call__(
        self, *, after: tuple[Any, ...] | None, limit: int
    ) -> Awaitable[tuple[Sequence[Any], int]]: ...


async def paged(
    query: PageQuery,
    first: int | None,
    after: str | None,
    cursor: Sequence[CursorField],
    key: Callable[[Any], Sequence[Any]],
    node: Callable[[Any], T],
) -> Connection[T]:
    """One page of a list field: `first` and `after` checked, one item more asked for."""
    limit = page_size(first)
    items, total = await query(after=decode_cursor(after, *cursor), limit=limit + 1)
    return connection(items, total, limit, key, node)
