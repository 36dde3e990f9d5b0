"""The ICE reachability probe: reachable servers are kept, unreachable ones cost <= budget."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from konnekt_arcade import IceServer
from konnekt_arcade.session import IceProbe, _ice, clear_probe_cache, probe_url


@pytest.fixture
def fake_stun() -> Iterator[int]:
    """A UDP responder answering STUN Binding requests with a bare success response."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, addr = sock.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            if len(data) >= 20 and data[:2] == b"\x00\x01":
                sock.sendto(b"\x01\x01\x00\x00" + data[4:20], addr)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join(1)
    sock.close()


@pytest.fixture
def silent_udp() -> Iterator[int]:
    """A UDP port that swallows everything (like a firewalled STUN server)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def test_reachable_stun_is_kept_with_resolved_address(fake_stun: int) -> None:
    clear_probe_cache()
    assert probe_url(f"stun:localhost:{fake_stun}", 1.0) == f"stun:127.0.0.1:{fake_stun}"


def _wait_done(probe: IceProbe, limit: float = 30.0) -> list[tuple[float, bool]]:
    """Poll ``done()`` like a frame loop would; every call as (time before it, answer)."""
    calls: list[tuple[float, bool]] = []
    give_up = time.monotonic() + limit
    while True:
        before = time.monotonic()
        calls.append((before, probe.done()))
        if calls[-1][1]:
            return calls
        assert before < give_up, "the probe never finished"
        time.sleep(0.01)


def test_unreachable_servers_are_dropped_within_budget(silent_udp: int) -> None:
    clear_probe_cache()
    probe = IceProbe([IceServer.stun(f"stun:127.0.0.1:{silent_udp}"),
                      IceServer.stun("stun:stun.invalid:3478"),
                      *IceServer.default_stun_servers()], timeout=0.3)
    calls = _wait_done(probe)
    # The budget decides, not the servers: done() said "not yet" only before the deadline.
    # (A busy machine may notice the end late; how late is no business of the probe.)
    assert all(t < probe.deadline for t, done in calls if not done), (probe.deadline, calls)
    assert probe.result() == []


def test_a_server_that_never_answers_costs_only_the_budget(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """A DNS lookup that hangs (seen: 5-15 s) must not hold the probe: done() turns true at
    the deadline while that lookup still hangs, and its late answer is ignored."""
    clear_probe_cache()
    release = threading.Event()

    def hanging(url: str, timeout: float) -> str | None:
        release.wait(60)
        return url

    monkeypatch.setattr(_ice, "probe_url", hanging)
    try:
        probe = IceProbe([IceServer.stun("stun:hangs.example:3478")], timeout=0.3)
        _wait_done(probe)
        assert not release.is_set()  # still hanging when the probe gave up on it
        assert time.monotonic() >= probe.deadline  # it was the budget that ended it
        assert probe.result() == []
    finally:
        release.set()
        clear_probe_cache()


def test_reachable_servers_are_kept_in_configured_order(fake_stun: int, silent_udp: int) -> None:
    clear_probe_cache()
    probe = IceProbe([IceServer.stun(f"stun:127.0.0.1:{silent_udp}"),
                      IceServer.turn(f"turn:127.0.0.1:{fake_stun}", "user", "pass"),
                      IceServer.stun(f"stun:127.0.0.1:{fake_stun}")], timeout=0.3)
    while not probe.done():
        time.sleep(0.01)
    result = probe.result()
    assert [c.urls for c in result] == [[f"turn:127.0.0.1:{fake_stun}"],
                                        [f"stun:127.0.0.1:{fake_stun}"]]
    assert result[0].username == "user" and result[0].credential == "pass"


def test_bad_urls_are_ignored() -> None:
    assert probe_url("http://example.com", 0.1) is None
    assert probe_url("stun:", 0.1) is None
