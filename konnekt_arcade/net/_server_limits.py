"""Every limit of ``konnekt-signal`` beyond Matchbox's, with the reason for its default, and
the small counters that enforce them (pure apart from the websockets connection subclass).

The threat model (docs/security.md): anyone on the internet can open sockets, from a handful
of addresses. Global caps alone (``max_rooms``) let one address take them all, so each global
resource also has a per-address share; and a socket that never finishes its handshake is
aborted at once when its address already has ``max_handshakes_per_address`` pending, so
half-open connections cannot hold the file descriptors honest players need.
Every cap is a ``konnekt-signal`` flag (``cli.py``).
"""

from __future__ import annotations

import asyncio
import resource
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection

from .directory import Rate

#: File descriptors kept free for everything that is not a client socket (log files, the
#: listening socket, Redis connections, DNS): the default connection cap is the soft
#: ``RLIMIT_NOFILE`` minus this, so accept() never fails with EMFILE.
FD_RESERVE = 64
#: A host answering 63 guests relays ~400 KB of offers and candidates at once, then a
#: trickle; 2 MiB of burst leaves 5x headroom (and lets tests push 1 MB of hostile
#: candidates at a host); one peer pushing 17 MB/s (the issue's measurement) is a flood.
RELAY_BYTES = Rate(per_second=512 * 1024, burst=2 * 1024 * 1024)
RELAY_MESSAGES = Rate(per_second=200.0, burst=2000.0)


@dataclass(frozen=True)
class ServerLimits:
    """``konnekt-signal``'s caps. Per-address caps count by ``X-Forwarded-For`` behind a
    trusted proxy (the proxy enforces its own connection limits then)."""

    #: Matchbox rooms of one lobby: the lobby layer caps participants at 64.
    max_peers_per_room: int = 64
    #: Rooms live at once: each costs a dict entry and its sockets; 1024 fits 1024 fds.
    max_rooms: int = 1024
    #: A full SDP offer with many candidates is ~10 KB; 64 KiB is generous.
    max_message_size: int = 64 * 1024
    #: Sockets at once, all addresses; 0: the soft RLIMIT_NOFILE minus ``FD_RESERVE``.
    max_connections: int = 0
    #: Sockets at once from one address (rooms, directory sockets, HTTP): a LAN party behind
    #: one NAT is a few players with one room socket and a directory socket each.
    max_connections_per_address: int = 64
    #: Connections of one address still in their opening handshake: a browser opens at most
    #: 6 per host; more are half-open sockets held to exhaust file descriptors.
    max_handshakes_per_address: int = 16
    #: Seconds a connection may take to send its HTTP request (websockets' ``open_timeout``).
    handshake_timeout: float = 5.0
    #: Rooms one address keeps alive (as their first peer): a host has one lobby, a LAN
    #: party a few; 1024 rooms need 64 addresses at this share.
    max_rooms_per_address: int = 16
    #: Peers from one address in one room: 16 players of one lobby behind one NAT; filling a
    #: 64-peer room then takes 4 addresses.
    max_peers_per_address_in_room: int = 16
    #: ``/_directory`` owner sockets of one address: one per hosted lobby
    #: (``DirectoryLimits.max_entries_per_client`` is 8) plus reconnect overlap.
    max_directory_sockets_per_address: int = 16
    #: An owner socket that sends nothing for this long is closed: hosts send a heartbeat
    #: every 10 s (``HEARTBEAT_INTERVAL``), so 60 s is six missed heartbeats.
    owner_idle_timeout: float = 60.0
    #: Room paths (name and query) longer than this are refused: real ones are a session id
    #: (36 characters) and ``?next=N``.
    max_room_path: int = 256
    #: What one peer may relay through the server (``RELAY_BYTES``, ``RELAY_MESSAGES``).
    relay_bytes: Rate = RELAY_BYTES
    relay_messages: Rate = RELAY_MESSAGES

    def connection_cap(self) -> int:
        """``max_connections``, or the soft RLIMIT_NOFILE minus ``FD_RESERVE``."""
        if self.max_connections > 0:
            return self.max_connections
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        return max(16, soft - FD_RESERVE) if soft != resource.RLIM_INFINITY else 65_536


class AddressCounts:
    """Live count per address; an address at zero is forgotten (memory bounded by sockets)."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def try_add(self, address: str, limit: int) -> bool:
        count = self._counts.get(address, 0)
        if count >= limit:
            return False
        self._counts[address] = count + 1
        return True

    def remove(self, address: str) -> None:
        count = self._counts.get(address, 0) - 1
        if count > 0:
            self._counts[address] = count
        else:
            self._counts.pop(address, None)

    def get(self, address: str) -> int:
        return self._counts.get(address, 0)

    def __len__(self) -> int:
        return len(self._counts)


class Bucket:
    """One token bucket (``now`` passed in): a peer's relay allowance."""

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self._tokens = rate.burst
        self._at = now

    def take(self, amount: float, now: float) -> bool:
        self._tokens = min(self.rate.burst, self._tokens + (now - self._at) * self.rate.per_second)
        self._at = now
        if self._tokens < amount:
            return False
        self._tokens -= amount
        return True


class Gate:
    """The TCP-level admission: a global cap and a per-address cap on pending handshakes.

    ``admit`` runs in ``connection_made`` before a byte is read; a refused socket is aborted
    there, so its file descriptor is released at once.
    """

    def __init__(self, limits: ServerLimits, *, per_address: bool) -> None:
        self.limits = limits
        self.cap = limits.connection_cap()
        self.per_address = per_address
        self.connections = 0
        self.handshaking = AddressCounts()
        #: Sockets past their handshake, by client address (forwarded address behind a proxy).
        self.sockets = AddressCounts()
        self.refused: dict[str, int] = {"connections": 0, "handshakes_per_address": 0}

    def admit(self, address: str) -> bool:
        if self.connections >= self.cap:
            self.refused["connections"] += 1
            return False
        if self.per_address and not self.handshaking.try_add(
                address, self.limits.max_handshakes_per_address):
            self.refused["handshakes_per_address"] += 1
            return False
        self.connections += 1
        return True


def gated_connection(gate: Gate) -> type[ServerConnection]:
    """A ``ServerConnection`` class that asks ``gate`` before it reads a byte, and tells it
    when its handshake ended (``handshake_done``) and when the socket closed."""

    class GatedConnection(ServerConnection):
        konnekt_address = "?"
        konnekt_admitted = False
        konnekt_handshaking = False
        konnekt_client: str | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            peer: Any = transport.get_extra_info("peername")
            self.konnekt_address = str(peer[0]) if peer else "?"
            if gate.admit(self.konnekt_address):
                self.konnekt_admitted = self.konnekt_handshaking = True
            elif isinstance(transport, asyncio.Transport):  # TCP or TLS: always, in practice
                transport.abort()  # the fd is closed now, not after the handshake timeout
            else:
                transport.close()

        def handshake_done(self) -> None:
            if self.konnekt_handshaking:
                self.konnekt_handshaking = False
                if gate.per_address:
                    gate.handshaking.remove(self.konnekt_address)

        def count_socket(self, client: str) -> bool:
            """Count this socket against ``client``'s share; False when it is used up."""
            self.handshake_done()
            if self.konnekt_client is None:
                if not gate.sockets.try_add(client, gate.limits.max_connections_per_address):
                    return False
                self.konnekt_client = client
            return True

        def connection_lost(self, exc: Exception | None) -> None:
            super().connection_lost(exc)
            self.handshake_done()
            if self.konnekt_client is not None:
                gate.sockets.remove(self.konnekt_client)
                self.konnekt_client = None
            if self.konnekt_admitted:
                self.konnekt_admitted = False
                gate.connections -= 1

    return GatedConnection
