"""Bot brains: human-like players for the mini-games (pure; driven with a clock and an RNG).

A brain decides *inputs* — keys, clicks, a direction — never results: the bot's score comes
from the same rules as a person's. They hesitate before starting, type at a human pace, make
typos (and usually fix them), sometimes miss a target, chase coins and the ball with a
wobble.
Used by the bot processes and by ``--headless`` to play the local player.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field
from typing import Any

from .rules import EchoModel, TargetsModel


@dataclass
class Skill:
    """How good a bot is: 0.0 clumsy … 1.0 sharp."""

    level: float = 0.7

    @classmethod
    def random(cls, rng: random.Random) -> Skill:
        return cls(rng.uniform(0.45, 0.95))


@dataclass
class EchoBrain:
    """Types the phrase key by key: 3–8 keys a second, typos it notices (or not)."""

    rng: random.Random
    skill: Skill = field(default_factory=Skill)
    next_ms: int = -1
    pending: list[str] = field(default_factory=list)

    def actions(self, model: EchoModel, now_ms: int) -> list[tuple[str, str]]:
        """Inputs due by ``now_ms``: ("type", ch), ("back", ""), ("enter", "")."""
        out: list[tuple[str, str]] = []
        if self.next_ms < 0:  # read the phrase first
            self.next_ms = now_ms + int(self.rng.uniform(500, 1200) * (1.5 - self.skill.level))
        guard = 0
        while not model.done and now_ms >= self.next_ms and guard < 8:
            guard += 1
            out.append(self._next_key(model))
            self._apply(model, out[-1], now_ms)
            keys_per_s = 4 + 6 * self.skill.level
            self.next_ms += int(self.rng.expovariate(keys_per_s) * 1000) + 40
        return out

    def _next_key(self, model: EchoModel) -> tuple[str, str]:
        typed, phrase = model.typed, model.phrase
        if self.pending:
            return self.pending.pop(0)
        # a typo: noticed (and fixed) most of the time, otherwise carried on regardless
        if not phrase.startswith(typed) and self.rng.random() < 0.55 + 0.4 * self.skill.level:
            return ("back", "")
        if len(typed) >= len(phrase):
            return ("enter", "")
        want = phrase[len(typed)] if phrase.startswith(typed) else phrase[min(len(typed),
                                                                              len(phrase) - 1)]
        if want != " " and self.rng.random() < 0.08 * (1.2 - self.skill.level):
            return ("type", self.rng.choice(string.ascii_lowercase))
        return ("type", want)

    @staticmethod
    def _apply(model: EchoModel, action: tuple[str, str], now_ms: int) -> None:
        kind, text = action
        if kind == "type":
            model.type(text)
        elif kind == "back":
            model.backspace()
        else:
            model.submit(now_ms)


@dataclass
class TargetsBrain:
    """Looks for the target (reaction time), moves, clicks; sometimes lands beside it."""

    rng: random.Random
    skill: Skill = field(default_factory=Skill)
    next_ms: int = -1

    def clicks(self, model: TargetsModel, now_ms: int) -> list[tuple[float, float]]:
        target = model.current
        if target is None:
            return []
        if self.next_ms < 0:
            self.next_ms = now_ms + self._reaction()
            return []
        if now_ms < self.next_ms:
            return []
        self.next_ms = now_ms + self._reaction()
        wobble = target.r * (0.4 + 1.3 * (1 - self.skill.level))
        angle = self.rng.uniform(0, 2 * math.pi)
        distance = abs(self.rng.gauss(0, wobble))
        return [(target.x + distance * math.cos(angle), target.y + distance * math.sin(angle))]

    def _reaction(self) -> int:
        return int(self.rng.uniform(250, 450) + 400 * (1 - self.skill.level))


@dataclass
class CoinsBrain:
    """Heads for a near, valuable coin, re-thinks a few times a second, drifts a little."""

    rng: random.Random
    skill: Skill = field(default_factory=Skill)
    target: int | str | None = None
    rethink_ms: int = 0
    drift: tuple[float, float] = (0.0, 0.0)

    def direction(self, me: tuple[float, float], coins: list[tuple[Any, float, float, int]],
                  now_ms: int, rivals: list[tuple[float, float]] | None = None
                  ) -> tuple[float, float]:
        """Where to go from ``me``; ``coins`` are ``(id, x, y, points)``; ``rivals`` the other
        players' positions (a coin someone else is closer to is less tempting, like a person
        would judge it)."""
        by_id = {c[0]: c for c in coins}
        others = rivals or []
        if self.target not in by_id or now_ms >= self.rethink_ms:
            self.rethink_ms = now_ms + int(self.rng.uniform(250, 700) * (1.4 - self.skill.level))
            self.drift = (self.rng.gauss(0, 0.35), self.rng.gauss(0, 0.35))
            if by_id:
                def appeal(c: tuple[Any, float, float, int]) -> float:
                    d = math.dist(me, (c[1], c[2])) + 0.05
                    beaten = any(math.dist(o, (c[1], c[2])) + 0.05 < d for o in others)
                    return (c[3] / d) * (0.3 if beaten else 1.0) + self.rng.uniform(0, 8)
                self.target = max(by_id.values(), key=appeal)[0]
            else:
                self.target = None
        coin = by_id.get(self.target) if self.target is not None else None
        if coin is None:
            return self.drift
        return _towards(me, (coin[1], coin[2]), self.drift, 1 - self.skill.level)


@dataclass
class BallBrain:
    """Bumper ball: gets behind the ball (on the side away from the goal it attacks), then
    runs through it towards that goal; circles round the ball when it is on the wrong side;
    re-thinks a few times a second and drifts a little, more when less skilled."""

    rng: random.Random
    skill: Skill = field(default_factory=Skill)
    rethink_ms: int = 0
    drift: tuple[float, float] = (0.0, 0.0)

    def direction(self, me: tuple[float, float], ball: tuple[float, float],
                  goal: tuple[float, float], now_ms: int) -> tuple[float, float]:
        """Where to go from ``me`` to push ``ball`` towards ``goal``."""
        if now_ms >= self.rethink_ms:
            self.rethink_ms = now_ms + int(self.rng.uniform(200, 600) * (1.4 - self.skill.level))
            self.drift = (self.rng.gauss(0, 0.4), self.rng.gauss(0, 0.4))
        gx, gy = goal[0] - ball[0], goal[1] - ball[1]
        g = math.hypot(gx, gy) or 1.0
        ux, uy = gx / g, gy / g  # ball -> goal
        behind = (ball[0] - ux * 0.09, ball[1] - uy * 0.09)
        # how far we are on the goal side of the ball (>0: wrong side, we'd push it back)
        ahead = (me[0] - ball[0]) * ux + (me[1] - ball[1]) * uy
        if ahead > -0.02 and math.dist(me, ball) < 0.2:
            # go round it: sideways first, on the side we already are
            side = (me[0] - ball[0]) * -uy + (me[1] - ball[1]) * ux
            sign = 1.0 if side >= 0 else -1.0
            px, py = -uy * sign, ux * sign  # sideways, our side
            target = (ball[0] + (px - ux) * 0.12, ball[1] + (py - uy) * 0.12)
        elif math.dist(me, behind) > 0.05:
            target = behind
        else:
            target = (ball[0] + ux * 0.2, ball[1] + uy * 0.2)  # through the ball
        return _towards(me, target, self.drift, 1 - self.skill.level)


def _towards(me: tuple[float, float], target: tuple[float, float],
             drift: tuple[float, float], wobble: float) -> tuple[float, float]:
    dx, dy = target[0] - me[0], target[1] - me[1]
    d = math.hypot(dx, dy)
    if d < 1e-6:
        return 0.0, 0.0
    return dx / d + drift[0] * wobble, dy / d + drift[1] * wobble
