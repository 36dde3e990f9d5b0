"""In-process checks of the signalling client and WebRtcTransport edge cases."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from websockets.asyncio.client import connect

from konnekt_arcade.net import (
    CHANNEL_RELIABLE,
    IdAssigned,
    Message,
    PeerConnected,
    SignallingClient,
    SignallingServer,
    SignallingTimeout,
    TransportError,
    TransportEvent,
    WebRtcTransport,
)
from konnekt_arcade.net._mesh import Mesh
from konnekt_arcade.net.loop_thread import get_network_thread
from konnekt_arcade.net.webrtc import CLOSE_DEADLINE

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]


def poll_until(
    transport: WebRtcTransport, predicate: Callable[[TransportEvent], bool], timeout: float
) -> TransportEvent:
    deadline = time.monotonic() + timeout
    seen: list[TransportEvent] = []
    while time.monotonic() < deadline:
        for event in transport.poll():
            seen.append(event)
            if predicate(event):
                return event
        time.sleep(0.01)
    raise AssertionError(f"condition not met in {timeout} s; events: {seen}")


def test_client_times_out_without_id_assigned() -> None:
    with socket.socket() as silent:  # accepts TCP, never answers the websocket handshake
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"ws://127.0.0.1:{silent.getsockname()[1]}/room"
        client = SignallingClient(url, id_timeout=0.5)
        with pytest.raises(SignallingTimeout, match=url):
            asyncio.run(client.connect())


def test_unreachable_server_is_a_fatal_transport_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    transport = WebRtcTransport(f"ws://127.0.0.1:{port}", "room", signalling_timeout=2.0)
    transport.start()
    try:
        event = poll_until(transport, lambda e: isinstance(e, TransportError), 60)
        assert isinstance(event, TransportError) and event.fatal
        assert f"127.0.0.1:{port}" in event.message
    finally:
        transport.close()


def test_peer_that_never_answers_is_dropped_after_connect_timeout(
    server: SignallingServer,
) -> None:
    transport = WebRtcTransport(server.url, "slow", connect_timeout=1.0)
    transport.start()

    async def silent_peer() -> None:
        async with connect(f"{server.url}/slow") as ws:
            json.loads(await ws.recv())  # IdAssigned; then ignore the offer
            await asyncio.to_thread(
                poll_until,
                transport,
                lambda e: isinstance(e, TransportError) and "within 1 s" in e.message,
                10,
            )

    try:
        poll_until(transport, lambda e: isinstance(e, IdAssigned), 60)
        asyncio.run(silent_peer())
        assert transport.connected_peers() == []
        transport.send("not-a-peer", CHANNEL_RELIABLE, b"x")
    finally:
        transport.close()


@pytest.fixture
def hung_shutdown(monkeypatch: pytest.MonkeyPatch) -> Iterator[asyncio.Event]:
    """Shutting a transport down never ends until the returned event is set (aiortc's close
    has hung in the field); afterwards the real shutdown runs, so nothing leaks."""
    never = asyncio.Event()
    real = Mesh.shutdown
    hung: list[Mesh] = []

    async def hang(self: Mesh, deadline: float) -> None:
        hung.append(self)
        await never.wait()

    monkeypatch.setattr(Mesh, "shutdown", hang)
    yield never
    monkeypatch.undo()
    net = get_network_thread()
    net.loop.call_soon_threadsafe(never.set)
    for mesh in hung:
        net.submit(real(mesh, 1.0)).result(timeout=60)


def test_close_gives_up_at_its_deadline_when_aiortc_hangs(
    server: SignallingServer, hung_shutdown: asyncio.Event, caplog: pytest.LogCaptureFixture
) -> None:
    """close() returns even when shutting down never finishes: it waits for its own
    deadline, not for aiortc. Proven by a shutdown that never ends, not by a stopwatch (a
    busy machine is slow at everything)."""
    transport = WebRtcTransport(server.url, "hung-close")
    transport.start()
    poll_until(transport, lambda e: isinstance(e, IdAssigned), 60)
    with caplog.at_level(logging.WARNING, logger="konnekt_arcade.net.webrtc"):
        started = time.monotonic()
        transport.close()  # returns: the shutdown above never does
        waited = time.monotonic() - started
    assert f"did not finish within {CLOSE_DEADLINE:.1f} s" in caplog.text
    assert waited >= CLOSE_DEADLINE - 0.1  # it did wait for its deadline (a lower bound)
    transport.close()  # idempotent


def test_close_nowait_leaves_the_waiting_to_a_daemon_thread(
    server: SignallingServer, hung_shutdown: asyncio.Event, caplog: pytest.LogCaptureFixture
) -> None:
    """What a game frame calls: it returns while the shutdown is still hanging, sends made
    after it drop and count, and the overrun is still logged, by the "transport-close"
    thread."""
    transport = WebRtcTransport(server.url, "close-nowait")
    transport.start()
    poll_until(transport, lambda e: isinstance(e, IdAssigned), 60)
    def closers() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name == "transport-close"}

    before = closers()  # another test's, still waiting
    with caplog.at_level(logging.WARNING, logger="konnekt_arcade.net.webrtc"):
        transport.close_nowait()
        assert not hung_shutdown.is_set()  # returned although the shutdown never ends
        (closer,) = closers() - before
        assert closer.daemon
        transport.send_many(["a", "b"], CHANNEL_RELIABLE, b"{}")
        assert transport.stats["dropped_outgoing"] == 2
        assert transport.poll() == [] and transport.connected_peers() == []
        transport.close_nowait()  # idempotent: no second thread
        assert closers() - before <= {closer}
        closer.join(timeout=60)
    assert not closer.is_alive()
    assert f"did not finish within {CLOSE_DEADLINE:.1f} s" in caplog.text


def test_answer_without_candidates_and_early_trickled_candidates(server: SignallingServer) -> None:
    """A browser-like peer: trickles its candidates *before* an Answer that carries none."""
    transport = WebRtcTransport(server.url, "trickle")
    transport.start()
    poll_until(transport, lambda e: isinstance(e, IdAssigned), 60)
    transport_id = transport.local_peer_id

    async def browser_like_peer() -> None:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        reliable = pc.createDataChannel("matchbox_socket_0", negotiated=True, id=0)
        pc.createDataChannel(
            "matchbox_socket_1", negotiated=True, id=1, ordered=False, maxRetransmits=0
        )
        received: asyncio.Queue[bytes] = asyncio.Queue()
        reliable.on("message", received.put_nowait)
        try:
            async with connect(f"{server.url}/trickle") as ws:
                json.loads(await ws.recv())  # IdAssigned
                offer = json.loads(await ws.recv())["Signal"]
                assert offer["sender"] == transport_id
                await pc.setRemoteDescription(
                    RTCSessionDescription(offer["data"]["Offer"], "offer")
                )
                await pc.setLocalDescription(await pc.createAnswer())
                lines = pc.localDescription.sdp.splitlines()
                mid = next(line[6:] for line in lines if line.startswith("a=mid:"))
                candidates = [line[2:] for line in lines if line.startswith("a=candidate:")]
                assert candidates
                bare = [
                    line
                    for line in lines
                    if not line.startswith(("a=candidate:", "a=end-of-candidates"))
                ]

                def signal(kind: str, value: str) -> str:
                    return json.dumps({"Signal": {"receiver": transport_id, "data": {kind: value}}})

                for cand in candidates:
                    init = {"candidate": cand, "sdpMid": mid, "sdpMLineIndex": 0}
                    await ws.send(signal("IceCandidate", json.dumps(init)))
                await ws.send(signal("Answer", "\r\n".join(bare) + "\r\n"))
                event = await asyncio.to_thread(
                    poll_until, transport, lambda e: isinstance(e, PeerConnected), 15
                )
                assert isinstance(event, PeerConnected)
                peer_id = event.peer_id
                transport.send(peer_id, CHANNEL_RELIABLE, b"to-browser")
                assert await asyncio.wait_for(received.get(), 60) == b"to-browser"
                reliable.send("text from browser")  # str is delivered as utf-8 bytes
                message = await asyncio.to_thread(
                    poll_until, transport, lambda e: isinstance(e, Message), 10
                )
                assert message == Message(peer_id, CHANNEL_RELIABLE, b"text from browser")
        finally:
            await pc.close()

    try:
        asyncio.run(browser_like_peer())
    finally:
        transport.close()


def test_incoming_queue_bound_drops_newest_messages_only(server: SignallingServer) -> None:
    a = WebRtcTransport(server.url, "bound")
    b = WebRtcTransport(server.url, "bound", queue_size=3)
    a.start()
    b.start()
    try:
        deadline = time.monotonic() + 15
        while not (a.connected_peers() and b.connected_peers()):
            assert time.monotonic() < deadline, "peers did not connect"
            time.sleep(0.01)
        assert [type(e) for e in b.poll()] == [IdAssigned, PeerConnected]
        (b_id,) = a.connected_peers()
        for i in range(10):
            a.send(b_id, CHANNEL_RELIABLE, bytes([i]))
        a.send("unknown-peer", CHANNEL_RELIABLE, b"dropped")
        deadline = time.monotonic() + 10
        while b.stats["messages_in"] < 10:
            assert time.monotonic() < deadline, b.stats
            time.sleep(0.01)
        events = b.poll()
        assert [e.data for e in events if isinstance(e, Message)] == [b"\x00", b"\x01", b"\x02"]
        assert b.stats["dropped_incoming"] == 7
        assert a.stats["dropped_outgoing"] == 1
    finally:
        a.close()
        b.close()
