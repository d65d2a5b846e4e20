"""Notice windows, objection deadlines and emergency rules (DESIGN.md 3.1-3.4).

Every function here depends only on its arguments: the caller passes the send
time and the customer's terms, never a clock. Results depend on a customer's
terms alone, so a change reaching 100,000 customers is evaluated once per
distinct `CustomerTerms`, not once per customer. All instants are returned in
UTC; any aware input is accepted and converted, naive ones are refused because
their instant is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from registry.domain.durations import Duration, add_duration, parse_duration
from registry.domain.models import CustomerTerms

__all__ = [
    "DEFAULT_REMINDER_OFFSETS",
    "EffectiveAtBeforeNotice",
    "EmergencyReasonRequired",
    "NoticeRuleError",
    "NoticeWindowTooShort",
    "check_effective_at",
    "customer_effective_at",
    "earliest_effective_at",
    "latest_earliest_effective_at",
    "notice_period",
    "objection_deadline",
    "objection_window",
    "reminder_times",
    "validate_emergency",
    "validate_terms",
]

DEFAULT_REMINDER_OFFSETS: tuple[timedelta, ...] = (timedelta(days=14), timedelta(days=1))
"""Remind two weeks and one day before an objection deadline."""

_SATURDAY = 5


class NoticeRuleError(Exception):
    """A change that the notice rules refuse; the message says how to fix it."""


class NoticeWindowTooShort(NoticeRuleError):
    """The requested effective date cuts some customer's notice window short.

    `offending_terms` are the distinct terms whose window the date violates, so
    the caller can name the customers holding them.
    """

    def __init__(
        self,
        earliest_allowed: datetime,
        *,
        requested: datetime | None = None,
        offending_terms: Iterable[CustomerTerms] = (),
    ) -> None:
        self.earliest_allowed = earliest_allowed
        self.requested = requested
        self.offending_terms = tuple(offending_terms)
        asked = f" ({requested.isoformat()} requested)" if requested is not None else ""
        super().__init__(
            f"effective date too early{asked}: the notice window of the affected customers "
            f"allows {earliest_allowed.isoformat()} at the earliest"
        )


class EffectiveAtBeforeNotice(NoticeRuleError):
    """A normal change may not take effect before it is announced."""

    def __init__(self, requested: datetime, sent_at: datetime) -> None:
        self.requested = requested
        self.sent_at = sent_at
        super().__init__(
            f"effective date {requested.isoformat()} is before the notice is sent "
            f"({sent_at.isoformat()}); only an emergency replacement may take effect at once"
        )


class EmergencyReasonRequired(NoticeRuleError):
    """An emergency replacement skips notice windows, so it must say why."""

    def __init__(self) -> None:
        super().__init__("an emergency replacement needs a non-blank reason")


def notice_period(terms: CustomerTerms) -> Duration:
    """The terms' notice period; zero is refused since it would mean no notice."""
    return parse_duration(terms.notice_period)


def objection_window(terms: CustomerTerms) -> Duration | None:
    """The terms' objection window, or None when objections run to the effective date.

    Zero is refused: a deadline equal to the send time would make every
    objection late and so remove the right to object (GDPR Art. 28(2)).
    Terms without a window say so with None.
    """
    if terms.objection_window is None:
        return None
    return parse_duration(terms.objection_window)


def validate_terms(terms: CustomerTerms) -> None:
    """Raise `InvalidDuration` if the terms cannot be applied; call it on input."""
    notice_period(terms)
    objection_window(terms)


def earliest_effective_at(sent_at: datetime, terms: CustomerTerms) -> datetime:
    """Send time + notice period, rolled past a weekend if the terms say so."""
    end = add_duration(_utc(sent_at, "sent_at"), notice_period(terms))
    return _roll_weekend(end, terms)


def objection_deadline(sent_at: datetime, effective_at: datetime, terms: CustomerTerms) -> datetime:
    """min(send time + objection window, effective date); the effective date if no window.

    Objecting after the change has taken effect is pointless, hence the cap.
    """
    effective_at = _utc(effective_at, "effective_at")
    window = objection_window(terms)
    if window is None:
        return effective_at
    end = _roll_weekend(add_duration(_utc(sent_at, "sent_at"), window), terms)
    return min(end, effective_at)


def customer_effective_at(
    sent_at: datetime,
    change_effective_at: datetime,
    terms: CustomerTerms,
    *,
    emergency: bool,
) -> datetime:
    """When the change takes effect for one customer.

    The change's date, except that a customer never loses part of its window:
    in an emergency, customers whose terms do not allow emergency replacement
    (and, in any change, a customer notified after the date was checked) get
    their own earliest date when it is later.
    """
    change_effective_at = _utc(change_effective_at, "change_effective_at")
    if emergency and terms.allows_emergency_replacement:
        return change_effective_at
    return max(change_effective_at, earliest_effective_at(sent_at, terms))


def latest_earliest_effective_at(
    sent_at: datetime, terms_list: Iterable[CustomerTerms], *, emergency: bool
) -> datetime | None:
    """The earliest date the change may take effect for all the given customers.

    None when nobody constrains it: no customers, or an emergency and every
    customer's terms allow emergency replacement.
    """
    sent_at = _utc(sent_at, "sent_at")
    dates = [earliest_effective_at(sent_at, t) for t in _constraining(terms_list, emergency)]
    return max(dates, default=None)


def check_effective_at(
    requested: datetime | None,
    sent_at: datetime,
    terms_list: Iterable[CustomerTerms],
    *,
    emergency: bool,
) -> datetime:
    """The effective date to record for a change (DESIGN.md 3.2, 3.4).

    With no request: exactly the latest earliest date, or the send time when no
    customer constrains it. A request earlier than some customer's window raises
    `NoticeWindowTooShort`; a normal change dated before its notice raises
    `EffectiveAtBeforeNotice` (an emergency may be backdated: the vendor may
    already be gone).
    """
    sent_at = _utc(sent_at, "sent_at")
    earliest = {t: earliest_effective_at(sent_at, t) for t in _constraining(terms_list, emergency)}
    latest = max(earliest.values(), default=None)
    if requested is None:
        return sent_at if latest is None else latest
    requested = _utc(requested, "requested")
    if latest is not None and requested < latest:
        offending = [t for t, at in earliest.items() if requested < at]
        raise NoticeWindowTooShort(latest, requested=requested, offending_terms=offending)
    if requested < sent_at and not emergency:
        raise EffectiveAtBeforeNotice(requested, sent_at)
    return requested


def reminder_times(
    sent_at: datetime,
    deadline: datetime,
    offsets: Sequence[timedelta] = DEFAULT_REMINDER_OFFSETS,
) -> list[datetime]:
    """Reminders at `deadline - offset`, dropping those not after the notice itself.

    A reminder at or before the send time would repeat the notice, so it is skipped.
    """
    sent_at = _utc(sent_at, "sent_at")
    deadline = _utc(deadline, "deadline")
    if any(offset <= timedelta(0) for offset in offsets):
        raise ValueError("reminder offsets must be positive: reminders come before the deadline")
    return sorted({deadline - offset for offset in offsets if deadline - offset > sent_at})


def validate_emergency(emergency: bool, reason: str | None) -> None:
    """Refuse an emergency without a reason: skipping notice must be justified."""
    if emergency and (reason is None or not reason.strip()):
        raise EmergencyReasonRequired()


def _constraining(terms_list: Iterable[CustomerTerms], emergency: bool) -> set[CustomerTerms]:
    """Distinct terms whose window binds the change; emergency-allowing ones don't."""
    return {t for t in terms_list if not (emergency and t.allows_emergency_replacement)}


def _roll_weekend(at: datetime, terms: CustomerTerms) -> datetime:
    """Move a Saturday or Sunday (UTC) to Monday, same time, when the terms ask for it."""
    if terms.weekend_rolls_to_monday and at.weekday() >= _SATURDAY:
        return at + timedelta(days=7 - at.weekday())
    return at


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)
