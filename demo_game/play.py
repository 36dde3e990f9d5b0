"""One round of a turn-free mini-game (Echo, Targets) on one peer, without drawing or input.

``Round`` holds the seeded model (``rules``), the other players' progress heard over the
game-data channel, and what this peer must send: its progress, unreliable (a lost update is
replaced by the next a moment later). The arcade views and the bots both play through a
``Round``. The live games (Coins, Bumper ball) need no messages of their own: they are
entities of the session's shared world (``arena``).

Game-data messages are compact JSON tagged with the run, so data from an earlier round or
another game never leaks in; anything that does not decode is ignored.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from .rules import EchoModel, TargetsModel, seed_for

logger = logging.getLogger("demo_game")

ECHO, TARGETS, COINS, BALL = "echo", "targets", "coins", "ball"
#: The order a match plays them in (the default three rounds: Echo, Coins, Bumper ball).
GAME_TYPES = (ECHO, COINS, BALL, TARGETS)
#: The live games: played in the shared world (``arena.WorldRound``), refereed by the host.
LIVE_TYPES = (COINS, BALL)
#: Progress updates per second at most (Echo, Targets).
PROGRESS_RATE = 6.0
#: Largest game-data message we accept (ours are ~120 bytes).
MAX_MESSAGE = 1024


def make_model(activity_type: str, seed: int, config: dict[str, Any]) -> Any:
    if activity_type == ECHO:
        return EchoModel(seed)
    if activity_type == TARGETS:
        return TargetsModel(seed)
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

    progress: float = 0.0
    score: int = 0
    done: bool = False
    seen: float = 0.0


class Round:
    """One run on this peer.

    Args:
        activity_type: "echo" or "targets".
        config: the queued activity's config (``seed``).
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
        self.others: dict[str, Other] = {pid: Other() for pid in players if pid != me}
        self.submitted = False
        self._last_progress = -1.0
        self._sent_progress: tuple[float, int, bool] | None = None

    # --- time ---------------------------------------------------------------------------------

    def now_ms(self) -> int:
        return int((self.clock() - self.started) * 1000)

    @property
    def limit_ms(self) -> int:
        return int(self.model.limit_ms)

    def remaining_s(self) -> float:
        return max(0.0, (self.limit_ms - self.now_ms()) / 1000)

    # --- playing ------------------------------------------------------------------------------

    def tick(self) -> None:
        """Advance time-based state (time limits)."""
        self.model.tick(self.now_ms())

    def outgoing(self) -> list[tuple[bytes, bool]]:
        """Messages to broadcast now as ``(data, reliable)``."""
        out: list[tuple[bytes, bool]] = []
        if not self.playing:
            return out
        now = self.clock()
        state = (round(self.model.progress, 3), self.model.score() if self.model.done else 0,
                 self.model.done)
        if state != self._sent_progress and now - self._last_progress >= 1 / PROGRESS_RATE:
            self._last_progress, self._sent_progress = now, state
            out.append((encode("prog", self.run, self.me, v=state[0], s=state[1], d=state[2]),
                        False))
        return out

    def receive(self, data: bytes) -> None:
        """Game data from a peer; anything not for this round is ignored."""
        msg = decode(data)
        if msg is None or msg["r"] != self.run or msg["p"] == self.me:
            return
        other = self.others.setdefault(msg["p"], Other())
        other.seen = self.clock()
        if msg["t"] == "prog":
            other.progress = _num(msg.get("v"), other.progress, 0.0, 1.0)
            other.score = int(_num(msg.get("s"), other.score, 0, 1e6))
            other.done = msg.get("d") is True

    # --- the result ---------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.model.done

    def result(self) -> tuple[int, dict[str, Any], int]:
        return self.model.result()
