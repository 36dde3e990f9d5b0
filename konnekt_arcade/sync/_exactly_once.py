"""Exactly-once commands: in flight (guest side), already sequenced (every peer), answered.

Exactly once across a host change: a guest keeps every command the host has not answered and
sends it again to whoever becomes host; every sequenced event names the command it came from
(:class:`CommandOrigin`: participant and request id), every peer remembers the latest of them
(bounded, and carried in snapshots), so a new host that receives a command the old host had
already sequenced answers "accepted" without applying it twice.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from uuid import UUID

from ..domain._events import CommandFailed
from ._outbox import Outbox
from ._role import Role
from ._view import SyncView
from ._wire import Command, CommandAccepted, CommandOrigin, CommandRejected, Rejoin

#: Request ids of one LobbySync start in their own block (derived from the peer id it was
#: created under), so a guest that restarts and rejoins as the same participant never reuses
#: an id the lobby remembers as sequenced.
_BLOCK = 1 << 20
#: Outcomes of our own latest commands we remember (``command_outcome``): far more than a
#: game keeps asking about; bounded so a long session's memory stays flat.
MAX_OUTCOMES = 1024


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

    def __contains__(self, key: object) -> bool:
        """``(participant_id, request_id) in sequenced`` (anything else is not in it)."""
        if not isinstance(key, tuple) or len(key) != 2 or not isinstance(key[0], UUID):
            return False
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


class Commands:
    """The commands part. Own state: our commands in flight (``pending``), what the lobby
    sequenced (``sequenced``), how our latest commands ended, the next request id, and
    whether commands in flight may have somewhere new to go (``due``)."""

    def __init__(self, view: SyncView, outbox: Outbox, sequenced: SequencedCommands) -> None:
        self.v = view
        self.out = outbox
        cfg = view.config
        self.pending = PendingCommands(cfg.max_pending_commands, cfg.command_timeout)
        #: The replicated record of what the lobby sequenced (the core folds into it).
        self.sequenced = sequenced
        self._outcomes: OrderedDict[int, str] = OrderedDict()
        self._next = first_request_id(view.local_peer)
        #: Set when commands in flight may have somewhere new to go (the core sends them
        #: once the current input is handled).
        self.due = False

    def next_request_id(self) -> int:
        rid = self._next
        self._next += 1
        return rid

    def outcome(self, request_id: int) -> str | None:
        return self._outcomes.get(request_id)

    def answered(self, request_id: int, outcome: str) -> None:
        self._outcomes[request_id] = outcome
        while len(self._outcomes) > MAX_OUTCOMES:
            self._outcomes.popitem(last=False)

    def fail(self, command_type: str, reason: str, request_id: int | None) -> None:
        self.out.notice(CommandFailed(command_type=command_type, reason=reason,
                                      request_id=request_id))
        if request_id is not None:
            self.answered(request_id, "failed")

    def hold(self, command: object, request_id: int, now: float) -> None:
        """Keep ``command`` until a host answers it (sent once the input is handled)."""
        kind = type(command).__name__
        if self.pending.full():
            self.fail(kind, "too many commands waiting for the host", request_id)
            return
        self.pending.add(InFlight(request_id, kind, Command(
            request_id=request_id, command=command),  # type: ignore[arg-type]  # a user command
            now + self.v.config.command_timeout))
        self.due = True

    def host_changed(self) -> None:
        """A new host: commands in flight go there; a Rejoin is never re-sent."""
        self.pending.forget_rejoins()
        self.due = True

    def to_decide_here(self) -> Iterator[InFlight]:
        """As the new host: our commands in flight the lobby has not sequenced yet (the
        caller decides each); the rest are answered "accepted" (the old host did them)."""
        me = self.v.local_participant_id
        for item in self.pending.items():
            if item.command is None:
                continue
            self.pending.pop(item.request_id)
            if me is not None and (me, item.request_id) in self.sequenced:
                self.out.stats["commands_recognised"] += 1
                self.answered(item.request_id, "accepted")
                continue  # the old host sequenced it before it went
            yield item

    def send_pending(self, now: float) -> None:
        """As a replica: commands in flight go to the current host, once per host."""
        host = self.v.host_peer
        if self.v.lobby is None or host is None or self.v.role is not Role.REPLICA:
            return
        for item in self.pending.to_send(host, now):
            if item.command is not None:  # to_send() yields commands only (no Rejoin)
                self.out.send(host, item.command)

    def expire(self, now: float) -> None:
        for item in self.pending.expired(now):
            self.fail(item.kind, "the host did not answer in time", item.request_id)

    def on_accepted(self, peer: str, msg: CommandAccepted) -> None:
        if peer == self.v.host_peer and self.pending.pop(msg.request_id) is not None:
            self.answered(msg.request_id, "accepted")

    def on_rejected(self, peer: str, msg: CommandRejected) -> None:
        if peer != self.v.host_peer:
            self.out.drop("not_from_host", peer)
            return
        if msg.not_host:
            return  # it stepped down: the command goes to the next host
        if self.pending.pop(msg.request_id) is not None:
            self.fail(msg.command_type, msg.reason, msg.request_id)

    def send_rejoin(self, resume: tuple[UUID, str] | None) -> None:
        """Prove to our host that we are ``resume``'s participant (after a snapshot, or
        when the host marked us gone)."""
        v = self.v
        if resume is None or v.lobby is None or v.host_peer is None:
            return
        pid, token = resume
        rid = self.next_request_id()
        self.pending.add(InFlight(rid, "Rejoin", None, float("inf"), v.host_peer))
        self.out.send(v.host_peer, Rejoin(request_id=rid, lobby_id=v.lobby.id,
                                          participant_id=pid, reconnect_token=token))
