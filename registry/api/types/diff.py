"""subprocessorDiff: what changed in the list between two instants."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from registry.api.context import Info
from registry.api.types.subprocessor import Subprocessor
from registry.api.types.version import RecordVersion
from registry.domain import models
from registry.services import list_diff

if TYPE_CHECKING:
    from registry.api.types.change import Change


@strawberry.type(description="One vendor in a diff, with what caused its entry.")
class SubprocessorDiffEntry:
    subprocessor: Subprocessor = strawberry.field(description="The vendor.")
    corrections: list[RecordVersion] = strawberry.field(
        description="For a changed vendor: its corrections (and its parts') made in between, "
        "each field before and after; empty for added and removed ones."
    )
    _change: strawberry.Private[models.Change | None]

    @strawberry.field(
        description="The change that took effect in between (an ADD, REPLACE, REMOVE or "
        "UPDATE of this vendor, or one replacing it); null when none did."
    )
    def change(self) -> Annotated[Change, strawberry.lazy("registry.api.types.change")] | None:
        from registry.api.types.change import Change

        found = self._change
        return Change.from_domain(found) if found is not None else None

    @classmethod
    def from_domain(cls, entry: list_diff.DiffEntry) -> SubprocessorDiffEntry:
        return cls(
            subprocessor=Subprocessor.from_domain(entry.subprocessor),
            corrections=[RecordVersion.from_domain(v) for v in entry.corrections],
            _change=entry.change,
        )


@strawberry.type(description="What changed in the subprocessor list between two instants.")
class SubprocessorDiff:
    from_: datetime = strawberry.field(name="from", description="The earlier instant (UTC).")
    to: datetime = strawberry.field(description="The later instant (UTC).")
    added: list[SubprocessorDiffEntry] = strawberry.field(
        description="Vendors in force at `to` and not at `from`."
    )
    removed: list[SubprocessorDiffEntry] = strawberry.field(
        description="Vendors in force at `from` and not at `to` (a replaced vendor among them)."
    )
    changed: list[SubprocessorDiffEntry] = strawberry.field(
        description="Vendors in force at both whose facts were corrected in between."
    )

    @classmethod
    def from_domain(cls, diff: list_diff.ListDiff) -> SubprocessorDiff:
        return cls(
            from_=diff.start,
            to=diff.end,
            added=[SubprocessorDiffEntry.from_domain(e) for e in diff.added],
            removed=[SubprocessorDiffEntry.from_domain(e) for e in diff.removed],
            changed=[SubprocessorDiffEntry.from_domain(e) for e in diff.changed],
        )


@strawberry.type
class DiffQueries:
    @strawberry.field(
        description="What changed in the list between two instants: vendors added, removed "
        "and changed, each with its cause. As one customer sees it with `customerId` (a "
        "CUSTOMER key gets its own timeline's diff), or for products and a hosting region. "
        "`sinceLastAcknowledged` starts it at the customer's latest acknowledgement of a "
        "notice instead of `from` (give one of the two)."
    )
    async def subprocessor_diff(
        self,
        info: Info,
        from_: Annotated[
            datetime | None,
            strawberry.argument(
                name="from", description="The earlier instant (or sinceLastAcknowledged)."
            ),
        ] = None,
        to: Annotated[
            datetime | None, strawberry.argument(description="The later instant; now when null.")
        ] = None,
        customer_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="One customer's view.")
        ] = None,
        products: Annotated[
            list[str] | None, strawberry.argument(description="Product codes (any of them).")
        ] = None,
        region: Annotated[
            str | None, strawberry.argument(description="A hosting region code.")
        ] = None,
        since_last_acknowledged: Annotated[
            bool,
            strawberry.argument(
                description="Start at the customer's latest acknowledgement of a notice (on "
                "its notice page or through acknowledgeNotice): what changed since it last "
                "acknowledged. The customer is a CUSTOMER key's own, or `customerId`."
            ),
        ] = False,
    ) -> SubprocessorDiff:
        context = info.context
        deps, caller = context.deps, context.caller
        found = await list_diff.subprocessor_diff(
            deps,
            caller,
            await list_diff.diff_start(deps, caller, from_, since_last_acknowledged, customer_id),
            to or deps.clock.now(),
            customer_id=customer_id,
            products=tuple(products or ()),
            hosting_region=region,
        )
        return SubprocessorDiff.from_domain(found)
