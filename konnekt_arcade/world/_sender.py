"""The sending half: our owned entities as per-tick snapshots, deltas per acknowledged base.

Quake 3's model (Gaffer on Games, "Snapshot Compression"): every network tick the sender
records the quantised state of what it owns as snapshot ``tick``. Each receiver acknowledges
the newest tick it got; the next delta to it lists only what differs from *that* snapshot, so
a lost delta needs no resend (the next one covers it) and an unchanged entity costs nothing.
Receivers that acknowledged the same tick (nearly always all of them) share one encoding.

Snapshots share their tuples: an entity that did not change is the same tuple object in the
next snapshot, so comparing against a base is mostly an identity check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._schema import Entity, Schema
from ._wire import DELTA, DELTA_HEAD

Snapshot = dict[int, tuple[Any, ...]]


class Sender:
    """Handles, snapshots and acknowledgements for the entities this peer sends."""

    def __init__(self, history: int) -> None:
        self.history_size = history
        self.tick = 0
        self.entities: dict[int, Entity] = {}  # handle -> entity, handles ascending
        self.schemas: dict[int, Schema] = {}
        self.current: Snapshot = {}
        self.history: dict[int, Snapshot] = {}
        self.acked: dict[str, int] = {}
        self._next_handle = 1
        self._changed = True

    def add(self, entity: Entity) -> int:
        """Start sending ``entity`` under a new handle (handles are never reused)."""
        handle = self._next_handle
        self._next_handle += 1
        entity.__dict__["_handle"] = handle
        schema = entity.__schema__
        self.entities[handle] = entity
        self.schemas[handle] = schema
        self.current[handle] = schema.quantise(entity.__dict__)
        self._changed = True
        return handle

    def remove(self, entity: Entity) -> None:
        handle = entity.__dict__.pop("_handle", None)
        if handle is not None and self.entities.pop(handle, None) is not None:
            del self.schemas[handle], self.current[handle]
            self._changed = True

    def peer_joined(self, peer: str) -> None:
        self.acked[peer] = 0

    def peer_left(self, peer: str) -> None:
        self.acked.pop(peer, None)

    def on_ack(self, peer: str, tick: int) -> bool:
        """``peer`` has our snapshot ``tick``; False for a tick we never sent or forgot."""
        if peer not in self.acked or tick not in self.history:
            return False
        if tick > self.acked[peer]:
            self.acked[peer] = tick
        return True

    def step(self, dirty: Iterable[Entity], stamp: float) -> list[tuple[list[str], bytes]]:
        """One network tick: snapshot what changed, then a delta per group of receivers with
        the same base (none when nothing differs from it)."""
        self.tick += 1
        tick = self.tick
        current = self.current
        changed = False
        for e in dirty:
            d = e.__dict__
            assigned = d["_dirty"]
            d["_dirty"] = 0
            handle = d.get("_handle")
            if handle is not None:
                old = current[handle]
                q = e.__schema__.gen.requantiser(assigned)(d, old)
                if q != old:
                    current[handle] = q
                    changed = True
        if changed:
            self._changed = True
        history = self.history
        previous = history.get(tick - 1)
        if self._changed or previous is None:
            history[tick] = dict(current)
            self._changed = False
        else:
            history[tick] = previous  # nothing changed: the same snapshot object
        history.pop(tick - self.history_size, None)
        groups: dict[int, list[str]] = {}
        for peer, base in self.acked.items():
            groups.setdefault(base if base in history else 0, []).append(peer)
        out = []
        for base, peers in groups.items():
            data = self.encode(history.get(base, {}) if base else {}, base, stamp)
            if data is not None:
                out.append((peers, data))
        return out

    def encode(self, base: Snapshot, base_tick: int, stamp: float) -> bytes | None:
        """The delta from ``base`` to the current snapshot, or None when they are equal.
        (The bit writer is inlined: this loop runs for every changed entity each tick.)"""
        out = bytearray()
        acc = n = 0
        schemas = self.schemas
        count = prev = 0
        for handle, q in self.current.items():
            b = base.get(handle)
            if b is q:
                continue
            gen = schemas[handle].gen
            if b is None:
                mask, bits, width = gen.full(q)
            else:
                mask, bits, width = gen.diff(q, b)
                if not mask:
                    continue
            nf = len(q)
            if handle - prev == 1:  # a 1 bit: the next handle
                acc = (acc << (1 + nf + width)) | (((1 << nf) | mask) << width) | bits
                n += 1 + nf + width
            else:  # a 0 bit, then the gap in 32 bits
                acc = (acc << (33 + nf + width)) | (((handle - prev) << nf | mask) << width) \
                    | bits
                n += 33 + nf + width
            if n >= 64:
                keep = n & 7
                out += (acc >> keep).to_bytes((n - keep) >> 3, "big")
                acc &= (1 << keep) - 1
                n = keep
            prev = handle
            count += 1
        if not count:
            return None
        if n:
            pad = -n & 7
            out += (acc << pad).to_bytes((n + pad) >> 3, "big")
        return DELTA_HEAD.pack(DELTA, self.tick, base_tick, stamp, count) + out
