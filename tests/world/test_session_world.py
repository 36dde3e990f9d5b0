"""``session.world()`` over real sessions: avatars move, a host-owned ball survives the host
leaving; the same scenario in memory and over real WebRTC (aiortc on loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from konnekt_arcade import P2PLoopBuilder, SessionLoop
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.testing import SessionGroup, memory_builder, wait_until
from konnekt_arcade.world import HOST, Changed, Spawned

from .entities import Avatar, Ball


@pytest.fixture(params=["memory", pytest.param("webrtc", marks=[pytest.mark.network,
                                                                pytest.mark.timeout(240)])])
def group(request: pytest.FixtureRequest) -> Iterator[SessionGroup]:
    if request.param == "memory":
        g = SessionGroup(memory_builder(), "memory://", timeout=30.0)
    else:
        server: SignallingServer = request.getfixturevalue("signalling_server")
        g = SessionGroup(P2PLoopBuilder(), server.url, timeout=60.0)
    try:
        g.add_guest("Bob")
        g.add_guest("Cleo")
        yield g
    finally:
        g.close()


def find(session: SessionLoop, entity_id: str) -> object:
    return session.world().get(entity_id)


def test_avatars_move_and_the_ball_survives_the_host(group: SessionGroup) -> None:
    host, bob, cleo = group.host, *group.guests
    avatars = {s: s.world().spawn(Avatar, name=str(s.local_participant_id())[:8])
               for s in group.all}
    ball = host.world().spawn(Ball, owner=HOST, x=1.0, y=2.0)
    every = [(a.id, s) for a in avatars.values() for s in group.all] + \
        [(ball.id, s) for s in group.all]
    group.wait_until(lambda: all(find(s, eid) is not None for eid, s in every),
                     what="every entity everywhere")
    for step in range(1, 4):
        for a in avatars.values():
            a.x, a.y = 10.0 * step, -5.0 * step
        ball.x = 100.0 + step
        group.wait_until(lambda s=step: all(  # type: ignore[misc]
            find(o, a.id).x == 10.0 * s  # type: ignore[union-attr]
            for a in avatars.values() for o in group.all)
            and all(find(o, ball.id).x == 100.0 + s for o in group.all),  # type: ignore[union-attr]
            what=f"move {step}")
    # samples for interpolation carry the sender's shared session time
    samples = cleo.world().samples(ball.id)
    assert samples and abs(samples[-1].t - cleo.time()) < 5.0
    events = bob.world().drain_events()
    assert {type(e) for e in events} >= {Spawned, Changed}
    with pytest.raises(PermissionError):
        find(bob, ball.id).x = 0.0  # type: ignore[union-attr]

    host.close()  # the host leaves mid-round
    group.guests = [bob, cleo]
    group.host = bob if bob.is_host() else cleo  # whoever the election picks
    group.wait_until(lambda: bob.is_host() or cleo.is_host(), 60, what="a new host")
    new_host = bob if bob.is_host() else cleo
    other = cleo if new_host is bob else bob
    group.wait_until(lambda: (b := find(new_host, ball.id)) is not None
                     and b.is_mine, 30, what="the new host owns the ball")  # type: ignore[attr-defined]
    kept = find(new_host, ball.id)
    assert kept.x == 103.0 and kept.owner == HOST  # type: ignore[attr-defined]
    assert len(new_host.world().entities(Ball)) == 1  # none duplicated
    kept.x = 200.0  # type: ignore[attr-defined]  # the round goes on
    group.wait_until(lambda: find(other, ball.id).x == 200.0, 30,  # type: ignore[union-attr]
                     what="the other guest sees the new host move the ball")
    # the old host's avatar goes after its grace; the survivors' stay
    group.wait_until(lambda: find(other, avatars[host].id) is None, 30,
                     what="the old host's avatar despawned")
    assert find(other, avatars[new_host].id) is not None


@pytest.mark.parametrize("transport", ["memory", pytest.param(
    "webrtc", marks=[pytest.mark.network, pytest.mark.timeout(240)])])
def test_world_changes_never_raise_alone_or_reconnecting(transport: str,
                                                         request: pytest.FixtureRequest) -> None:
    """A host alone moves its entities (nothing to send); a guest whose transport is gone
    (reconnecting) changes and spawns its own: no exception from a frame, on either
    transport; back, what it spawned offline reaches the host. The world's counters are in
    ``session.stats``."""
    if transport == "memory":
        g = SessionGroup(memory_builder(), "memory://", timeout=30.0)
    else:
        server: SignallingServer = request.getfixturevalue("signalling_server")
        g = SessionGroup(P2PLoopBuilder(), server.url, timeout=60.0)
    try:
        ball = g.host.world().spawn(Ball, owner=HOST)
        for k in range(20):
            ball.x = float(k)
            g.host.poll()
        guest = g.add_guest("Bob")
        me = guest.world().spawn(Avatar)
        g.wait_until(lambda: g.host.world().get(me.id) is not None
                     and guest.world().get(ball.id) is not None, what="both ways")
        guest.p2p().suspend_transport()  # as a reconnect does
        moved = iter(range(10**6))

        def move_and_check() -> bool:
            me.x = float(next(moved) % 1000)  # every poll: a frame of the game
            return not guest.world().peers()

        wait_until(move_and_check, 30, guest, what="the world to see it is alone")
        other = guest.world().spawn(Avatar)  # spawning offline is no error either
        for _ in range(50):
            other.x += 1.0
            guest.poll()
        guest.p2p().resume_transport()
        g.wait_until(lambda: (o := g.host.world().get(other.id)) is not None
                     and o.x == other.x, 60, what="the offline spawn at the host")
        for x in (99.0, 100.0):  # (the first may ride in the rejoined guest's baseline)
            ball.x = x
            g.wait_until(lambda x=x: guest.world().get(ball.id).x == x,  # type: ignore[misc,union-attr]
                         60, what="the host's ball moving for the guest again")
        host_stats = g.host.stats
        assert host_stats["world:delta_bytes_out"] > 0
        assert all(key.startswith("world:") for key in g.host.world().stats)
        assert set(g.host.world().stats) <= set(host_stats)
    finally:
        g.close()
