"""The jobs the scheduler runs, in order: each claims its own work with leases."""

from __future__ import annotations

from registry.scheduler.loop import Job
from registry.services.change_effects import settle_changes
from registry.services.change_jobs import (
    apply_effective_changes,
    apply_lagging_notices,
    expand_changes,
    send_reminders,
)
from registry.services.console_digests import refresh_console_digests
from registry.services.customers import place_customers
from registry.services.legal_watch import remind_reviews, tell_staff, watch_release
from registry.services.objection_effects import settle_objections
from registry.services.outbox.dispatch import dispatch_events
from registry.services.outbox.staff_alerts import alert_staff
from registry.services.outbox.worker import deliver_due

JOBS: tuple[Job, ...] = (
    settle_changes,
    settle_objections,
    place_customers,
    expand_changes,
    apply_effective_changes,
    apply_lagging_notices,
    send_reminders,
    dispatch_events,
    deliver_due,
    alert_staff,
    watch_release,
    remind_reviews,
    tell_staff,
    refresh_console_digests,
)
