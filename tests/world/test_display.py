"""What a game draws (``World.shown`` / ``entity.shown()``), the fields a change names, and
entities scoped to an activity run — between worlds on the simulated network."""

from __future__ import annotations

import itertools
from uuid import uuid4

import pytest

from konnekt_arcade.world import HOST, Changed, Despawned, Spawned

from .entities import Avatar, Ball
from .sim import Net

SPEED = 100.0  # units a second


def moving(net: Net, seconds: float) -> tuple[list[float], list[float], list[float]]:
    """Peer a moves its avatar right at SPEED; every frame (10 ms) records what b shows,
    what a shows of its own avatar, and the truth."""
    a, b = (p.world for p in net.peers.values())
    me = a.spawn(Avatar, x=0.0)
    net.step(10)
    copy = b.get(me.id)
    assert copy is not None
    shown, own, truth = [], [], []
    for _ in range(int(seconds / net.dt)):
        me.x = min(9999.0, me.x + SPEED * net.dt)
        net.step()
        shown.append(copy.shown(net.now)["x"])
        own.append(a.shown(me, net.now)["x"])
        truth.append(me.x)
    return shown, own, truth


@pytest.mark.parametrize(("loss", "jitter"), [(0.0, 0.0), (0.05, 0.02)],
                         ids=["clean", "5%-loss-20ms-jitter"])
def test_a_remote_entity_moves_smoothly_and_our_own_without_delay(loss: float,
                                                                 jitter: float) -> None:
    net = Net(seed=3, loss=loss, jitter=jitter)
    net.join(), net.join()
    shown, own, truth = moving(net, 4.0)
    assert own == truth  # ours: as it is now, every frame
    settled = shown[50:]  # after the buffer's first half second
    steps = [y - x for x, y in itertools.pairwise(settled)]
    assert min(steps) > 0, "a frame where the remote avatar stood still or went back"
    # a little in the past: behind the truth by the latency plus at most 2 ticks + jitter
    behind = [t - s for s, t in zip(settled, truth[50:], strict=True)]
    assert max(behind) <= SPEED * (net.latency + jitter + 2 * 0.05 + 0.02)
    assert min(behind) > 0


def test_raw_values_show_until_a_state_arrives_and_strings_stay_raw() -> None:
    net = Net()
    a, b = net.join().world, net.join().world
    me = a.spawn(Avatar, x=5.0, name="ada", frame=3)
    net.step(10)
    copy = b.get(me.id)
    assert copy is not None
    assert copy.shown(net.now) == copy.values()  # only a baseline so far: as it is
    for k in range(10):
        me.x, me.frame = 6.0 + k, 3 + k % 2
        net.step(5)
    got = copy.shown(net.now)
    assert got["name"] == "ada" and type(got["frame"]) is int and 5.0 < got["x"] < me.x


def test_changed_names_the_fields_that_changed() -> None:
    net = Net()
    a, b = net.join().world, net.join().world
    me = a.spawn(Avatar)
    net.step(10)
    b.drain_events()
    me.x = 3.0
    net.step(10)
    me.name = "ada"
    net.step(10)
    events = b.drain_events()
    assert [(type(e), e.fields) for e in events if isinstance(e, Changed)] == [
        (Changed, ("x", "name"))]  # coalesced over both ticks, in declaration order
    me.y = 1.0
    net.step(10)
    assert [e.fields for e in b.drain_events() if isinstance(e, Changed)] == [("y",)]


def test_an_ended_run_takes_its_entities_along_everywhere() -> None:
    net = Net()
    host, guest = net.join().world, net.join().world
    lobby_avatar = guest.spawn(Avatar)  # before any run: stays
    run = uuid4()
    for w in (host, guest):
        w.set_run(run)
    coins = [host.spawn(Ball, owner=HOST, x=float(k)) for k in range(3)]
    mine = guest.spawn(Avatar)
    net.step(10)
    assert len(host.entities()) == len(guest.entities()) == 5
    host.drain_events(), guest.drain_events()
    host.set_run(None)  # the host notices first; its despawns reach the guest
    net.step(10)
    assert {e.id for e in guest.entities()} == {lobby_avatar.id, mine.id}
    assert {e.id for e in host.entities()} == {lobby_avatar.id, mine.id}  # not the host's
    guest.set_run(None)
    net.step(10)
    for w in (host, guest):
        assert [e.id for e in w.entities()] == [lobby_avatar.id]
    despawned = {e.entity.id for e in guest.drain_events() if isinstance(e, Despawned)}
    assert despawned == {c.id for c in coins} | {mine.id}
    next_run = uuid4()  # a new run starts with none of the last run's coins
    for w in (host, guest):
        w.set_run(next_run)
    coin = host.spawn(Ball, owner=HOST)
    net.step(10)
    assert [e.id for e in guest.entities(Ball)] == [coin.id]
    assert not any(isinstance(e, Spawned) and e.entity.id in {c.id for c in coins}
                   for e in guest.drain_events())


def test_the_old_hosts_link_reported_gone_after_the_new_host_took_over() -> None:
    """A crashed host's links are reported gone late (ICE consent, seconds): by then the new
    host already sends the ball. Dropping the dead link must not cut the new host's (replay:
    the ball stood still for one survivor after a crash, in memory and over WebRTC)."""
    net = Net()
    old, new, other = net.join(), net.join(), net.join()
    ball = old.world.spawn(Ball, owner=HOST, x=1.0)
    net.step(10)
    del net.peers[old.name]  # the host's process dies: silent, its links still listed
    net.host = new.name
    for p in (new, other):
        p.world.set_host(new.name, p is new, net.now)
    net.step(100)  # the migration (its wait), the new host's intros
    taken = new.world.get(ball.id)
    assert taken is not None and taken.is_mine
    for p in (new, other):
        p.world.peer_left(old.name, net.now)  # now the dead link is reported
    taken.x = 50.0
    net.step(10)
    assert other.world.get(ball.id).x == 50.0  # type: ignore[union-attr]
