"""A real ``arcade.Sprite`` following an entity (engine/_follow.py): raw values for our own
entity, the interpolation buffer's for a remote one, switching when ownership changes, and
the texture index — under ARCADE_HEADLESS with the suite's window."""

from __future__ import annotations

from types import SimpleNamespace

import arcade
import pytest

from konnekt_arcade.engine._follow import SpriteFollower, follow
from konnekt_arcade.world._interp import Interpolator

TICK = 0.05


def showing(sprite: arcade.Sprite) -> int:
    """Which of its textures the sprite shows."""
    return next(i for i, t in enumerate(sprite.textures) if t is sprite.texture)


def sprite_with_textures(n: int = 3) -> arcade.Sprite:
    textures = [arcade.Texture.create_empty(f"follow-test-{i}", (8 + i, 8)) for i in range(n)]
    sprite = arcade.Sprite(textures[0])
    for texture in textures[1:]:
        sprite.append_texture(texture)
    return sprite


def test_our_own_entity_is_shown_as_it_is_now(window: arcade.Window) -> None:
    sprite = sprite_with_textures()
    me = SimpleNamespace(x=10.0, y=20.0, angle=45.0, texture=2)
    follower = follow(sprite, me)
    assert (sprite.center_x, sprite.center_y, sprite.angle) == (10.0, 20.0, 45.0)
    assert showing(sprite) == 2 and not follower.remote
    me.x, me.angle, me.texture = 11.5, 50.0, 1
    follower.update()
    assert (sprite.center_x, sprite.angle, showing(sprite)) == (11.5, 50.0, 1)
    sprites = arcade.SpriteList()
    sprites.append(sprite)
    window.clear()
    sprites.draw()  # a real sprite in a real (headless) context


def test_a_remote_entity_is_shown_through_its_buffer(window: arcade.Window) -> None:
    sprite = sprite_with_textures()
    buffer = Interpolator(("x", "y", "angle", "texture"), tick=TICK, discrete=("texture",))
    for k in range(20):  # moving right at 100 px/s; texture cycles; arriving 30 ms late
        t = k * TICK
        buffer.push(t, {"x": 100 * t, "y": 5.0, "angle": 350.0 + 2 * k,
                        "texture": float(k % 3)}, t + 0.03)
    remote = SimpleNamespace(x=95.0, y=5.0, angle=28.0, texture=1)  # the newest, raw
    now = 0.9
    follower = SpriteFollower(sprite, remote, sample=buffer.sample, clock=lambda: now)
    follower.update()
    assert follower.remote
    shown_at = buffer.shown_at
    assert shown_at == pytest.approx(now - 0.03 - TICK)
    assert sprite.center_x == pytest.approx(100 * shown_at)  # not the raw 95
    assert sprite.center_y == 5.0
    assert showing(sprite) == int(shown_at / TICK + 1e-9) % 3
    # Angles crossed 360 between samples: the sprite turned the short way.
    assert sprite.angle % 360 == pytest.approx((350.0 + 2 * shown_at / TICK) % 360)


def test_an_entity_handed_to_us_turns_raw_at_once(window: arcade.Window) -> None:
    sprite = arcade.Sprite()
    buffer = Interpolator(("x", "y"), tick=TICK)
    for k in range(10):
        buffer.push(k * TICK, {"x": float(k), "y": 0.0}, k * TICK)
    ball = SimpleNamespace(x=42.0, y=7.0)
    owner = {"ours": False}
    follower = follow(sprite, ball, sample=buffer.sample, own=lambda: owner["ours"],
                      clock=lambda: 0.3)
    assert sprite.center_x != 42.0  # interpolated
    owner["ours"] = True  # a host migration made the ball ours
    follower.update()
    assert (sprite.center_x, sprite.center_y) == (42.0, 7.0)


def test_missing_or_bad_values_leave_the_sprite_alone(window: arcade.Window) -> None:
    sprite = sprite_with_textures(2)
    sprite.center_x, sprite.center_y = 3.0, 4.0
    thing = SimpleNamespace(x=float("nan"), texture=9)  # no y, no angle, texture out of range
    follow(sprite, thing, sample=lambda now: {}, own=False)  # an empty buffer: raw fields
    assert (sprite.center_x, sprite.center_y, showing(sprite)) == (3.0, 4.0, 0)
