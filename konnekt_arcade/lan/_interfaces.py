"""Which IPv4 interfaces to announce on, and which of our addresses a given asker can reach.

Why every interface: a broadcast to 255.255.255.255 leaves through one interface only (the
one with the default route; a VPN or VirtualBox adapter often wins) and nothing comes back —
the trap users of other games' LAN lists keep reporting. A subnet-directed broadcast
(e.g. 192.168.1.255) per interface, plus a multicast copy sent out of each interface, reaches
every network this machine is on. Pure apart from ``list_interfaces`` (reads the OS's list).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

logger = logging.getLogger("konnekt_arcade.lan")

#: Administratively scoped multicast (RFC 2365, "organization-local" 239.255/16): never routed
#: to the internet. Sent with TTL 1 so it stays on the local link.
MULTICAST_GROUP = "239.255.76.67"
#: The UDP port every browser and host listens on (unassigned; free of the usual game ports).
DISCOVERY_PORT = 47667
#: Hosts in a signalling URL that mean "this machine": announced as the interface address
#: the asker can reach instead (a friend's game must not look for the lobby on its own machine).
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "0.0.0.0", "::1", "::", ""})


@dataclass(frozen=True, slots=True)
class Interface:
    name: str
    address: str
    prefix: int

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(f"{self.address}/{self.prefix}", strict=False)

    @property
    def loopback(self) -> bool:
        return ipaddress.IPv4Address(self.address).is_loopback

    @property
    def broadcast(self) -> str | None:
        """The subnet-directed broadcast address, None for point-to-point (/31, /32) links."""
        return str(self.network.broadcast_address) if self.prefix < 31 else None


def list_interfaces() -> list[Interface]:
    """This machine's IPv4 interface addresses (via ``ifaddr``, which aiortc already uses)."""
    import ifaddr

    found = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):  # IPv4 (IPv6 entries are tuples)
                found.append(Interface(adapter.nice_name, ip.ip, int(ip.network_prefix)))
    return found


@dataclass(frozen=True, slots=True)
class Send:
    """One datagram to send: to ``destination`` out of the interface that has ``via``."""

    destination: str
    via: Interface
    multicast: bool


def send_plan(interfaces: list[Interface]) -> list[Send]:
    """Where an announce or query goes: each interface's subnet broadcast, and the multicast
    group out of each non-loopback interface. Loopback gets its broadcast (127.255.255.255)
    so two games on one machine without a network still see each other."""
    plan: list[Send] = []
    seen: set[str] = set()
    for iface in interfaces:
        if iface.broadcast is not None and iface.broadcast not in seen:
            seen.add(iface.broadcast)
            plan.append(Send(iface.broadcast, iface, multicast=False))
        if not iface.loopback:
            plan.append(Send(MULTICAST_GROUP, iface, multicast=True))
    return plan


def interface_for(address: str, interfaces: list[Interface]) -> Interface | None:
    """Our interface on the same subnet as ``address`` (the most specific one), if any."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return None
    matches = [i for i in interfaces if ip in i.network]
    return max(matches, key=lambda i: i.prefix, default=None)


def route_source(address: str) -> str | None:
    """The source address the OS would use to reach ``address`` (connecting a UDP socket
    sends nothing and never blocks); for askers that are not on one of our subnets."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((address, DISCOVERY_PORT))
            return str(probe.getsockname()[0])
        except OSError:
            return None


def lan_address() -> str:
    """This machine's address on its main network, for an invite nobody asked for (*Copy*):
    the source of the default route, else the first non-loopback interface."""
    address = route_source("10.255.255.255")
    if address and not address.startswith("127."):
        return address
    others = [i.address for i in list_interfaces() if not i.loopback]
    return others[0] if others else "127.0.0.1"


def is_local_url(signalling_url: str) -> bool:
    """A websocket URL naming this machine (``ws://127.0.0.1:3536``, ``ws://0.0.0.0:…``)."""
    parts = urlsplit(signalling_url)
    return parts.scheme in ("ws", "wss") and (parts.hostname or "") in LOCAL_HOSTS


def invite_for(signalling_url: str, session_id: str, our_address: str) -> str:
    """The invite an asker gets: the host's own server is named by ``our_address`` (ours on
    the asker's side), an external signalling server by its own URL."""
    parts = urlsplit(signalling_url)
    if is_local_url(signalling_url):
        port = f":{parts.port}" if parts.port else ""
        base = f"{parts.scheme}://{our_address}{port}{parts.path.rstrip('/')}"
    else:
        base = signalling_url.rstrip("/")
    return f"{base}/{session_id}"
