"""``Inbox``: events from the network thread to the game thread, and who is connected (no
sockets, no loop; ``now`` passed in)."""

from __future__ import annotations

import logging

from konnekt_arcade.net import IdAssigned, Message, PeerConnected, PeerDisconnected
from konnekt_arcade.net._inbox import Inbox


def inbox(queue_size: int = 4, rate: float = 0.0, burst: float = 0.0) -> tuple[
        Inbox, dict[str, int]]:
    stats = {"dropped_incoming": 0, "dropped_incoming:rate_limited": 0,
             "dropped_incoming:queue_full": 0}
    return Inbox(queue_size, rate, burst, stats, logging.getLogger("test")), stats


def test_connected_peers_follow_the_events_put() -> None:
    box, _ = inbox()
    box.put(IdAssigned("me"), now=0.0)
    box.put(PeerConnected("a"), now=0.0)
    box.put(PeerConnected("b"), now=0.0)
    assert box.connected_peers() == ["a", "b"] and box.connected_count() == 2
    box.put(PeerDisconnected("a", "left"), now=1.0)
    assert box.is_connected("b") and not box.is_connected("a")
    assert box.drain() == [IdAssigned("me"), PeerConnected("a"), PeerConnected("b"),
                           PeerDisconnected("a", "left")]
    assert box.drain() == []
    box.put(Message("b", 0, b"late"), now=2.0)
    box.close()  # the transport closes: nothing more is delivered
    box.put(PeerConnected("c"), now=3.0)
    assert box.drain() == [] and box.connected_peers() == []


def test_a_peer_over_its_lane_loses_only_its_own_messages() -> None:
    box, stats = inbox(queue_size=2)
    for i in range(5):
        box.put(Message("flood", 0, b"%d" % i), now=0.0)
    box.put(Message("calm", 0, b"hi"), now=0.0)
    assert stats["dropped_incoming:queue_full"] == 3 == stats["dropped_incoming"]
    assert box.dropped_by_peer() == {"flood": 3}
    assert box.drain() == [Message("flood", 0, b"0"), Message("calm", 0, b"hi"),
                           Message("flood", 0, b"1")]


def test_a_peer_over_its_budget_is_dropped_before_it_queues() -> None:
    box, stats = inbox(queue_size=100, rate=1.0, burst=2.0)
    for i in range(4):
        box.put(Message("p", 0, b"%d" % i), now=10.0)
    assert stats["dropped_incoming:rate_limited"] == 2
    assert [m.data for m in box.drain() if isinstance(m, Message)] == [b"0", b"1"]
