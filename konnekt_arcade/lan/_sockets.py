"""The UDP sockets of LAN discovery; everything here runs on the library's network thread.

Two kinds of socket:

- the *discovery* socket, bound to ``DISCOVERY_PORT`` on all addresses with SO_REUSEADDR and
  SO_REUSEPORT, in the multicast group on every interface: every game on the machine (hosts
  and browsers, several processes) gets its own copy of each broadcast and multicast datagram.
- an *ephemeral* socket a browser asks from; hosts answer a query by unicast to where it came
  from, so the answer reaches exactly that browser.

Sockets are made here and handed to ``create_datagram_endpoint(sock=...)``. Never
``remote_addr=...``: that connects the socket and the kernel then drops replies from any
other host — every host on the LAN but one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable

from ._interfaces import DISCOVERY_PORT, MULTICAST_GROUP, Interface, Send

logger = logging.getLogger("konnekt_arcade.lan")

#: Set to "off" (or 0/false/no) to keep a whole process off the network for LAN discovery:
#: nothing is sent or bound. The konnekt_arcade pytest plugin sets it for games' own tests.
ENV_SWITCH = "KONNEKT_ARCADE_LAN"
#: Multicast hop limit: the local link only (routers must not carry lobby announcements).
MULTICAST_TTL = 1

Receiver = Callable[[bytes, str, int], None]


def lan_disabled() -> bool:
    return os.environ.get(ENV_SWITCH, "").strip().lower() in ("off", "0", "false", "no")


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, receive: Receiver) -> None:
        self.receive = receive

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.receive(data, str(addr[0]), int(addr[1]))

    def error_received(self, exc: Exception) -> None:  # e.g. ICMP port unreachable
        logger.debug("LAN discovery socket error: %s", exc)


def _base_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, MULTICAST_TTL)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)  # games on this machine
    sock.setblocking(False)
    return sock


def discovery_socket(interfaces: list[Interface], port: int = DISCOVERY_PORT) -> socket.socket:
    """Bound to ``port`` (shared), member of the multicast group on every interface.

    Raises:
        OSError: the port is taken by a program that does not share it.
    """
    sock = _base_socket()
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):  # Linux/macOS: several processes, one port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("", port))
        for iface in interfaces:
            if iface.loopback:
                continue
            membership = socket.inet_aton(MULTICAST_GROUP) + socket.inet_aton(iface.address)
            try:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
            except OSError as exc:  # no multicast on that interface: broadcast still works
                logger.debug("no multicast on %s (%s): %s", iface.name, iface.address, exc)
    except OSError:
        sock.close()
        raise
    return sock


def ephemeral_socket() -> socket.socket:
    sock = _base_socket()
    sock.bind(("", 0))
    return sock


async def open_endpoint(sock: socket.socket, receive: Receiver) -> asyncio.DatagramTransport:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(receive), sock=sock)
    return transport


def send_to(transport: asyncio.DatagramTransport, data: bytes, send: Send,
            port: int = DISCOVERY_PORT) -> bool:
    """Send ``data`` per ``send``; False (logged) when the OS refused (interface went away)."""
    sock = transport.get_extra_info("socket")
    try:
        if send.multicast and sock is not None:
            # Choose the interface for this copy; UDP sendto on a non-blocking socket does not
            # queue here at these rates, so the option applies to this very datagram.
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                            socket.inet_aton(send.via.address))
        transport.sendto(data, (send.destination, port))
        return True
    except OSError as exc:
        logger.debug("LAN send to %s via %s failed: %s", send.destination, send.via.name, exc)
        return False
