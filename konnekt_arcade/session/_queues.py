"""Bounded queues between the network and the game, with a counted overflow policy.

``FairQueue`` (one lane per peer, drained round-robin) lives in ``net._fair`` because the
transports use it too and ``net`` is the lower layer; it is re-exported here for the session's
queues of peer input (game data, peer commands), so a noisy peer evicts only its own items.
"""

from __future__ import annotations

import collections
import logging
import time
from typing import Generic, TypeVar

from ..net._fair import FairQueue

__all__ = ["DropOldestQueue", "FairQueue"]

T = TypeVar("T")
WARNING_INTERVAL = 5.0


class DropOldestQueue(Generic[T]):
    """A FIFO of at most ``maxlen`` items. When full, the *oldest* item is dropped (newer game
    data is worth more than stale), counted in ``dropped`` and reported by a warning at most
    every ``WARNING_INTERVAL`` seconds. Memory never grows past ``maxlen`` items."""

    def __init__(self, maxlen: int, name: str, logger: logging.Logger) -> None:
        if maxlen < 1:
            raise ValueError("queue size must be at least 1")
        self.maxlen = maxlen
        self.name = name
        self.dropped = 0
        self._items: collections.deque[T] = collections.deque()
        self._log = logger
        self._last_warning = float("-inf")

    def put(self, item: T) -> None:
        if len(self._items) >= self.maxlen:
            self._items.popleft()
            self.dropped += 1
            now = time.monotonic()
            if now - self._last_warning >= WARNING_INTERVAL:
                self._last_warning = now
                self._log.warning(
                    "%s queue full (%d): dropped %d oldest item(s) so far; drain it more often "
                    "or raise queue_size", self.name, self.maxlen, self.dropped)
        self._items.append(item)

    def extend(self, items: list[T]) -> None:
        """``put`` each of ``items`` in order; one call for a batch that fits (the common
        case: every event a poll applied), the same drops and counts as ``put`` otherwise."""
        if len(items) <= self.maxlen - len(self._items):
            self._items.extend(items)
            return
        for item in items:
            self.put(item)

    def drain(self, max_items: int | None = None) -> list[T]:
        items = self._items
        if max_items is None or max_items >= len(items):  # all of it: one copy, one clear
            out = list(items)
            items.clear()
            return out
        return [items.popleft() for _ in range(max_items)]

    def __len__(self) -> int:
        return len(self._items)
