"""Make an ``arcade.Sprite`` follow a shared-world entity, one call per frame.

A remote entity is drawn through its interpolation buffer (``world/_interp.py``): smooth,
a little in the past, bridging late and lost updates. Our own entity is drawn as it is now —
the owner must never see its own input delayed. ``SpriteFollower`` does that switch (per frame:
an entity handed to us by a host migration turns raw at once) and copies position, angle and
texture index onto the sprite.

For a shared-world entity (``konnekt_arcade.world.Entity``) nothing more is needed: the
world interpolates its remote entities itself (``entity.shown()``, on the session's shared
``time()``) and knows which are ours::

    follower = follow(sprite, avatar)      # any avatar: ours raw, a peer's interpolated

    def on_update(self, delta_time):
        follower.update()

Loosely coupled beyond that: the entity may be any object with the fields as attributes (a
dataclass, a ``SimpleNamespace``), the interpolated values come from any ``sample(now) ->
mapping`` callable, and ``now`` from any clock. No arcade import: anything with
``center_x``/``center_y``/``angle`` and, for textures, ``textures``/``set_texture`` works.

::

    buffer = Interpolator(("x", "y", "angle", "texture"), discrete=("texture",))
    # ... buffer.push(t, values, session.time()) for each state received of ``avatar``
    follower = follow(sprite, avatar, sample=buffer.sample,
                      own=lambda: avatar.owner == me, clock=session.time)

    def on_update(self, delta_time):
        follower.update()
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

#: Sprite attribute <- entity field, by default.
DEFAULT_FIELDS: Mapping[str, str] = {"center_x": "x", "center_y": "y", "angle": "angle"}

Sample = Callable[[float], Mapping[str, float]]


class SpriteFollower:
    """Copies an entity's state onto a sprite at each ``update()``.

    ``sample``: the entity's interpolated values at a time (None: a world ``Entity``'s own
    ``shown()``, else always raw); ``own``: whether the entity is ours now (raw values, no
    delay), asked every frame (None: an ``Entity``'s ``is_mine``, else False); ``fields``:
    sprite attribute -> entity field; ``texture``: the entity field holding the sprite's texture
    index (None: leave the texture alone); ``clock``: what ``update()`` reads when given no
    ``now`` (None: the entity's world's clock, the session's ``time()``, or
    ``time.monotonic``).
    """

    def __init__(
        self,
        sprite: Any,
        entity: object,
        *,
        sample: Sample | None = None,
        own: Callable[[], bool] | bool | None = None,
        fields: Mapping[str, str] = DEFAULT_FIELDS,
        texture: str | None = "texture",
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.sprite = sprite
        self.entity = entity
        shown = getattr(entity, "shown", None) if sample is None else None
        self._world_entity = callable(shown) and hasattr(entity, "is_mine")
        self.sample: Callable[[Any], Mapping[str, Any]] | None = \
            shown if self._world_entity else sample
        if own is None:
            own = (lambda: bool(entity.is_mine)) if self._world_entity else False  # type: ignore[attr-defined]
        self._own = own
        self.fields = dict(fields)
        self.texture = texture
        #: None with a world entity: its world's clock (``entity.shown()`` reads it).
        self.clock: Callable[[], float] | None = \
            clock if clock is not None or self._world_entity else time.monotonic

    @property
    def remote(self) -> bool:
        """Whether the sprite shows interpolated values (a sample source and not ours)."""
        own = self._own() if callable(self._own) else self._own
        return self.sample is not None and not own

    def update(self, now: float | None = None) -> None:
        """Move the sprite to where the entity is shown at ``now`` (default: ``clock()``).
        Fields the sample lacks (or that are missing or not finite) are left as they were."""
        values: Mapping[str, float] = {}
        if self.remote:
            assert self.sample is not None
            if now is None and self.clock is not None:
                now = self.clock()
            values = self.sample(now)  # (None: a world entity's own clock)
        sprite, entity = self.sprite, self.entity
        for attr, name in self.fields.items():
            value = values[name] if name in values else getattr(entity, name, None)
            if isinstance(value, int | float) and math.isfinite(value) and \
                    getattr(sprite, attr) != value:
                setattr(sprite, attr, value)  # (arcade's setters do work: only on a change)
        if self.texture is not None:
            name = self.texture
            index = values[name] if name in values else getattr(entity, name, None)
            self._set_texture(index)

    def _set_texture(self, index: object) -> None:
        if not isinstance(index, int | float) or not math.isfinite(index):
            return
        i, sprite = int(index), self.sprite
        textures = getattr(sprite, "textures", None) or ()
        if 0 <= i < len(textures) and sprite.texture is not textures[i]:
            sprite.set_texture(i)
            # (arcade 3's set_texture leaves this as it was; its animation code reads it)
            sprite.cur_texture_index = i


def follow(sprite: Any, entity: object, *, sample: Sample | None = None,
           own: Callable[[], bool] | bool | None = None,
           clock: Callable[[], float] | None = None, **options: Any) -> SpriteFollower:
    """A :class:`SpriteFollower` for ``sprite`` and ``entity``, placed at once (so it is
    right before the first ``on_update``). For a world ``Entity`` no options are needed:
    ours is shown raw, a peer's interpolated on the session's shared clock."""
    follower = SpriteFollower(sprite, entity, sample=sample, own=own, clock=clock, **options)
    follower.update()
    return follower
