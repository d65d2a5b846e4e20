"""Expected failures as schema types: members of mutation payload unions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from registry.domain import errors


@strawberry.type(description="Bad input; nothing was written.")
class ValidationError:
    message: str
    field: str | None


@strawberry.type(description="No such object, or not visible to the caller.")
class NotFound:
    message: str


@strawberry.type(description="The caller's role may not do this.")
class PermissionDenied:
    message: str


@strawberry.type
class CustomerRef:
    id: strawberry.ID


@strawberry.type(description="The effective date is earlier than some customers' notice window.")
class NoticeWindowViolation:
    message: str
    earliest_allowed: datetime
    customers: list[CustomerRef]


@strawberry.type(description="The objection deadline has passed.")
class ObjectionDeadlinePassed:
    message: str
    deadline: datetime


@strawberry.type(description="The webhook URL is not allowed.")
class UnsafeUrl:
    message: str


ErrorMember = (
    ValidationError
    | NotFound
    | PermissionDenied
    | NoticeWindowViolation
    | ObjectionDeadlinePassed
    | UnsafeUrl
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
    raise TypeError(f"unmapped error {type(error).__name__}")
