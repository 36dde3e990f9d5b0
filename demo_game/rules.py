"""The mini-games' rules, pure: seeded rounds, game state and scoring (no arcade, no network).

Every peer builds the same round from the run's seed, so everyone types the same phrase, clicks
the same targets and chases the same coins. The arcade views (``demo_game.games``) draw these
models; the bots (``demo_game.bots``) play them without a window. Positions are normalised to
the unit square so the round is the same whatever each player's window size.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

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


def coin_touched(x: float, y: float, coin_x: float, coin_y: float) -> bool:
    """Whether a player at (x, y) picks up the coin at (coin_x, coin_y)."""
    return math.dist((x, y), (coin_x, coin_y)) <= COIN_RADIUS + PLAYER_RADIUS


def move(x: float, y: float, dx: float, dy: float, dt: float, *, width: float = 1.0,
         speed: float = PLAYER_SPEED) -> tuple[float, float]:
    """A player's position after ``dt`` s of input ``(dx, dy)`` (any length; diagonals are no
    faster), kept inside the ``width`` x 1 arena."""
    length = math.hypot(dx, dy)
    if length > 1e-9:
        scale = speed * min(dt, 0.1) / max(1.0, length)
        x = min(width - PLAYER_RADIUS, max(PLAYER_RADIUS, x + dx * scale))
        y = min(1 - PLAYER_RADIUS, max(PLAYER_RADIUS, y + dy * scale))
    return x, y


# --- Bumper ball: push the shared ball into the other team's goal ---------------------------

BALL_DURATION_MS = 20_000
#: The pitch is PITCH_WIDTH x 1 (wider than high, like a real one).
PITCH_WIDTH = 1.6
BALL_RADIUS = 0.035
#: Half the height of each goal mouth (the goals are the middle of the short sides).
GOAL_HALF = 0.25
#: Speed a bump gives the ball (pitch heights a second), and how fast it slows down.
KICK_SPEED = 1.1
FRICTION = 0.6
MAX_BALL_SPEED = 1.6
#: Points per goal for each member of the scoring team, and the scorer's extra.
TEAM_POINTS, SCORER_POINTS = 10, 5
RED, BLUE = 0, 1


def team_of(index: int) -> int:
    """Teams by start order: even -> red (attacks the right goal), odd -> blue (the left)."""
    return RED if index % 2 == 0 else BLUE


def goal_x(team: int) -> float:
    """The x of the goal ``team`` attacks."""
    return PITCH_WIDTH if team == RED else 0.0


def ball_start(index: int, players: int) -> tuple[float, float]:
    """Kick-off places: red on the left half, blue on the right, spread vertically."""
    team = team_of(index)
    row = index // 2
    rows = max(1, (players + 1) // 2)
    y = (row + 1) / (rows + 1)
    return (PITCH_WIDTH * (0.25 if team == RED else 0.75), y)


@dataclass
class BallState:
    """The ball as the host simulates it (x, y on the pitch; velocity per second)."""

    x: float = PITCH_WIDTH / 2
    y: float = 0.5
    vx: float = 0.0
    vy: float = 0.0


def ball_step(ball: BallState, players: dict[str, tuple[float, float]], dt: float
              ) -> tuple[str | None, int | None]:
    """Advance the ball by ``dt`` s: bumps from ``players`` (id -> position), friction, walls.

    Returns ``(bumper, goal)``: who bumped it this step (or None), and the team that scored
    (``RED``/``BLUE``, or None). After a goal the ball is back on the centre spot.
    """
    dt = min(dt, 0.1)
    bumper = None
    reach = PLAYER_RADIUS + BALL_RADIUS
    for pid, (px, py) in players.items():
        d = math.dist((px, py), (ball.x, ball.y))
        if d < reach:
            nx, ny = ((ball.x - px) / d, (ball.y - py) / d) if d > 1e-9 else (1.0, 0.0)
            ball.x, ball.y = px + nx * reach, py + ny * reach
            along = ball.vx * nx + ball.vy * ny
            if along < KICK_SPEED:
                ball.vx += nx * (KICK_SPEED - along)
                ball.vy += ny * (KICK_SPEED - along)
            bumper = pid
    speed = math.hypot(ball.vx, ball.vy)
    if speed > MAX_BALL_SPEED:
        ball.vx, ball.vy = ball.vx * MAX_BALL_SPEED / speed, ball.vy * MAX_BALL_SPEED / speed
    slow = math.exp(-FRICTION * dt)
    ball.vx, ball.vy = ball.vx * slow, ball.vy * slow
    ball.x += ball.vx * dt
    ball.y += ball.vy * dt
    if ball.y < BALL_RADIUS or ball.y > 1 - BALL_RADIUS:
        ball.y = min(1 - BALL_RADIUS, max(BALL_RADIUS, ball.y))
        ball.vy = -ball.vy
    in_mouth = abs(ball.y - 0.5) < GOAL_HALF
    if in_mouth and (ball.x < 0 or ball.x > PITCH_WIDTH):
        goal = BLUE if ball.x < 0 else RED
        ball.x, ball.y, ball.vx, ball.vy = PITCH_WIDTH / 2, 0.5, 0.0, 0.0
        return bumper, goal
    if not in_mouth and (ball.x < BALL_RADIUS or ball.x > PITCH_WIDTH - BALL_RADIUS):
        ball.x = min(PITCH_WIDTH - BALL_RADIUS, max(BALL_RADIUS, ball.x))
        ball.vx = -ball.vx
    return bumper, None
