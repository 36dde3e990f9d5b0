"""Echo: type the phrase everyone sees, as fast and as exactly as you can, then press Enter."""

from __future__ import annotations

import random
from typing import Any

import arcade

from .. import style
from ..brains import EchoBrain
from .base import GameView


class EchoView(GameView):
    title = "Echo"
    help_text = "Type the phrase, then press Enter"

    def make_brain(self, rng: random.Random) -> Any:
        return EchoBrain(rng)

    def autoplay(self, brain: EchoBrain) -> None:
        # the brain types into a scratch copy; we replay its keys through our handlers
        for kind, key in brain.actions(_Shadow(self.round.model), self.round.now_ms()):
            if kind == "type":
                self.on_text(key)
            elif kind == "back":
                self.on_key_press(arcade.key.BACKSPACE, 0)
            else:
                self.on_key_press(arcade.key.ENTER, 0)

    def on_text(self, text: str) -> None:
        if self.round.playing and not self.round.finished:
            self.round.model.type(text)
            self.sounds.play("key")

    def on_key_press(self, symbol: int, modifiers: int) -> None:
        if not self.round.playing or self.round.finished:
            return
        if symbol == arcade.key.BACKSPACE:
            self.round.model.backspace()
        elif symbol in (arcade.key.ENTER, arcade.key.RETURN):
            self.round.model.submit(self.round.now_ms())

    def draw_arena(self) -> None:
        left, bottom, width, height = self.arena_rect()
        cx, cy = left + width / 2, bottom + height / 2
        model = self.round.model
        style.panel(left, cy + 20, width, 150, style.PANEL)
        style.text("TYPE THIS", cx, cy + 135, size=14, heading=True, colour=style.ACCENT,
                   anchor_x="center")
        style.text(model.phrase, cx, cy + 65, size=34, anchor_x="center", bold=True)
        # what we typed: right part green, first wrong character onwards red
        style.panel(left + 40, cy - 110, width - 80, 90, (20, 14, 36), style.PANEL_LIGHT)
        typed = model.typed if self.round.playing else ""
        good = 0
        for a, b in zip(model.phrase, typed, strict=False):
            if a.casefold() != b.casefold():
                break
            good += 1
        caret = "_" if self.round.playing and not model.done and int(self.clock * 2) % 2 else " "
        ok_part, bad_part = typed[:good], typed[good:]
        label = style.text(ok_part or " ", left + 60, cy - 78, size=30, colour=style.GOOD)
        x = left + 60 + (label.content_width if ok_part else 0)
        bad = style.text(bad_part or " ", x, cy - 78, size=30, colour=style.BAD)
        x += bad.content_width if bad_part else 0
        style.text(caret, x, cy - 78, size=30, colour=style.TEXT)
        if not self.round.playing:
            style.text("Watching: see everyone's progress on the right", cx, cy - 150,
                       size=15, colour=style.MUTED, anchor_x="center")
        elif model.done:
            style.text(f"Accuracy and speed: {model.score()} points", cx, cy - 150, size=18,
                       colour=style.GOLD, anchor_x="center")
        else:
            style.text("Backspace fixes typos · speed counts only when you're accurate",
                       cx, cy - 150, size=14, colour=style.MUTED, anchor_x="center")


class _Shadow:
    """The model as the brain sees it, but changes go through the view's handlers instead."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._typed = model.typed
        self.phrase = model.phrase
        self.done = model.done

    @property
    def typed(self) -> str:
        return self._typed

    def type(self, text: str) -> None:
        self._typed += text

    def backspace(self) -> None:
        self._typed = self._typed[:-1]

    def submit(self, now_ms: int) -> None:
        self.done = True
