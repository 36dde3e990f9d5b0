"""The mini-games' rules, pure: seeded rounds, game state and scoring (no arcade, no network).

Every peer builds the same round from the run's seed, so everyone types the same phrase, clicks
the same targets and chases the same coins. The arcade views (``demo_game.games``) draw these
models; the bots (``demo_game.bots``) play them without a window. Positions are normalised to
the unit square so the round is the same whatever each player's window size.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

# --- seeds ----------------------------------------------------------------------------------

#: Seeds are kept below 2**31 so they survive JSON on every peer unchanged.
SEED_RANGE = 2**31


def seed_for(config: dict, run_id: object) -> int:
    """The round's seed: the host's ``config["seed"]``, else derived from the run id (which
    every peer shares), so even a run queued without a seed is the same round for everyone."""
    seed = config.get("seed") if isinstance(config, dict) else None
    if isinstance(seed, int) and not isinstance(seed, bool):
        return seed % SEED_RANGE
    digits = "".join(ch for ch in str(run_id) if ch in "0123456789abcdef")
    return int(digits[:8] or "0", 16) % SEED_RANGE


# --- Echo: type the shown phrase --------------------------------------------------------------

PHRASES: tuple[str, ...] = (
    "pixels never sleep",
    "the lobby is open",
    "catch the golden coin",
    "peer to peer party",
    "bots love bright colours",
    "ready player two",
    "space is the place",
    "high score or bust",
    "jump over the lazy robot",
    "keep calm and click fast",
    "every frame counts",
    "hello from the other peer",
)
#: Echo's time limit; a round also ends for everyone when all have answered.
ECHO_LIMIT_MS = 20_000


def echo_phrase(seed: int) -> str:
    return PHRASES[random.Random(seed).randrange(len(PHRASES))]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (typos cost one each, like a human would count them)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def echo_score(phrase: str, typed: str, time_ms: int, limit_ms: int = ECHO_LIMIT_MS) -> int:
    """Accuracy (0–100) plus a speed bonus (0–100) that only accurate answers earn.

    Case and surrounding spaces don't count; each wrong character costs accuracy.
    """
    want, got = phrase.strip().casefold(), typed.strip().casefold()
    if not want:
        return 0
    accuracy = max(0.0, 1.0 - edit_distance(want, got) / len(want))
    speed = max(0.0, 1.0 - max(0, time_ms) / limit_ms)
    bonus = 100 * speed * accuracy if accuracy >= 0.8 else 0.0
    return round(100 * accuracy + bonus)


@dataclass
class EchoModel:
    """One player's Echo round: the phrase, what they typed, when they pressed Enter."""

    seed: int
    limit_ms: int = ECHO_LIMIT_MS
    typed: str = ""
    finished_ms: int | None = None

    def __post_init__(self) -> None:
        self.phrase = echo_phrase(self.seed)

    @property
    def done(self) -> bool:
        return self.finished_ms is not None

    def type(self, text: str) -> None:
        if not self.done:
            self.typed = (self.typed + "".join(c for c in text if c.isprintable()))[:80]

    def backspace(self) -> None:
        if not self.done:
            self.typed = self.typed[:-1]

    def submit(self, now_ms: int) -> None:
        if not self.done:
            self.finished_ms = min(max(0, now_ms), self.limit_ms)

    def tick(self, now_ms: int) -> None:
        if not self.done and now_ms >= self.limit_ms:
            self.finished_ms = self.limit_ms

    @property
    def progress(self) -> float:
        """Share of the phrase typed correctly so far (for the others' live view)."""
        good = 0
        for a, b in zip(self.phrase, self.typed, strict=False):
            if a.casefold() != b.casefold():
                break
            good += 1
        return good / len(self.phrase)

    def score(self) -> int:
        return echo_score(self.phrase, self.typed, self.finished_ms or self.limit_ms,
                          self.limit_ms)

    def result(self) -> tuple[int, dict, int]:
        ms = self.finished_ms if self.finished_ms is not None else self.limit_ms
        return self.score(), {"typed": self.typed, "phrase": self.phrase}, ms


# --- Targets: click the seeded targets in order ---------------------------------------------

TARGET_COUNT = 6
TARGETS_LIMIT_MS = 25_000
#: Target radius as a share of the arena's shorter side.
TARGET_RADIUS = 0.06
POINTS_PER_HIT = 20
MISS_PENALTY = 5


@dataclass(frozen=True)
class Target:
    x: float
    y: float
    r: float


def target_layout(seed: int, count: int = TARGET_COUNT) -> list[Target]:
    """``count`` targets in the unit square, not overlapping, kept off the edges."""
    rng = random.Random(seed ^ 0x7A46)
    out: list[Target] = []
    for _ in range(count):
        for _attempt in range(50):
            t = Target(rng.uniform(0.1, 0.9), rng.uniform(0.12, 0.85),
                       TARGET_RADIUS * rng.uniform(0.8, 1.2))
            if all(math.dist((t.x, t.y), (o.x, o.y)) > t.r + o.r + 0.05 for o in out):
                break
        out.append(t)
    return out


def targets_score(hits: int, misses: int, time_ms: int,
                  limit_ms: int = TARGETS_LIMIT_MS) -> int:
    """20 per target hit, −5 per miss, plus up to 100 for finishing all of them fast."""
    base = POINTS_PER_HIT * hits - MISS_PENALTY * misses
    bonus = 0.0
    if hits >= TARGET_COUNT:
        bonus = 100 * max(0.0, 1.0 - max(0, time_ms) / limit_ms)
    return max(0, round(base + bonus))


@dataclass
class TargetsModel:
    seed: int
    limit_ms: int = TARGETS_LIMIT_MS
    hits: int = 0
    misses: int = 0
    finished_ms: int | None = None

    def __post_init__(self) -> None:
        self.targets = target_layout(self.seed)

    @property
    def done(self) -> bool:
        return self.finished_ms is not None

    @property
    def current(self) -> Target | None:
        return None if self.done or self.hits >= len(self.targets) else self.targets[self.hits]

    def click(self, x: float, y: float, now_ms: int) -> bool:
        """A click at normalised (x, y); True if it hit the current target."""
        target = self.current
        if target is None:
            return False
        if math.dist((x, y), (target.x, target.y)) <= target.r:
            self.hits += 1
            if self.hits >= len(self.targets):
                self.finished_ms = min(max(0, now_ms), self.limit_ms)
            return True
        self.misses += 1
        return False

    def tick(self, now_ms: int) -> None:
        if not self.done and now_ms >= self.limit_ms:
            self.finished_ms = self.limit_ms

    @property
    def progress(self) -> float:
        return self.hits / len(self.targets)

    def score(self) -> int:
        return targets_score(self.hits, self.misses, self.finished_ms or self.limit_ms,
                             self.limit_ms)

    def result(self) -> tuple[int, dict, int]:
        ms = self.finished_ms if self.finished_ms is not None else self.limit_ms
        return self.score(), {"hits": self.hits, "misses": self.misses}, ms


# --- Coins: a 20-second real-time scramble --------------------------------------------------

COINS_DURATION_MS = 20_000
COIN_RADIUS = 0.035
PLAYER_RADIUS = 0.04
#: Arena widths per second; crossing the arena takes about 2.5 s.
PLAYER_SPEED = 0.4
COIN_LIFETIME_MS = 6_000
#: (kind, points, weight): gold is rare.
COIN_KINDS: tuple[tuple[str, int, int], ...] = (("gold", 25, 1), ("silver", 10, 3),
                                                ("bronze", 5, 6))


@dataclass(frozen=True)
class Coin:
    id: int
    x: float
    y: float
    kind: str
    points: int
    appears_ms: int
    expires_ms: int


def coin_schedule(seed: int, duration_ms: int = COINS_DURATION_MS) -> list[Coin]:
    """The round's coins: eight at once, then a new one every 150–400 ms."""
    rng = random.Random(seed ^ 0xC011)
    kinds = [k for k in COIN_KINDS for _ in range(k[2])]
    coins: list[Coin] = []
    t = 0
    while t < duration_ms - 500:
        kind, points, _ = rng.choice(kinds)
        coins.append(Coin(len(coins), rng.uniform(0.06, 0.94), rng.uniform(0.08, 0.92), kind,
                          points, t, t + COIN_LIFETIME_MS))
        t += 0 if len(coins) < 8 else rng.randint(150, 400)
    return coins


def start_position(index: int) -> tuple[float, float]:
    """Players start spread around the centre (index = join order)."""
    angle = index * 2.399963  # golden angle: any number of players spread evenly
    return 0.5 + 0.3 * math.cos(angle), 0.5 + 0.3 * math.sin(angle)


@dataclass
class CoinsModel:
    """One player's view of the scramble: its avatar, the coins, who took which."""

    seed: int
    duration_ms: int = COINS_DURATION_MS
    x: float = 0.5
    y: float = 0.5
    score_points: int = 0
    collected: list[int] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.coins = coin_schedule(self.seed, self.duration_ms)
        self.finished_ms: int | None = None

    @property
    def done(self) -> bool:
        return self.finished_ms is not None

    def visible(self, now_ms: int) -> list[Coin]:
        return [c for c in self.coins if c.appears_ms <= now_ms < c.expires_ms
                and c.id not in self.taken]

    def tick(self, now_ms: int) -> None:
        if not self.done and now_ms >= self.duration_ms:
            self.finished_ms = self.duration_ms

    def take_remote(self, coin_id: int) -> None:
        """Someone else collected ``coin_id`` (it vanishes here too)."""
        self.taken.add(coin_id)

    def step(self, dx: float, dy: float, dt: float, now_ms: int) -> list[Coin]:
        """Move by the input direction for ``dt`` seconds; returns coins collected now."""
        if self.done:
            return []
        if now_ms >= self.duration_ms:
            self.finished_ms = self.duration_ms
            return []
        length = math.hypot(dx, dy)
        if length > 1e-9:
            scale = PLAYER_SPEED * min(dt, 0.1) / max(1.0, length)
            self.x = min(1 - PLAYER_RADIUS, max(PLAYER_RADIUS, self.x + dx * scale))
            self.y = min(1 - PLAYER_RADIUS, max(PLAYER_RADIUS, self.y + dy * scale))
        got = [c for c in self.visible(now_ms)
               if math.dist((self.x, self.y), (c.x, c.y)) <= COIN_RADIUS + PLAYER_RADIUS]
        for coin in got:
            self.taken.add(coin.id)
            self.collected.append(coin.id)
            self.score_points += coin.points
        return got

    @property
    def progress(self) -> float:
        return self.score_points

    def score(self) -> int:
        return self.score_points

    def result(self) -> tuple[int, dict, int]:
        return self.score_points, {"coins": len(self.collected)}, self.duration_ms
