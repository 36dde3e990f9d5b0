"""Messages to the host and to one player, and requests the host's game code answers.

Routing is by participant id: a message to the host goes to whichever peer is host *now*, a
message to a player to the peer the roster binds to that participant, and whoever receives
one learns the sender from the roster (the peer the bytes came from), never from the bytes,
so a guest cannot speak for another.

The host changes under a running game (a hand-over, an election after a crash). The races
that follow are handled here rather than in every game:

* We send to the host while there is none we can reach (an election, a reconnect): reliable
  messages wait (at most ``HOST_WAIT`` s, ``MAX_WAITING`` of them) and go to the next host;
  unreliable ones are dropped and counted (stale by the time a host is back).
* We send to a host that has just handed over (our lobby has not caught up): it bounces the
  message (``BOUNCE``, by id: never a payload a peer could slip us) and it waits for the
  next host like the above. A request pending when the host changes is sent again to the new
  host; every request ends with exactly one ``Reply``: answered, ``TIMEOUT`` or ``CLOSED``.
* A message for the host reaches the next host before its own lobby shows it as host (the
  event is still on its way; the sender's lobby sequence is ahead of ours), or a message
  comes from a peer the roster does not bind yet (a newcomer): it is held for ``HOLD`` s and
  delivered when the lobby catches up.
* The new host's first messages (``FROM_HOST``) reach a peer before the event that makes it
  host: held the same way, so ``Message.from_host`` is true only when our lobby agrees.

Anything malformed, a reply or bounce from a peer we did not ask, and whatever outlives its
wait is dropped and counted (``dropped:message_*``), never raised. Sans-I/O: time comes in
as ``now``; the session's ``Routing`` says who is who and moves bytes. Wire: ``_message_wire``.
"""

from __future__ import annotations

import collections
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol
from uuid import UUID

from ._errors import SendFailed
from ._framing import MAX_MESSAGE_DATA
from ._message_types import Incoming, Message, Reply, ReplyStatus, Request
from ._message_wire import BOUNCE, FROM_HOST, REPLY, REQUEST, TO_HOST, TO_PLAYER, frame, parse
from ._queues import FairQueue

logger = logging.getLogger("konnekt_arcade.session")

#: The "peer" of what we send ourselves (the host asking or telling its own game code).
LOCAL = ""
#: Seconds a reliable message to the host waits for one to be reachable: longer than a host
#: migration takes (heartbeat timeout 2.5 s + collecting 1 s + the new host's first events).
HOST_WAIT = 10.0
#: Messages waiting for a host, at most: a game sending every frame during a 10 s election
#: must not grow memory; the oldest go first (counted). Also how many sent ones we keep to
#: send on if bounced.
MAX_WAITING = 256
#: Seconds a received message is held for the lobby to catch up (see the module docstring):
#: the lag between two peers applying the same event, a few round trips. A message we sent
#: to the host is kept twice as long, in case it bounces.
HOLD = 2.0
#: Received messages held at most (the oldest dropped, counted).
MAX_HELD = 256
#: Requests of ours pending at most; a request beyond it ends at once with ``TIMEOUT``.
MAX_PENDING = 256
#: Requests the host remembers having delivered (sender, id), so one sent again to the same
#: host (held, then re-sent on the host change it was waiting for) reaches the game once.
MAX_REMEMBERED = 1024
#: Default seconds a request waits for its reply (as long as a lobby command waits).
REQUEST_TIMEOUT = 10.0


class Routing(Protocol):
    """What the messenger needs of its session: who is who, how far its lobby is, a way out."""

    @property
    def closed(self) -> bool: ...

    def host_peer(self) -> str | None:
        """The peer to send to the host now: ``LOCAL`` when we are host, None when no host is
        reachable (an election, a reconnect, before the lobby)."""

    def is_host(self) -> bool: ...

    def is_host_peer(self, peer: str) -> bool:
        """Whether our lobby shows ``peer`` as the host we follow."""

    def settling(self, sequence: int) -> bool:
        """Whether our lobby may yet make us host: it is behind ``sequence`` (a peer's), or
        an election is under way."""

    def sequence(self) -> int:
        """Our lobby's sequence (the last event applied)."""

    def participant_of(self, peer: str) -> UUID | None:
        """The participant ``peer`` speaks for (``LOCAL``: ours)."""

    def peer_of(self, participant_id: UUID) -> str | None:
        """The peer speaking for ``participant_id`` (ours: ``LOCAL``), if any."""

    def send(self, peer: str, reliable: bool, data: bytes) -> bool:
        """Send ``data`` to ``peer`` if it is connected; False (nothing sent) if not."""


@dataclass
class _Pending:
    """One of our requests waiting for its reply."""

    payload: bytes
    deadline: float
    sent_to: str | None = None  # the host peer it went to last (``LOCAL``: our own game)
    asked: set[str] = field(default_factory=set)  # every peer it went to: a reply counts from these


class _Waiting(NamedTuple):
    """A message of ours for the host, waiting for one (not ``avoid``: it bounced it)."""

    expires: float
    data: bytes
    avoid: str | None = None


class _Held(NamedTuple):
    """A received message waiting for the lobby to catch up."""

    expires: float
    peer: str
    kind: int
    id: int
    payload: bytes
    reliable: bool


def check_payload(data: object, what: str) -> bytes:
    """``data`` as bytes, or the error a programming mistake deserves.

    Raises:
        TypeError: not bytes-like. SendFailed: over ``MAX_MESSAGE_DATA``.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"{what} must be bytes, not {type(data).__name__}")
    if len(data) > MAX_MESSAGE_DATA:
        raise SendFailed(f"{what} of {len(data)} bytes exceeds {MAX_MESSAGE_DATA}")
    return bytes(data)


class Messenger:
    """Messages and requests of one session (see the module docstring). ``stats`` is the
    session's counter; received messages, requests and replies come out of ``drain()``."""

    def __init__(self, routing: Routing, stats: Counter[str], *, queue_size: int = 1024) -> None:
        self.routing = routing
        self.stats = stats
        self._incoming: FairQueue[str, Incoming] = FairQueue(queue_size, "message", logger,
                                                             drop_oldest=True)
        self._next_id = 1
        self._pending: dict[int, _Pending] = {}
        self._waiting: collections.deque[_Waiting] = collections.deque()
        #: Messages we sent to a host, by id: (peer, data, until), to send on if bounced.
        self._sent: collections.OrderedDict[int, tuple[str, bytes, float]] = \
            collections.OrderedDict()
        self._held: collections.deque[_Held] = collections.deque()
        self._delivered: collections.OrderedDict[tuple[UUID, int], None] = \
            collections.OrderedDict()

    # --- sending ------------------------------------------------------------------------------

    def send_to_host(self, data: bytes, reliable: bool, now: float) -> None:
        data = check_payload(data, "a message")
        if not self._to_host(data, reliable, None, now):
            if not reliable:
                self._drop("no_host")
            else:
                self._wait(_Waiting(now + HOST_WAIT, data))

    def send_to(self, participant_id: UUID, data: bytes, reliable: bool, now: float) -> None:
        data = check_payload(data, "a message")
        peer, host = self.routing.peer_of(participant_id), self.routing.is_host()
        if peer == LOCAL:
            self._incoming.put(LOCAL, Message(self._me(), data, reliable, False, host), now)
        elif peer is None:
            self._drop("unknown_participant", participant_id)
        elif self.routing.send(peer, reliable, frame(FROM_HOST if host else TO_PLAYER, data)):
            self.stats["messages_out"] += 1
        else:
            self._drop("not_connected", participant_id)

    def request_host(self, payload: bytes, timeout: float, now: float) -> int:
        payload = check_payload(payload, "a request")
        request_id = self._new_id()
        self.stats["requests_out"] += 1
        if len(self._pending) >= MAX_PENDING:
            self._drop("too_many_requests")
            self._incoming.put(LOCAL, Reply(request_id, ReplyStatus.TIMEOUT), now)
            return request_id
        pending = self._pending[request_id] = _Pending(payload, now + timeout)
        self._ask(request_id, pending, now)
        return request_id

    def reply(self, request: Request, payload: bytes, now: float) -> None:
        payload = check_payload(payload, "a reply")
        peer = self.routing.peer_of(request.sender)
        if peer == LOCAL:
            self._on_reply(LOCAL, request.request_id, payload, now)
        elif peer is not None and self.routing.send(peer, True,
                                                    frame(REPLY, payload, request.request_id)):
            self.stats["replies_out"] += 1
        else:
            self._drop("reply_not_connected", request.sender)

    # --- receiving ----------------------------------------------------------------------------

    def receive(self, peer: str, body: bytes, reliable: bool, now: float) -> None:
        """A message frame (``body``: after ``MESSAGE_PREFIX``) from ``peer``."""
        message = parse(body)
        if message is None:
            self._drop("malformed")
            return
        kind, id_, sequence, payload = message
        self.stats["messages_in"] += 1
        if kind == REPLY:
            self._on_reply(peer, id_, payload, now)
        elif kind == BOUNCE:
            self._on_bounce(peer, id_, now)
        elif self._route(peer, kind, id_, payload, reliable, now):
            pass
        elif (kind in (TO_HOST, REQUEST) and self.routing.participant_of(peer) is not None
              and not self.routing.settling(sequence)):
            self._refuse(peer, kind, id_)  # its lobby is behind ours: we are not its host
        else:
            if len(self._held) >= MAX_HELD:
                self._held.popleft()
                self._drop("held_full")
            self._held.append(_Held(now + HOLD, peer, kind, id_, payload, reliable))

    def drain(self, max_items: int | None = None) -> list[Incoming]:
        return self._incoming.drain(max_items)

    @property
    def dropped(self) -> int:
        """Received messages, requests and replies the game did not drain in time."""
        return self._incoming.dropped

    # --- time ---------------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Send what waited for a host, re-ask pending requests after a host change, deliver
        held messages the lobby caught up with, and end what ran out of time."""
        if not (self._waiting or self._pending or self._held or self._sent):
            return
        if self.routing.closed:
            for request_id in list(self._pending):
                self._resolve(request_id, ReplyStatus.CLOSED, now)
            self._waiting.clear()
            self._held.clear()
            self._sent.clear()
            return
        while self._sent and next(iter(self._sent.values()))[2] <= now:
            self._sent.popitem(last=False)
        self._flush_waiting(now)
        for request_id, pending in list(self._pending.items()):
            if now >= pending.deadline:
                logger.debug("request %d timed out (asked %d peer(s))", request_id,
                             len(pending.asked))
                self._resolve(request_id, ReplyStatus.TIMEOUT, now)
            else:
                self._ask(request_id, pending, now)
        for _ in range(len(self._held)):
            held = self._held.popleft()
            if self._route(held.peer, held.kind, held.id, held.payload, held.reliable, now):
                continue
            if now < held.expires:
                self._held.append(held)
            elif self.routing.participant_of(held.peer) is None:
                self._drop("unknown_sender")
            elif held.kind == FROM_HOST:
                self._drop("not_from_host")
            else:
                self._refuse(held.peer, held.kind, held.id)

    # --- internals ----------------------------------------------------------------------------

    def _new_id(self) -> int:
        new, self._next_id = self._next_id, self._next_id % 0xFFFFFFFF + 1
        return new

    def _me(self) -> UUID:
        me = self.routing.participant_of(LOCAL)
        assert me is not None, "a host always has a participant id"
        return me

    def _to_host(self, data: bytes, reliable: bool, avoid: str | None, now: float) -> bool:
        """Send one message to the host now (not to ``avoid``); False if there is none."""
        host = self.routing.host_peer()
        if host == LOCAL:
            self._incoming.put(LOCAL, Message(self._me(), data, reliable, True), now)
            return True
        if host is None or host == avoid:
            return False
        message_id = self._new_id()
        if not self.routing.send(host, reliable, frame(TO_HOST, data, message_id,
                                                       self.routing.sequence())):
            return False
        self.stats["messages_out"] += 1
        if reliable:  # kept a while: the host may have just handed over and bounce it
            self._sent[message_id] = (host, data, now + 2 * HOLD)
            if len(self._sent) > MAX_WAITING:
                self._sent.popitem(last=False)
        return True

    def _wait(self, waiting: _Waiting) -> None:
        if len(self._waiting) >= MAX_WAITING:
            self._waiting.popleft()
            self._drop("waiting_full")
        self._waiting.append(waiting)

    def _flush_waiting(self, now: float) -> None:
        while self._waiting:
            waiting = self._waiting[0]
            if now >= waiting.expires:
                self._drop("no_host")
            elif not self._to_host(waiting.data, True, waiting.avoid, now):
                return
            self._waiting.popleft()

    def _ask(self, request_id: int, pending: _Pending, now: float) -> None:
        """Send ``request_id`` to the host if it has not gone to this host yet."""
        host = self.routing.host_peer()
        if host is None or host == pending.sent_to:
            return
        if host == LOCAL:
            pending.sent_to = LOCAL
            pending.asked.add(LOCAL)
            self._deliver_request(self._me(), request_id, pending.payload, LOCAL, now)
        elif self.routing.send(host, True, frame(REQUEST, pending.payload, request_id,
                                                 self.routing.sequence())):
            if pending.sent_to is not None:
                logger.debug("request %d sent again, to the new host", request_id)
            pending.sent_to = host
            pending.asked.add(host)

    def _route(self, peer: str, kind: int, id_: int, payload: bytes, reliable: bool,
               now: float) -> bool:
        """Deliver a received message; False if our lobby does not allow it (yet)."""
        sender = self.routing.participant_of(peer)
        if sender is None or (kind in (TO_HOST, REQUEST) and not self.routing.is_host()) or (
                kind == FROM_HOST and not self.routing.is_host_peer(peer)):
            return False
        if kind == REQUEST:
            self._deliver_request(sender, id_, payload, peer, now)
        else:
            self._incoming.put(peer, Message(sender, payload, reliable, kind == TO_HOST,
                                             kind == FROM_HOST), now)
        return True

    def _refuse(self, peer: str, kind: int, id_: int) -> None:
        """We are not ``peer``'s host (any more): a message bounces, for the sender to send on
        to the next host; a request is dropped (its sender asks the next host itself)."""
        self._drop("not_host")
        if kind == TO_HOST:
            self.routing.send(peer, True, frame(BOUNCE, b"", id_))

    def _on_bounce(self, peer: str, message_id: int, now: float) -> None:
        sent = self._sent.pop(message_id, None)
        if sent is None or sent[0] != peer:
            self._drop("bounce_unknown")  # long ago, or not sent to this peer: ignored
            return
        self.stats["messages_bounced"] += 1
        if not self._to_host(sent[1], True, peer, now):
            self._wait(_Waiting(now + HOST_WAIT, sent[1], peer))

    def _deliver_request(self, sender: UUID, request_id: int, payload: bytes, peer: str,
                         now: float) -> None:
        key = (sender, request_id)
        if key in self._delivered:
            self.stats["dropped:message_duplicate_request"] += 1
            return
        self._delivered[key] = None
        if len(self._delivered) > MAX_REMEMBERED:
            self._delivered.popitem(last=False)
        self._incoming.put(peer, Request(request_id, sender, payload), now)

    def _on_reply(self, peer: str, request_id: int, payload: bytes, now: float) -> None:
        pending = self._pending.get(request_id)
        if pending is None:
            self._drop("reply_unknown")  # after its timeout, or a made-up id
        elif peer not in pending.asked:
            self._drop("reply_not_from_host")  # a peer we never asked: not an answer
        else:
            self._resolve(request_id, ReplyStatus.ANSWERED, now, payload,
                          self.routing.participant_of(peer))

    def _resolve(self, request_id: int, status: ReplyStatus, now: float, data: bytes = b"",
                 host: UUID | None = None) -> None:
        if self._pending.pop(request_id, None) is not None:
            self._incoming.put(LOCAL, Reply(request_id, status, data, host), now)

    def _drop(self, reason: str, about: object = None) -> None:
        self.stats[f"dropped:message_{reason}"] += 1
        logger.debug("message dropped: %s%s", reason, f" ({about})" if about else "")
