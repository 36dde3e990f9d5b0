"""Sends on their way from the game thread to the network thread, and the plan of how one
wake-up of the network thread sends them.

``Outbox`` is the hand-off: ``send``, ``send_many`` and ``broadcast`` each put one entry under
one lock, and only the first entry since the last drain asks for a wake-up of the network loop
(a wake-up per message was a syscall each: the host of 4 guests paid 4 an event). It also
keeps the one count of messages that never went out (``dropped_outgoing``): one per message
per peer it was meant for, whichever thread found it could not go, under its lock.

``plan`` is what a drain sends, in order: per peer, and reliable messages to one peer packed
in as few frames as they fit (``_batch``).

No asyncio, no aiortc, no clock: the transport wakes the loop and moves the bytes.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

from ._batch import BATCH_MARK, frame_of_one, frames
from .events import CHANNEL_RELIABLE

#: One send: the peers it is for (None: every peer linked when it goes out), channel, bytes.
Entry = tuple[tuple[str, ...] | None, int, bytes]
#: One data-channel message to hand to a link: peer, channel, bytes, how many of the callers'
#: messages it carries, and how many of those were sent to this peer by name (the ones that
#: count as dropped if it cannot go; a broadcast just skips a link that is going away).
Send = tuple[str, int, bytes, int, int]


class Outbox:
    """Entries queued for the network thread, at most ``limit`` at a time; beyond that, and
    before ``open()`` or after ``close()``, a send drops and is counted.
    ``stats["dropped_outgoing"]`` is written here only, under the lock. ``broadcast_fanout()``
    says how many peers a broadcast dropped here was meant for (called under the lock: it
    must not block)."""

    def __init__(self, limit: int, stats: dict[str, int],
                 broadcast_fanout: Callable[[], int]) -> None:
        self.limit = limit
        self._stats = stats
        self._fanout = broadcast_fanout
        self._lock = threading.Lock()
        self._entries: collections.deque[Entry] = collections.deque()
        self._wake_pending = False
        self._open = False
        stats.setdefault("dropped_outgoing", 0)

    def open(self) -> None:
        """The network thread is there: sends queue from now on."""
        with self._lock:
            self._open = True

    def close(self) -> None:
        """Sends drop from now on (what is queued still goes out)."""
        with self._lock:
            self._open = False

    def put(self, peers: tuple[str, ...] | None, channel: int, data: bytes) -> bool:
        """Queue one send (the hot path: one lock). True if the caller must wake the network
        thread; False if a wake-up is already on its way, or the send was dropped and counted
        (the outbox is full or not open)."""
        with self._lock:
            if not self._open or len(self._entries) >= self.limit:
                self._stats["dropped_outgoing"] += (
                    len(peers) if peers is not None else self._fanout())
                return False
            self._entries.append((peers, channel, data))
            if self._wake_pending:
                return False  # the wake-up already on its way takes this one too
            self._wake_pending = True
            return True

    def take(self) -> list[Entry]:
        """Network thread, on its wake-up: everything queued, in order."""
        with self._lock:
            entries = list(self._entries)
            self._entries.clear()
            self._wake_pending = False
            return entries

    def abandon(self) -> None:
        """The wake-up could not be scheduled (the loop is gone): drop and count everything."""
        with self._lock:
            fanout = sum(len(p) if p is not None else self._fanout() for p, _, _ in self._entries)
            self._stats["dropped_outgoing"] += fanout
            self._entries.clear()
            self._wake_pending = False

    def count_dropped(self, messages: int) -> None:
        """``messages`` (one per message per peer) could not go out."""
        if messages:
            with self._lock:
                self._stats["dropped_outgoing"] += messages

    def __len__(self) -> int:
        return len(self._entries)


def plan(entries: Sequence[Entry], everyone: Callable[[], Iterable[str]],
         batch_bytes: int) -> Iterator[Send]:
    """What to send for ``entries``, in order per peer. Reliable messages to one peer go in
    frames of at most ``batch_bytes`` (0: each alone); a lone reliable message that starts with
    ``BATCH_MARK`` goes as a frame of one, or the receiver would take it for a frame.
    ``everyone()``: the peers a broadcast goes to, asked at most once."""
    peers_of_all: list[str] | None = None

    def targets(peers: tuple[str, ...] | None) -> Iterable[str]:
        nonlocal peers_of_all
        if peers is not None:
            return peers
        if peers_of_all is None:
            peers_of_all = list(everyone())
        return peers_of_all

    if len(entries) == 1 or batch_bytes <= 0:  # a lone message: nothing to batch
        for peers, channel, data in entries:
            if channel == CHANNEL_RELIABLE and data.startswith(BATCH_MARK):
                data = frame_of_one(data)
            named = int(peers is not None)
            for peer_id in targets(peers):
                yield peer_id, channel, data, 1, named
        return
    reliable: dict[str, list[tuple[bytes, bool]]] = {}
    for peers, channel, data in entries:
        named = peers is not None
        for peer_id in targets(peers):
            if channel == CHANNEL_RELIABLE:
                reliable.setdefault(peer_id, []).append((data, named))
            else:
                yield peer_id, channel, data, 1, int(named)
    for peer_id, queued in reliable.items():
        if len(queued) == 1:  # one message for this peer (a broadcast to several peers)
            data, named = queued[0]
            if data.startswith(BATCH_MARK):
                data = frame_of_one(data)
            yield peer_id, CHANNEL_RELIABLE, data, 1, int(named)
            continue
        start = 0
        for frame, count in frames([data for data, _ in queued], batch_bytes):
            named_count = sum(named for _, named in queued[start:start + count])
            start += count
            yield peer_id, CHANNEL_RELIABLE, frame, count, named_count
