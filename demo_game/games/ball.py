"""Bumper ball: two teams, one ball, 20 seconds. Run into the ball to bump it into the other
team's goal (red attacks the right goal, blue the left).

The ball belongs to the host: the host's game moves it (``rules.ball_step``) and everyone
sees it through the shared world, smoothed by the toolkit's interpolation. A goal is worth
10 points to everyone in the scoring team and 5 more to whoever bumped it in. If the host
leaves, the ball rolls on from the next host's screen.
"""

from __future__ import annotations

from typing import Any

import arcade

from .. import style
from ..arena import BALL
from ..brains import BallBrain
from ..rules import BALL_RADIUS, GOAL_HALF, PITCH_WIDTH, PLAYER_RADIUS, RED
from .live import LiveView

TEAM_COLOURS = ((235, 70, 90), (70, 150, 255))


class BallView(LiveView):
    title = "Bumper ball"
    help_text = "Arrow keys / WASD — bump the ball into the other team's goal"
    kind = BALL
    brain_type = BallBrain

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.ball_texture = arcade.load_texture(":resources:images/pinball/pool_cue_ball.png")
        self.goals_seen = (0, 0)
        self.flash = 0.0

    def after_step(self, delta_time: float) -> None:
        goals = self.round.goals()
        if goals != self.goals_seen:
            self.goals_seen, self.flash = goals, 1.0
            self.sounds.play("hit")
        self.flash = max(0.0, self.flash - delta_time)

    def pitch(self) -> tuple[float, float, float]:
        """(left, bottom, scale): the pitch is PITCH_WIDTH x 1, letterboxed in the arena."""
        left, bottom, width, height = self.arena_rect()
        scale = min(width / PITCH_WIDTH, height)
        return (left + (width - PITCH_WIDTH * scale) / 2, bottom + (height - scale) / 2, scale)

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        left, bottom, scale = self.pitch()
        return left + x * scale, bottom + y * scale

    def draw_arena(self) -> None:
        left, bottom, scale = self.pitch()
        style.panel(left, bottom, PITCH_WIDTH * scale, scale, (24, 70, 52), (90, 160, 120))
        mid = left + PITCH_WIDTH * scale / 2
        arcade.draw_line(mid, bottom, mid, bottom + scale, (150, 210, 170, 120), 2)
        arcade.draw_circle_outline(mid, bottom + scale / 2, 0.15 * scale, (150, 210, 170, 120), 2)
        goal_h = 2 * GOAL_HALF * scale
        for team, x in ((RED, left + PITCH_WIDTH * scale), (1 - RED, left)):
            # the goal a team attacks is drawn in the other team's colour (theirs to defend)
            colour = TEAM_COLOURS[1 - team]
            arcade.draw_lrbt_rectangle_filled(x - 8, x + 8, bottom + scale / 2 - goal_h / 2,
                                              bottom + scale / 2 + goal_h / 2, colour)
        self.draw_runners(PLAYER_RADIUS * scale,
                          ring=lambda pid: TEAM_COLOURS[self.round.team(pid)])
        ball = self.round.ball()
        if ball is not None:
            x, y = self.to_screen(*self.shown.position(ball))
            size = BALL_RADIUS * 2 * scale
            arcade.draw_texture_rect(self.ball_texture, arcade.XYWH(x, y, size, size))
        red, blue = self.round.goals()
        colour = style.GOLD if self.flash > 0 else style.TEXT
        style.text(f"{red}", mid - 40, bottom + scale - 44, size=30, heading=True,
                   colour=TEAM_COLOURS[0], anchor_x="right")
        style.text(":", mid, bottom + scale - 44, size=30, heading=True, colour=colour,
                   anchor_x="center")
        style.text(f"{blue}", mid + 40, bottom + scale - 44, size=30, heading=True,
                   colour=TEAM_COLOURS[1])
        if self.flash > 0:
            style.text("GOAL!", mid, bottom + scale / 2, size=48, heading=True,
                       colour=style.GOLD, anchor_x="center", anchor_y="center")
