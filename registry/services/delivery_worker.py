"""The two webhook jobs: DISPATCH turns events into deliveries, DELIVER sends them.

Both are scheduler jobs `(deps, worker_id) -> work done` and safe to run in many
workers at once. Dispatch is idempotent through the unique (event, subscription)
index. Delivery is at-least-once: a worker leases what it sends, and only the
holder of the lease can record the result (see store/deliveries.py), so a worker
that dies after sending leaves the message to be sent again with the same
`webhook-id` once its lease has run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import orjson

from registry.delivery import email, retry, sender, ssrf
from registry.delivery.secrets import SecretBox, SecretDecryptionError
from registry.delivery.sender import AttemptResult
from registry.delivery.signing import webhook_headers
from registry.domain.durations import Duration, add_duration, parse_duration
from registry.services.deps import Deps
from registry.services.webhooks import secret_box
from registry.store import customers, deliveries, events, ids
from registry.store import webhook_subscriptions as subscriptions
from registry.store.database import Document
from registry.store.deliveries import Attempt, Candidate, Delivery, DeliveryStatus
from registry.store.webhook_subscriptions import Subscription

logger = logging.getLogger("registry.webhooks")

RESOLVE_ALLOWANCE = timedelta(seconds=5)  # the SSRF guard's DNS timeout
SUCCESS_WRITE_INTERVAL = timedelta(minutes=1)
"""A healthy subscription's `last_success_at` is refreshed at most this often (one write)."""


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    """How a worker delivers; the defaults are production's."""

    batch_size: int = 32  # deliveries claimed per call, sent concurrently
    dispatch_batch: int = 200  # events fanned out per call
    lease: timedelta = timedelta(seconds=60)
    connect_timeout: float = sender.CONNECT_TIMEOUT
    total_timeout: float = sender.TOTAL_TIMEOUT
    db_concurrency: int = 8  # concurrent writes per batch; SQLite-backed servers lock beyond

    def __post_init__(self) -> None:
        if self.lease <= timedelta(seconds=self.total_timeout) + RESOLVE_ALLOWANCE:
            raise ValueError("the lease must outlast an attempt: total timeout + DNS time")


DEFAULT_OPTIONS = DeliveryOptions()


async def dispatch_events(
    deps: Deps, worker_id: str, *, options: DeliveryOptions = DEFAULT_OPTIONS
) -> int:
    """One delivery per (undispatched event, active subscription wanting it); events done."""
    batch = await events.undispatched_events(deps.db, options.dispatch_batch)
    if not batch:
        return 0
    now = deps.clock.now()
    customer_ids = sorted({event["customer_id"] for event in batch})
    by_customer: dict[str, list[Subscription]] = defaultdict(list)
    for sub in await subscriptions.active_for_customers(deps.db, customer_ids):
        by_customer[sub.customer_id].append(sub)
    docs: list[Document] = []
    for event in batch:
        wanting = [s for s in by_customer[event["customer_id"]] if s.wants(event["type"])]
        body = render_body(event) if wanting else ""
        docs.extend(
            deliveries.new_document(
                delivery_id=ids.new_id("WebhookDelivery"),
                event_id=event["_id"],
                event_type=event["type"],
                subscription_id=sub.id,
                customer_id=sub.customer_id,
                body=body,
                now=now,
            )
            for sub in wanting
        )
    docs.extend(await _email_deliveries(deps, batch, now))
    await deliveries.insert_new(deps.db, docs)
    # Only now: a crash before this line re-dispatches, and the unique index absorbs it.
    await events.mark_dispatched(deps.db, [event["_id"] for event in batch], now)
    return len(batch)


async def _email_deliveries(deps: Deps, batch: list[Document], now: datetime) -> list[Document]:
    """The email channel: every event, to each of its customer's notice addresses."""
    if not deps.settings.smtp_url:
        return []
    customer_ids = sorted({event["customer_id"] for event in batch})
    found = await customers.get_many(deps.db, customer_ids)
    addresses = {c.id: c.notice_emails for c in found if c is not None}
    return [
        deliveries.new_document(
            delivery_id=ids.new_id("WebhookDelivery"),
            event_id=event["_id"],
            event_type=event["type"],
            subscription_id=email.subscription_id(address),
            customer_id=event["customer_id"],
            body=render_body(event),
            now=now,
            channel=email.CHANNEL,
            target=address,
        )
        for event in batch
        for address in addresses.get(event["customer_id"], ())
    ]


def render_body(event: Document) -> str:
    """The Standard Webhooks body, rendered once so every attempt sends the same bytes."""
    payload = {"type": event["type"], "timestamp": event["occurred_at"], "data": event["data"]}
    option = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
    return orjson.dumps(payload, option=option, default=str).decode()


async def deliver_due(
    deps: Deps, worker_id: str, *, options: DeliveryOptions = DEFAULT_OPTIONS
) -> int:
    """Claim up to a batch of due deliveries, send them concurrently, record each result."""
    claimed = await claim_due(deps, worker_id, options)
    if not claimed:
        return 0
    async with _client(deps, options) as client:
        batch = await Batch.prepare(deps, claimed, options)
        outcomes = await asyncio.gather(
            *(batch.deliver(client, delivery) for delivery in claimed), return_exceptions=True
        )
    for delivery, outcome in zip(claimed, outcomes, strict=True):
        _log_failure(outcome, "delivery %s failed; it is retried when its lease ends", delivery.id)
    return len(claimed)


async def claim_due(deps: Deps, worker_id: str, options: DeliveryOptions) -> list[Delivery]:
    """Lease due deliveries for `worker_id`; each is leased by one worker at a time."""
    now = deps.clock.now()
    until = now + options.lease
    candidates = await deliveries.due(deps.db, now, options.batch_size)
    # Never-leased deliveries (the common case) are claimed together in a few round
    # trips; the rest go one by one, so a lost lease can be noted in the log.
    fresh = [c for c in candidates if c.lease_owner is None]
    won = await deliveries.take_slots(deps.db, fresh, owner=worker_id, until=until, now=now)
    mine = [c for c in fresh if c.id in won]
    claimed = await deliveries.claim_many(deps.db, mine, owner=worker_id, until=until, now=now)
    got = {d.id for d in claimed}
    await deliveries.release_slots(
        deps.db, [(c.id, c.lease_seq + 1) for c in mine if c.id not in got]
    )
    limit = asyncio.Semaphore(options.db_concurrency)

    async def claim(candidate: Candidate) -> Delivery | None:
        async with limit:
            return await _claim(deps, candidate, worker_id, now, until)

    others = [c for c in candidates if c.lease_owner is not None or c.id not in won]
    outcomes = await asyncio.gather(*(claim(c) for c in others), return_exceptions=True)
    for candidate, outcome in zip(others, outcomes, strict=True):
        _log_failure(outcome, "claiming delivery %s failed", candidate.id)
    return claimed + [delivery for delivery in outcomes if isinstance(delivery, Delivery)]


async def _claim(
    deps: Deps, candidate: Candidate, worker_id: str, now: datetime, until: datetime
) -> Delivery | None:
    seq = candidate.lease_seq + 1
    if not await deliveries.take_slot(
        deps.db, candidate.id, seq, owner=worker_id, until=until, now=now
    ):
        # Another worker is claiming it; or one died between slot and claim, and then
        # the slot is stepped over once its lease is over.
        if await deliveries.slot_expired(deps.db, candidate.id, seq, now):
            await deliveries.skip_slot(deps.db, candidate.id, candidate.lease_seq)
        return None
    delivery = await deliveries.claim(deps.db, candidate, owner=worker_id, until=until, now=now)
    if delivery is None:  # it changed since the scan: not due any more
        await deliveries.release_slot(deps.db, candidate.id, seq)
    return delivery


@contextlib.asynccontextmanager
async def _client(deps: Deps, options: DeliveryOptions) -> AsyncIterator[httpx.AsyncClient]:
    if deps.webhook_client is not None:
        yield deps.webhook_client
        return
    async with sender.build_client(
        connect_timeout=options.connect_timeout,
        total_timeout=options.total_timeout,
        max_connections=max(100, options.batch_size),
    ) as client:
        yield client


class Batch:
    """What one batch shares: subscriptions, SSRF verdicts, secrets, and health updates."""

    def __init__(
        self,
        deps: Deps,
        options: DeliveryOptions,
        subs: dict[str, Subscription],
        targets: dict[str, ssrf.CheckedTarget | str],
    ) -> None:
        self.deps = deps
        self.options = options
        self.subs = subs
        self.targets = targets
        self.box: SecretBox = secret_box(deps.settings)
        self.schedule = retry.parse_schedule(deps.settings.webhook_retry_schedule)
        self.disable_after: Duration = parse_duration(deps.settings.webhook_disable_after)
        self.rng = random.Random()  # noqa: S311 - jitter, not security
        self.writes = asyncio.Semaphore(options.db_concurrency)
        self._healthy: set[str] = set()
        self._failing: dict[str, datetime] = {}

    @classmethod
    async def prepare(
        cls, deps: Deps, claimed: Sequence[Delivery], options: DeliveryOptions
    ) -> Batch:
        hooks = sorted({d.subscription_id for d in claimed if d.channel != email.CHANNEL})
        subs = await subscriptions.get_many(deps.db, hooks)
        urls = sorted({s.url for s in subs.values() if s.active and s.deleted_at is None})
        allow = ssrf.parse_allow_cidrs(deps.settings.webhook_allow_cidrs)
        # The guard runs again for this batch's attempts, whatever it said at subscribe time.
        verdicts = await asyncio.gather(*(_check(url, deps.resolver, allow) for url in urls))
        return cls(deps, options, subs, dict(zip(urls, verdicts, strict=True)))

    async def deliver(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        started = self.deps.clock.now()
        sub = self.subs.get(delivery.subscription_id)
        if delivery.channel == email.CHANNEL:
            await self._finish(delivery, None, started, await self.send_email(delivery))
        elif sub is None or sub.deleted_at is not None:
            await self._close(delivery, started, "not sent: the subscription was deleted")
        elif not sub.active:
            await self._close(
                delivery, started, f"not sent: subscription disabled ({sub.disabled_reason})"
            )
        else:
            result = await self.send(client, delivery, sub, started)
            await self._finish(delivery, sub, started, result)

    async def send(
        self, client: httpx.AsyncClient, delivery: Delivery, sub: Subscription, started: datetime
    ) -> AttemptResult:
        """Check, sign and send one attempt, without recording it (tests and bench use it)."""
        target = self.targets[sub.url]
        if isinstance(target, str):
            return AttemptResult(None, 0.0, "", f"not sent: {target}", None, "failure")
        try:
            secrets = [self.box.decrypt(sealed) for sealed in sub.secrets.valid_at(started)]
        except SecretDecryptionError as exc:
            return AttemptResult(None, 0.0, "", f"not sent: {exc}", None, "failure")
        body = delivery.body.encode()
        headers = webhook_headers(secrets, delivery.id, int(started.timestamp()), body)
        return await sender.send_attempt(
            client, target, headers, body, total_timeout=self.options.total_timeout
        )

    async def send_email(self, delivery: Delivery) -> AttemptResult:
        """One SMTP attempt; without REGISTRY_SMTP_URL the delivery waits, retried."""
        settings = self.deps.settings
        if not settings.smtp_url or delivery.target is None:
            return AttemptResult(
                None, 0.0, "", "not sent: REGISTRY_SMTP_URL is not set", None, "failure"
            )
        message = email.render_message(
            delivery.body, sender=settings.smtp_from, to=delivery.target, message_id=delivery.id
        )
        server = email.parse_smtp_url(settings.smtp_url)
        return await email.send(message, server, total_timeout=self.options.total_timeout)

    async def _finish(
        self,
        delivery: Delivery,
        sub: Subscription | None,
        started: datetime,
        result: AttemptResult,
    ) -> None:
        now = self.deps.clock.now()
        status, next_at = DeliveryStatus.FAILED, None
        if result.outcome == "success":
            status = DeliveryStatus.DELIVERED
        elif result.outcome != "gone":
            delay = retry.next_attempt_delay(self.schedule, delivery.attempt_count, self.rng)
            asked = (
                retry.retry_after(result.retry_after, now) if result.outcome == "retry" else None
            )
            if delay is not None:
                status, next_at = DeliveryStatus.PENDING, now + max(delay, asked or delay)
        attempt = Attempt(
            number=delivery.attempt_count,
            at=started,
            status_code=result.status_code,
            latency_ms=round(result.latency_ms, 1),
            response_excerpt=result.response_excerpt,
            error=result.error or _describe_failure(result),
            outcome=result.outcome,
        )
        if not await self._record(delivery, attempt, status, next_at) or sub is None:
            return
        if result.outcome == "success":
            await self._succeeded(sub, now)
        elif result.outcome == "gone":
            await self._disable(sub, now, "the endpoint answered 410 Gone")
        else:
            await self._failed(sub, now)

    async def _close(self, delivery: Delivery, at: datetime, reason: str) -> None:
        attempt = Attempt(delivery.attempt_count, at, None, None, "", reason, "failure")
        await self._record(delivery, attempt, DeliveryStatus.FAILED, None)

    async def _record(
        self, delivery: Delivery, attempt: Attempt, status: DeliveryStatus, next_at: datetime | None
    ) -> bool:
        async with self.writes:
            recorded = await deliveries.record(
                self.deps.db, delivery, attempt, status=status, next_attempt_at=next_at
            )
        if not recorded:
            logger.warning("delivery %s: lease lost before its result was recorded", delivery.id)
        return recorded

    async def _succeeded(self, sub: Subscription, now: datetime) -> None:
        if sub.id in self._healthy:
            return
        self._healthy.add(sub.id)
        stale = sub.last_success_at is None or now - sub.last_success_at > SUCCESS_WRITE_INTERVAL
        if sub.failing_since is not None or stale:
            async with self.writes:
                await subscriptions.record_success(self.deps.db, sub.id, now)

    async def _failed(self, sub: Subscription, now: datetime) -> None:
        since = sub.failing_since or self._failing.get(sub.id)
        if since is None:
            async with self.writes:
                since = await subscriptions.record_failure(self.deps.db, sub.id, now)
            self._failing[sub.id] = since
        if add_duration(since, self.disable_after) <= now:
            reason = (
                f"no successful delivery since {since.isoformat()} "
                f"(disabled after {self.deps.settings.webhook_disable_after} of failures)"
            )
            await self._disable(sub, now, reason)

    async def _disable(self, sub: Subscription, now: datetime, reason: str) -> None:
        async with self.writes:
            if not await subscriptions.disable(self.deps.db, sub.id, at=now, reason=reason):
                return  # already disabled, and its owner already told
            logger.warning(
                "webhook subscription %s of %s disabled: %s", sub.id, sub.customer_id, reason
            )
            await events.emit(self.deps.db, disabled_event(self.deps, sub, now, reason))


def disabled_event(deps: Deps, sub: Subscription, at: datetime, reason: str) -> Document:
    """`subscription.disabled`, for the customer's remaining subscriptions."""
    graphql = deps.settings.public_url.rstrip("/") + "/graphql"
    return events.document(
        event_id=ids.new_id("Event"),
        type="subscription.disabled",
        customer_id=sub.customer_id,
        occurred_at=at,
        dedupe_key=f"subscription.disabled:{sub.id}:{at.isoformat()}",
        data={
            "subscription": {
                "id": sub.id,
                "url": sub.url,
                "disabledAt": at.isoformat(),
                "reason": reason,
            },
            "customer": {"id": sub.customer_id},
            "links": {"graphql": graphql},
        },
    )


async def _check(
    url: str, resolver: ssrf.Resolver, allow: Sequence[ssrf.IPNetwork]
) -> ssrf.CheckedTarget | str:
    try:
        return await ssrf.check_url(url, resolver=resolver, allow=allow)
    except ssrf.UnsafeUrl as exc:
        return exc.message


def _log_failure(outcome: object, message: str, delivery_id: str) -> None:
    """One delivery's database trouble must not take its batch down (at-least-once)."""
    if isinstance(outcome, BaseException):
        if not isinstance(outcome, Exception):
            raise outcome
        logger.error(message, delivery_id, exc_info=outcome)


def _describe_failure(result: AttemptResult) -> str | None:
    if result.outcome == "redirect":
        return "redirects are not followed: point the subscription at the final URL"
    if result.outcome in ("failure", "retry", "gone"):
        return f"receiver answered HTTP {result.status_code}"
    return None
