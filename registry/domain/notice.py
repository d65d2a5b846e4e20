"""Notice windows, objection deadlines and emergency rules (DESIGN.md 3.1-3.4).

Every function here depends only on its arguments: the caller passes the send
time and the customer's terms, never a clock. Results depend on a customer's
terms alone, so a change reaching 100,000 customers is evaluated once per
distinct `CustomerTerms`, not once per customer. All instants are returned in
UTC; any aware input is accepted and converted, naive ones are refused because
their instant is unknown.

Periods are counted on the calendar of the customer's time zone
(`CustomerTerms.time_zone`): the weekend a deadline rolls past is the
customer's weekend, and with `PeriodEnds.END_OF_DAY` a period ends when its
last local day does (Regulation 1182/71 Art. 3(2)(c)): the returned instant is
the following local midnight, the first moment no longer inside the period.
Terms that roll (`weekend_rolls_to_monday`) move a last day on a Saturday, a Sunday
or a public holiday of their `holiday_calendar` to the next working day (Art. 3(4)).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from registry.domain.durations import (
    Duration,
    InvalidDuration,
    add_duration,
    local_instant,
    parse_duration,
)
from registry.domain.holiday_calendars import holiday_calendar
from registry.domain.models import CustomerTerms, PeriodEnds

__all__ = [
    "DEFAULT_REMINDER_OFFSETS",
    "EMERGENCY_OBJECTION_WINDOW",
    "MINIMUM_PERIOD",
    "EffectiveAtBeforeNotice",
    "EmergencyReasonRequired",
    "NoticeDates",
    "NoticeDecision",
    "NoticeRuleError",
    "NoticeWindowTooShort",
    "SuspiciouslyShortPeriod",
    "contract_period",
    "customer_date",
    "customer_effective_at",
    "decide_effective_at",
    "earliest_effective_at",
    "notice_dates",
    "notice_period",
    "objection_deadline",
    "objection_window",
    "reminder_times",
    "rolled_past",
    "validate_emergency",
    "validate_terms",
]

DEFAULT_REMINDER_OFFSETS: tuple[timedelta, ...] = (timedelta(days=14), timedelta(days=1))
"""Remind two weeks and one day before an objection deadline."""

EMERGENCY_OBJECTION_WINDOW = "P30D"
"""After an emergency replacement, the objection window of terms that name none."""

MINIMUM_PERIOD = timedelta(days=1)
"""Notice periods and objection windows shorter than this are typos (PT3M for P3M)."""

_SATURDAY = 5
_ONE_DAY = timedelta(days=1)


class SuspiciouslyShortPeriod(InvalidDuration):
    """A notice period or objection window under one day: almost surely a typo."""

    def __init__(self, text: str, duration: Duration) -> None:
        super().__init__(
            text, f"shorter than one day, which no contract means; {_likely_intent(duration)}"
        )


def _likely_intent(d: Duration) -> str:
    """Name what the writer most likely meant: the date unit with the same letter."""
    if d.minutes and not (d.hours or d.seconds):
        return f"'PT{d.minutes}M' is {d.minutes} minutes; {d.minutes} months is 'P{d.minutes}M'"
    if d.hours and not (d.minutes or d.seconds):
        return f"'PT{d.hours}H' is {d.hours} hours; {d.hours} days is 'P{d.hours}D'"
    if d.seconds and not (d.hours or d.minutes):
        return f"'PT{d.seconds}S' is {d.seconds} seconds; {d.seconds} days is 'P{d.seconds}D'"
    return "write days as 'P30D' or months as 'P3M'"


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


def contract_period(text: str) -> Duration:
    """A notice period or objection window as entered: parsed, and at least one day.

    Raises `InvalidDuration` (`SuspiciouslyShortPeriod` for `PT3M` and the like,
    with a hint at the likely intent). Stored terms are not re-checked, so a
    shorter period written before this rule still counts as written.
    """
    duration = parse_duration(text)
    if duration.minimum_length() < MINIMUM_PERIOD:
        raise SuspiciouslyShortPeriod(text, duration)
    return duration


def validate_terms(terms: CustomerTerms) -> None:
    """Raise `InvalidDuration` if the terms cannot be applied; call it on input."""
    contract_period(terms.notice_period)
    if terms.objection_window is not None:
        contract_period(terms.objection_window)


def customer_date(at: datetime, terms: CustomerTerms) -> date:
    """The calendar day `at` falls on for the customer (its evaluation day)."""
    return _utc(at, "at").astimezone(_zone(terms.time_zone)).date()


def earliest_effective_at(sent_at: datetime, terms: CustomerTerms) -> datetime:
    """Send time + notice period on the customer's calendar (weekend roll, period end)."""
    return _period_end(_utc(sent_at, "sent_at"), notice_period(terms), terms)


def objection_deadline(
    sent_at: datetime,
    effective_at: datetime,
    terms: CustomerTerms,
    *,
    emergency: bool = False,
) -> datetime:
    """min(send time + objection window, effective date); the effective date if no window.

    Objecting after the change has taken effect is pointless, hence the cap,
    except after an emergency replacement the customer's terms allowed: it is
    in force before anyone could object, so the customer objects after the
    fact until send time + its window (`P30D` when the terms have none).
    """
    effective_at = _utc(effective_at, "effective_at")
    sent_at = _utc(sent_at, "sent_at")
    window = objection_window(terms)
    if emergency and terms.allows_emergency_replacement:
        after_the_fact = window or parse_duration(EMERGENCY_OBJECTION_WINDOW)
        return _period_end(sent_at, after_the_fact, terms)
    if window is None:
        return effective_at
    return min(_period_end(sent_at, window, terms), effective_at)


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


@dataclass(frozen=True, slots=True)
class NoticeDates:
    """One set of terms' dates for a change: what its holders' notices say."""

    terms: CustomerTerms
    earliest_effective_at: datetime  # the end of their notice window
    effective_at: datetime  # when the change takes effect for them
    objection_deadline: datetime
    too_early: bool = False  # the requested date cuts this window short: refused


def notice_dates(
    sent_at: datetime, change_effective_at: datetime, terms: CustomerTerms, *, emergency: bool
) -> NoticeDates:
    """A customer's notice of a change sent at `sent_at` dated `change_effective_at`."""
    effective_at = customer_effective_at(sent_at, change_effective_at, terms, emergency=emergency)
    return NoticeDates(
        terms=terms,
        earliest_effective_at=earliest_effective_at(sent_at, terms),
        effective_at=effective_at,
        objection_deadline=objection_deadline(sent_at, effective_at, terms, emergency=emergency),
    )


@dataclass(frozen=True, slots=True)
class NoticeDecision:
    """Announcing a change to the holders of some terms: the date it may take, the date
    it gets, and each terms' notice. The announcement records it (`checked`), the
    console's preview shows it; both come from `decide_effective_at`."""

    sent_at: datetime
    requested: datetime | None
    earliest_allowed: datetime  # the latest end of the binding windows, else sent_at
    effective_at: datetime  # the requested date, or earliest_allowed
    emergency: bool
    dates: tuple[NoticeDates, ...]

    @property
    def offending_terms(self) -> tuple[CustomerTerms, ...]:
        return tuple(d.terms for d in self.dates if d.too_early)

    def checked(self) -> datetime:
        """The effective date to record, or the rule it breaks (`NoticeWindowTooShort`
        naming the offending terms; `EffectiveAtBeforeNotice` for a normal change dated
        before its notice)."""
        if self.offending_terms:
            raise NoticeWindowTooShort(
                self.earliest_allowed,
                requested=self.requested,
                offending_terms=self.offending_terms,
            )
        if self.requested is not None and self.requested < self.sent_at and not self.emergency:
            raise EffectiveAtBeforeNotice(self.requested, self.sent_at)
        return self.effective_at


def decide_effective_at(
    sent_at: datetime,
    requested: datetime | None,
    terms_list: Iterable[CustomerTerms],
    *,
    emergency: bool,
) -> NoticeDecision:
    """The one rule for a change's date and each customer's notice (DESIGN.md 3.2, 3.4).

    Every window binds a normal change. An emergency replacement is bound by none:
    it takes effect at its date for customers whose terms allow it, and every other
    customer keeps its full window through its own later date (`customer_effective_at`).
    """
    sent_at = _utc(sent_at, "sent_at")
    if requested is not None:
        requested = _utc(requested, "requested")
    distinct = list(dict.fromkeys(terms_list))
    ends = {t: earliest_effective_at(sent_at, t) for t in distinct}
    earliest = max((ends[t] for t in distinct if not emergency), default=sent_at)
    chosen = requested if requested is not None else earliest
    dates = tuple(
        replace(
            notice_dates(sent_at, chosen, t, emergency=emergency),
            too_early=not emergency and requested is not None and requested < ends[t],
        )
        for t in distinct
    )
    return NoticeDecision(sent_at, requested, earliest, chosen, emergency, dates)


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


def _period_end(start: datetime, duration: Duration, terms: CustomerTerms) -> datetime:
    """Where a period from `start` ends for this customer, as a UTC instant.

    Counted on the customer's calendar; a last day on a local Saturday, Sunday or
    public holiday moves to the next working day when the terms say so; with
    END_OF_DAY the period runs to the end of its last local day, i.e. up to the
    next local midnight.
    """
    zone = _zone(terms.time_zone)
    end = add_duration(start, duration, zone)
    local = end.astimezone(zone)
    rolled = _rolled(local.date(), terms)
    if terms.period_ends is PeriodEnds.END_OF_DAY:
        return local_instant(datetime.combine(rolled + _ONE_DAY, time()), zone)
    if rolled == local.date():
        return end
    return local_instant(datetime.combine(rolled, local.time()), zone)


def _rolled(day: date, terms: CustomerTerms) -> date:
    """A Saturday, Sunday or public holiday moved to the next working day, when the
    terms ask for it (Regulation 1182/71 Art. 3(4); the holidays of their calendar)."""
    if not terms.weekend_rolls_to_monday:
        return day
    calendar = holiday_calendar(terms.holiday_calendar) if terms.holiday_calendar else None
    while day.weekday() >= _SATURDAY or (calendar is not None and calendar.holiday(day)):
        day += _ONE_DAY
    return day


def rolled_past(day: date, terms: CustomerTerms) -> tuple[tuple[date, str], ...]:
    """The days a period ending on `day` rolls past, each with why (for people)."""
    skipped: list[tuple[date, str]] = []
    end = _rolled(day, terms)
    calendar = holiday_calendar(terms.holiday_calendar) if terms.holiday_calendar else None
    while day < end:
        name = calendar.holiday(day) if calendar is not None else None
        skipped.append((day, name or day.strftime("%A")))
        day += _ONE_DAY
    return tuple(skipped)


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    return UTC if name == "UTC" else ZoneInfo(name)


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)
