"""Conformance of the embedded server with the Matchbox protocol, using raw websocket clients."""

from __future__ import annotations

import json
import logging
import os
import re
import signal as signal_module
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from konnekt_arcade.net.signalling_server import SignallingServer

pytestmark = [pytest.mark.network, pytest.mark.timeout(60)]


_connections = ExitStack()


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Every raw client is opened as a context manager and closed after the test."""
    yield
    _connections.close()


def open_ws(url: str) -> ClientConnection:
    return _connections.enter_context(connect(url, open_timeout=3))


def recv(ws: ClientConnection, timeout: float = 3.0) -> object:
    return json.loads(ws.recv(timeout=timeout))


def assert_silent(ws: ClientConnection, timeout: float = 0.3) -> None:
    """Nothing arrives within ``timeout`` (a bounded wait for absence)."""
    with pytest.raises(TimeoutError):
        ws.recv(timeout=timeout)


def join(server: SignallingServer, room: str = "room") -> tuple[ClientConnection, str]:
    ws = open_ws(f"{server.url}/{room}")
    msg = recv(ws)
    assert isinstance(msg, dict) and list(msg) == ["IdAssigned"]
    return ws, msg["IdAssigned"]


def signal(receiver: str, kind: str = "Offer", value: str = "v=0") -> str:
    return json.dumps({"Signal": {"receiver": receiver, "data": {kind: value}}})


def test_id_assigned_first_with_uuid4(server: SignallingServer) -> None:
    ws, peer_id = join(server)
    assert uuid.UUID(peer_id).version == 4
    assert_silent(ws)
    ws.close()


def test_new_peer_only_to_existing_peers(server: SignallingServer) -> None:
    a, id_a = join(server)
    b, id_b = join(server)
    assert recv(a) == {"NewPeer": id_b}
    assert_silent(b)
    c, id_c = join(server)
    assert recv(a) == {"NewPeer": id_c}
    assert recv(b) == {"NewPeer": id_c}
    assert_silent(c)
    assert len({id_a, id_b, id_c}) == 3
    for ws in (a, b, c):
        ws.close()


def test_rooms_are_isolated(server: SignallingServer) -> None:
    a, _ = join(server, "one")
    b, id_b = join(server, "two")
    assert_silent(a)
    a.send(signal(id_b))
    assert_silent(b)
    a.close()
    b.close()


def test_signal_routing_fills_sender(server: SignallingServer) -> None:
    a, id_a = join(server)
    b, id_b = join(server)
    recv(a)  # NewPeer
    a.send(signal(id_b, "Offer", "sdp-offer"))
    assert recv(b) == {"Signal": {"sender": id_a, "data": {"Offer": "sdp-offer"}}}
    b.send(signal(id_a, "Answer", "sdp-answer"))
    assert recv(a) == {"Signal": {"sender": id_b, "data": {"Answer": "sdp-answer"}}}
    cand = json.dumps({"candidate": "candidate:1 1 udp 1 1.2.3.4 5 typ host", "sdpMid": "0"})
    b.send(signal(id_a, "IceCandidate", cand))
    assert recv(a) == {"Signal": {"sender": id_b, "data": {"IceCandidate": cand}}}
    a.close()
    b.close()


def test_peer_left_on_close(server: SignallingServer) -> None:
    a, _ = join(server)
    b, id_b = join(server)
    c, id_c = join(server)
    recv(a), recv(a), recv(b)  # NewPeer b, NewPeer c (to a), NewPeer c (to b)
    b.close()
    assert recv(a) == {"PeerLeft": id_b}
    assert recv(c) == {"PeerLeft": id_b}
    a.close()
    assert recv(c)["PeerLeft"] != id_c


def test_malformed_json_keeps_connection_and_unknown_receiver_dropped(
    server: SignallingServer,
) -> None:
    a, id_a = join(server)
    b, id_b = join(server)
    recv(a)
    for junk in ("{not json", "[]", '{"Signal": 3}', '{"Bogus": 1}', '{"Signal": {"data": {}}}'):
        a.send(junk)
    a.send(signal(str(uuid.uuid4())))  # unknown receiver: dropped silently
    a.send('"KeepAlive"')
    assert_silent(b)
    assert_silent(a)
    a.send(signal(id_b, "Offer", "still-here"))
    assert recv(b) == {"Signal": {"sender": id_a, "data": {"Offer": "still-here"}}}
    assert server.stats["malformed"] == 5
    assert server.stats["signals_dropped"] == 1
    a.close()
    b.close()


def test_health_endpoint(server: SignallingServer) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/health", timeout=3) as resp:
        assert resp.status == 200


def test_next_groups_rooms_of_n(server: SignallingServer) -> None:
    a, _ = join(server, "match?next=2")
    b, id_b = join(server, "match?next=2")
    assert recv(a) == {"NewPeer": id_b}
    c, _ = join(server, "match?next=2")
    assert_silent(a)
    assert_silent(b)
    d, id_d = join(server, "match?next=2")
    assert recv(c) == {"NewPeer": id_d}
    assert_silent(a)
    for ws in (a, b, c, d):
        ws.close()


def _expect_refused(ws_url: str) -> None:
    ws = open_ws(ws_url)
    with pytest.raises(ConnectionClosed) as info:
        ws.recv(timeout=3)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1013


def test_limit_peers_per_room(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    with SignallingServer(max_peers_per_room=2) as srv:
        a, _ = join(srv)
        b, _ = join(srv)
        _expect_refused(f"{srv.url}/room")
        assert any("room full" in r.getMessage() for r in caplog.records)
        a.close()
        b.close()


def test_limit_rooms(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    with SignallingServer(max_rooms=1) as srv:
        a, _ = join(srv, "first")
        _expect_refused(f"{srv.url}/second")
        assert any("room limit" in r.getMessage() for r in caplog.records)
        a.close()


def test_limit_message_size(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    with SignallingServer(max_message_size=1000) as srv:
        a, id_a = join(srv)
        b, id_b = join(srv)
        recv(a)
        a.send(signal(id_b, "Offer", "x" * 2000))
        assert_silent(b)
        assert any("max_message_size" in r.getMessage() for r in caplog.records)
        a.send(signal(id_b, "Offer", "small"))
        assert recv(b) == {"Signal": {"sender": id_a, "data": {"Offer": "small"}}}
        a.close()
        b.close()


def test_stop_is_idempotent_and_closes_clients() -> None:
    srv = SignallingServer().start()
    a, _ = join(srv)
    srv.stop()
    srv.stop()
    with pytest.raises(ConnectionClosed):
        a.recv(timeout=3)


def test_cli_starts_and_logs_url() -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "konnekt_arcade.net.cli", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        url_line = proc.stdout.readline()  # bounded by the test timeout
        match = re.fullmatch(r"ws://127\.0\.0\.1:(\d+)\n", url_line)
        assert match, url_line
        port = int(match.group(1))
        assert port > 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3) as resp:
            assert resp.status == 200
        proc.send_signal(signal_module.SIGTERM)
        assert proc.wait(timeout=10) == 0
        log = proc.stderr.read()
        assert f"listening on ws://127.0.0.1:{port}" in log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
