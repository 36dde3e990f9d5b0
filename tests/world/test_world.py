"""The world between two or more peers, without loss: API, authority, limits, bad input."""

from __future__ import annotations

import itertools

import pytest

from konnekt_arcade.world import (
    HOST,
    Changed,
    Despawned,
    NotOwner,
    Spawned,
    World,
    WorldConfig,
    WorldError,
    WorldFull,
)

from .entities import Avatar, Ball
from .sim import Net


def two(**kw: object) -> tuple[Net, World, World]:
    net = Net(**kw)  # type: ignore[arg-type]
    a, b = net.join(), net.join()
    return net, a.world, b.world


def test_spawn_change_despawn_reach_the_other_peer() -> None:
    net, a, b = two()
    e = a.spawn(Avatar, x=1.0, name="ada")
    net.step(10)
    (copy,) = b.entities(Avatar)
    assert copy.id == e.id and copy.name == "ada" and copy.x == 1.0 and not copy.is_mine
    assert next(type(ev) for ev in b.drain_events()) is Spawned
    e.x, e.y = 12.34, -5.0
    net.step(10)
    assert (copy.x, copy.y) == (12.34, -5.0)
    assert [type(ev) for ev in b.drain_events()] == [Changed]
    a.despawn(e)
    net.step(10)
    assert b.entities() == [] and b.get(e.id) is None
    assert [type(ev) for ev in b.drain_events()] == [Despawned]


def test_a_non_owner_change_raises_locally() -> None:
    net, a, b = two()
    e = a.spawn(Avatar)
    net.step(10)
    copy = b.get(e.id)
    assert copy is not None
    with pytest.raises(NotOwner, match="only its owner"):
        copy.x = 5.0
    with pytest.raises(NotOwner):
        b.despawn(copy)  # b is not the host either
    with pytest.raises(NotOwner, match="host"):
        b.spawn(Ball, owner=HOST)
    with pytest.raises(AttributeError):
        e.nope = 1


def test_host_owned_entity_by_string_host() -> None:
    net, a, b = two()
    ball = a.spawn(Ball, owner="host", x=2.0)
    assert ball.owner == HOST and ball.is_mine
    net.step(10)
    assert b.get(ball.id).owner == HOST  # type: ignore[union-attr]


def test_spawn_before_joining_raises_a_clear_error() -> None:
    with pytest.raises(WorldError, match="participant id"):
        World().spawn(Avatar)


def test_unchanged_entities_cost_nothing() -> None:
    net, a, _b = two()
    for i in range(30):
        a.spawn(Avatar, x=float(i))
    net.step(20)
    before = a.stats["world:delta_bytes_out"]
    net.step(20)
    assert a.stats["world:delta_bytes_out"] == before


def test_sixty_entities_x_y_bytes_per_tick() -> None:
    net, a, b = two()
    es = [a.spawn(Avatar, x=float(i), y=float(i)) for i in range(60)]
    net.step(20)
    sizes = []
    for _k in range(1, 6):
        for e in es:
            e.x += 1.25
            e.y -= 0.5
        before = a.stats["world:delta_bytes_out"]
        net.step(5)  # one tick at 20 Hz
        sizes.append(a.stats["world:delta_bytes_out"] - before)
    assert max(sizes) <= 0.6 * 720, sizes  # declared precision: ≤ 0.6 x Colyseus's 720 B
    assert all(abs(c.x - e.x) < 0.006 for c, e in zip(
        sorted(b.entities(Avatar), key=lambda c: c.id), sorted(es, key=lambda e: e.id),
        strict=True))


def test_late_joiner_gets_a_baseline() -> None:
    net = Net()
    a = net.join().world
    es = [a.spawn(Avatar, x=float(i)) for i in range(5)]
    net.step(10)
    es[0].x = 99.0
    net.step(10)
    c = net.join().world
    net.step(10)
    assert sorted((e.id, e.x) for e in c.entities()) == sorted((e.id, e.x) for e in es)


def test_a_peer_cannot_change_or_despawn_what_it_does_not_own() -> None:
    net, a, b = two()
    e = a.spawn(Avatar, x=1.0)
    net.step(10)
    # b forges an intro and a despawn for a's entity
    forged = b.spawn(Avatar)
    net.step(10)
    from konnekt_arcade.world._wire import Entry, despawn, intro

    entry = Entry(1, e.id, b.local_participant, "test.Avatar",  # type: ignore[arg-type]
                  b"\x00" * 12)
    a.receive("P2", intro(1, [entry]), net.now)
    a.receive("P2", despawn([e.id]), net.now)
    c_stats = a.stats
    assert a.get(e.id) is e and e.x == 1.0
    assert c_stats["world:refused_not_owner"] >= 2
    assert forged.id in [x.id for x in a.entities()]


def test_malformed_input_is_dropped_and_counted() -> None:
    net, a, b = two()
    a.spawn(Avatar)
    net.step(10)
    for junk in (b"", b"\x01", b"\x01" + b"\xff" * 30, b"\x03\x00", b"\x04\x05\x00",
                 b"\x05\x00\x00\x00\x00\x01\x00", b"\x99abc", b"\x02\x01"):
        b.receive("P1", junk, net.now)
    assert sum(v for k, v in b.stats.items() if k.startswith("world:")) >= 8


def test_nan_from_the_wire_is_refused() -> None:
    net, a, b = two()
    ball = a.spawn(Ball, owner=HOST)
    net.step(10)
    from konnekt_arcade.world._bits import BitWriter
    from konnekt_arcade.world._wire import DELTA, DELTA_HEAD

    w = BitWriter()
    w.put((1 << 3) | 0b001, 4)  # the next handle, mask: x
    w.put(0x7FC00000, 32)  # float32 NaN
    b.receive("P1", DELTA_HEAD.pack(DELTA, 999, 0, 0.0, 1) + w.finish(), net.now)
    assert b.get(ball.id).x == 0.0  # type: ignore[union-attr]
    assert b.stats["world:malformed"] == 1


def test_rate_budget_per_peer() -> None:
    net, a, b = two(config=WorldConfig(rate=10, burst=5))
    for _ in range(20):
        b.receive("P1", b"\x02\x00\x00\x00\x00", net.now)
    assert b.stats["world:dropped_rate"] == 15


def test_limits_per_owner_and_total() -> None:
    net, a, b = two(config=WorldConfig(max_per_owner=3, max_entities=5))
    for _ in range(3):
        a.spawn(Avatar)
    with pytest.raises(WorldFull):
        a.spawn(Avatar)
    net.step(10)
    b.spawn(Avatar)
    b.spawn(Avatar)
    with pytest.raises(WorldFull):
        b.spawn(Avatar)
    net.step(10)
    assert len(a) == len(b) == 5


def test_tick_rate_is_settable() -> None:
    net, a, b = two()
    a.tick_rate = 10
    e = a.spawn(Avatar)
    net.step(10)
    sent = a.tick_number
    net.step(100)  # 1 s
    assert a.tick_number - sent == pytest.approx(10, abs=1)
    assert e.is_mine


def test_owner_leaves_despawn_after_grace_or_host_adopts() -> None:
    from .entities import Pet

    net = Net()
    host, guest, other = net.join(), net.join(), net.join()
    avatar = guest.world.spawn(Avatar)
    pet = guest.world.spawn(Pet, x=5.0)
    net.step(10)
    net.leave(guest.name)
    net.step(20)  # within the avatar's 1 s grace: still there
    assert host.world.get(avatar.id) is not None
    net.step(120)
    for w in (host.world, other.world):
        assert w.get(avatar.id) is None
        kept = w.get(pet.id)
        assert kept is not None and kept.owner == HOST and kept.x == 5.0
    host_pet = host.world.get(pet.id)
    host_pet.x = 7.0  # type: ignore[union-attr]
    net.step(10)
    assert other.world.get(pet.id).x == 7.0  # type: ignore[union-attr]


def test_a_reconnecting_owner_keeps_its_entities() -> None:
    net = Net()
    host, guest = net.join(), net.join()
    avatar = guest.world.spawn(Avatar, x=3.0)
    net.step(10)
    world = guest.world
    net.leave(guest.name)
    net.step(20)
    back = net.join(guest.participant)  # same participant, new peer
    # the player's own world object survives a reconnect: hand it to the new peer
    back.world = world
    for other in list(net.peers.values()):
        world.peer_left(other.name, net.now)  # the old links went with the old transport
    for other in net.peers.values():
        if other is not back:
            world.peer_joined(other.name, other.participant, net.now)
    world.set_host(net.host, False, net.now)
    avatar.x = 4.0
    net.step(150)
    assert host.world.get(avatar.id).x == 4.0  # type: ignore[union-attr]


def test_an_owner_back_as_a_new_participant_drops_what_the_others_dropped() -> None:
    """Its grace ran out, so the lobby removed it and the others despawned its avatar (and
    the host adopted its pet); it comes back under a new participant id. Its old avatar goes
    on its own screen too (a Despawned event, so the game can spawn anew), the host's pet
    stays, and the others never see the old avatar again."""
    from .entities import Pet

    net = Net()
    host, guest = net.join(), net.join()
    avatar = guest.world.spawn(Avatar, x=3.0)
    pet = guest.world.spawn(Pet, x=5.0)
    net.step(10)
    world = guest.world
    net.leave(guest.name)
    net.step(150)  # past both graces: the host dropped the avatar and adopted the pet
    assert host.world.get(avatar.id) is None and host.world.get(pet.id) is not None
    world.drain_events()
    world.set_local(None)  # reconnecting: no participant id until the host welcomes us
    assert world.get(avatar.id) is not None  # (nothing is decided while we have none)
    back = net.join()  # a new participant, new peer
    old = back.world
    world.set_local(back.participant)
    back.world = world
    for other in list(net.peers.values()):
        world.peer_left(other.name, net.now)
        old.peer_left(other.name, net.now)
    for other in net.peers.values():
        if other is not back:
            world.peer_joined(other.name, other.participant, net.now)
    world.set_host(net.host, False, net.now)
    assert world.get(avatar.id) is None
    assert any(isinstance(ev, Despawned) and ev.entity.id == avatar.id
               for ev in world.drain_events())
    net.step(150)
    assert host.world.get(avatar.id) is None
    kept = world.get(pet.id)
    assert kept is not None and kept.owner == HOST and not kept.is_mine


def test_samples_for_interpolation() -> None:
    """What interpolation reads: each received state of a remote entity with the sender's
    stamp and tick, oldest first, bounded; none for our own entities."""
    net, a, b = two(config=WorldConfig(samples=4))
    a.stamp = lambda now: 1000.0 + now  # a shared clock would go here
    e = a.spawn(Avatar)
    seen: list[tuple[str, float, dict[str, object]]] = []
    b.on_sample = lambda eid, t, values: seen.append((eid, t, values))
    for k in range(1, 8):
        e.x = float(k)
        net.step(5)
    got = b.samples(e.id)
    assert len(got) == 4
    assert [s.values["x"] for s in got] == [4.0, 5.0, 6.0, 7.0]
    assert all(s.t > 1000.0 for s in got)
    assert [s.tick for s in got] == sorted(s.tick for s in got)
    assert all(b2.t - b1.t == pytest.approx(0.05, abs=0.011)
               for b1, b2 in itertools.pairwise(got))
    assert seen and seen[-1][0] == e.id and seen[-1][2]["x"] == 7.0
    assert a.samples(e.id) == []
