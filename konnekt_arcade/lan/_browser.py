"""``LanBrowser`` (non-blocking, for UIs) and ``find_lan_lobbies`` (blocking, for scripts).

The browser listens for hosts' announces on the shared discovery port and asks right away
(a query to every interface's broadcast and the multicast group), so lobbies show up in a
fraction of a second instead of at the next announce; then it asks again now and then in
case a query was lost. Its sockets live on the network thread; ``poll()`` only reads the
registry under a lock.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter

from ..net.loop_thread import get_network_thread
from ._interfaces import DISCOVERY_PORT, Interface, interface_for, list_interfaces, send_plan
from ._protocol import ANY_GAME, Announce, Bye, DropReason, Query, check_game_id, decode, encode
from ._registry import LanLobby, Registry
from ._sockets import (
    discovery_socket,
    ephemeral_socket,
    lan_disabled,
    open_endpoint,
    send_to,
)

logger = logging.getLogger("konnekt_arcade.lan")

#: When queries go out, in seconds after the browser opens (the second covers a lost first
#: one), then every ``QUERY_PERIOD`` (Mirror asks every 3 s; hosts announce every 1.5 s anyway).
FIRST_QUERIES = (0.0, 0.3)
QUERY_PERIOD = 3.0


class LanBrowser:
    """Lobbies of ``game`` (None: every game) on the local network, kept current.

        browser = LanBrowser(game="my-game")
        ...each frame: lobbies = browser.poll()
        browser.close()
    """

    def __init__(self, game: str | None = None, *, port: int = DISCOVERY_PORT) -> None:
        self.game = check_game_id(game) if game is not None else None
        self.port = port
        self._lock = threading.Lock()
        self._interfaces: list[Interface] = []
        self._registry = Registry(self._reachable)
        self._stats: Counter[str] = Counter()
        self._transports: list[asyncio.DatagramTransport] = []
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self._net = get_network_thread()
        if lan_disabled():
            logger.info("LAN discovery is off (KONNEKT_ARCADE_LAN); the list stays empty")
        else:
            self._net.submit(self._open())

    # --- game thread --------------------------------------------------------------------------

    def poll(self) -> list[LanLobby]:
        """The lobbies heard from recently (never blocks; expired ones are gone)."""
        with self._lock:
            return self._registry.lobbies(time.monotonic())

    @property
    def stats(self) -> Counter[str]:
        """Counters: ``announces``, ``dropped:<reason>`` (malformed, oversized, wrong_magic,
        wrong_game, ...), ``queries``, ``expired``."""
        with self._lock:
            return self._stats + self._registry.stats

    def close(self) -> None:
        """Stop listening (idempotent)."""
        if not self._closed:
            self._closed = True
            self._net.call_soon(self._close)

    def __enter__(self) -> LanBrowser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- network thread -----------------------------------------------------------------------

    async def _open(self) -> None:
        try:
            self._interfaces = list_interfaces()
            self._transports.append(await open_endpoint(ephemeral_socket(), self._receive))
        except Exception as exc:  # OSError mostly; nobody awaits this, so say it here
            logger.warning("LAN discovery: cannot open a UDP socket: %s", exc)
            return
        try:
            sock = discovery_socket(self._interfaces, self.port)
            self._transports.append(await open_endpoint(sock, self._receive))
        except OSError as exc:  # answers to our queries still arrive on the first socket
            logger.info("LAN discovery: not listening for announces on port %d: %s",
                        self.port, exc)
        if self._closed:
            self._close()
            return
        for delay in FIRST_QUERIES:
            self._net.loop.call_later(delay, self._query)
        self._timer = self._net.loop.call_later(QUERY_PERIOD, self._query_periodically)

    def _query(self) -> None:
        if self._closed or not self._transports:
            return
        self._interfaces = list_interfaces()
        data = encode(Query(self.game or ANY_GAME))
        for send in send_plan(self._interfaces):
            send_to(self._transports[0], data, send, self.port)
        with self._lock:
            self._stats["queries"] += 1

    def _query_periodically(self) -> None:
        if not self._closed:
            self._query()
            self._timer = self._net.loop.call_later(QUERY_PERIOD, self._query_periodically)

    def _receive(self, data: bytes, host: str, port: int) -> None:
        now = time.monotonic()
        with self._lock:
            try:
                packet = decode(data, self.game)
            except DropReason as drop:
                self._stats[f"dropped:{drop.kind}"] += 1
                return
            match packet:
                case Announce():
                    self._registry.offer(packet, host, now)
                case Bye():
                    self._registry.forget(packet, host)
                case Query():
                    pass  # another browser asking; hosts answer it

    def _reachable(self, address: str) -> bool:
        return interface_for(address, self._interfaces) is not None

    def _close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for transport in self._transports:
            transport.close()
        self._transports.clear()


def find_lan_lobbies(timeout: float = 1.5, game: str | None = None) -> list[LanLobby]:
    """Ask the local network for lobbies and return what answered within ``timeout`` s.

    Blocking (for scripts and tools; a game's UI polls a ``LanBrowser`` instead). ``game``
    None lists every game's lobbies.
    """
    if get_network_thread().is_current():
        raise RuntimeError("find_lan_lobbies blocks; on the network thread use LanBrowser")
    with LanBrowser(game) as browser:
        time.sleep(max(0.0, timeout))  # the network thread collects meanwhile
        return browser.poll()
