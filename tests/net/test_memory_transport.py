"""The in-memory transport: same interface, synchronous and deterministic."""

from __future__ import annotations

from konnekt_arcade.net import (
    CHANNEL_RELIABLE,
    CHANNEL_UNRELIABLE,
    IdAssigned,
    InMemoryNetwork,
    Message,
    PeerConnected,
    PeerDisconnected,
    Transport,
    WebRtcTransport,
)


def test_join_connect_send_disconnect() -> None:
    net = InMemoryNetwork()
    a = net.create_transport(room="r")
    b = net.create_transport(room="r")
    other_room = net.create_transport(room="elsewhere")
    assert isinstance(a, Transport)
    assert a.poll() == [IdAssigned("peer-1"), PeerConnected("peer-2")]
    assert b.poll() == [IdAssigned("peer-2"), PeerConnected("peer-1")]
    assert other_room.poll() == [IdAssigned("peer-3")]
    assert a.connected_peers() == ["peer-2"]

    a.send("peer-2", CHANNEL_RELIABLE, b"one")
    a.broadcast(CHANNEL_UNRELIABLE, bytearray(b"two"))
    a.send("peer-3", CHANNEL_RELIABLE, b"other room")  # not linked: dropped and counted
    assert a.stats["dropped_outgoing"] == 1
    assert b.poll(max_items=1) == [Message("peer-1", CHANNEL_RELIABLE, b"one")]
    assert b.poll() == [Message("peer-1", CHANNEL_UNRELIABLE, b"two")]
    assert other_room.poll() == []

    c = net.create_transport(room="r")
    assert c.poll() == [IdAssigned("peer-4"), PeerConnected("peer-1"), PeerConnected("peer-2")]
    net.disconnect("peer-1", "peer-2")
    assert a.poll() == [PeerConnected("peer-4"), PeerDisconnected("peer-2", "disconnected")]
    assert b.poll() == [PeerConnected("peer-4"), PeerDisconnected("peer-1", "disconnected")]

    c.close()
    c.close()
    assert a.poll() == [PeerDisconnected("peer-4", "peer left")]
    assert b.poll() == [PeerDisconnected("peer-4", "peer left")]
    assert a.connected_peers() == []
    c.send("peer-1", CHANNEL_RELIABLE, b"after close")
    assert a.poll() == []


def test_incoming_queue_is_bounded_but_keeps_connection_events() -> None:
    net = InMemoryNetwork()
    a = net.create_transport(room="r")
    b = net.create_transport(room="r")
    b.queue_size = 3
    b.poll()
    for i in range(5):
        a.send("peer-2", CHANNEL_RELIABLE, bytes([i]))
    a.close()
    events = b.poll()
    assert [e.data for e in events if isinstance(e, Message)] == [b"\x00", b"\x01", b"\x02"]
    assert events[-1] == PeerDisconnected("peer-1", "peer left")
    assert b.stats["dropped_incoming"] == 2


def test_webrtc_transport_satisfies_protocol() -> None:
    transport = WebRtcTransport("ws://127.0.0.1:9", "room")
    assert isinstance(transport, Transport)
    transport.send("nobody", CHANNEL_RELIABLE, b"x")  # before start: dropped, never raises
    assert transport.stats["dropped_outgoing"] == 1
    transport.close()


def test_send_many_reaches_each_peer_in_order_and_counts_strangers() -> None:
    net = InMemoryNetwork()
    a, b, c = (net.create_transport(room="r") for _ in range(3))
    for t in (a, b, c):
        t.poll()
    a.send_many(["peer-2", "peer-3", "nobody"], CHANNEL_RELIABLE, b"first")
    a.send("peer-3", CHANNEL_RELIABLE, b"second")
    assert a.stats["dropped_outgoing"] == 1  # "nobody" is not linked
    assert b.poll() == [Message("peer-1", CHANNEL_RELIABLE, b"first")]
    assert c.poll() == [Message("peer-1", CHANNEL_RELIABLE, b"first"),
                        Message("peer-1", CHANNEL_RELIABLE, b"second")]
