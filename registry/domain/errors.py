"""The expected failures of the registry, as one tree.

    RegistryError
    ├── ValidationError          bad input; names the offending field
    │   └── ChainError           a sub-processor chain refused (domain/chain.py): its
    │                            cycle, self-reference, depth or missing location
    ├── NotFound                 no such object, or not visible to the caller
    ├── Unauthenticated          no key where one is needed, or an unknown or revoked key
    ├── PermissionDenied         the caller's role may not do this
    ├── NoticeWindowViolation    effective date earlier than some customer's window allows
    ├── ObjectionDeadlinePassed  objection at or after the customer's deadline
    ├── EditConflict             the record changed since the edit was read; nothing written
    ├── SignInRefused            a staff sign-in with the OpenID provider refused; `reason`
    │                            says why (provider down, bad ID token, no role...)
    └── UnsafeUrlError           webhook target outside the allowed networks

Services raise these; the GraphQL layer turns each into a member of the
mutation's payload union, and the web routes answer them through Starlette exception
handlers (web/errors.py: one table of statuses, and the foreign errors such as a
database outage mapped once). Anything else is a bug and is masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from registry.domain.person import Person


class RegistryError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(RegistryError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ChainError(ValidationError):
    """A vendor's chain of sub-processors refused as given; `rule` says which rule
    (CYCLE, SELF_REFERENCE, TOO_DEEP, NO_LOCATION, NOT_ACTIVE)."""

    def __init__(self, rule: str, field: str, message: str) -> None:
        super().__init__(field, message)
        self.rule = rule


class NotFound(RegistryError):
    pass


class Unauthenticated(RegistryError):
    pass


class PermissionDenied(RegistryError):
    pass


class NoticeWindowViolation(RegistryError):
    def __init__(self, earliest_allowed: datetime, customer_ids: Sequence[str]) -> None:
        super().__init__(
            f"effective date is earlier than the notice window allows; "
            f"earliest allowed is {earliest_allowed.isoformat()}"
        )
        self.earliest_allowed = earliest_allowed
        self.customer_ids = tuple(customer_ids)


class ObjectionDeadlinePassed(RegistryError):
    def __init__(self, deadline: datetime) -> None:
        super().__init__(f"the objection deadline passed at {deadline.isoformat()}")
        self.deadline = deadline


class UnsafeUrlError(RegistryError):
    pass


class SubscriptionDisabled(RegistryError):
    """A webhook subscription that is off (after failing, or never enabled again) was asked
    to receive something: nothing is sent until it is enabled."""

    def __init__(self, subscription_id: str, disabled_at: datetime | None, reason: str | None):
        super().__init__(
            f"webhook subscription {subscription_id} is disabled"
            + (f" ({reason})" if reason else "")
            + ": enable it (enableWebhookSubscription) first; nothing was sent"
        )
        self.subscription_id = subscription_id
        self.disabled_at = disabled_at
        self.reason = reason


class EditConflict(RegistryError):
    """Someone else changed the record between the read an edit was made from and its
    write: the edit is refused whole, naming what changed, rather than overwrite it."""

    def __init__(self, record_id: str, fields: Sequence[str]) -> None:
        changed = ", ".join(fields) or "the record"
        super().__init__(
            f"{record_id} was changed by someone else meanwhile ({changed}); nothing was "
            "written: read it again and repeat the edit"
        )
        self.record_id = record_id
        self.fields = tuple(fields)


class SignInRefused(RegistryError):
    """A sign-in with the company's OpenID provider that opens no session. `reason` is one
    of SignInRefused.REASONS; `person` is who the provider named, when it named someone."""

    REASONS = frozenset(
        {
            "PROVIDER_UNREACHABLE",  # discovery, keys or token endpoint did not answer
            "PROVIDER_MISCONFIGURED",  # its discovery document does not match the settings
            "PROVIDER_ERROR",  # it answered the browser with an error (e.g. access_denied)
            "SIGN_IN_EXPIRED",  # no pending sign-in for this browser: taken, or too old
            "STATE_MISMATCH",  # the answer's state is not the one sent
            "CODE_REFUSED",  # the token endpoint refused the code (used, expired, PKCE)
            "INVALID_ID_TOKEN",  # signature, algorithm, issuer, audience, expiry or nonce
            "NO_ROLE",  # the person's claim maps to no staff role
        }
    )

    def __init__(self, reason: str, message: str, person: Person | None = None) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown sign-in refusal {reason!r}")
        super().__init__(message)
        self.reason = reason
        self.person = person
