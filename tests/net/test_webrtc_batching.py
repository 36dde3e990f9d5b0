"""Real aiortc peers: a burst of reliable messages travels in frames and arrives complete, in
order and unchanged; the unreliable channel is never framed."""

from __future__ import annotations

import time

import pytest

from konnekt_arcade.net import (
    CHANNEL_RELIABLE,
    CHANNEL_UNRELIABLE,
    Message,
    SignallingServer,
    WebRtcTransport,
)
from konnekt_arcade.net._batch import BATCH_MARK
from konnekt_arcade.session._fragments import PART_SIZE, split

pytestmark = [pytest.mark.network, pytest.mark.timeout(90)]


def _connect(a: WebRtcTransport, b: WebRtcTransport, timeout: float = 30.0) -> str:
    a.start()
    b.start()
    deadline = time.monotonic() + timeout
    while not (a.connected_peers() and b.connected_peers()):
        assert time.monotonic() < deadline, "peers did not connect"
        time.sleep(0.01)
    (b_id,) = a.connected_peers()
    return b_id


def _receive(b: WebRtcTransport, count: int, timeout: float = 30.0) -> list[Message]:
    got: list[Message] = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        assert time.monotonic() < deadline, f"got {len(got)} of {count}; {b.stats}"
        got += [e for e in b.poll() if isinstance(e, Message)]
        time.sleep(0.005)
    return got


def test_a_burst_arrives_in_order_in_fewer_packets(server: SignallingServer) -> None:
    a = WebRtcTransport(server.url, "burst", queue_size=4096)
    b = WebRtcTransport(server.url, "burst", queue_size=4096)
    try:
        b_id = _connect(a, b)
        # Ours and a caller's odd bytes alike, including ones that start like a frame.
        messages = [b'{"n":%d,"pad":"%s"}' % (i, b"x" * (i % 300)) for i in range(400)]
        messages[7] = BATCH_MARK + b"not a frame"
        messages[8] = BATCH_MARK
        messages[9] = b""
        for data in messages:
            a.send(b_id, CHANNEL_RELIABLE, data)
        got = _receive(b, len(messages))
        assert [m.data for m in got] == messages
        assert all(m.channel == CHANNEL_RELIABLE for m in got)
        assert a.stats["messages_out"] == len(messages) == b.stats["messages_in"]
        # One wake-up of the network thread took many sends: they went out framed.
        assert a.stats["frames_out"] > 0, a.stats
        assert a.stats["dropped_outgoing"] == 0
    finally:
        a.close()
        b.close()


def test_broadcast_and_unreliable_messages_are_not_mixed_up(server: SignallingServer) -> None:
    a = WebRtcTransport(server.url, "mixed", queue_size=4096)
    b = WebRtcTransport(server.url, "mixed", queue_size=4096)
    try:
        b_id = _connect(a, b)
        reliable = [b"{%d}" % i for i in range(100)]
        for i, data in enumerate(reliable):
            if i % 2:
                a.broadcast(CHANNEL_RELIABLE, data)
            else:
                a.send(b_id, CHANNEL_RELIABLE, data)
        got = _receive(b, len(reliable))
        assert [m.data for m in got if m.channel == CHANNEL_RELIABLE] == reliable
        # Unreliable game data starting with the mark is delivered as it is, never unpacked
        # (sent until one copy arrives: the channel may lose any single one).
        odd = BATCH_MARK + b"\x00\x00\x00\x01x"
        unreliable: list[bytes] = [m.data for m in got if m.channel == CHANNEL_UNRELIABLE]
        deadline = time.monotonic() + 20
        while not unreliable:
            assert time.monotonic() < deadline, "no unreliable message arrived"
            a.send(b_id, CHANNEL_UNRELIABLE, odd)
            time.sleep(0.05)
            unreliable += [e.data for e in b.poll() if isinstance(e, Message)]
        assert set(unreliable) == {odd}
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("batch_bytes", [1200, 0])
def test_a_lone_message_that_looks_like_a_frame_arrives_unchanged(
        server: SignallingServer, batch_bytes: int) -> None:
    a = WebRtcTransport(server.url, f"lone{batch_bytes}", batch_bytes=batch_bytes)
    b = WebRtcTransport(server.url, f"lone{batch_bytes}")
    try:
        b_id = _connect(a, b)
        # A well-formed frame of [b"x"] if taken as one: each is sent alone (the previous
        # one has arrived), so only the escaping of a lone message keeps it whole.
        for data in (BATCH_MARK + b"\x00\x00\x00\x01x", BATCH_MARK, b"{}"):
            a.send(b_id, CHANNEL_RELIABLE, data)
            assert [m.data for m in _receive(b, 1)] == [data]
    finally:
        a.close()
        b.close()


def test_batching_can_be_turned_off(server: SignallingServer) -> None:
    a = WebRtcTransport(server.url, "off", queue_size=4096, batch_bytes=0)
    b = WebRtcTransport(server.url, "off", queue_size=4096)
    try:
        b_id = _connect(a, b)
        messages = [b"{%d}" % i for i in range(200)]
        for data in messages:
            a.send(b_id, CHANNEL_RELIABLE, data)
        assert [m.data for m in _receive(b, len(messages))] == messages
        assert a.stats["frames_out"] == 0
    finally:
        a.close()
        b.close()


def test_full_size_fragments_arrive_and_a_refused_send_is_counted(
        server: SignallingServer) -> None:
    """Against a remote that advertises no maximum message size (aiortc then sends at most
    65,536 bytes): every 64 KiB part of a split session message arrives, and a message aiortc
    refuses is counted as refused and dropped, not swallowed."""
    a = WebRtcTransport(server.url, "fragments", queue_size=4096)
    b = WebRtcTransport(server.url, "fragments", queue_size=4096)
    try:
        b_id = _connect(a, b)
        for link in a.peer_links():  # what a peer without a=max-message-size gets
            link.pc.sctp._remote_max_message_size = 65536
        parts = split(b"{" + b"x" * 300_000, number=1)
        assert max(map(len, parts)) == PART_SIZE
        for part in parts:
            a.send(b_id, CHANNEL_RELIABLE, part)
        assert [m.data for m in _receive(b, len(parts), timeout=20)] == parts
        assert a.stats["refused_outgoing"] == 0 and a.stats["dropped_outgoing"] == 0

        a.broadcast(CHANNEL_RELIABLE, b"{" + b"y" * PART_SIZE)  # one byte too many
        deadline = time.monotonic() + 20
        while a.stats["refused_outgoing"] < 1:
            assert time.monotonic() < deadline, a.stats
            time.sleep(0.005)
        assert a.stats["dropped_outgoing"] == 1  # b missed it, broadcast or not
        a.send(b_id, CHANNEL_RELIABLE, b"{}")  # the link is fine
        assert [m.data for m in _receive(b, 1)] == [b"{}"]
    finally:
        a.close()
        b.close()
