"""Per-client token buckets with an injected clock (pure; no I/O).

Limits are per ``konnekt-signal`` instance: behind a load balancer a client may get N times
the rate across N instances, which still bounds abuse and needs no shared state.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from ._limits import MAX_TRACKED_CLIENTS, Rate


class RateLimiter:
    def __init__(self, rate: Rate, clock: Callable[[], float],
                 max_clients: int = MAX_TRACKED_CLIENTS) -> None:
        self.rate = rate
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, client: str) -> bool:
        """Take one token for ``client``; False when it has none left (answer 429)."""
        now = self._clock()
        tokens, at = self._buckets.pop(client, (self.rate.burst, now))
        tokens = min(self.rate.burst, tokens + (now - at) * self.rate.per_second)
        ok = tokens >= 1.0
        self._buckets[client] = (tokens - 1.0 if ok else tokens, now)
        while len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)
        return ok

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` has a token again (for the Retry-After header)."""
        tokens, _ = self._buckets.get(client, (self.rate.burst, 0.0))
        return max(0.0, (1.0 - tokens) / self.rate.per_second)
