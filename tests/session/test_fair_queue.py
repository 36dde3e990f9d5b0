"""The fair per-peer queue: a noisy peer cannot evict a quiet peer's items, nor delay them
behind its backlog; and the transports' per-peer budget drops a flood before it is queued."""

from __future__ import annotations

import logging

import pytest

from konnekt_arcade.net import InMemoryNetwork, Message, PeerConnected
from konnekt_arcade.session._queues import FairQueue

log = logging.getLogger("test")


def test_a_noisy_peer_cannot_evict_a_quiet_peers_items() -> None:
    q: FairQueue[str, str] = FairQueue(8, "test", log)
    q.put("quiet", "q0")
    for i in range(1000):
        q.put("noisy", f"n{i}")
    q.put("quiet", "q1")
    items = q.drain()
    assert [x for x in items if x.startswith("q")] == ["q0", "q1"]
    # the noisy peer kept its first 8 (newest dropped by default) and lost the rest
    assert [x for x in items if x.startswith("n")] == [f"n{i}" for i in range(8)]
    assert q.dropped == 992 and q.dropped_by == {"noisy": 992}


def test_drop_oldest_keeps_each_peers_newest() -> None:
    q: FairQueue[str, int] = FairQueue(3, "test", log, drop_oldest=True)
    for i in range(10):
        q.put("a", i)
    q.put("b", 100)
    assert sorted(q.drain()) == [7, 8, 9, 100]
    assert q.dropped_by == {"a": 7}


def test_peers_take_turns_and_each_stays_in_order() -> None:
    q: FairQueue[str, str] = FairQueue(100, "test", log)
    for i in range(50):
        q.put("noisy", f"n{i}")
    q.put("quiet", "q0")
    q.put("quiet", "q1")
    first = q.drain(4)
    assert first == ["n0", "q0", "n1", "q1"]  # the quiet peer waits one item, not 50
    rest = q.drain()
    assert rest == [f"n{i}" for i in range(2, 50)]
    assert len(q) == 0 and q.drain() == []


def test_kept_items_are_never_dropped() -> None:
    q: FairQueue[str, str] = FairQueue(2, "test", log)
    for i in range(5):
        q.put("p", f"m{i}")
    assert q.put("p", "connected", keep=True)
    assert q.drain() == ["m0", "m1", "connected"]
    assert q.dropped == 3


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        FairQueue(0, "test", log)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _trio(queue_size: int, peer_rate: float, peer_burst: float):
    clock = FakeClock()
    net = InMemoryNetwork(clock=clock)
    host = net.create_transport("room", queue_size=queue_size, peer_rate=peer_rate,
                                peer_burst=peer_burst)
    quiet, noisy = net.create_transport("room"), net.create_transport("room")
    host.poll()
    return clock, host, quiet, noisy


def test_in_memory_transport_a_flooder_only_drops_its_own() -> None:
    clock, host, quiet, noisy = _trio(queue_size=64, peer_rate=1000, peer_burst=100)
    me = host.local_peer_id
    for second in range(3):
        for i in range(5000):
            noisy.send(me, 0, b"spam")
            if i % 1000 == 0:
                quiet.send(me, 0, b"line %d.%d" % (second, i // 1000))
        got = host.poll()
        clock.now += 1.0
        lines = [e.data for e in got if isinstance(e, Message) and e.peer_id == quiet.local_peer_id]
        assert lines == [b"line %d.%d" % (second, k) for k in range(5)]
    dropped = host.dropped_incoming_by_peer()
    assert set(dropped) == {noisy.local_peer_id}
    # first second: the burst of 100 is queued (64 kept), the rest is over budget
    assert host.stats["dropped_incoming:rate_limited"] > 3 * (5000 - 1000)
    assert host.stats["dropped_incoming"] == dropped[noisy.local_peer_id]


def test_in_memory_transport_connection_events_pass_a_full_lane() -> None:
    clock, host, quiet, noisy = _trio(queue_size=4, peer_rate=0, peer_burst=0)
    for _ in range(10):
        noisy.send(host.local_peer_id, 0, b"x")
    late = host.network.create_transport("room")
    events = host.poll()
    assert PeerConnected(late.local_peer_id) in events
    assert host.stats["dropped_incoming:queue_full"] == 6


def test_one_lane_drains_in_order_in_parts() -> None:
    # One peer only (a guest hearing just its host) takes the no-turns path: same answers.
    q: FairQueue[str, int] = FairQueue(100, "test", log)
    for i in range(10):
        q.put("host", i)
    assert q.drain(4) == [0, 1, 2, 3] and len(q) == 6 and q.lane_length("host") == 6
    q.put("host", 10)
    assert q.drain(0) == [] and q.drain(-1) == []
    assert q.drain() == [4, 5, 6, 7, 8, 9, 10]
    assert len(q) == 0 and q.lane_length("host") == 0 and q.drain() == []
    q.put("host", 11)
    q.put("guest", 12)
    assert q.drain() == [11, 12]
