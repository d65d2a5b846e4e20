"""Expected failures as schema types: members of mutation payload unions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from registry.domain import errors


@strawberry.type(description="Bad input; nothing was written.")
class ValidationError:
    message: str = strawberry.field(description="What is wrong, in plain English.")
    field: str | None = strawberry.field(
        description="The input field at fault, as named in the schema (e.g. effectiveAt); null "
        "when the input as a whole is at fault."
    )


@strawberry.type(description="No such object, or not visible to the caller.")
class NotFound:
    message: str = strawberry.field(description="What was not found, in plain English.")


@strawberry.type(description="The caller's role may not do this.")
class PermissionDenied:
    message: str = strawberry.field(description="Which role the operation needs, in plain English.")


@strawberry.type(description="A reference to a customer by its global id.")
class CustomerRef:
    id: strawberry.ID = strawberry.field(description="The customer's global id.")


@strawberry.type(description="The effective date is earlier than some customers' notice window.")
class NoticeWindowViolation:
    message: str = strawberry.field(description="What is wrong, in plain English.")
    earliest_allowed: datetime = strawberry.field(
        description="The earliest effective date every affected customer's notice window allows "
        "(DateTime, UTC)."
    )
    customers: list[CustomerRef] = strawberry.field(
        description="The customers whose notice window the requested date would cut short."
    )


@strawberry.type(description="The objection deadline has passed.")
class ObjectionDeadlinePassed:
    message: str = strawberry.field(description="What is wrong, in plain English.")
    deadline: datetime = strawberry.field(
        description="The customer's objection deadline that has passed (DateTime, UTC)."
    )


@strawberry.type(description="The webhook URL is not allowed.")
class UnsafeUrl:
    message: str = strawberry.field(
        description="Why the URL is refused (e.g. it resolves to a private address)."
    )


@strawberry.type(
    description="The record was changed by someone else since the edit was read; nothing was "
    "written."
)
class EditConflict:
    message: str = strawberry.field(description="What happened, in plain English.")
    record: strawberry.ID = strawberry.field(description="The global id of the edited record.")
    fields: list[str] = strawberry.field(
        description="The input fields whose stored values changed meanwhile (e.g. legalName)."
    )


@strawberry.type(description="The webhook subscription is disabled; nothing was sent.")
class SubscriptionDisabled:
    message: str = strawberry.field(description="What is wrong, in plain English.")
    subscription_id: strawberry.ID = strawberry.field(
        description="The disabled subscription's global id."
    )
    disabled_at: datetime | None = strawberry.field(
        description="When it was disabled (DateTime, UTC); null if it never was enabled again "
        "after being created disabled."
    )
    reason: str | None = strawberry.field(
        description="Why it was disabled (e.g. failing deliveries since a date), as recorded."
    )


ErrorMember = (
    ValidationError
    | NotFound
    | PermissionDenied
    | NoticeWindowViolation
    | ObjectionDeadlinePassed
    | UnsafeUrl
    | EditConflict
    | SubscriptionDisabled
)


def from_domain(error: errors.RegistryError) -> ErrorMember:
    """The schema type for a domain error."""
    match error:
        case errors.ValidationError():
            return ValidationError(message=error.message, field=error.field)
        case errors.NotFound():
            return NotFound(message=error.message)
        case errors.PermissionDenied():
            return PermissionDenied(message=error.message)
        case errors.NoticeWindowViolation():
            return NoticeWindowViolation(
                message=error.message,
                earliest_allowed=error.earliest_allowed,
                customers=[CustomerRef(id=strawberry.ID(c)) for c in error.customer_ids],
            )
        case errors.ObjectionDeadlinePassed():
            return ObjectionDeadlinePassed(message=error.message, deadline=error.deadline)
        case errors.UnsafeUrlError():
            return UnsafeUrl(message=error.message)
        case errors.SubscriptionDisabled():
            return SubscriptionDisabled(
                message=error.message,
                subscription_id=strawberry.ID(error.subscription_id),
                disabled_at=error.disabled_at,
                reason=error.reason,
            )
        case errors.EditConflict():
            return EditConflict(
                message=error.message,
                record=strawberry.ID(error.record_id),
                fields=list(error.fields),
            )
    raise TypeError(f"unmapped error {type(error).__name__}")
