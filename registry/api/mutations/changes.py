"""Announcing and cancelling changes; filing and resolving objections."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types.change import Change, Objection
from registry.api.types.errors import (
    NotFound,
    NoticeWindowViolation,
    ObjectionDeadlinePassed,
    PermissionDenied,
    ValidationError,
)
from registry.domain import models
from registry.services import changes


@strawberry.input
class AnnounceChangeInput:
    kind: models.ChangeKind
    subprocessor_id: strawberry.ID
    replaces_id: strawberry.ID | None = None
    effective_at: datetime | None = strawberry.field(
        default=None, description="Default: the earliest date every customer's window allows."
    )
    description: str | None = None
    emergency: bool = False
    emergency_reason: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the first change."
    )


@strawberry.input
class FileObjectionInput:
    change_id: strawberry.ID
    reason: str
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Admins only; a customer key objects for its own customer."
    )


@strawberry.type
class ChangeAnnounced:
    change: Change


@strawberry.type
class ChangeCancelled:
    change: Change


@strawberry.type
class ObjectionFiled:
    objection: Objection


@strawberry.type
class ObjectionResolved:
    objection: Objection


AnnounceChangePayload = Annotated[
    ChangeAnnounced | NoticeWindowViolation | ValidationError | NotFound | PermissionDenied,
    strawberry.union("AnnounceChangePayload"),
]
CancelChangePayload = Annotated[
    ChangeCancelled | NotFound | ValidationError | PermissionDenied,
    strawberry.union("CancelChangePayload"),
]
FileObjectionPayload = Annotated[
    ObjectionFiled | ObjectionDeadlinePassed | NotFound | ValidationError | PermissionDenied,
    strawberry.union("FileObjectionPayload"),
]
ResolveObjectionPayload = Annotated[
    ObjectionResolved | NotFound | ValidationError | PermissionDenied,
    strawberry.union("ResolveObjectionPayload"),
]


@strawberry.type
class ChangeMutations:
    @strawberry.mutation(description="Announce a change; notices go to every customer.")
    async def announce_change(
        self, info: Info, input: AnnounceChangeInput
    ) -> AnnounceChangePayload:
        call = changes.announce_change(info.context.deps, info.context.caller, **vars(input))
        return await attempt(
            info,
            call,
            lambda c: ChangeAnnounced(change=Change.from_domain(c)),
            target=input.subprocessor_id,
        )

    @strawberry.mutation
    async def cancel_change(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> CancelChangePayload:
        call = changes.cancel_change(info.context.deps, info.context.caller, id, reason)
        return await attempt(
            info, call, lambda c: ChangeCancelled(change=Change.from_domain(c)), target=id
        )

    @strawberry.mutation
    async def file_objection(self, info: Info, input: FileObjectionInput) -> FileObjectionPayload:
        call = changes.file_objection(info.context.deps, info.context.caller, **vars(input))
        return await attempt(
            info,
            call,
            lambda o: ObjectionFiled(objection=Objection.from_domain(o)),
            target=input.change_id,
        )

    @strawberry.mutation
    async def resolve_objection(
        self,
        info: Info,
        id: strawberry.ID,
        resolution: models.ObjectionResolution,
        note: str | None = None,
    ) -> ResolveObjectionPayload:
        call = changes.resolve_objection(
            info.context.deps, info.context.caller, id, resolution, note
        )
        return await attempt(
            info, call, lambda o: ObjectionResolved(objection=Objection.from_domain(o)), target=id
        )
