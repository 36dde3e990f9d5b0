"""Entity types the world tests share (declared once: types register by name)."""

from __future__ import annotations

from konnekt_arcade.world import Entity, field

BOUND = 1e4


class Avatar(Entity, name="test.Avatar", grace=1.0):
    x: float = field(precision=0.01, range=(-BOUND, BOUND))
    y: float = field(precision=0.01, range=(-BOUND, BOUND))
    angle: float = 0.0
    frame: int = field(default=0, range=(0, 255))
    name: str = ""


class Ball(Entity, name="test.Ball", owner_leaves="host"):
    x: float = 0.0
    y: float = 0.0
    live: bool = True


class Pet(Entity, name="test.Pet", owner_leaves="host", grace=0.5):
    x: float = field(precision=0.1, range=(0, 100))
