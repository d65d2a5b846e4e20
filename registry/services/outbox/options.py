"""How a worker delivers: batch size, requests in flight, leases and timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from registry.delivery import sender

RESOLVE_ALLOWANCE = timedelta(seconds=5)  # the SSRF guard's DNS timeout


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    """How a worker delivers; the defaults are production's."""

    batch_size: int = 128  # deliveries claimed together
    concurrency: int = 64  # requests in flight at once
    dispatch_batch: int = 200  # events fanned out per call
    lease: timedelta = timedelta(seconds=90)
    claim_for: timedelta = timedelta(seconds=5)
    """No new batch is claimed once a call has run this long: the scheduler runs its
    jobs in turn, and notices with legal deadlines wait behind a long delivery call."""
    connect_timeout: float = sender.CONNECT_TIMEOUT
    total_timeout: float = sender.TOTAL_TIMEOUT

    def __post_init__(self) -> None:
        if self.lease <= lease_needed(self.batch_size, self.concurrency, self.total_timeout):
            raise ValueError(
                "the lease must outlast two batches (one is claimed while the one before "
                "it is on the wire): 2 x (total timeout + DNS time) "
                "x ceil(batch size / concurrency)"
            )


def lease_needed(batch_size: int, concurrency: int, total_timeout: float) -> timedelta:
    """How long a claimed batch can take at worst: it waits for the batch before it."""
    rounds = -(-batch_size // concurrency)
    return 2 * rounds * (timedelta(seconds=total_timeout) + RESOLVE_ALLOWANCE)


DEFAULT_OPTIONS = DeliveryOptions()
