"""What a game draws an entity with: ``World.shown(entity)`` / ``entity.shown()``.

An entity we own is drawn as it is now: its owner must never see its own input delayed. A
remote one is drawn through an ``Interpolator`` (``_interp``): a little in the past, smooth
although its states arrive 20 times a second, late or not at all. The buffers are made on
first use (only entities a game draws cost anything), seeded from the states the world
already holds (``World.samples``), then fed by the world as each state arrives, with its
arrival on the world's ``clock`` — the session's shared ``time()``, the time line the senders
stamp their states on — so the interpolator measures real latency and jitter, not frame
times. An entity that turns ours (a host migration hands us a ball) is drawn raw from the
next frame; its buffer is dropped.

Which fields: floats are interpolated (a field named ``angle`` the short way round), ints
and bools shown as they were at the render time (a texture index, a team), strings raw.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._events import Sample
from ._interp import Interpolator

if TYPE_CHECKING:
    from ._config import WorldConfig
    from ._replica import Replica
    from ._schema import Entity

#: Samples pushed when a buffer is made: the last few the world holds (older ones only
#: widen the first jitter estimate; the buffer needs two to interpolate).
SEED = 4


class Display:
    """The interpolation buffers of the remote entities a game draws (see the module)."""

    def __init__(self, tick: Callable[[], float],
                 samples: Callable[[str], list[Sample]]) -> None:
        self._tick = tick
        self._samples = samples
        #: Entity id -> its buffer (the world feeds the ids in here as states arrive).
        self.buffers: dict[str, tuple[Interpolator, tuple[str, ...], tuple[str, ...]]] = {}

    def shown(self, entity: Entity, now: float) -> dict[str, Any]:
        """``entity``'s fields as to draw at ``now`` (see the module docstring)."""
        values = entity.values()
        eid = entity.id
        if entity.is_mine:
            if self.buffers:
                self.buffers.pop(eid, None)
            return values
        got = self.buffers.get(eid)
        if got is None:
            got = self._make(entity, now)
            if got is None:
                return values
        buffer, ints, bools = got
        values.update(buffer.sample(now))
        for name in ints:
            values[name] = int(values[name])
        for name in bools:
            values[name] = bool(values[name])
        return values

    def push(self, entity: Entity, t: float, arrival: float) -> None:
        """A received state of a drawn entity (called by the world)."""
        got = self.buffers.get(entity.id)
        if got is not None:
            got[0].push(t, entity.values(), arrival)

    def forget(self, entity_id: str) -> None:
        self.buffers.pop(entity_id, None)

    def _make(self, entity: Entity, now: float) -> tuple[Interpolator, tuple[str, ...],
                                                        tuple[str, ...]] | None:
        samples = self._samples(entity.id)
        if not samples:
            return None  # nothing received yet (a baseline only): drawn raw
        codecs = entity.__schema__.codecs
        ints = tuple(c.name for c in codecs if c.kind == "int")
        bools = tuple(c.name for c in codecs if c.kind == "bool")
        names = tuple(c.name for c in codecs if c.kind != "str")
        buffer = Interpolator(names, tick=self._tick(), discrete=ints + bools)
        newest = samples[-1].t
        for s in samples[-SEED:]:  # as if each had taken as long as the newest to arrive
            buffer.push(s.t, s.values, now - newest + s.t)
        got = (buffer, ints, bools)
        self.buffers[entity.id] = got
        return got


class Drawing:
    """``World``'s reading side for drawing: its received samples and what to show."""

    config: WorldConfig
    clock: Callable[[], float] | None
    _now: float
    _display: Display
    _by_id: dict[str, Entity]
    _replicas: dict[str, Replica]

    def shown(self, entity: Entity, now: float | None = None) -> dict[str, Any]:
        """``entity``'s fields as to draw them at ``now`` (default: ``clock()``): ours as
        they are, a remote one's interpolated a little in the past (``_display``); what
        ``entity.shown()`` and the engine's ``follow(sprite, entity)`` read each frame."""
        if now is None:
            now = self.clock() if self.clock is not None else self._now
        return self._display.shown(entity, now)

    def samples(self, entity_id: str) -> list[Sample]:
        """Received states of a remote entity, oldest first (see the module docstring)."""
        e = self._by_id.get(entity_id)
        replica = self._replicas.get(e.__dict__.get("_src") or "") if e is not None else None
        if e is None or replica is None:
            return []
        schema = e.__schema__
        conv = (schema.gen.masks.get(schema.full) or schema.gen.mask(schema.full))[2]
        return [Sample(t, tick, dict(zip(schema.names, conv(q), strict=True)))
                for t, tick, q in replica.samples(e.__dict__["_rh"], self.config.samples)]
