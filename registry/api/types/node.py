"""The Relay `Node` interface: every object with a global id can be fetched by it."""

from __future__ import annotations

import strawberry


@strawberry.interface(
    description="An object with a global id (Relay): fetch it again with `node(id:)`."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Global id: opaque, stable, unique across all types."
    )
