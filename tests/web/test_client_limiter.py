"""The per-client limiter of the subscription form forgets clients idle for a window."""

from __future__ import annotations

from registry.web.subscriptions import ClientLimiter


def test_a_client_is_limited_within_its_window() -> None:
    limiter = ClientLimiter(limit=2, window=10.0)
    assert [limiter.allow("a", now=t) for t in (0.0, 1.0, 2.0)] == [True, True, False]
    assert limiter.allow("a", now=10.5)  # the first request left the window


def test_idle_clients_are_forgotten() -> None:
    limiter = ClientLimiter(limit=2, window=10.0)
    for n in range(1_000):
        limiter.allow(f"198.51.100.{n}", now=float(n % 5))
    assert len(limiter.seen) == 1_000
    limiter.allow("203.0.113.1", now=100.0)
    assert list(limiter.seen) == ["203.0.113.1"]


def test_the_number_of_clients_kept_is_bounded() -> None:
    limiter = ClientLimiter(limit=2, window=3600.0, max_clients=100)
    for n in range(10_000):
        limiter.allow(f"client-{n}", now=1.0)
    assert len(limiter.seen) <= 100
