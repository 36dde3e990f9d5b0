"""Targets: click the glowing targets in order; misses cost points, speed earns a bonus."""

from __future__ import annotations

import math
import random
from typing import Any

import arcade

from .. import style
from ..brains import TargetsBrain
from .base import GameView


class TargetsView(GameView):
    title = "Targets"
    help_text = "Click each target as it lights up"

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.effects: list[tuple[float, float, float, bool]] = []  # x, y, age, hit

    def make_brain(self, rng: random.Random) -> Any:
        return TargetsBrain(rng)

    def autoplay(self, brain: TargetsBrain) -> None:
        for x, y in brain.clicks(self.round.model, self.round.now_ms()):
            sx, sy = self.to_screen(x, y)
            self.on_mouse_press(int(sx), int(sy), arcade.MOUSE_BUTTON_LEFT, 0)

    # --- coordinates: the round is in the unit square, the arena is a square on screen -----

    def square(self) -> tuple[float, float, float]:
        left, bottom, width, height = self.arena_rect()
        side = min(width, height)
        return left + (width - side) / 2, bottom + (height - side) / 2, side

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        left, bottom, side = self.square()
        return left + x * side, bottom + y * side

    def on_mouse_press(self, x: int, y: int, button: int, modifiers: int) -> None:
        if not self.round.playing or self.round.finished:
            return
        left, bottom, side = self.square()
        nx, ny = (x - left) / side, (y - bottom) / side
        hit = self.round.model.click(nx, ny, self.round.now_ms())
        self.effects.append((x, y, 0.0, hit))
        self.sounds.play("hit" if hit else "miss")

    def on_frame(self, delta_time: float) -> None:
        self.effects = [(x, y, age + delta_time, hit) for x, y, age, hit in self.effects
                        if age < 0.6]

    def draw_arena(self) -> None:
        left, bottom, side = self.square()
        style.panel(left, bottom, side, side, (30, 22, 58), style.PANEL_LIGHT)
        model = self.round.model
        scale = side
        for index, target in enumerate(model.targets):
            x, y = self.to_screen(target.x, target.y)
            r = target.r * scale
            if index < model.hits:
                arcade.draw_circle_outline(x, y, r * 0.5, (*style.GOOD, 90), 2)
            elif index == model.hits and self.round.playing and not model.done:
                pulse = 1 + 0.06 * math.sin(self.clock * 8)
                for ring, colour in enumerate((style.ACCENT, style.TEXT, style.ACCENT,
                                               style.GOLD)):
                    arcade.draw_circle_filled(x, y, r * pulse * (1 - ring * 0.24), colour)
                style.text(str(index + 1), x, y, size=12, heading=True, colour=style.BACKGROUND,
                           anchor_x="center", anchor_y="center")
            elif index == model.hits + 1 and self.round.playing:
                arcade.draw_circle_outline(x, y, r, (*style.MUTED, 120), 2)
        for x, y, age, hit in self.effects:
            alpha = max(0, min(255, int(255 * (1 - age / 0.6))))
            if hit:
                arcade.draw_circle_outline(x, y, 10 + 90 * age, (*style.GOLD, alpha), 3)
            else:
                d = 10
                arcade.draw_line(x - d, y - d, x + d, y + d, (*style.BAD, alpha), 3)
                arcade.draw_line(x - d, y + d, x + d, y - d, (*style.BAD, alpha), 3)
        style.text(f"{model.hits}/{len(model.targets)} hit · {model.misses} missed",
                   left + 14, bottom + 14, size=14, colour=style.MUTED)
        if model.done and self.round.playing:
            style.text(f"{model.score()} points", left + side / 2, bottom + side / 2,
                       size=40, heading=True, colour=style.GOLD, anchor_x="center")
