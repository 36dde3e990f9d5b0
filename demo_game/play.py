"""One round of a mini-game on one peer, with everything but drawing and input devices.

``Round`` holds the seeded model (``rules``), the other players' live state heard over the
game-data channel, and what this peer must send: positions and progress go unreliable
(a lost one is replaced by the next a moment later), a collected coin goes reliable (every
peer must see it vanish). The arcade views and the bots both play through a ``Round``.

Game-data messages are compact JSON tagged with the run, so data from an earlier round or
another game never leaks in; anything that does not decode is ignored.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from .rules import CoinsModel, EchoModel, TargetsModel, seed_for, start_position

logger = logging.getLogger("demo_game")

ECHO, TARGETS, COINS = "echo", "targets", "coins"
GAME_TYPES = (ECHO, TARGETS, COINS)
#: Positions per second sent in Coins (unreliable channel).
POSITION_RATE = 15.0
#: Progress updates per second at most (Echo, Targets).
PROGRESS_RATE = 6.0
#: Largest game-data message we accept (ours are ~120 bytes).
MAX_MESSAGE = 1024


def make_model(activity_type: str, seed: int, config: dict[str, Any]) -> Any:
    if activity_type == ECHO:
        return EchoModel(seed)
    if activity_type == TARGETS:
        return TargetsModel(seed)
    if activity_type == COINS:
        duration = config.get("duration_ms")
        if isinstance(duration, int) and 3_000 <= duration <= 120_000:
            return CoinsModel(seed, duration_ms=duration)
        return CoinsModel(seed)
    raise ValueError(f"unknown game {activity_type!r}")


def encode(kind: str, run: str, player: str, **fields: Any) -> bytes:
    return json.dumps({"t": kind, "r": run, "p": player, **fields},
                      separators=(",", ":")).encode()


def decode(data: bytes) -> dict[str, Any] | None:
    """The message, or None for anything that is not one of ours."""
    if len(data) > MAX_MESSAGE:
        return None
    try:
        msg = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if (not isinstance(msg, dict) or not isinstance(msg.get("t"), str)
            or not isinstance(msg.get("r"), str) or not isinstance(msg.get("p"), str)):
        return None
    return msg


def _num(value: Any, default: float = 0.0, lo: float = -1e9, hi: float = 1e9) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return min(hi, max(lo, float(value)))
    return default


@dataclass
class Other:
    """What we know of another player in this round."""

    x: float = 0.5
    y: float = 0.5
    progress: float = 0.0
    score: int = 0
    done: bool = False
    seen: float = 0.0


class Round:
    """One run on this peer.

    Args:
        activity_type: "echo", "targets" or "coins".
        config: the queued activity's config (``seed``, optional ``duration_ms``).
        run_id: the run's id (shared by all peers; tags our game data).
        me: this peer's participant id as text ("" for a peer that is not in the lobby).
        players: the run's required submitters as text, in start order.
        playing: False for a spectator (it only watches).
    """

    def __init__(self, activity_type: str, config: dict[str, Any], run_id: object, me: str,
                 players: list[str], playing: bool, clock: Any = time.monotonic) -> None:
        self.kind = activity_type
        self.seed = seed_for(config, run_id)
        self.model = make_model(activity_type, self.seed, config)
        self.run = str(run_id)[:8]
        self.me = me
        self.players = players
        self.playing = playing
        self.clock = clock
        self.started = clock()
        self.others: dict[str, Other] = {}
        for index, pid in enumerate(players):
            if pid != me:
                x, y = start_position(index)
                self.others[pid] = Other(x, y)
        if activity_type == COINS and me in players:
            self.model.x, self.model.y = start_position(players.index(me))
        self.submitted = False
        self._last_pos = -1.0
        self._last_progress = -1.0
        self._sent_progress: tuple[float, int, bool] | None = None
        self._outbox: list[tuple[bytes, bool]] = []

    # --- time ---------------------------------------------------------------------------------

    def now_ms(self) -> int:
        return int((self.clock() - self.started) * 1000)

    @property
    def limit_ms(self) -> int:
        return int(getattr(self.model, "limit_ms", 0) or self.model.duration_ms)

    def remaining_s(self) -> float:
        return max(0.0, (self.limit_ms - self.now_ms()) / 1000)

    # --- playing ------------------------------------------------------------------------------

    def tick(self) -> None:
        """Advance time-based state (time limits)."""
        self.model.tick(self.now_ms())

    def step_coins(self, dx: float, dy: float, dt: float) -> list[Any]:
        """Move our avatar; collected coins are announced reliably to everyone."""
        got = self.model.step(dx, dy, dt, self.now_ms()) if self.playing else []
        for coin in got:
            self._outbox.append((encode("got", self.run, self.me, c=coin.id), True))
        return got

    def outgoing(self) -> list[tuple[bytes, bool]]:
        """Messages to broadcast now as ``(data, reliable)``."""
        out, self._outbox = self._outbox, []
        if not self.playing:
            return out
        now = self.clock()
        if self.kind == COINS:
            if now - self._last_pos >= 1 / POSITION_RATE:
                self._last_pos = now
                out.append((encode("pos", self.run, self.me, x=round(self.model.x, 4),
                                   y=round(self.model.y, 4), s=self.model.score()), False))
        else:
            state = (round(self.model.progress, 3), self.model.score() if self.model.done else 0,
                     self.model.done)
            if state != self._sent_progress and now - self._last_progress >= 1 / PROGRESS_RATE:
                self._last_progress, self._sent_progress = now, state
                out.append((encode("prog", self.run, self.me, v=state[0], s=state[1],
                                   d=state[2]), False))
        return out

    def receive(self, data: bytes) -> None:
        """Game data from a peer; anything not for this round is ignored."""
        msg = decode(data)
        if msg is None or msg["r"] != self.run or msg["p"] == self.me:
            return
        other = self.others.setdefault(msg["p"], Other())
        other.seen = self.clock()
        kind = msg["t"]
        if kind == "pos":
            other.x = _num(msg.get("x"), other.x, 0.0, 1.0)
            other.y = _num(msg.get("y"), other.y, 0.0, 1.0)
            other.score = int(_num(msg.get("s"), other.score, 0, 1e6))
        elif kind == "got" and self.kind == COINS:
            coin = msg.get("c")
            if isinstance(coin, int) and not isinstance(coin, bool):
                self.model.take_remote(coin)
        elif kind == "prog":
            other.progress = _num(msg.get("v"), other.progress, 0.0, 1.0)
            other.score = int(_num(msg.get("s"), other.score, 0, 1e6))
            other.done = msg.get("d") is True

    # --- the result ---------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.model.done

    def result(self) -> tuple[int, dict[str, Any], int]:
        return self.model.result()
