"""The host's signalling server for LAN play, and invites (``ws://host:port/<session id>``)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass

from konnekt_arcade import SignallingServer

logger = logging.getLogger("demo_game")

#: The usual Matchbox/konnekt-signal port; if it is taken we pick a free one.
DEFAULT_PORT = 3536


def lan_ip() -> str:
    """This machine's address on its LAN: the source of the default route (connecting a UDP
    socket sends nothing), else the first network card's address (a LAN with no router)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            pass
    import ifaddr

    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str) and not ip.ip.startswith("127."):
                return ip.ip
    return "127.0.0.1"


@dataclass
class LanServer:
    """The embedded signalling server: ``local_url`` for us, ``lan_url`` for friends."""

    server: SignallingServer
    local_url: str
    lan_url: str

    def stop(self) -> None:
        self.server.stop()


def start_lan_server(bind: str = "0.0.0.0", port: int = DEFAULT_PORT) -> LanServer:
    """Start listening on ``bind`` (all interfaces by default), falling back to a free port."""
    try:
        server = SignallingServer(host=bind, port=port).start()
    except OSError as exc:
        logger.info("port %d is busy (%s); using a free port", port, exc)
        server = SignallingServer(host=bind, port=0).start()
    local_host = "127.0.0.1" if bind in ("0.0.0.0", "") else bind
    public_host = lan_ip() if bind in ("0.0.0.0", "") else bind
    return LanServer(server, f"ws://{local_host}:{server.port}",
                     f"ws://{public_host}:{server.port}")


def lan_server_factory(bind: str = "0.0.0.0",
                       port: int = DEFAULT_PORT) -> Callable[[bool], SignallingServer]:
    """How the lobby makes its built-in server (``embedded_signalling(server=...)``): on
    ``port`` if it is free (an address friends can type), else on a free one. The library
    starts it when we host and again on whoever hosts after us: it moves with the host."""

    def make(lan: bool) -> SignallingServer:
        with socket.socket() as probe:
            try:
                probe.bind((bind, port))
            except OSError:
                return SignallingServer(host=bind, port=0)
        return SignallingServer(host=bind, port=port)

    return make


def split_invite(text: str) -> tuple[str, str]:
    """``ws://192.168.1.5:3536/<id>`` -> (``ws://192.168.1.5:3536``, ``<id>``); a bare id
    gives ("", id)."""
    text = text.strip()
    if text.startswith(("ws://", "wss://")):
        scheme, _, rest = text.partition("://")
        if "/" in rest:
            address, _, sid = rest.rpartition("/")
            return f"{scheme}://{address}", sid.strip()
        return text, ""
    return "", text


def invite(url: str, session_id: object) -> str:
    return f"{url.rstrip('/')}/{session_id}"
