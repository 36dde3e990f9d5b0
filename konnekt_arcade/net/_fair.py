"""A queue with one bounded lane per peer, drained round-robin, and the per-peer budget that
decides whether a message may take a place in it.

Why: one shared FIFO from the network thread to the game thread let a peer that floods fill
it, and then honest peers' messages (their commands, the host's heartbeats) were dropped with
the flood. With a lane per peer a flooder can only fill its own lane, so it only ever loses its
own messages, and the round-robin drain gives every peer a turn in each ``poll()`` however
long the flooder's lane is. The budget (a token bucket per peer, checked on the network thread
before the message is queued) drops a flood before it costs the game thread anything.

``admit`` is how both transports (WebRTC and in-memory) put an event in such a queue.

Pure: no threads, no clocks (``now`` is passed in); callers hold their own lock.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from ..sync._limits import PeerBuckets, QuietLog
from .events import Message, PeerConnected, PeerDisconnected, TransportEvent

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

#: Messages per second one peer may put into our incoming queue (token bucket, checked on the
#: network thread). An honest peer at the library's limits sends far less: the sync engine
#: allows a non-host 200 messages/s, and a host of 64 answers at most 10 commands/s of each of
#: 63 guests (~630 events/s) plus heartbeats; a game's own data at 60 Hz adds ~120/s. 1000/s
#: leaves room above all of that and still caps what a flood can cost the game thread.
PEER_MESSAGE_RATE = 1000.0
#: Burst of that bucket: two seconds' worth, so a late join's snapshot (in parts) plus a burst
#: of events right after it never touches the limit.
PEER_MESSAGE_BURST = 2000.0
#: Peers whose drop counters are kept (the oldest forgotten): bounds memory under churn.
MAX_COUNTED_PEERS = 256


class FairQueue(Generic[K, T]):
    """FIFO lanes of at most ``per_key`` items each, one lane per key (a peer), drained
    round-robin across keys and in order within a key.

    ``put(..., keep=True)`` always queues (connection events: losing one would corrupt the
    session). Otherwise a full lane drops: its *newest* item (the one being put) by default,
    so what was accepted stays in order; with ``drop_oldest=True`` its *oldest* (newer game
    data is worth more than stale). Drops are counted in total (``dropped``) and per key
    (``dropped_by``), and warned about at most every ``warning_interval`` seconds per key.
    """

    def __init__(self, per_key: int, name: str, logger: logging.Logger, *,
                 drop_oldest: bool = False, warning_interval: float = 5.0) -> None:
        if per_key < 1:
            raise ValueError("queue size must be at least 1")
        self.per_key = per_key
        self.name = name
        self.drop_oldest = drop_oldest
        self.dropped = 0
        self.dropped_by: collections.OrderedDict[K, int] = collections.OrderedDict()
        self._lanes: collections.OrderedDict[K, collections.deque[T]] = \
            collections.OrderedDict()
        self._size = 0
        self._log = QuietLog(logger, warning_interval)

    def put(self, key: K, item: T, now: float = 0.0, *, keep: bool = False) -> bool:
        """Queue ``item`` in ``key``'s lane; False if it was dropped (lane full)."""
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = collections.deque()
        if not keep and len(lane) >= self.per_key:
            self.count_drop(key, now)
            if not self.drop_oldest:
                return False
            lane.popleft()
            self._size -= 1
        lane.append(item)
        self._size += 1
        return True

    def count_drop(self, key: K, now: float = 0.0, reason: str = "full") -> None:
        """Count one dropped item of ``key`` (also for drops decided before ``put``, e.g.
        ``reason="over budget"``)."""
        self.dropped += 1
        self.dropped_by[key] = self.dropped_by.pop(key, 0) + 1
        while len(self.dropped_by) > MAX_COUNTED_PEERS:
            self.dropped_by.popitem(last=False)
        self._log.warning(f"{self.name}:{key}", now,
                          "%s queue %s (%d per peer): dropped %d item(s) from %s so far; "
                          "other peers are unaffected; drain it more often or raise "
                          "queue_size", self.name, reason, self.per_key, self.dropped_by[key],
                          key)

    def drain(self, max_items: int | None = None) -> list[T]:
        """Up to ``max_items`` items (all by default): one per lane in turn, each lane in
        order. A lane that gave an item goes to the back of the rotation."""
        limit = self._size if max_items is None else max(0, min(max_items, self._size))
        if not limit:
            return []
        lanes = self._lanes
        if len(lanes) == 1:  # one peer (a guest hearing only its host): no turns to take
            key, lane = next(iter(lanes.items()))
            if limit >= len(lane):
                out = list(lane)
                del lanes[key]
            else:
                popleft = lane.popleft
                out = [popleft() for _ in range(limit)]
            self._size -= len(out)
            return out
        out = []
        while len(out) < limit:
            key, lane = next(iter(lanes.items()))
            out.append(lane.popleft())
            if lane:
                lanes.move_to_end(key)
            else:
                del lanes[key]
        self._size -= len(out)
        return out

    def clear(self) -> None:
        self._lanes.clear()
        self._size = 0

    def lane_length(self, key: K) -> int:
        lane = self._lanes.get(key)
        return len(lane) if lane is not None else 0

    def __len__(self) -> int:
        return self._size


class PeerBudget:
    """The per-peer message budget of an incoming queue (``PEER_MESSAGE_RATE``/``_BURST``);
    a rate of 0 turns it off."""

    def __init__(self, rate: float = PEER_MESSAGE_RATE, burst: float = PEER_MESSAGE_BURST
                 ) -> None:
        self.rate, self.burst = rate, burst
        self._buckets = PeerBuckets(rate, burst, max_peers=MAX_COUNTED_PEERS)
        #: Spend one of ``peer``'s tokens at ``now``; False: over its budget. The buckets'
        #: own method, bound once: it runs for every received message.
        self.take: Callable[[str, float], bool] = self._buckets.take

    def forget(self, peer: str) -> None:
        self._buckets.forget(peer)


def admit(queue: FairQueue[str, TransportEvent], budget: PeerBudget, stats: dict[str, int],
          event: TransportEvent, now: float) -> None:
    """Queue a transport event in its peer's lane (local events in lane "").

    Only messages are ever dropped: one over its peer's budget or with its peer's lane full is
    counted in ``stats`` (``dropped_incoming`` and by reason). Connection events always queue
    (losing a connect/disconnect would corrupt the session); a peer that left has its budget
    forgotten."""
    if isinstance(event, Message):
        if not budget.take(event.peer_id, now):
            queue.count_drop(event.peer_id, now, "over budget")
            stats["dropped_incoming:rate_limited"] += 1
            stats["dropped_incoming"] += 1
        elif not queue.put(event.peer_id, event, now):
            stats["dropped_incoming:queue_full"] += 1
            stats["dropped_incoming"] += 1
        return
    peer = event.peer_id if isinstance(event, PeerConnected | PeerDisconnected) else ""
    queue.put(peer, event, now, keep=True)
    if isinstance(event, PeerDisconnected):
        budget.forget(event.peer_id)
