"""Every configured STUN and TURN server contributes candidates (aiortc alone uses only the first
of each), against real local servers: STUN responders on loopback and real coturn instances."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aioice
import pytest
from aioice import stun

from konnekt_arcade import IceServer, P2PLoopBuilder
from konnekt_arcade.net import IceServerConfig, SignallingServer
from konnekt_arcade.net import _gather as gather
from konnekt_arcade.net.peer import PeerLink
from konnekt_arcade.net.webrtc import rtc_configuration
from konnekt_arcade.session import IceProbe, clear_probe_cache

from .._coturn import Coturn, free_udp_port, turnserver
from .conftest import wait_until

pytestmark = [pytest.mark.network, pytest.mark.timeout(90)]

CANDIDATE = re.compile(r"a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ (\w+)")


class StunResponder:
    """A STUN server on 127.0.0.1 that counts Binding requests. It reports ``mapped`` as the
    client's address when given (a made-up address that tells its candidates apart; only for
    tests where no peer ever sends to it), else the real source address, like a real server."""

    def __init__(self, mapped: tuple[str, int] | None = None) -> None:
        self.mapped = mapped
        self.requests = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"stun:127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(2048)
                request = stun.parse_message(data)
            except TimeoutError:
                continue
            except (OSError, ValueError):
                if self._stop.is_set():
                    return
                continue
            if (request.message_method != stun.Method.BINDING
                    or request.message_class != stun.Class.REQUEST):
                continue
            self.requests += 1
            response = stun.Message(stun.Method.BINDING, stun.Class.RESPONSE,
                                    transaction_id=request.transaction_id)
            response.attributes["XOR-MAPPED-ADDRESS"] = self.mapped or addr
            response.add_fingerprint()
            self.sock.sendto(bytes(response), addr)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def responders() -> Iterator[Callable[..., StunResponder]]:
    started: list[StunResponder] = []

    def make(mapped: tuple[str, int] | None = None) -> StunResponder:
        started.append(StunResponder(mapped))
        return started[-1]

    try:
        yield make
    finally:
        for r in started:
            r.close()


@pytest.fixture
def silent_udp() -> Iterator[int]:
    """A UDP port that swallows everything (a firewalled server)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


@pytest.fixture
def coturns(tmp_path: Path) -> Iterator[list[Coturn]]:
    """Two real coturn servers on loopback: user alice:one on the first, bob:two on the
    second, each with its own block of relay ports (so a relay candidate names its server)."""
    if turnserver() is None:
        pytest.skip("coturn (turnserver) is not installed; scripts/install-system-deps adds it")
    servers: list[Coturn] = []
    try:
        for user in ("alice:one", "bob:two"):
            port = free_udp_port()
            servers.append(Coturn(tmp_path / user.split(":")[0], ["127.0.0.1"], port, [user]))
        for server in servers:
            server.wait_ready(("127.0.0.1", server.port))
        yield servers
    finally:
        for server in servers:
            server.stop()


def offer_candidates(ice_servers: list[IceServerConfig]) -> tuple[list[tuple[str, int, str]],
                                                                  float]:
    """Create a real PeerLink (as the transport does), let it gather and send its offer;
    returns the offer's candidates as (address, port, type) and the seconds the gather took."""

    async def run() -> tuple[list[tuple[str, int, str]], float]:
        sent: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        async def send_signal(peer: str, signal: object) -> bool:
            if not sent.done():
                sent.set_result(signal.value)  # type: ignore[attr-defined]
            return True

        link = PeerLink("remote", rtc_configuration(ice_servers), send_signal=send_signal,
                        on_connected=lambda p: None, on_message=lambda p, c, d: None,
                        on_closed=lambda p, r, c: None, connect_timeout=30)
        started = time.monotonic()
        link.offer()
        try:
            sdp = await asyncio.wait_for(sent, 20)
        finally:
            task = link.close("test over")
            if task is not None:
                await task
        found = [(a, int(p), t) for a, p, t in CANDIDATE.findall(sdp)]
        return found, time.monotonic() - started

    return asyncio.run(run())


#: aioice waits this long for a STUN/TURN server that does not answer (NETWORK_FACTS.md). A gather
#: that waited for one server takes at least this much longer than a gather with no server at
#: all, measured on the same machine at the same time; a busy machine slows both alike.
AIOICE_GATHER_TIMEOUT = 5.0


def no_server_gather_seconds() -> float:
    """How long a gather with host candidates only takes here and now (the baseline)."""
    return offer_candidates([])[1]


def test_srflx_candidates_from_every_stun_server(responders: Callable[..., StunResponder]
                                                 ) -> None:
    servers = [responders(("198.51.100.1", 40001)), responders(("198.51.100.2", 40002)),
               responders(("198.51.100.3", 40003))]
    config = [IceServerConfig([servers[0].url, servers[1].url]),
              IceServerConfig([servers[2].url])]
    candidates, seconds = offer_candidates(config)
    srflx = {(a, p) for a, p, t in candidates if t == "srflx"}
    assert srflx == {("198.51.100.1", 40001), ("198.51.100.2", 40002),
                     ("198.51.100.3", 40003)}, candidates
    assert all(s.requests >= 1 for s in servers)
    assert any(t == "host" for _, _, t in candidates)
    # in parallel and without waiting out any server's timeout
    baseline = no_server_gather_seconds()
    assert seconds - baseline < AIOICE_GATHER_TIMEOUT, (seconds, baseline)


def test_same_mapping_from_two_servers_is_one_candidate(
        responders: Callable[..., StunResponder]) -> None:
    a, b = responders(("198.51.100.7", 40007)), responders(("198.51.100.7", 40007))
    candidates, _ = offer_candidates([IceServerConfig([a.url]), IceServerConfig([b.url])])
    assert [c for c in candidates if c[2] == "srflx"] == [("198.51.100.7", 40007, "srflx")]
    assert a.requests >= 1 and b.requests >= 1


def test_other_aioice_version_falls_back_to_first_server_with_warning(
        responders: Callable[..., StunResponder], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    first, second = responders(("198.51.100.1", 40001)), responders(("198.51.100.2", 40002))
    monkeypatch.setattr(aioice, "__version__", "0.99.0")
    monkeypatch.setattr(gather, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="konnekt_arcade.net._gather"):
        candidates, _ = offer_candidates([IceServerConfig([first.url, second.url])])
    assert {(a, p) for a, p, t in candidates if t == "srflx"} == {("198.51.100.1", 40001)}
    assert second.requests == 0
    assert any("aioice 0.99.0" in r.getMessage() for r in caplog.records)


def test_servers_from_config_keeps_every_server_once() -> None:
    config = rtc_configuration([
        IceServerConfig(["stun:a.example:3478", "stun:b.example", "stun:a.example:3478"]),
        IceServerConfig(["turn:t1.example?transport=tcp", "turns:t2.example"], "u", "p"),
        IceServerConfig(["turn:t1.example:3478?transport=tcp"], "u", "p"),
        IceServerConfig(["turn:t3.example?transport=sctp"], "u", "p"),
    ])
    servers = gather.servers_from_config(config.iceServers or [])
    assert servers.stun == (("a.example", 3478), ("b.example", 3478))
    assert [(t.address, t.ssl, t.transport) for t in servers.turn] == [
        (("t1.example", 3478), False, "tcp"), (("t2.example", 5349), True, "tcp")]
    assert servers.beyond_stock


def turn(server: Coturn, user: str, password: str) -> IceServerConfig:
    return IceServerConfig([f"turn:127.0.0.1:{server.port}"], user, password)


def relay_ports(candidates: list[tuple[str, int, str]]) -> list[int]:
    return [p for _, p, t in candidates if t == "relay"]


def test_relay_candidates_from_every_turn_server(coturns: list[Coturn]) -> None:
    first, second = coturns
    candidates, _ = offer_candidates([turn(first, "alice", "one"), turn(second, "bob", "two")])
    ports = relay_ports(candidates)
    assert len(ports) == 2, candidates
    assert any(first.relays(p) for p in ports) and any(second.relays(p) for p in ports)


def test_second_turn_server_used_when_first_rejects_credentials(coturns: list[Coturn]) -> None:
    first, second = coturns
    candidates, seconds = offer_candidates([turn(first, "alice", "WRONG"),
                                            turn(second, "bob", "two")])
    ports = relay_ports(candidates)
    assert len(ports) == 1 and second.relays(ports[0]), candidates
    baseline = no_server_gather_seconds()
    assert seconds - baseline < AIOICE_GATHER_TIMEOUT, (seconds, baseline)


def test_unreachable_first_turn_server_costs_no_seconds(coturns: list[Coturn],
                                                        silent_udp: int) -> None:
    """The builder's path: probe every server in parallel, hand the reachable ones to the
    transport. The silent server is dropped by the probe, the second server relays."""
    clear_probe_cache()
    second = coturns[1]
    probe = IceProbe([IceServer.turn(f"turn:127.0.0.1:{silent_udp}", "bob", "two"),
                      IceServer.turn(f"turn:127.0.0.1:{second.port}", "bob", "two")], timeout=1.0)
    deadline = time.monotonic() + 30
    while not probe.done():
        assert time.monotonic() < deadline, "the probe never finished"
        time.sleep(0.01)
    reachable = probe.result()
    # The silent server never reaches aioice, so no gather can wait 5 s for it.
    assert [c.urls for c in reachable] == [[f"turn:127.0.0.1:{second.port}"]], reachable
    candidates, seconds = offer_candidates(reachable)
    ports = relay_ports(candidates)
    assert len(ports) == 1 and second.relays(ports[0]), candidates
    baseline = no_server_gather_seconds()
    assert seconds - baseline < AIOICE_GATHER_TIMEOUT, (seconds, baseline)
    clear_probe_cache()


def test_sessions_use_every_server_and_still_connect_fast(
        signalling: SignallingServer, responders: Callable[..., StunResponder],
        coturns: list[Coturn], silent_udp: int) -> None:
    """Host and guest with three STUN servers (one silent) and two TURN servers (the first
    refusing our password) on loopback: both gathers ask every reachable server, and the
    peers connect as fast as with no servers at all (host candidates)."""
    clear_probe_cache()
    stuns = [responders(), responders()]
    ice = [IceServer.stun(stuns[0].url), IceServer.stun(f"stun:127.0.0.1:{silent_udp}"),
           IceServer.stun(stuns[1].url),
           IceServer.turn(f"turn:127.0.0.1:{coturns[0].port}", "alice", "WRONG"),
           IceServer.turn(f"turn:127.0.0.1:{coturns[1].port}", "bob", "two")]
    builder = P2PLoopBuilder()

    def connect(servers: list[IceServer]) -> float:
        """Seconds from starting a host to its guest being ready, with ``servers``."""
        started = time.monotonic()
        host, sid = builder.start_session_host(signalling.url, servers, "Servers", "Alice")
        guest = builder.start_session_guest(signalling.url, sid, servers)
        with host, guest:
            wait_until(lambda: guest.is_ready, 60, host, guest, what="guest sync")
            elapsed = time.monotonic() - started
            assert host.state_hash() == guest.state_hash()
            pairs = guest.selected_candidate_pairs()
            assert list(pairs) == [host.local_peer_id()]
        return elapsed

    elapsed = connect(ice)
    # One probe per URL (cached for the second session), then one Binding request per gather
    # (host's and guest's) and local IPv4 address: every reachable STUN server was asked.
    assert all(s.requests >= 3 for s in stuns), [s.requests for s in stuns]
    # As fast as with no servers at all, measured right after on the same machine: an
    # unreachable server would add a whole aioice timeout (5 s) to a gather.
    baseline = connect([])
    assert elapsed - baseline < AIOICE_GATHER_TIMEOUT, (elapsed, baseline)
    clear_probe_cache()
