"""Host migration, in simulated time: how soon a host-owned entity moves again after its host
leaves (or crashes), against issue 24's goal ``migration_wait + 1 tick``.

A host moves a host-owned ball every network tick (20 Hz) with 2 or 3 guests watching, over a
lossy link (5% of unreliable messages lost, ±20 ms jitter on 20 ms one way; reliable messages
in order and never lost, as on an SCTP channel). At a random moment within a tick the host

- *leaves*: what it already sent still arrives; the survivors hear of it one latency later;
- *crashes*: no goodbye, what it had in flight is lost; the survivors hear of it later
  (``CRASH_DETECT``, not part of the figure: the transport's business, not the world's).

Then every survivor is told, at one moment ``t0``, who hosts now (the first survivor in join
order, as the session's world link passes on whatever the sync layer chose): ``peer_left``
then ``set_host``, in the world link's order. The figure is, per seed, the time from ``t0``
to the first tick at which the ball's position has changed again on *every* survivor: on the
new host by its game (which moves it whenever it is its own), on the others by a message from
the new host (an old host's late delta does not count). The world waits at most
``WorldConfig.migration_wait`` for the survivors' reports, so the goal is that plus one tick.

Deterministic and sans-I/O (no sockets, no clock): the driving is a trimmed copy of the
tests' simulator (bench does not import tests).
"""

from __future__ import annotations

import heapq
import random
from typing import Any
from uuid import UUID

from konnekt_arcade.world import HOST, Entity, World, WorldConfig

from ._stats import percentile

LATENCY, JITTER, LOSS = 0.020, 0.020, 0.05
DT = 0.002  # simulated step: the figure's resolution
WARMUP = 1.0  # seconds of play before the host goes
CRASH_DETECT = 0.3  # crash to the survivors being told (not measured)
VERB = {"leave": "leaves", "crash": "crashes"}
CAP = 5.0  # seconds after t0 a run may take before it counts as stuck
STEP = 1.0  # the ball's x gain per move


class MigBall(Entity, name="bench.MigBall"):
    x: float = 0.0


class _Sim:
    """Worlds on one lossy, jittery network; the host's game moves the ball every tick."""

    def __init__(self, seed: int, guests: int, config: WorldConfig) -> None:
        self.rng = random.Random(seed)
        self.now = 0.0
        self.names = [f"P{i}" for i in range(guests + 1)]
        self.worlds: dict[str, World] = {}
        for i, name in enumerate(self.names):
            world = World(config)
            world.set_local(UUID(int=i + 1))
            self.worlds[name] = world
        for name, world in self.worlds.items():
            for i, other in enumerate(self.names):
                if other != name:
                    world.peer_joined(other, UUID(int=i + 1), 0.0)
            world.set_host(self.names[0], name == self.names[0], 0.0)
        self.interval = 1.0 / config.tick_rate
        # each peer's game and network ticks start at their own phase, as real peers do
        self.start = {n: self.rng.uniform(0.0, self.interval) for n in self.names}
        self.next_move = dict(self.start)
        self.queue: list[tuple[float, int, str, str, bytes]] = []
        self.order = 0
        self.reliable_at: dict[tuple[str, str], float] = {}
        self.ball = self.worlds[self.names[0]].spawn(MigBall, owner=HOST)
        self.ball_id = self.ball.id
        self.mover: str | None = self.names[0]  # whose game moves the ball
        self.new_host: str | None = None
        self.moved_at: dict[str, float] = {}  # survivor -> first change after t0

    def step(self) -> None:
        self.now = round(self.now + DT, 9)
        for name, world in self.worlds.items():
            if self.now < self.start[name]:
                continue
            self._game(name, world)
            world.tick(self.now)
            for out in world.data_to_send():
                for to in out.peers:
                    self._send(name, to, out.reliable, out.data)
        while self.queue and self.queue[0][0] <= self.now:
            _, _, src, dst, data = heapq.heappop(self.queue)
            if dst not in self.worlds or src not in self.worlds:
                continue
            ball = self.worlds[dst].get(self.ball_id)
            before = None if ball is None else ball.x
            self.worlds[dst].receive(src, data, self.now)
            if src == self.new_host and dst not in self.moved_at:
                ball = self.worlds[dst].get(self.ball_id)
                if ball is not None and before is not None and ball.x != before:
                    self.moved_at[dst] = self.now

    def _game(self, name: str, world: World) -> None:
        """The game's frame: whoever holds the ball moves it once a tick (20 Hz)."""
        ball = world.get(self.ball_id)
        if ball is None or not ball.is_mine or name != self.mover:
            return
        if self.now < self.next_move[name]:
            return
        self.next_move[name] = self.now + self.interval
        before = ball.x
        ball.x += STEP
        if name == self.new_host and name not in self.moved_at and ball.x != before:
            self.moved_at[name] = self.now

    def _send(self, src: str, dst: str, reliable: bool, data: bytes) -> None:
        at = self.now + max(0.0, LATENCY + self.rng.uniform(-JITTER, JITTER))
        if reliable:  # in order per link, never lost
            at = max(at, self.reliable_at.get((src, dst), 0.0))
            self.reliable_at[(src, dst)] = at
        elif self.rng.random() < LOSS:
            return
        self.order += 1
        heapq.heappush(self.queue, (at, self.order, src, dst, data))

    def run_until(self, t: float) -> None:
        while self.now < t:
            self.step()

    def host_goes(self, crash: bool) -> float:
        """The host leaves or crashes now; returns ``t0``, when the survivors are told."""
        old = self.names[0]
        self.mover = None  # its game stops with it
        self.start[old] = float("inf")  # and so does its world
        if crash:  # what it had in flight dies with it
            self.queue = [m for m in self.queue if m[2] != old]
            heapq.heapify(self.queue)
        self.run_until(self.now + (CRASH_DETECT if crash else LATENCY))
        del self.worlds[old]
        t0 = self.now
        self.new_host = self.mover = self.names[1]
        self.next_move[self.new_host] = t0  # its game moves the ball from its next frame
        for name, world in self.worlds.items():
            world.peer_left(old, t0)
            world.set_host(self.new_host, name == self.new_host, t0)
        return t0


def one_run(seed: int, crash: bool, guests: int, config: WorldConfig) -> float:
    """Seconds from the new host being named to the ball moving again on every survivor
    (``CAP`` when some survivor never saw it move)."""
    sim = _Sim(seed, guests, config)
    sim.run_until(WARMUP + sim.rng.uniform(0.0, sim.interval))
    t0 = sim.host_goes(crash)
    while len(sim.moved_at) < len(sim.worlds) and sim.now < t0 + CAP:
        sim.step()
    if len(sim.moved_at) < len(sim.worlds):
        return CAP
    return max(sim.moved_at.values()) - t0


def run_migration(quick: bool = False, seeds: int | None = None,
                  config: WorldConfig | None = None) -> dict[str, Any]:
    """Both cases over ``seeds`` seeds (2 and 3 guests alternately); times in ms."""
    config = config or WorldConfig()
    n = seeds if seeds is not None else (12 if quick else 48)
    goal_ms = (config.migration_wait + 1.0 / config.tick_rate) * 1000
    out: dict[str, Any] = {"goal_ms": round(goal_ms, 1), "seeds": n,
                           "net": {"loss": LOSS, "jitter_ms": JITTER * 1000,
                                   "latency_ms": LATENCY * 1000, "step_ms": DT * 1000}}
    for case, crash in (("leave", False), ("crash", True)):
        times = [one_run(s, crash, 2 + s % 2, config) * 1000 for s in range(n)]
        worst, mid = max(times), percentile(times, 50)
        out[case] = {"max_ms": round(worst, 1), "p50_ms": round(mid, 1),
                     "stuck": sum(t >= CAP * 1000 for t in times),
                     "max_vs_goal": round(worst / goal_ms, 3)}
    return out


def goals(results: dict[str, Any], mode: str, ratio_goal: Any) -> list[dict[str, Any]]:
    """Issue 24's migration goal, per case, as the report's ratio goals (max / goal <= 1)."""
    w = results.get("world") if isinstance(results.get("world"), dict) else {}
    m = w.get("migration", {}) if isinstance(w, dict) else {}
    out = []
    for case in ("leave", "crash"):
        c = m.get(case, {})
        out.append(ratio_goal(
            results, mode, f"world: host {VERB[case]}, host-owned entity moves again", "world",
            ("migration", case, "max_vs_goal"), 1.0, True, "(migration_wait + 1 tick)",
            f"max {c.get('max_ms')} ms, p50 {c.get('p50_ms')} ms vs {m.get('goal_ms')} ms "
            f"over {m.get('seeds')} seeds, 5% loss, ±20 ms jitter"))
    return out


def rows(m: dict[str, Any], verdict: Any) -> list[list[str]]:
    """metric | ours (max / p50) | raw (the goal) | ratio | goal | verdict."""
    return [[f"world: host {VERB[case]}, moves again (ms)",
             f"{m[case]['max_ms']:.0f} / p50 {m[case]['p50_ms']:.0f}", f"{m['goal_ms']:.0f}",
             f"{m[case]['max_vs_goal']:.2f}",
             *verdict(f"world: host {VERB[case]}, host-owned entity moves again")]
            for case in ("leave", "crash")]
