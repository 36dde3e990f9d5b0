"""``LanAdvertiser``: a hosted lobby announces itself on the LAN and answers browsers' queries.

It is an ``Announcer`` (``session/_announce.py``): the ``SessionLoop`` hands it the lobby's
``LobbyInfo`` from ``poll()`` on the game thread; that only wakes the network thread, where
the socket lives. It only moves bytes and timers: every decision (when to speak, whom to
answer, the goodbye after a hand-over or on close) is ``LanResponder``'s (``_responder.py``),
which takes ``now`` and is tested without sockets.
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
from ._interfaces import DISCOVERY_PORT, Interface, list_interfaces
from ._protocol import check_game_id
from ._registry import ANNOUNCE_PERIOD
from ._responder import Datagram, LanResponder
from ._sockets import discovery_socket, lan_disabled, open_endpoint, send_to

logger = logging.getLogger("konnekt_arcade.lan")


class LanAdvertiser:
    """Announces one hosted lobby for ``game``; see the module docstring."""

    def __init__(self, game: str, *, port: int = DISCOVERY_PORT) -> None:
        self.game = check_game_id(game)
        self.port = port
        self.host_id = uuid.uuid4().hex[:16]
        #: The decisions; its ``stats`` are this advertiser's (see ``stats``).
        self.responder = LanResponder(self.game, self.host_id, port)
        self._net = get_network_thread()
        self._closed = False
        self._interfaces: list[Interface] = []
        self._transport: asyncio.DatagramTransport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._disabled = lan_disabled()
        if self._disabled:
            logger.info("LAN discovery is off (KONNEKT_ARCADE_LAN); not advertising")
        else:
            self._net.submit(self._open())

    @property
    def stats(self) -> Counter[str]:
        """``announces``, ``replies``, ``errors`` and ``dropped:<reason>`` (see docs/lan.md)."""
        return self.responder.stats

    # --- game thread (Announcer) --------------------------------------------------------------

    def update(self, info: LobbyInfo, now: float) -> None:
        if not self._disabled:
            self._net.call_soon(self._update, info)

    def close(self) -> None:
        if not self._closed and not self._disabled:
            self._net.call_soon(self._close)
        self._closed = True

    # --- network thread: bytes and timers only ------------------------------------------------

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
        self._send(self.responder.start(self._fresh_interfaces(), time.monotonic()))
        self._timer = self._net.loop.call_later(ANNOUNCE_PERIOD, self._tick)

    def _fresh_interfaces(self) -> list[Interface]:
        self._interfaces = list_interfaces()  # cheap; follows Wi-Fi/VPN changes
        return self._interfaces

    def _update(self, info: LobbyInfo) -> None:
        if self._transport is None:  # not open yet: remember, speak once it is
            self.responder.update(info, [], time.monotonic())
            return
        self._send(self.responder.update(info, self._fresh_interfaces(), time.monotonic()))

    def _tick(self) -> None:
        if self._closed:
            return
        self._send(self.responder.tick(self._fresh_interfaces(), time.monotonic()))
        self._timer = self._net.loop.call_later(ANNOUNCE_PERIOD, self._tick)

    def _receive(self, data: bytes, host: str, port: int) -> None:
        self._send(self.responder.receive(data, host, port, self._interfaces, time.monotonic()))

    def _send(self, datagrams: list[Datagram]) -> None:
        if self._transport is None:
            return
        for datagram in datagrams:
            send_to(self._transport, datagram.data, datagram.send, datagram.port)

    def _close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._send(self.responder.close(self._fresh_interfaces()))
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
