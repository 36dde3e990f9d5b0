"""The bounded log of applied events, kept by every peer.

The host serves gap repair from it; any survivor serves a successor host
from it during migration. Bounded so memory stays flat in long sessions;
a gap older than the log is repaired with a full snapshot instead.
"""

from __future__ import annotations

from collections import deque

from ._wire import LobbyEvent


class EventLog:
    def __init__(self, max_events: int) -> None:
        self._events: deque[LobbyEvent] = deque(maxlen=max_events)

    def append(self, event: LobbyEvent) -> None:
        self._events.append(event)

    def reset(self, events: list[LobbyEvent] | None = None) -> None:
        self._events.clear()
        for e in events or ():
            self._events.append(e)

    @property
    def first_sequence(self) -> int | None:
        return self._events[0].sequence if self._events else None

    def get(self, sequence: int) -> LobbyEvent | None:
        events = self._events
        if not events:
            return None
        if sequence == events[-1].sequence:  # the tail: asked for on every applied event
            return events[-1]
        idx = sequence - events[0].sequence
        return events[idx] if 0 <= idx < len(events) else None

    def covers(self, from_sequence: int) -> bool:
        """Whether every event from ``from_sequence`` on is still here."""
        first = self.first_sequence
        return first is not None and first <= from_sequence

    def range(self, from_sequence: int, to_sequence: int, limit: int) -> list[LobbyEvent]:
        """Events with from <= sequence <= to, at most ``limit`` of them."""
        out: list[LobbyEvent] = []
        first = self.first_sequence
        if first is None:
            return out
        start = max(from_sequence, first) - first
        for i in range(start, len(self._events)):
            e = self._events[i]
            if e.sequence > to_sequence or len(out) >= limit:
                break
            out.append(e)
        return out

    def __len__(self) -> int:
        return len(self._events)
