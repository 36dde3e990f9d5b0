"""The messaging half of ``SessionLoop``'s API: messages to the host and to a player, and
requests the host's game code answers. A mixin of thin methods over the session's
``Messenger`` (``_messages.py``, where the routing and its races are decided), and the
``Routing`` that tells it about the session (``P2PRouting``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from ._message_types import Incoming, Request
from ._messages import LOCAL, REQUEST_TIMEOUT, Messenger

if TYPE_CHECKING:
    from ._p2p_loop import P2PLoop


class Messaging:
    """Messages and host requests, keyed by participant id (see ``_messages``)."""

    _messages: Messenger
    _clock: Callable[[], float]

    def send_to_host(self, data: bytes, reliable: bool = True) -> None:
        """Send ``data`` to whoever is host now (ourselves included: the host's game gets its
        own message like anyone's), arriving as a ``Message`` with ``to_host=True``.

        While the host is changing (an election, a reconnect) a reliable message waits, up
        to ``HOST_WAIT`` s, and goes to the next host; an unreliable one is dropped and
        counted (``stats["dropped:message_no_host"]``). Never raises because of the network.

        Raises:
            TypeError: ``data`` is not bytes. SendFailed: over ``MAX_MESSAGE_DATA`` bytes.
        """
        self._messages.send_to_host(data, reliable, self._clock())

    def send_to(self, participant_id: UUID, data: bytes, reliable: bool = True) -> None:
        """Send ``data`` to the player ``participant_id`` (a ``Message`` with
        ``to_host=False`` at its end), wherever its peer is now. Sent by the host, it arrives
        with ``from_host=True``, and only once the receiver's lobby shows us as host. A player
        not connected (gone, reconnecting) is no error: the message is dropped and counted
        (``stats["dropped:message_not_connected"]`` / ``:message_unknown_participant``).

        Raises:
            TypeError: ``data`` is not bytes. SendFailed: over ``MAX_MESSAGE_DATA`` bytes.
        """
        self._messages.send_to(participant_id, data, reliable, self._clock())

    def request_host(self, payload: bytes, timeout: float = REQUEST_TIMEOUT) -> int:
        """Ask the host's game code (e.g. "claim coin 7"); returns the request id. Exactly one
        ``Reply`` with that id comes out of ``drain_messages()`` (the hook's ``on_reply``):
        the host's answer, or ``TIMEOUT`` after ``timeout`` s, or ``CLOSED``. A request
        pending when the host changes is sent again to the new host.

        Raises:
            TypeError: ``payload`` is not bytes. SendFailed: over ``MAX_MESSAGE_DATA`` bytes.
        """
        return self._messages.request_host(payload, timeout, self._clock())

    def reply(self, request: Request, payload: bytes) -> None:
        """Answer ``request`` (a ``Request`` from ``drain_messages()`` / ``on_request``, which
        reach the host only). A requester that went away meanwhile is no error (counted).

        Raises:
            TypeError: ``payload`` is not bytes. SendFailed: over ``MAX_MESSAGE_DATA`` bytes.
        """
        self._messages.reply(request, payload, self._clock())

    def drain_messages(self, max_items: int | None = None) -> list[Incoming]:
        """Received ``Message``, ``Request`` (on the host) and ``Reply`` values, each peer's
        oldest first (at most ``queue_size`` per peer: the oldest dropped and counted in
        ``stats["dropped:messages"]``). ``SessionHook`` drains and dispatches them."""
        return self._messages.drain(max_items)


class P2PRouting:
    """``Routing`` over a ``P2PLoop``: its sync engine's roster and role, its transport."""

    def __init__(self, p2p: P2PLoop) -> None:
        self._p2p = p2p

    @property
    def closed(self) -> bool:
        return self._p2p.closed

    def host_peer(self) -> str | None:
        from ..sync import Role

        sync, transport = self._p2p.sync, self._p2p.transport
        if sync is None or sync.lobby is None or self._p2p.closed:
            return None
        if sync.is_host:
            return LOCAL
        host = sync.host_peer
        if sync.role is not Role.REPLICA or host is None or transport is None:
            return None
        return host if host in transport.connected_peers() else None

    def is_host(self) -> bool:
        sync = self._p2p.sync
        return sync is not None and sync.is_host

    def is_host_peer(self, peer: str) -> bool:
        from ..sync import Role

        sync = self._p2p.sync
        return sync is not None and sync.role is Role.REPLICA and sync.host_peer == peer

    def settling(self, sequence: int) -> bool:
        from ..sync import Role

        sync = self._p2p.sync
        return sync is None or sync.sequence < sequence or sync.role in (
            Role.UNSYNCED, Role.ELECTING, Role.COLLECTING)

    def sequence(self) -> int:
        sync = self._p2p.sync
        return sync.sequence if sync is not None else 0

    def participant_of(self, peer: str) -> UUID | None:
        sync = self._p2p.sync
        if sync is None:
            return None
        return sync.local_participant_id if peer == LOCAL else sync.participant_of(peer)

    def peer_of(self, participant_id: UUID) -> str | None:
        sync = self._p2p.sync
        if sync is None:
            return None
        if participant_id == sync.local_participant_id:
            return LOCAL
        return sync.peer_of(participant_id)

    def send(self, peer: str, reliable: bool, data: bytes) -> bool:
        from ..net import CHANNEL_RELIABLE, CHANNEL_UNRELIABLE

        transport = self._p2p.transport
        if transport is None or self._p2p.closed or peer not in transport.connected_peers():
            return False
        transport.send(peer, CHANNEL_RELIABLE if reliable else CHANNEL_UNRELIABLE, data)
        return True
