"""ICE servers and the reachability probe that keeps unreachable ones from costing seconds.

aiortc gathers every candidate before the offer/answer leaves, and an unreachable STUN/TURN
server makes each gather wait 5 s (see NETWORK_FACTS.md). So before a transport is built, every
configured URL is probed in parallel, each on its own daemon thread, within one short budget
(``probe_timeout``, 0.3 s by default): a DNS lookup, then a STUN Binding request over UDP (TURN
servers answer it too) or a TCP connect for ``?transport=tcp`` / ``turns:``. Only URLs that
answered in time are handed to aiortc, with the resolved address in place of the host name so
aiortc never repeats a DNS lookup that might hang. With none reachable (offline LAN, loopback)
aiortc gets ``iceServers=[]`` and host candidates connect in milliseconds.

Several servers: all are probed, and every reachable one is used. aiortc alone would take only
the first STUN and the first TURN URL; ``konnekt_arcade.net._gather`` makes each peer
connection gather a server-reflexive candidate from every reachable STUN server and a relayed
candidate from every reachable TURN server, in parallel (so a TURN server that refuses our
credentials does not hide the next one). Probe results (including "no answer within the
budget") are cached per URL for ``CACHE_SECONDS``, so a second session in the same process
starts without waiting. Probe threads are daemons: a DNS lookup that never returns cannot
delay process exit.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..net import IceServerConfig

logger = logging.getLogger("konnekt_arcade.session.ice")

#: konnekt-session-p2p's default list (Google's public STUN servers).
DEFAULT_STUN_URLS = (
    "stun:stun.l.google.com:19302",
    "stun:stun1.l.google.com:19302",
    "stun:stun2.l.google.com:19302",
    "stun:stun3.l.google.com:19302",
    "stun:stun4.l.google.com:19302",
)
DEFAULT_PROBE_TIMEOUT = 0.3
CACHE_SECONDS = 60.0
_MAGIC = b"\x21\x12\xa4\x42"


@dataclass(frozen=True)
class IceServer:
    """A STUN or TURN server (as in konnekt-session-p2p): ``IceServer.stun``, ``IceServer.turn``."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None

    @classmethod
    def stun(cls, url: str) -> IceServer:
        return cls((url,))

    @classmethod
    def turn(cls, url: str, username: str, credential: str) -> IceServer:
        return cls((url,), username, credential)

    @classmethod
    def default_stun_servers(cls) -> list[IceServer]:
        """Google's public STUN servers (konnekt-session-p2p's default)."""
        return [cls.stun(url) for url in DEFAULT_STUN_URLS]


@dataclass(frozen=True)
class _Target:
    scheme: str  # stun | stuns | turn | turns
    host: str
    port: int
    tcp: bool
    query: str


def parse_ice_url(url: str) -> _Target:
    """``stun:host[:port]``, ``turn:host[:port][?transport=tcp]``, ``turns:...``."""
    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    if scheme not in ("stun", "stuns", "turn", "turns") or not rest:
        raise ValueError(f"not a STUN/TURN URL: {url!r}")
    rest, _, query = rest.partition("?")
    parts = urlsplit("//" + rest)
    if not parts.hostname:
        raise ValueError(f"no host in ICE URL: {url!r}")
    secure = scheme.endswith("s")
    port = parts.port or (5349 if secure else 3478)
    tcp = secure or "transport=tcp" in query.lower()
    return _Target(scheme, parts.hostname, port, tcp, query)


def _stun_binding(address: tuple[Any, ...], family: int, timeout: float) -> bool:
    """True if a STUN server answers a Binding request at ``address`` (a socket address of
    ``family``, as ``getaddrinfo`` gives it: IPv6 keeps its scope id)."""
    txid = os.urandom(12)
    request = b"\x00\x01\x00\x00" + _MAGIC + txid
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(max(timeout, 0.001))
        sock.sendto(request, address)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            data, _ = sock.recvfrom(2048)
            # Binding success (0x0101) or error (0x0111): either way the server is there.
            if len(data) >= 20 and data[0:2] in (b"\x01\x01", b"\x01\x11") and data[8:20] == txid:
                return True
    return False


def probe_url(url: str, timeout: float) -> str | None:
    """The URL with a resolved address if the server answered within ``timeout``, else None."""
    deadline = time.monotonic() + timeout
    try:
        target = parse_ice_url(url)
        kind = socket.SOCK_STREAM if target.tcp else socket.SOCK_DGRAM
        info = socket.getaddrinfo(target.host, target.port, type=kind)
        family, _, _, _, address = info[0]
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if target.tcp:
            with socket.create_connection((str(address[0]), int(address[1])), timeout=left):
                pass
        elif not _stun_binding(address, family, left):
            return None
    except (OSError, ValueError) as exc:
        logger.debug("ICE server %s unreachable: %s", url, exc)
        return None
    if target.scheme in ("stuns", "turns") or family != socket.AF_INET:
        return url  # TLS needs the host name; aioice parses no IPv6 literals
    host = address[0]
    query = f"?{target.query}" if target.query else ""
    return f"{target.scheme}:{host}:{target.port}{query}"


_cache: dict[str, tuple[float, str | None]] = {}
_cache_lock = threading.Lock()


def clear_probe_cache() -> None:
    with _cache_lock:
        _cache.clear()


class IceProbe:
    """Probe every URL of ``servers`` in parallel; never blocks the caller."""

    def __init__(self, servers: Sequence[IceServer], timeout: float = DEFAULT_PROBE_TIMEOUT):
        self.servers = list(servers)
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self._results: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self._pending = 0
        now = time.monotonic()
        for url in dict.fromkeys(u for s in self.servers for u in s.urls):
            with _cache_lock:
                cached = _cache.get(url)
            if cached is not None and now - cached[0] < CACHE_SECONDS:
                self._results[url] = cached[1]
                continue
            self._pending += 1
            threading.Thread(target=self._probe, args=(url,), name="konnekt-ice-probe",
                             daemon=True).start()

    def _probe(self, url: str) -> None:
        result = probe_url(url, self.timeout)
        with _cache_lock:
            _cache[url] = (time.monotonic(), result)
        with self._lock:
            self._results[url] = result
            self._pending -= 1

    def done(self) -> bool:
        """All probes answered, or the budget is over (late answers are ignored)."""
        with self._lock:
            return self._pending == 0 or time.monotonic() >= self.deadline

    def result(self) -> list[IceServerConfig]:
        """The reachable URLs, grouped per configured server, in the configured order."""
        with self._lock:
            results = dict(self._results)
        now = time.monotonic()
        # No answer within the budget: remember that too (a late answer overrides it).
        with _cache_lock:
            for url in {u for s in self.servers for u in s.urls} - results.keys():
                _cache.setdefault(url, (now, None))
        configs = []
        for server in self.servers:
            urls = [r for u in server.urls if (r := results.get(u))]
            if urls:
                configs.append(IceServerConfig(urls, server.username, server.credential))
        total = sum(len(s.urls) for s in self.servers)
        reachable = sum(len(c.urls) for c in configs)
        if total:
            logger.info("ICE servers reachable: %d of %d%s", reachable, total,
                        "" if reachable else " (LAN/host candidates only)")
        return configs


def to_configs(servers: Sequence[IceServer]) -> list[IceServerConfig]:
    """Unprobed conversion (for callers that want aiortc to see exactly what they gave)."""
    return [IceServerConfig(list(s.urls), s.username, s.credential) for s in servers]


__all__ = ["DEFAULT_STUN_URLS", "IceProbe", "IceServer", "clear_probe_cache", "probe_url",
           "to_configs"]
