"""``LiveView``: what the two live games (Coins, Bumper ball) add to ``GameView``.

Their state is the session's shared world (``demo_game.arena``): no game data, no smoothing
code here. Each frame we move our own runner; the host also referees (``WorldRound.step``)
and, when the time is up, submits everyone's result. Others' entities are drawn through the
toolkit's interpolation (``arena.Smoothing``). When the host leaves mid-round, the new host's
view (this same class) simply finds itself referee: ``world.is_host`` turns true and the
round's host-owned entities become its own.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

import arcade

from konnekt_arcade import ActivityContext, P2PError

from .. import style
from ..arena import Smoothing, WorldRound
from .base import GameView

logger = logging.getLogger("demo_game")

CHARACTERS = (":resources:images/animated_characters/female_adventurer/femaleAdventurer_idle.png",
              ":resources:images/animated_characters/male_adventurer/maleAdventurer_idle.png",
              ":resources:images/animated_characters/robot/robot_idle.png",
              ":resources:images/animated_characters/female_person/femalePerson_idle.png",
              ":resources:images/animated_characters/male_person/malePerson_idle.png",
              ":resources:images/animated_characters/zombie/zombie_idle.png")
KEYS = {arcade.key.LEFT: (-1, 0), arcade.key.A: (-1, 0), arcade.key.RIGHT: (1, 0),
        arcade.key.D: (1, 0), arcade.key.UP: (0, 1), arcade.key.W: (0, 1),
        arcade.key.DOWN: (0, -1), arcade.key.S: (0, -1)}


class LiveView(GameView):
    """Runners moved with the arrow keys (or a brain), drawn from the shared world."""

    live = True
    kind = ""
    #: The bot that plays for us with ``--headless`` (it steers through ``round.autopilot``).
    brain_type: Callable[[random.Random], Any] | None = None
    round: WorldRound

    def __init__(self, context: ActivityContext) -> None:
        self.held: set[int] = set()
        self.auto_dir = (0.0, 0.0)
        super().__init__(context)
        self.shown = Smoothing(self.round.world, context.session.time)
        self.characters = [arcade.load_texture(path) for path in CHARACTERS]

    def make_brain(self, rng: random.Random) -> Any:
        return self.brain_type(rng) if self.brain_type is not None else None

    def autoplay(self, brain: Any) -> None:
        self.auto_dir = self.round.autopilot(brain)

    def on_frame(self, delta_time: float) -> None:
        """Move our runner (the host also referees inside ``step``), then the game's part."""
        self.round.step(*self.direction(KEYS), delta_time)
        self.after_step(delta_time)

    def after_step(self, delta_time: float) -> None:
        """What a game does each frame once the world has stepped (pops, goal flashes)."""

    def make_round(self, context: ActivityContext) -> WorldRound:
        return WorldRound(self.kind, context.session, context.run,
                          context.session.local_participant_id(), context.is_submitter)

    def on_key_press(self, symbol: int, modifiers: int) -> None:
        self.held.add(symbol)

    def on_key_release(self, symbol: int, modifiers: int) -> None:
        self.held.discard(symbol)

    def direction(self, keys: dict[int, tuple[int, int]]) -> tuple[float, float]:
        dx = sum(keys[k][0] for k in self.held if k in keys) + self.auto_dir[0]
        dy = sum(keys[k][1] for k in self.held if k in keys) + self.auto_dir[1]
        return dx, dy

    def after_frame(self) -> None:
        """The host submits everyone's result once the time is up (again for any still
        missing a second later); a player only waits for the results screen."""
        self.submitted = self.round.finished  # (our part is done: the frame says so)
        if not (self.round.finished and self.context.is_host):
            return
        for pid, score, data in self.round.due_results(self.context.pending(),
                                                       self.context.now()):
            try:
                self.context.submit_result_for(pid, score=score, data=data,
                                               time_taken_ms=self.round.play_ms)
            except P2PError as exc:
                logger.warning("could not submit %s's result: %s", pid, exc)

    def on_hide_view(self) -> None:
        # Hidden for good once the run is over (a reconnection shows us again mid-round).
        if self.context.current_run is None:
            self.round.close()
            self.shown.close()

    def on_became_host(self) -> None:
        logger.info("we host now: refereeing %s from here", self.title)

    # --- the frame ----------------------------------------------------------------------------

    def standings(self) -> list[tuple[str, float, int, bool]]:
        scores = self.round.scores()
        return [(pid, float(scores[pid]), scores[pid], self.round.finished)
                for pid in self.players]

    def draw_waiting(self) -> None:
        if not self.round.finished and self.round.playing:
            return
        left, _, width, _ = self.arena_rect()
        mine = self.round.scores().get(self.me)
        message = ("Time! Waiting for the results…" if mine is None or not self.round.playing
                   else f"Time! You scored {mine}.")
        if not self.round.playing:
            message = "Spectating — you'll play the next round"
        style.panel(left + width / 2 - 300, 40, 600, 48, (16, 10, 32, 230), style.ACCENT)
        style.text(message, left + width / 2, 57, size=16, anchor_x="center")

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        raise NotImplementedError

    def draw_runners(self, r: float, ring: Callable[[str], tuple[int, int, int]] | None = None,
                     ) -> None:
        """Every player's runner where the world (smoothed) has it; ``ring`` colours a circle
        around each (Bumper ball's teams)."""
        order = {pid: i for i, pid in enumerate(self.players)}
        for pid, runner in self.round.runners().items():
            if pid in order:
                x, y = self.to_screen(*self.shown.position(runner))
                if ring is not None:
                    arcade.draw_circle_outline(x, y, r * 1.15, ring(pid), 3)
                self.draw_runner(pid, x, y, r,
                                 self.characters[order[pid] % len(self.characters)])

    def draw_runner(self, pid: str, x: float, y: float, r: float, texture: Any) -> None:
        ghost = pid != self.me
        colour = self.colour(pid)
        arcade.draw_circle_filled(x, y - r * 0.9, r * 0.9, (*colour, 90 if ghost else 160))
        arcade.draw_texture_rect(texture, arcade.XYWH(x, y, r * 2.0, r * 2.6),
                                 alpha=170 if ghost else 255)
        style.text(self.name(pid), x, y + r * 1.5, size=12, colour=colour, anchor_x="center",
                   bold=not ghost)
