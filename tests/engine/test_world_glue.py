"""The shared world in a game, with a real (headless) arcade window and two in-memory
sessions: ``follow(sprite, entity)`` draws a peer's avatar smoothly and ours at once, a view
hears ``on_entity_*`` by declaring them, and an activity's entities end with its run."""

from __future__ import annotations

import itertools
import time
from typing import Any

import arcade

from konnekt_arcade import SessionHook
from konnekt_arcade.engine import ActivityContext, ActivityRegistry, follow
from konnekt_arcade.testing import SessionGroup
from konnekt_arcade.world import HOST, Emitted, Entity, field

SPEED = 120.0  # px a second
TICK = 0.05  # the world's default network tick
FRAME = 1 / 60


class Runner(Entity, name="test.engine.Runner"):
    x: float = field(precision=0.01, range=(-1e5, 1e5))
    y: float = 0.0
    angle: float = 0.0


class Coin(Entity, name="test.engine.Coin"):
    x: float = 0.0


def test_follow_draws_a_peer_smoothly_and_our_own_at_once(
        window: arcade.Window, memory_sessions: SessionGroup) -> None:
    host, guest = memory_sessions.host, memory_sessions.guest
    memory_sessions.wait_until(lambda: guest.time_synced, what="the guest's shared clock")
    mine = guest.world().spawn(Runner, y=100.0)
    memory_sessions.wait_until(lambda: host.world().get(mine.id) is not None, what="the runner")
    theirs = host.world().get(mine.id)
    ours_sprite, their_sprite = arcade.Sprite(), arcade.Sprite()
    ours, seen = follow(ours_sprite, mine), follow(their_sprite, theirs)  # nothing else
    assert not ours.remote and seen.remote
    t0 = guest.time()
    frames: list[tuple[float, float]] = []  # (host's session time, x drawn there)
    while guest.time() - t0 < 3.0:
        mine.x = SPEED * (guest.time() - t0)  # constant speed, on the shared clock
        guest.poll()
        host.poll()
        ours.update()
        seen.update()
        assert ours_sprite.center_x == mine.x  # ours: this frame's value, no delay
        frames.append((host.time(), their_sprite.center_x))
        time.sleep(FRAME)
    sprites = arcade.SpriteList()
    sprites.extend([ours_sprite, their_sprite])
    window.clear()
    sprites.draw()
    settled = [f for f in frames if f[0] - frames[0][0] > 0.5]
    stills = [(a, b) for a, b in itertools.pairwise(settled)
              if b[1] <= a[1] and b[0] - a[0] < 2 * TICK]  # (a starved test process aside)
    assert not stills, f"{len(stills)} frames stood still or went back: {stills[:3]}"
    shown_now, newest = settled[-1][1], theirs.x
    assert 0 < newest - shown_now <= SPEED * 4 * TICK  # a little in the past, not raw


class WorldView(arcade.View):
    """A mini-game's view: declares the world callbacks it wants, nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.got: list[tuple[str, Any]] = []

    def on_entity_spawned(self, entity: Entity) -> None:
        self.got.append(("spawned", entity.id))

    def on_entity_changed(self, entity: Entity, fields: tuple[str, ...]) -> None:
        self.got.append(("changed", fields))

    def on_entity_despawned(self, entity: Entity) -> None:
        self.got.append(("despawned", entity.id))

    def on_world_event(self, event: Emitted) -> None:
        self.got.append(("event", (event.name, event.data, event.from_host)))


def test_a_view_hears_entities_come_change_and_go(window: arcade.Window,
                                                   memory_sessions: SessionGroup) -> None:
    host, guest = memory_sessions.host, memory_sessions.guest
    hook = SessionHook(host)
    view = WorldView()
    hook.attach(view)
    window.show_view(view)
    try:
        def until(condition: Any, what: str) -> None:
            memory_sessions.wait_until(condition, what=what, hooks=[hook])

        mine = guest.world().spawn(Runner)
        until(lambda: ("spawned", mine.id) in view.got, "on_entity_spawned")
        mine.y = 7.0
        until(lambda: ("changed", ("y",)) in view.got, "on_entity_changed with its field")
        guest.world().emit("caught", b"7")
        guest.world().despawn(mine)
        until(lambda: ("despawned", mine.id) in view.got, "on_entity_despawned")
        assert view.got[-2:] == [("event", ("caught", b"7", False)), ("despawned", mine.id)]
        window.show_view(arcade.View())  # hidden: hears nothing, and the events stay
        other = guest.world().spawn(Runner)
        until(lambda: host.world().get(other.id) is not None, "the second runner")
        for _ in range(5):
            hook.on_update(FRAME)
        assert ("spawned", other.id) not in view.got
        assert any(e.entity.id == other.id for e in host.world().drain_events())
    finally:
        hook.detach()


def test_an_activitys_entities_end_with_its_run(memory_sessions: SessionGroup) -> None:
    host, guest = memory_sessions.host, memory_sessions.guest
    hooks = SessionHook(host), SessionHook(guest)
    registry = ActivityRegistry()
    registry.register("coins", "Coins", lambda context: context)
    for _ in range(2):
        registry.queue(hooks[0], "coins")
    memory_sessions.wait_until(lambda: len(guest.get_lobby().activity_queue) == 2,
                               what="two queued rounds")  # type: ignore[union-attr]

    def start() -> tuple[ActivityContext, ActivityContext]:
        registry.start_next(hooks[0])
        memory_sessions.wait_until(lambda: all(s.get_lobby().current_run is not None  # type: ignore[union-attr]
                                               for s in (host, guest)), what="a run")
        run = host.get_lobby().current_run  # type: ignore[union-attr]
        return registry.build_view(run, hooks[0]), registry.build_view(run, hooks[1])

    lobby_runner = guest.world().spawn(Runner)  # outside any run: it stays
    on_host, on_guest = start()
    assert on_host.world is host.world() and on_guest.world is guest.world()
    coins = [on_host.world.spawn(Coin, owner=HOST, x=float(k)) for k in range(3)]
    runner = on_guest.world.spawn(Runner)
    memory_sessions.wait_until(lambda: len(host.world().entities()) == 5
                               and len(guest.world().entities()) == 5, what="the run's world")
    hooks[0].cancel_run()
    memory_sessions.wait_until(lambda: all(
        [e.id for e in s.world().entities()] == [lobby_runner.id] for s in (host, guest)),
        what="the run's entities gone, the lobby's kept")
    start()  # the next run sees none of the last run's coins
    for _ in range(10):
        host.poll()
        guest.poll()
    gone = {c.id for c in coins} | {runner.id}
    assert not gone & {e.id for s in (host, guest) for e in s.world().entities()}
