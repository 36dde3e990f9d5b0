"""``LanResponder``: what a hosting game says on the LAN, and whom it answers (sans-I/O).

Every decision of LAN discovery's host side, with no socket and no clock: ``LanAdvertiser``
(``_advertiser.py``) feeds it the lobby info, the datagrams it hears, the interface list and
``now``, and sends the ``Datagram``s it gets back. The rules:

- Silent until the socket is open, the lobby is live and this peer hosts it.
- An announce goes out of every interface (its subnet broadcast and the multicast group),
  each copy naming that interface's address: the invite must be reachable from that subnet.
- A query is answered by unicast with the invite for the asker's subnet — never to a source
  off our subnets (a forged source would make us reflect at a stranger), never to a system
  port (reflection at a service), and within ``ReplyLimiter``'s budgets.
- After a hand-over, or on close, one goodbye so that lists drop the entry at once.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from ..session._announce import LobbyInfo
from ..sync import _wire
from ._interfaces import DISCOVERY_PORT, Interface, Send, interface_for, invite_for, send_plan
from ._protocol import Announce, Bye, DropReason, Query, decode, encode

#: Ports below this are system services; a "query" from one is a reflection attempt.
MIN_SOURCE_PORT = 1024
#: A host answers one source at most this often per window: a browser asks a few times at
#: start (broadcast and multicast copies of one query arrive together), then every few seconds.
REPLY_BURST = 3
REPLY_WINDOW = 1.0
#: Sources remembered by the limiter; beyond that the oldest is forgotten (bounded memory).
MAX_SOURCES = 256
#: Replies per second in total, whatever the sources: a spoofed flood gets little back.
MAX_REPLIES_PER_SECOND = 50


@dataclass(frozen=True, slots=True)
class Datagram:
    """One datagram to send: ``data`` as ``send`` says, to UDP port ``port``."""

    data: bytes
    send: Send
    port: int


class ReplyLimiter:
    """Per-source and global reply budgets (a reply is never sent to a source over budget)."""

    def __init__(self) -> None:
        self._sources: OrderedDict[str, list[float]] = OrderedDict()
        self._recent: list[float] = []
        self.stats: Counter[str] = Counter()

    def allow(self, source: str, now: float) -> bool:
        self._recent = [t for t in self._recent if now - t < 1.0]
        times = [t for t in self._sources.pop(source, []) if now - t < REPLY_WINDOW]
        ok = len(times) < REPLY_BURST and len(self._recent) < MAX_REPLIES_PER_SECOND
        if ok:
            times.append(now)
            self._recent.append(now)
        else:
            self.stats["dropped:rate_limited"] += 1
        self._sources[source] = times
        while len(self._sources) > MAX_SOURCES:
            self._sources.popitem(last=False)
        return ok

    def __len__(self) -> int:
        """Sources remembered (bounded by ``MAX_SOURCES``)."""
        return len(self._sources)


class LanResponder:
    """The host side of LAN discovery for one lobby of ``game``; see the module docstring.

    Each method returns the datagrams to send now (often none). ``stats`` counts
    ``announces``, ``replies`` and every ``dropped:<reason>``.
    """

    def __init__(self, game: str, host_id: str, port: int = DISCOVERY_PORT) -> None:
        self.game = game
        self.host_id = host_id
        self.port = port
        self.stats: Counter[str] = Counter()
        self.limiter = ReplyLimiter()
        self._info: LobbyInfo | None = None
        self._started = False
        self._closed = False
        self._spoke = False

    @property
    def speaking(self) -> bool:
        """True while announces go out: started, not closed, the lobby live and ours."""
        info = self._info
        return (info is not None and info.ready and info.is_host and self._started
                and not self._closed)

    def start(self, interfaces: Sequence[Interface], now: float) -> list[Datagram]:
        """The socket is open: announce at once if there is something to say."""
        self._started = True
        return self.tick(interfaces, now)

    def update(self, info: LobbyInfo, interfaces: Sequence[Interface],
               now: float) -> list[Datagram]:
        """New lobby info: announce when what we say changed, say goodbye after a hand-over."""
        old, self._info = self._info, info
        if not self.speaking:
            return self._goodbye(interfaces)
        if old is None or _shown(old) != _shown(info) or not self._spoke:
            return self._announce(interfaces)
        return []

    def tick(self, interfaces: Sequence[Interface], now: float) -> list[Datagram]:
        """The periodic announce (every ``ANNOUNCE_PERIOD``)."""
        return self._announce(interfaces) if self.speaking else []

    def receive(self, data: bytes, source: str, port: int, interfaces: Sequence[Interface],
                now: float) -> list[Datagram]:
        """A datagram heard from ``source``:``port``; the answer to a query, if it gets one."""
        try:
            packet = decode(data, self.game)
        except DropReason as drop:
            self.stats[f"dropped:{drop.kind}"] += 1
            return []
        if not isinstance(packet, Query) or not self.speaking:
            return []
        if port < MIN_SOURCE_PORT:
            self.stats["dropped:source_port"] += 1
            return []
        iface = interface_for(source, list(interfaces))
        if iface is None:
            # Not from a network we are on: discovery is for the local link only, and a
            # forged source would make us reflect replies at a stranger.
            self.stats["dropped:off_link"] += 1
            return []
        if not self.limiter.allow(source, now):
            self.stats["dropped:rate_limited"] += 1
            return []
        self.stats["replies"] += 1
        reply = Send(source, Interface("reply", iface.address, 32), multicast=False)
        return [Datagram(self._packet(iface.address), reply, port)]

    def close(self, interfaces: Sequence[Interface]) -> list[Datagram]:
        """Stop for good; the goodbye if we had spoken."""
        self._closed = True
        return self._goodbye(interfaces)

    def _announce(self, interfaces: Sequence[Interface]) -> list[Datagram]:
        self._spoke = True
        self.stats["announces"] += 1
        return [Datagram(self._packet(send.via.address), send, self.port)
                for send in send_plan(list(interfaces))]

    def _goodbye(self, interfaces: Sequence[Interface]) -> list[Datagram]:
        if not self._spoke:
            return []
        self._spoke = False
        bye = encode(Bye(self.game, self.host_id))
        return [Datagram(bye, send, self.port) for send in send_plan(list(interfaces))]

    def _packet(self, our_address: str) -> bytes:
        info = self._info
        assert info is not None
        invite = invite_for(info.signalling_url, info.session_id, our_address)
        return encode(Announce(self.game, self.host_id, info.lobby_name, info.host_name,
                               info.players, max(info.max_players, 1, info.players),
                               info.has_password, invite, _wire.PROTOCOL_VERSION))


def _shown(info: LobbyInfo) -> tuple[object, ...]:
    """What browsers would see change (a new announce goes out at once when it does)."""
    return (info.players, info.is_host, info.ready, info.lobby_name, info.signalling_url)
