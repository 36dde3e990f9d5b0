"""``LanAdvertiser``: a hosted lobby announces itself on the LAN and answers browsers' queries.

It is an ``Announcer`` (``session/_announce.py``): the ``SessionLoop`` hands it the lobby's
``LobbyInfo`` from ``poll()`` on the game thread; that only stores the info and wakes the
network thread, where the sockets live. It speaks only while its peer is the lobby's host
and the lobby is live; after a hand-over or on close it says goodbye so lists drop the entry
at once (expiry catches hosts that crash).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from typing import Any

from ..net.loop_thread import get_network_thread
from ..session._announce import LobbyInfo
from ._interfaces import (
    DISCOVERY_PORT,
    Interface,
    Send,
    interface_for,
    invite_for,
    list_interfaces,
    route_source,
    send_plan,
)
from ._protocol import Announce, Bye, DropReason, Query, check_game_id, decode, encode
from ._registry import ANNOUNCE_PERIOD, ReplyLimiter
from ._sockets import discovery_socket, lan_disabled, open_endpoint, send_to

logger = logging.getLogger("konnekt_arcade.lan")

#: Ports below this are system services; a "query" from one is a reflection attempt.
MIN_SOURCE_PORT = 1024


class LanAdvertiser:
    """Announces one hosted lobby for ``game``; see the module docstring."""

    def __init__(self, game: str, *, port: int = DISCOVERY_PORT) -> None:
        self.game = check_game_id(game)
        self.port = port
        self.host_id = uuid.uuid4().hex[:16]
        self.stats: Counter[str] = Counter()
        self._net = get_network_thread()
        self._info: LobbyInfo | None = None
        self._spoke = False
        self._closed = False
        self._interfaces: list[Interface] = []
        self._transport: asyncio.DatagramTransport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._limiter = ReplyLimiter()
        self._disabled = lan_disabled()
        if self._disabled:
            logger.info("LAN discovery is off (KONNEKT_ARCADE_LAN); not advertising")
        else:
            self._net.submit(self._open())

    # --- game thread (Announcer) --------------------------------------------------------------

    def update(self, info: LobbyInfo, now: float) -> None:
        if not self._disabled:
            self._net.call_soon(self._set_info, info)

    def close(self) -> None:
        if not self._closed and not self._disabled:
            self._net.call_soon(self._close)
        self._closed = True

    # --- network thread -----------------------------------------------------------------------

    async def _open(self) -> None:
        try:
            self._interfaces = list_interfaces()
            sock = discovery_socket(self._interfaces, self.port)
            self._transport = await open_endpoint(sock, self._receive)
        except Exception as exc:  # OSError mostly; nobody awaits this, so say it here
            logger.warning("LAN discovery: cannot listen on UDP port %d (%s); friends can "
                           "still join with the invite", self.port, exc)
            self.stats["errors"] += 1
            return
        if self._closed:  # closed before the socket was ready
            self._close()
            return
        logger.info("📣 LAN discovery for %s on %s", self.game,
                    ", ".join(f"{i.name} {i.address}" for i in self._interfaces) or "nothing")
        self._tick()

    def _speaking(self) -> bool:
        info = self._info
        return (info is not None and info.ready and info.is_host and not self._closed
                and self._transport is not None)

    def _set_info(self, info: LobbyInfo) -> None:
        changed = self._info is None or (info.players, info.is_host, info.ready,
                                         info.lobby_name) != (self._info.players,
                                                              self._info.is_host,
                                                              self._info.ready,
                                                              self._info.lobby_name)
        self._info = info
        if not self._speaking():
            if self._spoke:  # no longer the host (a hand-over): lists drop us now
                self._send_everywhere(lambda iface: encode(Bye(self.game, self.host_id)))
                self._spoke = False
            return
        if changed:
            self._announce()

    def _tick(self) -> None:
        if self._closed:
            return
        if self._speaking():
            self._announce()
        self._timer = self._net.loop.call_later(ANNOUNCE_PERIOD, self._tick)

    def _packet(self, our_address: str) -> bytes:
        info = self._info
        assert info is not None
        invite = invite_for(info.signalling_url, info.session_id, our_address)
        return encode(Announce(self.game, self.host_id, info.lobby_name, info.host_name,
                               info.players, max(info.max_players, 1, info.players),
                               info.has_password, invite))

    def _announce(self) -> None:
        self._send_everywhere(lambda iface: self._packet(iface.address))
        self._spoke = True
        self.stats["announces"] += 1

    def _send_everywhere(self, payload: Any) -> None:
        if self._transport is None:
            return
        self._interfaces = list_interfaces()  # cheap; follows Wi-Fi/VPN changes
        for send in send_plan(self._interfaces):
            send_to(self._transport, payload(send.via), send, self.port)

    def _receive(self, data: bytes, host: str, port: int) -> None:
        try:
            packet = decode(data, self.game)
        except DropReason as drop:
            self.stats[f"dropped:{drop.kind}"] += 1
            return
        if not isinstance(packet, Query) or not self._speaking():
            return
        if port < MIN_SOURCE_PORT:
            self.stats["dropped:source_port"] += 1
            return
        iface = interface_for(host, self._interfaces)
        if iface is None and host not in {i.address for i in self._interfaces}:
            # Not from a network we are on: discovery is for the local link only, and a
            # forged source would make us reflect replies at a stranger.
            self.stats["dropped:off_link"] += 1
            return
        if not self._limiter.allow(host, time.monotonic()):
            self.stats["dropped:rate_limited"] += 1
            return
        address = iface.address if iface is not None else (route_source(host) or host)
        assert self._transport is not None
        send_to(self._transport, self._packet(address),
                Send(host, Interface("reply", address, 32), multicast=False), port)
        self.stats["replies"] += 1

    def _close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._spoke:
            self._send_everywhere(lambda iface: encode(Bye(self.game, self.host_id)))
            self._spoke = False
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        logger.info("📣 LAN discovery for %s stopped", self.game)


def lan_announcer_factory(game: str) -> Any:
    """The ``AnnouncerFactory`` behind ``P2PLoopBuilder.advertise_lan(game)``."""
    check_game_id(game)  # a bad id fails when the builder is configured, not at host time

    def make(session: Any) -> LanAdvertiser:
        return LanAdvertiser(game)

    return make
