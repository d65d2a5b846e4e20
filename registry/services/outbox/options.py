"""How a worker delivers: batch size, requests in flight, leases and timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from registry.delivery import sender


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    """How a worker delivers; the defaults are production's."""

    batch_size: int = 128  # deliveries claimed together
    concurrency: int = 64  # requests in flight at once
    dispatch_batch: int = 200  # events fanned out per call
    lease: timedelta = timedelta(seconds=6)
    """A claim lasts this long unless renewed: a killed worker's messages are sent again
    by another worker within about this long."""
    renew_every: timedelta = timedelta(seconds=2)
    """While a call holds claims it renews them this often, however long its batches take."""
    claim_for: timedelta = timedelta(seconds=5)
    """No new batch is claimed once a call has run this long: the scheduler runs its
    jobs in turn, and notices with legal deadlines wait behind a long delivery call."""
    connect_timeout: float = sender.CONNECT_TIMEOUT
    total_timeout: float = sender.TOTAL_TIMEOUT

    def __post_init__(self) -> None:
        if self.lease < 3 * self.renew_every:
            raise ValueError(
                "the lease must last three renewal periods, so that one late or failed "
                "renewal does not end a claim that is still being worked on"
            )


DEFAULT_OPTIONS = DeliveryOptions()
