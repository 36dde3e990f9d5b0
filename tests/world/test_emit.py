"""One-shot events (``World.emit``): reliable, once, to every peer and ourselves, in order
with the sender's spawns and despawns; bad ones refused locally, malformed ones counted."""

from __future__ import annotations

import pytest

from konnekt_arcade.world import HOST, Despawned, Emitted, World

from .entities import Ball
from .sim import Net


def emitted(world: World) -> list[Emitted]:
    return [e for e in world.drain_events() if isinstance(e, Emitted)]


def test_an_event_reaches_everyone_once_in_order_with_a_despawn() -> None:
    net = Net(loss=0.3, seed=5)  # (reliable messages are never lost)
    host, guest, other = net.join(), net.join(), net.join()
    coin = host.world.spawn(Ball, owner=HOST)
    net.step(10)
    for p in (host, guest, other):
        p.world.drain_events()
    host.world.emit("coin_taken", b"7:ada")
    host.world.despawn(coin)
    net.step(20)
    for p in (guest, other):
        kinds = [type(e) for e in p.world.drain_events()]
        assert kinds == [Emitted, Despawned]  # the event before the coin goes
    assert emitted(host.world) == [Emitted(host.participant, "coin_taken", b"7:ada", True)]
    guest.world.emit("hello")
    net.step(20)
    (mine,) = emitted(guest.world)  # ourselves included
    (got,) = emitted(host.world)
    assert got == Emitted(guest.participant, "hello", b"", False) == mine
    assert emitted(other.world) == [got]
    host.world.emit("x")
    net.step(20)
    assert emitted(other.world) == [Emitted(host.participant, "x", b"", True)]


def test_bad_events_are_refused_and_alone_is_no_error() -> None:
    net = Net()
    alone = net.join()
    alone.world.emit("solo", b"1")  # no peer: only ours
    assert emitted(alone.world) == [Emitted(alone.participant, "solo", b"1", True)]
    with pytest.raises(ValueError):
        alone.world.emit("")
    with pytest.raises(ValueError):
        alone.world.emit("n" * 65)
    with pytest.raises(ValueError):
        alone.world.emit("big", bytes(8193))
    with pytest.raises(TypeError):
        alone.world.emit("text", "not bytes")  # type: ignore[arg-type]
    peer = net.join()
    for bad in (bytes((6, 5)) + b"ab", bytes((6, 0)), bytes((6, 2)) + b"\xff\xfe"):
        alone.world.receive(peer.name, bad, net.now)
    assert alone.world.stats["world:malformed"] == 3
    assert emitted(alone.world) == []


def test_undrained_events_are_bounded_and_the_drops_counted() -> None:
    from konnekt_arcade.world import WorldConfig

    net = Net(config=WorldConfig(max_events=10))
    host = net.join()
    for i in range(25):  # a game that never drains
        host.world.emit("tick", str(i).encode())
    kept = emitted(host.world)
    assert [e.data for e in kept] == [str(i).encode() for i in range(15, 25)]  # the newest
    assert host.world.stats["world:dropped_events"] == 15
