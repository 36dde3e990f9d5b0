"""``GameView``: what the mini-game views share.

It builds the round from the run (same seed on every peer), hears the others' game data
(``on_game_data``: the lobby connects the callbacks a view declares while it is shown), sends
ours, submits our result once, and draws the frame around the game: the
header with the timer, and a live scoreboard of everyone in the run. A spectator gets the same
screen without the controls. With ``autoplay`` (``--headless``) a brain plays for us through
the same input handlers a person uses. The live games (Coins, Bumper ball) build on it in
``live.py``: their round is the shared world instead of game data.
"""

from __future__ import annotations

import logging
import random
from typing import Any

import arcade

from konnekt_arcade import ActivityContext, P2PError

from .. import style
from ..play import Round
from ..sounds import Sounds

logger = logging.getLogger("demo_game")

#: Width of the live scoreboard on the right.
SIDEBAR = 280


class GameView(arcade.View):
    """Base of the mini-game views; subclasses draw the arena and handle input."""

    title = "Game"
    help_text = ""
    #: A live game: the scoreboard shows points as they come (bars relative to the best).
    live = False

    def __init__(self, context: ActivityContext) -> None:
        super().__init__()
        self.context = context
        run = context.run
        session = context.session
        me = session.local_participant_id()
        self.me = str(me) if me is not None else ""
        self.players = [str(p) for p in run.required_submitters]
        self.round = self.make_round(context)
        self.names: dict[str, str] = {}
        self.colours: dict[str, tuple[int, int, int]] = {}
        self._learn_players()
        lobby_view = context.lobby_view
        self.sounds: Sounds = getattr(lobby_view, "sounds", None) or Sounds(enabled=False)
        self.brain = None
        if getattr(lobby_view, "autoplay", False) and self.round.playing:
            self.brain = self.make_brain(random.Random(self.round.seed ^ 0x5EED))
        self.submitted = False
        self.clock = 0.0
        self.background_color = style.BACKGROUND
        logger.info("round: %s (seed %d) — %s", run.activity.name, self.round.seed,
                    "playing" if self.round.playing else "spectating")

    # --- to override --------------------------------------------------------------------------

    def make_round(self, context: ActivityContext) -> Any:
        run = context.run
        return Round(run.activity.activity_type, run.activity.config, run.id, self.me,
                     self.players, playing=context.is_submitter)

    def make_brain(self, rng: random.Random) -> Any:
        return None

    def autoplay(self, brain: Any) -> None:
        """Feed the brain's inputs for this frame through the input handlers."""

    def draw_arena(self) -> None:
        raise NotImplementedError

    def on_frame(self, delta_time: float) -> None:
        """Per-frame game work (movement); the round's clock is already advanced."""

    # --- players ------------------------------------------------------------------------------

    def _learn_players(self) -> None:
        lobby = self.context.hook.lobby
        if lobby is None:
            return
        for index, p in enumerate(lobby.participants):
            self.names[str(p.id)] = p.name
            self.colours[str(p.id)] = style.player_colour(index)

    def name(self, pid: str) -> str:
        return self.names.get(pid, "?")

    def colour(self, pid: str) -> tuple[int, int, int]:
        return self.colours.get(pid, style.MUTED)  # type: ignore[return-value]

    # --- arcade.View --------------------------------------------------------------------------

    # (The lobby connects the session callbacks this view declares, like ``on_game_data``,
    # while it is shown: also when it comes back after a reconnection.)
    def on_game_data(self, data: Any) -> None:
        self.round.receive(data.data)

    def on_update(self, delta_time: float) -> None:
        self.clock += delta_time
        if self.brain is not None and not self.round.finished:
            self.autoplay(self.brain)
        self.on_frame(delta_time)
        self.after_frame()

    def after_frame(self) -> None:
        """Send our progress, and our result once the round is over."""
        self.round.tick()
        session = self.context.session
        if session is None:
            return
        for data, reliable in self.round.outgoing():
            session.send_game_data(data, reliable=reliable)  # (alone: dropped, never raises)
        if self.round.playing and self.round.finished and not self.submitted:
            self.submit()

    def submit(self) -> None:
        self.submitted = True
        score, data, ms = self.round.result()
        try:
            self.context.submit_result(score=score, data=data, time_taken_ms=ms)
            logger.info("you scored %d in %s", score, self.title)
        except P2PError as exc:
            logger.warning("could not submit the result: %s", exc)
        self.sounds.play("done")

    def on_draw(self) -> None:
        self.clear()
        w, h = self.window.width, self.window.height
        style.backdrop(w, h, self.clock)
        self.draw_arena()
        remaining = self.round.remaining_s()
        style.header(w, h, self.title, self.help_text if self.round.playing else
                     "You are watching this round")
        colour = style.BAD if remaining < 5 else style.TEXT
        style.text(f"{remaining:4.1f}s", w - 24, h - 46, size=24, heading=True, colour=colour,
                   anchor_x="right")
        self.draw_scoreboard()
        if self.submitted or not self.round.playing:
            self.draw_waiting()

    # --- the frame around the game ------------------------------------------------------------

    def arena_rect(self) -> tuple[float, float, float, float]:
        """(left, bottom, width, height) of the play area."""
        w, h = self.window.width, self.window.height
        return 24, 24, w - SIDEBAR - 60, h - 70 - 48

    def standings(self) -> list[tuple[str, float, int, bool]]:
        """(pid, progress, score, done) for everyone in the run, us included."""
        rows = []
        for pid in self.players:
            if pid == self.me:
                model = self.round.model
                rows.append((pid, model.progress, model.score() if model.done else 0,
                             model.done))
            else:
                o = self.round.others.get(pid)
                if o is None:
                    rows.append((pid, 0.0, 0, False))
                else:
                    rows.append((pid, o.progress, o.score, o.done))
        return rows

    def draw_scoreboard(self) -> None:
        w, h = self.window.width, self.window.height
        left, top = w - SIDEBAR - 20, h - 94
        rows = self.standings()
        height = 52 + 58 * len(rows)
        style.panel(left, top - height, SIDEBAR, height, style.PANEL)
        style.text("LIVE", left + 16, top - 32, size=14, heading=True, colour=style.ACCENT)
        best = max([r[1] for r in rows] + [1.0])
        for i, (pid, progress, score, done) in enumerate(rows):
            y = top - 70 - 58 * i
            you = " (you)" if pid == self.me else ""
            style.text(self.name(pid) + you, left + 16, y, size=14, colour=self.colour(pid),
                       bold=bool(you))
            right = "done" if done and not self.live else ""
            if self.live or (done and score):
                right = f"{score} pts"
            style.text(right, left + SIDEBAR - 16, y, size=13, colour=style.MUTED,
                       anchor_x="right")
            share = progress / best if self.live else progress
            style.bar(left + 16, y - 20, SIDEBAR - 32, 8, share, self.colour(pid))

    def draw_waiting(self) -> None:
        w = self.window.width
        left, _, width, _ = self.arena_rect()
        message = ("Waiting for the others…" if self.round.playing
                   else "Spectating — you'll play the next round")
        if self.submitted:
            score = self.round.result()[0]
            message = f"You scored {score}! " + message
        style.panel(left + width / 2 - 300, 40, 600, 48, (16, 10, 32, 230), style.ACCENT)
        style.text(message, left + width / 2, 57, size=16, anchor_x="center")
        _ = w
