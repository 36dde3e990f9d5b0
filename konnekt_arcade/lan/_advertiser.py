"""``LanAdvertiser``: a hosted lobby announces itself on the LAN and answers browsers' queries.

It is an ``Announcer`` (``session/_announce.py``): the ``SessionLoop`` hands it the lobby's
``LobbyInfo`` from ``poll()`` on the game thread; that only wakes the network thread, where
the socket lives. It only moves bytes and timers: every decision (when to speak, whom to
answer, the goodbye after a hand-over or on close) is ``LanResponder``'s (``_responder.py``),
which takes ``now`` and is tested without sockets.

A lobby on a server named by a loopback URL (``ws://127.0.0.1:3536``) is announced under this
machine's LAN address. Before it speaks, the advertiser checks that the server answers there:
one started with ``konnekt-signal --host 127.0.0.1`` does not, and an invite friends cannot use
is worse than none. Such a lobby is not announced; ``problem`` says why (the host's screen
shows it through ``session.announce_problem()``).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from ..net.loop_thread import get_network_thread
from ..session._announce import LobbyInfo
from ._interfaces import DISCOVERY_PORT, Interface, is_local_url, list_interfaces
from ._protocol import check_game_id
from ._registry import ANNOUNCE_PERIOD
from ._responder import Datagram, LanResponder
from ._sockets import discovery_socket, lan_disabled, open_endpoint, send_to

logger = logging.getLogger("konnekt_arcade.lan")

#: Seconds the check that the signalling server answers on our LAN address may take (it is
#: this machine: an answer comes at once, a refusal too; only a firewall makes us wait).
REACH_TIMEOUT = 2.0


class LanAdvertiser:
    """Announces one hosted lobby for ``game``; see the module docstring."""

    def __init__(self, game: str, *, port: int = DISCOVERY_PORT,
                 signalling_url: str = "") -> None:
        self.game = check_game_id(game)
        self.port = port
        self.signalling_url = signalling_url
        #: Why the lobby is not announced (for the host's screen), or None.
        self.problem: str | None = None
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
            if not await self._server_reachable():
                return
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

    async def _server_reachable(self) -> bool:
        """False (and ``problem`` set) when a loopback-URL server does not answer on our LAN
        address, so the invite we would announce could not work (see the module docstring)."""
        url = self.signalling_url
        lan = [i.address for i in self._interfaces if not i.loopback]
        if not lan or not is_local_url(url):
            return True  # a server with its own address, or nobody to announce to
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "wss" else 80)
        if await answers(lan[0], port):
            return True
        self.problem = (f"Not shown to your network: the signalling server {url} only "
                        "listens on this computer, so friends could not join with its "
                        "address. Check: run it on every interface (konnekt-signal --host "
                        "0.0.0.0), or leave the server empty for the built-in one.")
        self.stats["dropped:server_unreachable"] += 1
        logger.warning("LAN discovery: not announcing %s: nothing answers at %s:%d",
                       url, lan[0], port)
        return False

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


async def answers(address: str, port: int) -> bool:
    """Whether something accepts a TCP connection at ``address``:``port``. It is asked for
    ``/health`` (what konnekt-signal and matchbox answer) so that the server logs no broken
    handshake; any answer, or none, counts: the connection is what matters."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(address, port),
                                                REACH_TIMEOUT)
    except (TimeoutError, OSError):
        return False
    try:
        writer.write(f"GET /health HTTP/1.1\r\nHost: {address}:{port}\r\n"
                     "Connection: close\r\n\r\n".encode())
        await asyncio.wait_for(reader.readline(), REACH_TIMEOUT)
    except (TimeoutError, OSError):
        pass
    finally:
        writer.close()
    return True


def lan_announcer_factory(game: str) -> Any:
    """The ``AnnouncerFactory`` behind ``P2PLoopBuilder.advertise_lan(game)``."""
    check_game_id(game)  # a bad id fails when the builder is configured, not at host time

    def make(session: Any) -> LanAdvertiser:
        return LanAdvertiser(game, signalling_url=session.signalling_url)

    return make
