"""Coins: 20 seconds to grab as many coins as you can, with everyone in the same arena.

Move with the arrow keys or WASD. Everything here is the shared world (``demo_game.arena``):
your runner is yours, the coins are the host's; the host sees who touches which coin first
and keeps the score, so a coin vanishes for everyone at once and nobody can claim one twice.
"""

from __future__ import annotations

from typing import Any

import arcade

from .. import style
from ..arena import COINS
from ..brains import CoinsBrain
from ..rules import COIN_KINDS, COIN_RADIUS, PLAYER_RADIUS
from .live import LiveView

COIN_TEXTURES = [f":resources:images/items/coin{kind.title()}.png" for kind, _, _ in COIN_KINDS]


class CoinsView(LiveView):
    title = "Coins"
    help_text = "Arrow keys / WASD — grab the coins, gold is worth most"
    kind = COINS
    brain_type = CoinsBrain

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.pops: list[tuple[float, float, float, int]] = []
        self.textures = [arcade.load_texture(path) for path in COIN_TEXTURES]
        self.seen: dict[str, Any] = {}

    def after_step(self, delta_time: float) -> None:
        # a coin gone before its time was picked up: pop its points where it was
        coins = {c.id: c for c in self.round.coins()}
        now = self.round.now_ms()
        for cid, coin in self.seen.items():
            if cid not in coins and now < coin.expires_ms - 100:
                self.pops.append((coin.x, coin.y, 0.0, COIN_KINDS[coin.kind][1]))
                self.sounds.play("coin")
        self.seen = coins
        self.pops = [(x, y, age + delta_time, p) for x, y, age, p in self.pops if age < 0.8]

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        left, bottom, width, height = self.arena_rect()
        return left + x * width, bottom + y * height

    def draw_arena(self) -> None:
        left, bottom, width, height = self.arena_rect()
        style.panel(left, bottom, width, height, (30, 22, 58), style.PANEL_LIGHT)
        unit = min(width, height)
        now = self.round.now_ms()
        size = COIN_RADIUS * unit * 3.2
        for coin in self.round.coins():
            x, y = self.to_screen(*self.shown.position(coin))
            if not (coin.expires_ms - now < 1000 and (now // 120) % 2):  # blink: going soon
                arcade.draw_texture_rect(self.textures[coin.kind], arcade.XYWH(x, y, size, size))
        self.draw_runners(PLAYER_RADIUS * unit)
        for x, y, age, points in self.pops:
            sx, sy = self.to_screen(x, y)
            style.text(f"+{points}", sx, sy + 20 + 60 * age, size=18, heading=True,
                       colour=style.GOLD, anchor_x="center")
