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
from konnekt_arcade.net.memory import CLOSED_BY_PEER


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
    assert a.poll() == [PeerDisconnected("peer-4", CLOSED_BY_PEER)]
    assert b.poll() == [PeerDisconnected("peer-4", CLOSED_BY_PEER)]
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
    assert events[-1] == PeerDisconnected("peer-1", CLOSED_BY_PEER)
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


def test_the_rest_of_the_protocol_is_what_a_transport_without_signalling_or_ice_does() -> None:
    net = InMemoryNetwork()
    a, b = net.create_transport(room="r"), net.create_transport(room="r")
    assert a.selected_candidate_pairs() == {} and a.selected_candidate_pairs(timeout=0) == {}
    a.refresh_signalling()  # nothing to re-register with; the links stay
    assert a.connected_peers() == ["peer-2"]
    b.poll()
    b.queue_size = 1
    a.send("peer-2", CHANNEL_RELIABLE, b"kept")
    a.send("peer-2", CHANNEL_RELIABLE, b"dropped")
    assert b.dropped_incoming_by_peer() == {"peer-1": 1}
    a.close_nowait()  # instant in memory: the peer sees it leave at once
    assert a.connected_peers() == []
    assert b.poll()[-1] == PeerDisconnected("peer-1", CLOSED_BY_PEER)
    a.close_nowait()
    a.close()


def test_loss_hook_loses_messages_on_the_wire() -> None:
    net = InMemoryNetwork()
    a, b = net.create_transport(room="r"), net.create_transport(room="r")
    b.poll()
    seen: list[tuple[str, str, int, bytes]] = []

    def lose_unreliable(sender: str, receiver: str, channel: int, data: bytes) -> bool:
        seen.append((sender, receiver, channel, data))
        return channel == CHANNEL_UNRELIABLE

    net.loss = lose_unreliable
    a.send("peer-2", CHANNEL_UNRELIABLE, b"lost")
    a.send("peer-2", CHANNEL_RELIABLE, b"kept")
    assert b.poll() == [Message("peer-1", CHANNEL_RELIABLE, b"kept")]
    assert a.stats["dropped_outgoing"] == 0  # lost on the wire: the sender cannot know
    assert seen == [("peer-1", "peer-2", CHANNEL_UNRELIABLE, b"lost"),
                    ("peer-1", "peer-2", CHANNEL_RELIABLE, b"kept")]
    net.loss = None
    a.send("peer-2", CHANNEL_UNRELIABLE, b"again")
    assert b.poll() == [Message("peer-1", CHANNEL_UNRELIABLE, b"again")]
