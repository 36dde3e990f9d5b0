"""Bot brains: human-like players for the mini-games (pure; driven with a clock and an RNG).

A brain decides *inputs* — keys, clicks, a direction — never results: the bot's score comes
from the same rules as a person's. They hesitate before starting, type at a human pace, make
typos (and usually fix them), sometimes miss a target, and chase coins with a wobble.
Used by the bot processes and by ``--headless`` to play the local player.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field

from .rules import Coin, CoinsModel, EchoModel, TargetsModel


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
    target: int | None = None
    rethink_ms: int = 0
    drift: tuple[float, float] = (0.0, 0.0)

    def direction(self, model: CoinsModel, now_ms: int,
                  rivals: list[tuple[float, float]] | None = None) -> tuple[float, float]:
        """Where to go; ``rivals`` are the other players' positions (a coin someone else is
        closer to is less tempting, like a person would judge it)."""
        coins = {c.id: c for c in model.visible(now_ms)}
        others = rivals or []
        if self.target not in coins or now_ms >= self.rethink_ms:
            self.rethink_ms = now_ms + int(self.rng.uniform(250, 700) * (1.4 - self.skill.level))
            self.drift = (self.rng.gauss(0, 0.35), self.rng.gauss(0, 0.35))
            if coins:
                def appeal(c: Coin) -> float:
                    d = math.dist((model.x, model.y), (c.x, c.y)) + 0.05
                    beaten = any(math.dist(o, (c.x, c.y)) + 0.05 < d for o in others)
                    return (c.points / d) * (0.3 if beaten else 1.0) + self.rng.uniform(0, 8)
                self.target = max(coins.values(), key=appeal).id
            else:
                self.target = None
        coin = coins.get(self.target) if self.target is not None else None
        if coin is None:
            return self.drift
        dx, dy = coin.x - model.x, coin.y - model.y
        d = math.hypot(dx, dy)
        if d < 1e-6:
            return 0.0, 0.0
        wobble = 1 - self.skill.level
        return dx / d + self.drift[0] * wobble, dy / d + self.drift[1] * wobble
