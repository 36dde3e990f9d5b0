"""Per-peer rate limits and a log that cannot be flooded.

A hostile peer can send as fast as its data channel allows; everything it
makes us do (parse, decide, answer, log) must cost at most a fixed budget
per second. Both helpers take ``now`` as an argument, like the rest of sync.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass


@dataclass(slots=True)
class TokenBucket:
    """Classic token bucket: ``burst`` tokens, refilled at ``rate`` per second."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = float("nan")

    def take(self, now: float, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens if there are enough; False means "over the limit".
        (Locals and no min/max calls: it runs for every message a peer sends us.)"""
        tokens, stamp = self.tokens, self.stamp
        if tokens < 0 or stamp != stamp:  # first use (stamp is NaN): a full bucket
            tokens = self.burst
        elif now > stamp:
            tokens += (now - stamp) * self.rate
            if tokens > self.burst:
                tokens = self.burst
        self.stamp = now
        if tokens >= cost:
            self.tokens = tokens - cost
            return True
        self.tokens = tokens
        return False


class PeerBuckets:
    """One bucket per peer, for at most ``max_peers`` peers (oldest forgotten)."""

    def __init__(self, rate: float, burst: float, max_peers: int = 256) -> None:
        self.rate, self.burst, self.max_peers = rate, burst, max_peers
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, peer: str, now: float, cost: float = 1.0) -> bool:
        if self.rate <= 0:  # a rate of 0 turns the limit off
            return True
        bucket = self._buckets.get(peer)
        if bucket is None:
            if len(self._buckets) >= self.max_peers:
                self._buckets.pop(next(iter(self._buckets)))
            bucket = self._buckets[peer] = TokenBucket(self.rate, self.burst)
        return bucket.take(now, cost)

    def forget(self, peer: str) -> None:
        self._buckets.pop(peer, None)

    def __len__(self) -> int:
        return len(self._buckets)


class QuietLog:
    """Warnings at most once per ``interval`` seconds per key, with a count of
    what was held back, so an attacker cannot fill the disk through our log."""

    def __init__(self, logger: logging.Logger, interval: float = 10.0) -> None:
        self._logger = logger
        self.interval = interval
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warning(self, key: str, now: float, msg: str, *args: object) -> bool:
        """Log ``msg`` unless ``key`` was logged less than ``interval`` ago.

        Returns True if the line was written.
        """
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        held = self._held.pop(key, 0)
        self._last[key] = now
        if held:
            self._logger.warning(msg + " (%d similar suppressed)", *args, held)
        else:
            self._logger.warning(msg, *args)
        return True
