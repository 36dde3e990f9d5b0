"""Coins: 20 seconds to grab as many coins as you can, with everyone in the same arena.

Move with the arrow keys or WASD. The other players' positions arrive live over the unreliable
game-data channel (15 a second; we glide towards the newest one so a lost packet doesn't show);
a coin someone grabs is announced reliably, so it vanishes on every screen.
"""

from __future__ import annotations

import random
from typing import Any

import arcade

from .. import style
from ..brains import CoinsBrain
from ..rules import COIN_RADIUS, PLAYER_RADIUS
from .base import GameView

COIN_TEXTURES = {"gold": ":resources:images/items/coinGold.png",
                 "silver": ":resources:images/items/coinSilver.png",
                 "bronze": ":resources:images/items/coinBronze.png"}
CHARACTERS = (":resources:images/animated_characters/female_adventurer/femaleAdventurer_idle.png",
              ":resources:images/animated_characters/male_adventurer/maleAdventurer_idle.png",
              ":resources:images/animated_characters/robot/robot_idle.png",
              ":resources:images/animated_characters/female_person/femalePerson_idle.png",
              ":resources:images/animated_characters/male_person/malePerson_idle.png",
              ":resources:images/animated_characters/zombie/zombie_idle.png")
KEYS = {arcade.key.LEFT: (-1, 0), arcade.key.A: (-1, 0), arcade.key.RIGHT: (1, 0),
        arcade.key.D: (1, 0), arcade.key.UP: (0, 1), arcade.key.W: (0, 1),
        arcade.key.DOWN: (0, -1), arcade.key.S: (0, -1)}


class CoinsView(GameView):
    title = "Coins"
    help_text = "Arrow keys / WASD — grab the coins, gold is worth most"

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.held: set[int] = set()
        self.auto_dir = (0.0, 0.0)
        self.shown: dict[str, tuple[float, float]] = {}
        self.pops: list[tuple[float, float, float, int]] = []
        self.textures = {k: arcade.load_texture(v) for k, v in COIN_TEXTURES.items()}
        self.characters = [arcade.load_texture(path) for path in CHARACTERS]

    def make_brain(self, rng: random.Random) -> Any:
        return CoinsBrain(rng)

    def autoplay(self, brain: CoinsBrain) -> None:
        rivals = [(o.x, o.y) for o in self.round.others.values()]
        self.auto_dir = brain.direction(self.round.model, self.round.now_ms(), rivals)

    def on_key_press(self, symbol: int, modifiers: int) -> None:
        self.held.add(symbol)

    def on_key_release(self, symbol: int, modifiers: int) -> None:
        self.held.discard(symbol)

    def on_frame(self, delta_time: float) -> None:
        dx = sum(KEYS[k][0] for k in self.held if k in KEYS) + self.auto_dir[0]
        dy = sum(KEYS[k][1] for k in self.held if k in KEYS) + self.auto_dir[1]
        for coin in self.round.step_coins(dx, dy, delta_time):
            self.sounds.play("coin")
            self.pops.append((coin.x, coin.y, 0.0, coin.points))
        self.pops = [(x, y, age + delta_time, p) for x, y, age, p in self.pops if age < 0.8]
        # glide others towards their newest reported position
        for pid, other in self.round.others.items():
            sx, sy = self.shown.get(pid, (other.x, other.y))
            k = min(1.0, delta_time * 12)
            self.shown[pid] = (sx + (other.x - sx) * k, sy + (other.y - sy) * k)

    def field(self) -> tuple[float, float, float, float]:
        return self.arena_rect()

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        left, bottom, width, height = self.field()
        return left + x * width, bottom + y * height

    def draw_arena(self) -> None:
        left, bottom, width, height = self.field()
        style.panel(left, bottom, width, height, (30, 22, 58), style.PANEL_LIGHT)
        unit = min(width, height)
        now = self.round.now_ms()
        for coin in self.round.model.visible(now):
            x, y = self.to_screen(coin.x, coin.y)
            size = COIN_RADIUS * unit * 3.2
            fading = coin.expires_ms - now < 1000 and (now // 120) % 2
            if not fading:
                arcade.draw_texture_rect(self.textures[coin.kind],
                                         arcade.XYWH(x, y, size, size))
        order = {pid: i for i, pid in enumerate(self.players)}
        for pid in self.players:
            if pid == self.me and self.round.playing:
                pos = (self.round.model.x, self.round.model.y)
            elif pid in self.shown:
                pos = self.shown[pid]
            else:
                continue
            self.draw_player(pid, pos, order[pid], unit, ghost=pid != self.me)
        for x, y, age, points in self.pops:
            sx, sy = self.to_screen(x, y)
            style.text(f"+{points}", sx, sy + 20 + 60 * age, size=18, heading=True,
                       colour=style.GOLD, anchor_x="center")

    def draw_player(self, pid: str, pos: tuple[float, float], index: int, unit: float,
                    ghost: bool) -> None:
        x, y = self.to_screen(*pos)
        r = PLAYER_RADIUS * unit
        colour = self.colour(pid)
        arcade.draw_circle_filled(x, y - r * 0.9, r * 0.9, (*colour, 90 if ghost else 160))
        texture = self.characters[index % len(self.characters)]
        arcade.draw_texture_rect(texture, arcade.XYWH(x, y, r * 2.0, r * 2.6),
                                 alpha=170 if ghost else 255)
        style.text(self.name(pid), x, y + r * 1.5, size=12, colour=colour, anchor_x="center",
                   bold=not ghost)
