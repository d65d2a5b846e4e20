"""One claimed batch: what its attempts share, and one attempt of each delivery.

A batch is prepared while the batch before it is on the wire (`worker.py`): its
subscriptions, their SSRF verdicts, the public addresses still subscribed, the
events of deliveries stored before bodies were kept, and the shared payloads.
An attempt then only puts the body together, signs it and sends it.

An attempt always ends in an outcome. A message that cannot be built from what is
stored, or that the receiver refuses for good, is FAILED at once with its cause
(`DeliveryFailure`): left to raise, it would only be retried after its lease ran out,
forever, and nobody would be told.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from datetime import datetime

import httpx

from registry.delivery import email, notice_links, retry, sender, ssrf
from registry.delivery.bodies import BY_EVENT, shared_ref, stored_body, with_shared
from registry.delivery.secrets import SecretBox, SecretDecryptionError
from registry.delivery.sender import AttemptResult
from registry.delivery.signing import Signer
from registry.domain.webhooks import (
    Attempt,
    Delivery,
    DeliveryFailure,
    DeliveryStatus,
    FailureKind,
    Subscription,
)
from registry.services import subscribers
from registry.services.deps import Deps
from registry.services.outbox import email_attempts, recording
from registry.services.outbox.health import SubscriptionHealth
from registry.services.outbox.options import DeliveryOptions
from registry.services.outbox.payloads import shared_payloads
from registry.services.webhooks import secret_box
from registry.store import customers, events, webhook_subscriptions
from registry.store.deliveries import Outcome


class Batch:
    """What one batch shares: subscriptions, SSRF verdicts, secrets, and health updates."""

    def __init__(
        self,
        deps: Deps,
        options: DeliveryOptions,
        subs: dict[str, Subscription],
        targets: dict[str, ssrf.CheckedTarget | str],
        subscribed: Mapping[str, str] | None = None,
        bodies: dict[str, str] | None = None,
        shared: dict[str, str] | None = None,
        revoked: dict[str, datetime] | None = None,
    ) -> None:
        self.deps = deps
        self.options = options
        self.subs = subs
        self.targets = targets
        self.box: SecretBox = secret_box(deps.settings)
        self.links = notice_links.LinkFiller(
            notice_links.link_key(deps.settings.effective_secret_key()),
            deps.settings.public_url,
            revoked,
        )
        self.subscribed: Mapping[str, str] = subscribed or {}  # address -> language
        self.bodies = bodies or {}
        self.shared = shared or {}
        self.schedule = retry.parse_schedule(deps.settings.webhook_retry_schedule)
        self.health = SubscriptionHealth(deps)
        self.rng = random.Random()  # noqa: S311 - jitter, not security
        self._signers: dict[tuple[str, ...], Signer] = {}

    @classmethod
    async def prepare(
        cls, deps: Deps, claimed: Sequence[Delivery], options: DeliveryOptions
    ) -> Batch:
        hooks = sorted({d.subscription_id for d in claimed if d.channel != email.CHANNEL})
        subs = await webhook_subscriptions.get_many(deps.db, hooks)
        urls = sorted({s.url for s in subs.values() if s.active and s.deleted_at is None})
        allow = ssrf.parse_allow_cidrs(deps.settings.webhook_allow_cidrs)
        # The guard runs again for this batch's attempts, whatever it said at subscribe time.
        verdicts = await asyncio.gather(*(_check(url, deps.resolver, allow) for url in urls))
        public = [d.target for d in claimed if d.customer_id == subscribers.PUBLIC and d.target]
        subscribed = await subscribers.still_subscribed(deps, public) if public else {}
        wanted = sorted({d.event_id for d in claimed if d.body == BY_EVENT})
        found = await events.bodies_of(deps.db, wanted) if wanted else {}
        bodies = {event_id: stored_body(event) for event_id, event in found.items()}
        stored = (*bodies.values(), *(d.body for d in claimed))
        refs = {ref for body in stored if (ref := shared_ref(body))}
        shared = await shared_payloads(deps, refs) if refs else {}
        told = sorted({d.customer_id for d in claimed if d.customer_id != subscribers.PUBLIC})
        revoked = await customers.notice_links_revoked_among(deps.db, told) if told else {}
        return cls(
            deps,
            options,
            subs,
            dict(zip(urls, verdicts, strict=True)),
            subscribed,
            bodies,
            shared,
            revoked,
        )

    async def attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> Outcome:
        """Make one attempt and decide what follows, without writing anything."""
        started = self.deps.clock.now()
        sub = self.subs.get(delivery.subscription_id)
        if delivery.body == BY_EVENT and delivery.event_id not in self.bodies:
            return self._unrenderable(delivery, started, "its event no longer exists")
        ref = shared_ref(delivery.body or self.bodies[delivery.event_id])
        if ref is not None and ref not in self.shared:
            return self._unrenderable(delivery, started, "its change payload is missing")
        if delivery.channel == email.CHANNEL:
            if (
                delivery.customer_id == subscribers.PUBLIC
                and delivery.target not in self.subscribed
            ):
                return self._closed(delivery, started, "not sent: the address unsubscribed")
            if not email_attempts.can_send(self.deps, delivery):
                return self._outcome(delivery, started, email_attempts.NO_SMTP)
            try:
                message = email_attempts.build_email(
                    self.deps,
                    delivery,
                    self.body_of(delivery),
                    self.subscribed.get(delivery.target or ""),
                )
            except email.Unrenderable as exc:
                return self._unrenderable(delivery, started, exc.cause)
            except Exception as exc:  # a bug building this one message: its own failure
                return self._unrenderable(delivery, started, _could_not_build(exc))
            result = await email_attempts.send_email(
                self.deps, self.options, message, delivery.target or ""
            )
            return self._outcome(delivery, started, result)
        if sub is None or sub.deleted_at is not None:
            return self._closed(delivery, started, "not sent: the subscription was deleted")
        if not sub.active:
            reason = f"not sent: subscription disabled ({sub.disabled_reason})"
            return self._closed(delivery, started, reason)
        try:
            body = self.body_of(delivery)
        except Exception as exc:  # a bug building this one body: its own failure
            return self._unrenderable(delivery, started, _could_not_build(exc))
        sent = await self.send(client, delivery, sub, started, body=body)
        return self._outcome(delivery, started, sent)

    async def send(
        self,
        client: httpx.AsyncClient,
        delivery: Delivery,
        sub: Subscription,
        started: datetime,
        *,
        body: str | None = None,
    ) -> AttemptResult:
        """Check, sign and send one attempt, without recording it (tests and bench use it)."""
        target = self.targets[sub.url]
        if isinstance(target, str):
            return AttemptResult(None, 0.0, "", f"not sent: {target}", None, "failure")
        try:
            signer = self._signer(sub.secrets.valid_at(started))
        except SecretDecryptionError as exc:
            return AttemptResult(None, 0.0, "", f"not sent: {exc}", None, "failure")
        sent = (self.body_of(delivery) if body is None else body).encode()
        headers = signer.headers(delivery.id, int(started.timestamp()), sent)
        return await sender.send_attempt(
            client, target, headers, sent, total_timeout=self.options.total_timeout
        )

    def body_of(self, delivery: Delivery) -> str:
        """The stored body with its shared payload and signed notice link put in (links
        are never stored)."""
        body = delivery.body or self.bodies.get(delivery.event_id, "")
        return self.links.fill_in(with_shared(body, self.shared))

    def _signer(self, sealed: tuple[str, ...]) -> Signer:
        """Each subscription's secrets are decrypted and keyed once per batch, not per message."""
        signer = self._signers.get(sealed)
        if signer is None:
            signer = self._signers[sealed] = Signer([self.box.decrypt(s) for s in sealed])
        return signer

    def _outcome(self, delivery: Delivery, started: datetime, result: AttemptResult) -> Outcome:
        now = self.deps.clock.now()
        status, next_at = DeliveryStatus.FAILED, None
        failure: DeliveryFailure | None = None
        error = result.error or _describe_failure(result)
        if result.outcome == "success":
            status = DeliveryStatus.DELIVERED
        elif result.permanent:
            failure = DeliveryFailure(FailureKind.REFUSED, error or "refused")
            error = failure.summary
        elif result.outcome == "gone":
            failure = DeliveryFailure(FailureKind.REFUSED, "the endpoint answered 410 Gone")
        else:
            delay = retry.next_attempt_delay(self.schedule, delivery.attempt_count, self.rng)
            asked = (
                retry.retry_after(result.retry_after, now) if result.outcome == "retry" else None
            )
            if delay is not None:
                status, next_at = DeliveryStatus.PENDING, now + max(delay, asked or delay)
            else:
                last = error or "no answer"
                tries = delivery.attempt_count
                cause = f"gave up after {tries} attempt{'s' if tries != 1 else ''}: {last}"
                failure = DeliveryFailure(FailureKind.RETRIES_EXHAUSTED, cause)
        attempt = Attempt(
            number=delivery.attempt_count,
            at=started,
            status_code=result.status_code,
            latency_ms=round(result.latency_ms, 1),
            response_excerpt=result.response_excerpt,
            error=error,
            outcome=result.outcome,
        )
        return Outcome(delivery, attempt, status, next_at, failure)

    def _closed(self, delivery: Delivery, at: datetime, reason: str) -> Outcome:
        """Withheld on purpose (unsubscribed, subscription deleted or disabled)."""
        attempt = Attempt(delivery.attempt_count, at, None, None, "", reason, "failure")
        failure = DeliveryFailure(FailureKind.NOT_SENT, reason.removeprefix("not sent: "))
        return Outcome(delivery, attempt, DeliveryStatus.FAILED, None, failure)

    def _unrenderable(self, delivery: Delivery, at: datetime, cause: str) -> Outcome:
        """The message cannot be built from what is stored: FAILED now, with the cause."""
        failure = DeliveryFailure(FailureKind.UNRENDERABLE, cause)
        attempt = Attempt(delivery.attempt_count, at, None, None, "", failure.summary, "failure")
        return Outcome(delivery, attempt, DeliveryStatus.FAILED, None, failure)

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write the batch's results, then what they say of its subscriptions' health."""
        await recording.record(self.deps, outcomes, self.subs, self.health)


async def _check(
    url: str, resolver: ssrf.Resolver, allow: Sequence[ssrf.IPNetwork]
) -> ssrf.CheckedTarget | str:
    try:
        return await ssrf.check_url(url, resolver=resolver, allow=allow)
    except ssrf.UnsafeUrl as exc:
        return exc.message


def _could_not_build(exc: Exception) -> str:
    detail = " ".join(str(exc).split()) or "no detail"
    return f"the message could not be built: {type(exc).__name__}: {detail}"[:400]


def _describe_failure(result: AttemptResult) -> str | None:
    if result.outcome == "redirect":
        return "redirects are not followed: point the subscription at the final URL"
    if result.outcome in ("failure", "retry", "gone"):
        return f"receiver answered HTTP {result.status_code}"
    return None
