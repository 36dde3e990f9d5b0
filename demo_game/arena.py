"""The live games (Coins, Bumper ball) on the session's shared world — no arcade, no netcode.

Everything a player sees of the others is an entity of ``session.world()``:

- ``Runner``: a player's avatar, owned by that player (only it moves it);
- ``Coin``, ``Ball``, ``Tally`` (a player's points this round), ``Clockwork`` (where the host
  is in the round's script): owned by the host (``HOST``), so when the host leaves mid-round
  the next host carries on with them — the coins keep coming, the ball keeps rolling, nobody
  loses points.

The host referees: it picks up coins where runners touch them, moves the ball, counts goals,
and at the end submits every player's result (the activities are registered host-scored).
Everyone else only moves their own runner. The views (``games/coins.py``, ``games/ball.py``)
and the bots (``bots.py``) both play through a ``WorldRound``; entities carry the run's tag, so
nothing of an earlier round ever shows in this one.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from konnekt_arcade.world import HOST, Entity, Interpolator, field

from .play import BALL, COINS
from .rules import (
    COIN_KINDS,
    PITCH_WIDTH,
    SCORER_POINTS,
    TEAM_POINTS,
    BallState,
    ball_start,
    ball_step,
    coin_schedule,
    coin_touched,
    goal_x,
    move,
    seed_for,
    start_position,
    team_of,
)

logger = logging.getLogger("demo_game")

#: A host sends each missing result again after this long (a lost or refused one).
RESUBMIT_S = 1.0

_POS = field(precision=0.001, range=(0.0, 2.0))
_VEL = field(precision=0.001, range=(-4.0, 4.0))
_TAG = field(max_len=8)


class Runner(Entity, name="party.Runner"):
    """A player's avatar; x in [0, width], y in [0, 1]."""

    run: str = _TAG
    x: float = _POS
    y: float = _POS


class Coin(Entity, name="party.Coin"):
    run: str = _TAG
    n: int = field(range=(0, 4095))  # its place in the round's seeded schedule
    x: float = _POS
    y: float = _POS
    kind: int = field(range=(0, len(COIN_KINDS) - 1))
    expires_ms: int = field(range=(0, 600_000))


class Ball(Entity, name="party.Ball"):
    run: str = _TAG
    x: float = _POS
    y: float = _POS
    vx: float = _VEL
    vy: float = _VEL


class Tally(Entity, name="party.Tally"):
    """One player's points this round, kept by the host (so a new host keeps them too)."""

    run: str = _TAG
    player: str = field(max_len=36)
    points: int = field(range=(0, 1_000_000))
    count: int = field(range=(0, 10_000))  # coins picked up / goals scored


class Clockwork(Entity, name="party.Clockwork"):
    """The host's place in the round: the next coin of the schedule, each team's goals."""

    run: str = _TAG
    next_coin: int = field(range=(0, 4096))
    red: int = field(range=(0, 999))
    blue: int = field(range=(0, 999))


class WorldRound:
    """One round of a live game on one peer (a view's or a bot's).

    Args:
        kind: ``COINS`` or ``BALL``.
        session: the ``SessionLoop`` (its ``world()`` and shared clock ``time()``).
        run: the ``ActivityRun`` (id, config, ``started_at`` on the shared clock).
        me: our participant id (None: not in the lobby). ``playing``: False for a spectator.
    """

    def __init__(self, kind: str, session: Any, run: Any, me: UUID | None,
                 playing: bool) -> None:
        self.kind = kind
        self.session = session
        self.world = world = session.world()
        config = run.activity.config
        self.seed = seed_for(config, run.id)
        self.tag = str(run.id)[:8]
        self.started_at = float(run.started_at)
        duration = config.get("duration_ms")
        self.play_ms = duration if isinstance(duration, int) else 20_000
        self.players = [str(p) for p in run.required_submitters]
        self.me = str(me) if me is not None else ""
        self.playing = playing and self.me in self.players
        self.width = PITCH_WIDTH if kind == BALL else 1.0
        self.schedule = coin_schedule(self.seed, self.play_ms) if kind == COINS else []
        self.submitted = False  # (a host-scored round: players never submit themselves)
        self._sent: dict[str, float] = {}
        self.last_bumper: str | None = None  # (host, ball) who touched the ball last
        self.avatar: Runner | None = None
        if self.playing:
            index = self.players.index(self.me)
            x, y = (ball_start(index, len(self.players)) if kind == BALL
                    else start_position(index))
            self.avatar = world.spawn(Runner, run=self.tag, x=x, y=y)
        if world.is_host and not self._mine(Clockwork):
            self._set_up()

    # --- the round's clock (shared: the same on every peer) -----------------------------------

    def now_ms(self) -> int:
        return max(0, int((self.session.time() - self.started_at) * 1000))

    def remaining_s(self) -> float:
        return max(0.0, (self.play_ms - self.now_ms()) / 1000)

    @property
    def finished(self) -> bool:
        return self.now_ms() >= self.play_ms

    # --- what is in the world ------------------------------------------------------------------

    def _ours(self, cls: type[Any]) -> list[Any]:
        return [e for e in self.world.entities(cls) if e.run == self.tag]

    def _mine(self, cls: type[Any]) -> list[Any]:
        return [e for e in self._ours(cls) if e.is_mine]

    def runners(self) -> dict[str, Runner]:
        """Player id -> avatar, everyone's in this round."""
        return {str(r.owner): r for r in self._ours(Runner)}

    def coins(self) -> list[Coin]:
        return self._ours(Coin)

    def ball(self) -> Ball | None:
        balls = self._ours(Ball)
        return balls[0] if balls else None

    def goals(self) -> tuple[int, int]:
        clock = self._ours(Clockwork)
        return (clock[0].red, clock[0].blue) if clock else (0, 0)

    def tallies(self) -> dict[str, Tally]:
        return {t.player: t for t in self._ours(Tally)}

    def scores(self) -> dict[str, int]:
        tallies = self.tallies()
        return {pid: tallies[pid].points if pid in tallies else 0 for pid in self.players}

    def team(self, pid: str) -> int:
        return team_of(self.players.index(pid)) if pid in self.players else 0

    # --- playing -------------------------------------------------------------------------------

    def step(self, dx: float, dy: float, dt: float) -> list[Coin]:
        """Move our avatar by the input for ``dt`` s; the host also referees. Returns the
        coins the host saw picked up in this step (for the pickup effect on its screen)."""
        self.world.drain_events()  # (we read the entities themselves; the events would pile up)
        if self.avatar is not None and not self.finished and self.avatar.is_mine:
            self.avatar.x, self.avatar.y = move(self.avatar.x, self.avatar.y, dx, dy, dt,
                                                width=self.width)
        if not self.world.is_host or self.finished:
            return []
        clock = self._mine(Clockwork)
        if not clock:
            return []  # a new host: the round's entities are still on their way to us
        return self._referee_coins(clock[0]) if self.kind == COINS else \
            self._referee_ball(clock[0], dt)

    def _set_up(self) -> None:
        world = self.world
        world.spawn(Clockwork, owner=HOST, run=self.tag)
        for pid in self.players:
            world.spawn(Tally, owner=HOST, run=self.tag, player=pid)
        if self.kind == BALL:
            world.spawn(Ball, owner=HOST, run=self.tag, x=PITCH_WIDTH / 2, y=0.5)

    def _referee_coins(self, clock: Clockwork) -> list[Coin]:
        now = self.now_ms()
        while clock.next_coin < len(self.schedule) and \
                self.schedule[clock.next_coin].appears_ms <= now:
            c = self.schedule[clock.next_coin]
            kind = next(i for i, k in enumerate(COIN_KINDS) if k[0] == c.kind)
            self.world.spawn(Coin, owner=HOST, run=self.tag, n=c.id, x=c.x, y=c.y, kind=kind,
                             expires_ms=c.expires_ms)
            clock.next_coin += 1
        tallies = self.tallies()
        got = []
        for coin in self._mine(Coin):
            if now >= coin.expires_ms:
                self.world.despawn(coin)
                continue
            for pid, runner in self.runners().items():
                if pid in tallies and coin_touched(runner.x, runner.y, coin.x, coin.y):
                    tallies[pid].points += COIN_KINDS[coin.kind][1]
                    tallies[pid].count += 1
                    self.world.despawn(coin)
                    got.append(coin)
                    break
        return got

    def _referee_ball(self, clock: Clockwork, dt: float) -> list[Coin]:
        ball = next((b for b in self._mine(Ball)), None)
        if ball is None:
            return []
        state = BallState(ball.x, ball.y, ball.vx, ball.vy)
        bumps = {pid: (r.x, r.y) for pid, r in self.runners().items() if pid in self.players}
        bumper, goal = ball_step(state, bumps, dt)
        ball.x, ball.y = state.x, state.y
        ball.vx = max(-4.0, min(4.0, state.vx))
        ball.vy = max(-4.0, min(4.0, state.vy))
        if bumper is not None:
            self.last_bumper = bumper
        if goal is not None:
            if goal == 0:
                clock.red += 1
            else:
                clock.blue += 1
            tallies = self.tallies()
            for pid, tally in tallies.items():
                if self.team(pid) == goal:
                    tally.points += TEAM_POINTS
            scorer = self.last_bumper
            if scorer is not None and scorer in tallies and self.team(scorer) == goal:
                tallies[scorer].points += SCORER_POINTS
                tallies[scorer].count += 1
            self.last_bumper = None
            logger.info("goal for %s", "red" if goal == 0 else "blue")
        return []

    def autopilot(self, brain: Any) -> tuple[float, float]:
        """Our input this frame, from a bot brain (``brains.CoinsBrain`` / ``BallBrain``)."""
        me = self.avatar
        if me is None:
            return 0.0, 0.0
        if self.kind == COINS:
            rivals = [(r.x, r.y) for pid, r in self.runners().items() if pid != self.me]
            coins = [(c.id, c.x, c.y, COIN_KINDS[c.kind][1]) for c in self.coins()]
            return brain.direction((me.x, me.y), coins, self.now_ms(), rivals)  # type: ignore
        ball = self.ball()
        if ball is None:
            return 0.0, 0.0
        goal = (goal_x(self.team(self.me)), 0.5)
        return brain.direction((me.x, me.y), (ball.x, ball.y), goal, self.now_ms())  # type: ignore

    # --- the end: the host submits everyone's result ------------------------------------------

    def due_results(self, pending: Iterable[UUID], now: float
                    ) -> list[tuple[UUID, int, dict[str, Any]]]:
        """(Host, once the round is over) the results to submit now: each pending player's
        points, again after ``RESUBMIT_S`` if it is still pending then."""
        if not self.world.is_host or not self.finished:
            return []
        tallies = self.tallies()
        out = []
        for pid in pending:
            key = str(pid)
            if now - self._sent.get(key, -math.inf) < RESUBMIT_S:
                continue
            self._sent[key] = now
            tally = tallies.get(key)
            points, count = (tally.points, tally.count) if tally is not None else (0, 0)
            label = "coins" if self.kind == COINS else "goals"
            out.append((pid, points, {label: count}))
        return out

    def close(self) -> None:
        """The round is over here: take our avatar (and, as host, the round's entities) away."""
        world = self.world
        for cls in (Runner, Coin, Ball, Tally, Clockwork):
            for e in self._mine(cls):
                world.despawn(e)


class Smoothing:
    """Where to draw the others' entities: each through a toolkit ``Interpolator`` fed with
    the states the world receives (``World.on_sample``); our own as they are now."""

    FIELDS = ("x", "y")

    def __init__(self, world: Any, clock: Callable[[], float]) -> None:
        self.world, self.clock = world, clock
        self.buffers: dict[str, Interpolator] = {}
        world.on_sample = self._on_sample

    def _on_sample(self, entity_id: str, t: float, values: dict[str, Any]) -> None:
        buffer = self.buffers.get(entity_id)
        if buffer is None:
            buffer = self.buffers[entity_id] = Interpolator(
                self.FIELDS, tick=1 / self.world.tick_rate, snap={"x": 0.3, "y": 0.3})
        buffer.push(t, values, self.clock())

    def position(self, entity: Any) -> tuple[float, float]:
        buffer = None if entity.is_mine else self.buffers.get(entity.id)
        shown = buffer.sample(self.clock()) if buffer is not None else {}
        return shown.get("x", entity.x), shown.get("y", entity.y)

    def close(self) -> None:
        if self.world.on_sample == self._on_sample:
            self.world.on_sample = None
