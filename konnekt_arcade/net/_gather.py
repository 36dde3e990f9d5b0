"""Candidates from every configured STUN and TURN server, not just the first of each.

aiortc hands aioice only the first STUN URL and the first TURN URL it is given
(``aiortc.rtcicetransport.connection_kwargs``), so a second TURN server is never used even when
the first refuses our credentials, and a second STUN server never contributes a
server-reflexive candidate. This module replaces, on one ``aioice.Connection`` instance only,
the method that gathers a component's candidates with a copy of aioice 0.13's
``Connection.get_component_candidates`` that loops over lists of servers. Nothing global is
patched: other ``RTCPeerConnection`` objects in the process are untouched.

The copy mirrors private aioice code, so it is installed only on the aioice/aiortc versions it
was written against (``SUPPORTED_AIOICE``, ``SUPPORTED_AIORTC``); on any other version it logs
one warning and leaves aiortc's stock behaviour (first server of each kind) in place.

All server queries of one gather run in parallel under aioice's own 5 s budget, so several
servers cost no more time than one. Servers that do not answer at all are meant to be filtered
out beforehand (``konnekt_arcade.session._ice`` probes them), which keeps LAN and loopback
connections fast.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aioice
import aiortc
from aioice import Candidate, TransportPolicy, ice, turn
from aioice.candidate import candidate_foundation, candidate_priority
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
from aiortc.rtcicetransport import parse_stun_turn_uri

logger = logging.getLogger(__name__)

#: Versions (major.minor) whose private gathering code ``_get_component_candidates`` mirrors.
SUPPORTED_AIOICE = ("0.13",)
SUPPORTED_AIORTC = ("1.16",)
#: aioice's default budget for server-reflexive and relayed candidates of one gather.
GATHER_TIMEOUT = 5.0

_warned = False


@dataclass(frozen=True)
class IceServerConfig:
    """A STUN or TURN server. Every URL of every server is used for gathering (see above);
    aiortc alone would use only the first STUN and the first TURN URL."""

    urls: list[str] = field(default_factory=list)
    username: str | None = None
    credential: str | None = None


def rtc_configuration(ice_servers: Sequence[IceServerConfig]) -> RTCConfiguration:
    """Build an explicit configuration: aiortc's default would silently add a Google STUN
    server, which costs 5 s per gather where it is unreachable (LAN, tests)."""
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
            for s in ice_servers
        ]
    )


@dataclass(frozen=True)
class TurnServer:
    """One TURN URL with its credentials, in the form aioice's ``relayed_candidate`` wants."""

    address: tuple[str, int]
    username: str | None
    password: str | None
    ssl: bool
    transport: str  # "udp" | "tcp"


@dataclass(frozen=True)
class GatherServers:
    """Every usable STUN and TURN server of a configuration, in the configured order."""

    stun: tuple[tuple[str, int], ...] = ()
    turn: tuple[TurnServer, ...] = ()

    @property
    def beyond_stock(self) -> bool:
        """More than aiortc would use by itself (one STUN and one TURN server)."""
        return len(self.stun) > 1 or len(self.turn) > 1


def servers_from_config(ice_servers: Sequence[RTCIceServer]) -> GatherServers:
    """All STUN/TURN servers of ``ice_servers``, skipping what aiortc would skip.

    Mirrors ``aiortc.rtcicetransport.connection_kwargs`` except that it keeps every server
    instead of the first one of each kind; duplicates are dropped. Malformed URLs are ignored
    here (aiortc itself rejects them when the peer connection is created).
    """
    stun: list[tuple[str, int]] = []
    turns: list[TurnServer] = []
    for server in ice_servers:
        uris = server.urls if isinstance(server.urls, list) else [server.urls]
        for uri in uris:
            try:
                parsed = parse_stun_turn_uri(uri)
            except ValueError:
                continue
            address = (parsed["host"], parsed["port"])
            if parsed["scheme"] == "stun":
                if address not in stun:
                    stun.append(address)
            elif parsed["scheme"] in ("turn", "turns"):
                transport = parsed["transport"]
                if parsed["scheme"] == "turn" and transport not in ("udp", "tcp"):
                    continue
                if parsed["scheme"] == "turns" and transport != "tcp":
                    continue
                if server.credentialType != "password":
                    continue
                entry = TurnServer(address, server.username, server.credential,
                                   parsed["scheme"] == "turns", transport)
                if entry not in turns:
                    turns.append(entry)
    return GatherServers(tuple(stun), tuple(turns))


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def supported() -> bool:
    """True when the installed aioice/aiortc are the versions this module mirrors."""
    return (
        _major_minor(aioice.__version__) in SUPPORTED_AIOICE
        and _major_minor(aiortc.__version__) in SUPPORTED_AIORTC
        and hasattr(ice, "server_reflexive_candidate")
        and hasattr(ice, "relayed_candidate")
        and hasattr(ice.Connection, "get_component_candidates")
    )


def _ice_connections(pc: RTCPeerConnection) -> list[ice.Connection]:
    """The aioice connections behind ``pc`` (created with its first data channel)."""
    sctp = pc.sctp
    if sctp is None:
        return []
    connection = getattr(sctp.transport.transport.iceGatherer, "_connection", None)
    return [connection] if isinstance(connection, ice.Connection) else []


def install_all_servers(pc: RTCPeerConnection, ice_servers: Sequence[RTCIceServer]) -> bool:
    """Make ``pc`` gather candidates from every server of ``ice_servers``.

    Call after the first ``createDataChannel`` and before ``setLocalDescription``. Returns True
    when installed; False when aiortc's stock gathering already uses every server (at most one
    of each kind), when ``pc`` has no ICE transport yet, or (with a warning, once per process)
    when the aioice/aiortc versions are not the ones mirrored here.
    """
    global _warned
    servers = servers_from_config(ice_servers)
    if not servers.beyond_stock:
        return False
    if not supported():
        if not _warned:
            _warned = True
            logger.warning(
                "aioice %s / aiortc %s: gathering from several STUN/TURN servers is only "
                "supported with aioice %s and aiortc %s; using the first STUN and the first "
                "TURN server only", aioice.__version__, aiortc.__version__,
                "/".join(SUPPORTED_AIOICE), "/".join(SUPPORTED_AIORTC))
        return False
    try:
        connections = _ice_connections(pc)
    except AttributeError as exc:  # aiortc's object graph changed despite the same version
        logger.warning("Cannot reach the ICE connection (%s); using aiortc's stock gathering",
                       exc)
        return False
    for connection in connections:
        # An instance attribute shadows the method for this connection only.
        connection.get_component_candidates = functools.partial(  # type: ignore[method-assign]
            _get_component_candidates, connection, servers)
    if connections:
        logger.debug("Gathering from %d STUN and %d TURN servers",
                     len(servers.stun), len(servers.turn))
    return bool(connections)


async def _get_component_candidates(
    connection: ice.Connection, servers: GatherServers, component: int, addresses: list[str],
    timeout: float = GATHER_TIMEOUT,
) -> list[Candidate]:
    """aioice 0.13's ``Connection.get_component_candidates``, over lists of servers."""
    candidates: list[Candidate] = []
    loop = asyncio.get_running_loop()

    # Host candidates, exactly as aioice gathers them.
    host_protocols: list[ice.StunProtocol] = []
    for address in addresses:
        try:
            transport, protocol = await loop.create_datagram_endpoint(
                lambda: ice.StunProtocol(connection), local_addr=(address, 0))
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                turn.UDP_SOCKET_BUFFER_SIZE)
        except OSError as exc:
            logger.info("Could not bind to %s - %s", address, exc)
            continue
        host_protocols.append(protocol)
        candidate_address = protocol.transport.get_extra_info("sockname")
        protocol.local_candidate = Candidate(
            foundation=candidate_foundation("host", "udp", candidate_address[0]),
            component=component,
            transport="udp",
            priority=candidate_priority(component, "host"),
            host=candidate_address[0],
            port=candidate_address[1],
            type="host",
        )
        candidates.append(protocol.local_candidate)
    connection._protocols += host_protocols

    tasks: dict[asyncio.Task[tuple[Candidate, Any]], str] = {}
    # Server-reflexive candidates from every STUN server (IPv4 only, as aioice).
    for stun_server in servers.stun:
        for protocol in host_protocols:
            if ipaddress.ip_address(protocol.local_candidate.host).version == 4:
                stun = asyncio.create_task(ice.server_reflexive_candidate(protocol, stun_server))
                tasks[stun] = f"STUN {stun_server[0]}:{stun_server[1]}"
    # A relayed candidate from every TURN server.
    for server in servers.turn:
        relay = asyncio.create_task(ice.relayed_candidate(
            component=component,
            hide_related_address=connection._transport_policy == TransportPolicy.RELAY,
            protocol_factory=lambda: ice.StunProtocol(connection),
            turn_server=server.address,
            turn_username=server.username,
            turn_password=server.password,
            turn_ssl=server.ssl,
            turn_transport=server.transport,
        ))
        tasks[relay] = f"TURN {server.address[0]}:{server.address[1]}"

    if tasks:
        done, pending = await asyncio.wait(tasks, timeout=timeout)
        seen = {(c.type, c.host, c.port) for c in candidates}
        # Keep the configured order (``done`` is a set).
        for task in (t for t in tasks if t in done):
            error = task.exception()
            if error is not None:
                logger.info("No candidate from %s: %s", tasks[task],
                            str(error) or type(error).__name__)
                continue
            candidate, relay_protocol = task.result()
            if relay_protocol is not None:
                connection._protocols.append(relay_protocol)
            key = (candidate.type, candidate.host, candidate.port)
            if key in seen:
                continue  # two STUN servers seeing the same mapping: one candidate is enough
            seen.add(key)
            if candidate.type == "srflx":
                # RFC 8445 5.1.1.3: the foundation also depends on the server asked.
                asked = tasks[task].split(" ", 1)[1]
                candidate.foundation = candidate_foundation(
                    "srflx", "udp", f"{candidate.related_address}|{asked}")
            candidates.append(candidate)
        for task in pending:
            logger.info("No candidate from %s within %g s", tasks[task], timeout)
            task.cancel()
    return candidates


__all__ = ["GATHER_TIMEOUT", "GatherServers", "TurnServer", "install_all_servers",
           "servers_from_config", "supported"]
