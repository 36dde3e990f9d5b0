"""Commands in flight (guest side) and commands already sequenced (every peer).

Exactly once across a host change: a guest keeps every command the host has not answered and
sends it again to whoever becomes host; every sequenced event names the command it came from
(:class:`CommandOrigin`: participant and request id), every peer remembers the latest of them
(bounded, and carried in snapshots), so a new host that receives a command the old host had
already sequenced answers "accepted" without applying it twice.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from ._wire import Command, CommandOrigin

#: Request ids of one LobbySync start in their own block (derived from the peer id it was
#: created under), so a guest that restarts and rejoins as the same participant never reuses
#: an id the lobby remembers as sequenced.
_BLOCK = 1 << 20


def first_request_id(local_peer: str) -> int:
    """Where this incarnation's request ids start (deterministic: no clock, no randomness)."""
    digest = hashlib.sha256(local_peer.encode()).digest()
    return (int.from_bytes(digest[:4], "big") * _BLOCK) + 1


@dataclass
class InFlight:
    """One command waiting for the host's answer. ``command`` is None for a Rejoin (never
    re-sent on a host change: the new host's snapshot triggers a fresh one)."""

    request_id: int
    kind: str
    command: Command | None
    deadline: float
    sent_to: str | None = None


class PendingCommands:
    """Guest commands the host has not answered yet, bounded by ``limit``."""

    def __init__(self, limit: int, timeout: float) -> None:
        self.limit = limit
        self.timeout = timeout
        self._items: dict[int, InFlight] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, request_id: int) -> bool:
        return request_id in self._items

    def full(self) -> bool:
        return len(self._items) >= self.limit

    def add(self, item: InFlight) -> None:
        self._items[item.request_id] = item

    def pop(self, request_id: int) -> InFlight | None:
        return self._items.pop(request_id, None)

    def items(self) -> list[InFlight]:
        """Oldest first (request ids only grow)."""
        return [self._items[r] for r in sorted(self._items)]

    def to_send(self, host: str, now: float) -> list[InFlight]:
        """Commands not yet sent to ``host``; marks them sent there, with a new deadline."""
        out = []
        for item in self.items():
            if item.command is not None and item.sent_to != host:
                item.sent_to = host
                item.deadline = now + self.timeout
                out.append(item)
        return out

    def forget_rejoins(self) -> None:
        for item in self.items():
            if item.command is None:
                del self._items[item.request_id]

    def unsent(self, request_id: int) -> None:
        """The peer we sent it to is not the host: send it again to the next one."""
        item = self._items.get(request_id)
        if item is not None:
            item.sent_to = None

    def expired(self, now: float) -> list[InFlight]:
        if not self._items:  # the usual case, checked on every poll
            return []
        out = [i for i in self.items() if now >= i.deadline]
        for item in out:
            del self._items[item.request_id]
        return out


class SequencedCommands:
    """The latest ``limit`` commands the lobby sequenced, by (participant, request id).

    Keyed by ``UUID.int``: every applied event records its origin here, and a UUID's own
    hash and comparison are Python code."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: OrderedDict[tuple[int, int], CommandOrigin] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, key: tuple[UUID, int]) -> bool:
        return (key[0].int, key[1]) in self._seen

    def record(self, origin: CommandOrigin) -> None:
        key = (origin.participant_id.int, origin.request_id)
        seen = self._seen
        if key in seen:
            return
        seen[key] = origin
        if len(seen) > self.limit:
            seen.popitem(last=False)

    def reset(self, origins: Iterable[CommandOrigin] = ()) -> None:
        self._seen.clear()
        for origin in origins:
            self.record(origin)

    def origins(self) -> tuple[CommandOrigin, ...]:
        return tuple(self._seen.values())
