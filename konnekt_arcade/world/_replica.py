"""The receiving half, one per sending peer: its snapshots as we rebuilt them, and its handles.

A delta names its base tick; we rebuild the sender's snapshot ``tick`` from our copy of
``base`` plus the records, exactly as the sender holds it (both sides store quantised
integers), keep it as a possible base for later deltas, and acknowledge it. Only a tick newer
than the newest one applied changes the world (the unreliable channel reorders); then every
entity whose state differs from the last applied snapshot is set, not only the records (a
delta against an older base may leave out an entity that went back to its base value).

Decoding reads the whole packet before anything is applied: a malformed packet changes
nothing (``ValueError`` out, counted by the world).
"""

from __future__ import annotations

from typing import Any

from ._schema import Entity
from ._wire import DELTA_HEAD

Snapshot = dict[int, tuple[Any, ...]]
#: A record ready to apply: (entity, handle, changed-field mask, wire values).
Record = tuple[Entity, int, int, tuple[Any, ...]]


class UnknownHandle(ValueError):
    """A delta names an entity whose intro has not arrived (the reliable channel is behind):
    the packet is dropped; the sender sends that entity in full until we acknowledge it."""


class Replica:
    """What we hold of one peer's entities."""

    __slots__ = ("ack_due", "entities", "keep", "last", "newest", "snaps", "stamps", "window")

    def __init__(self, keep: int) -> None:
        self.entities: dict[int, Entity] = {}  # the sender's handle -> entity
        self.snaps: dict[int, Snapshot] = {0: {}}
        self.stamps: dict[int, float] = {}  # tick -> the sender's stamp
        self.last = 0  # newest tick applied to the world
        self.newest = 0  # newest tick rebuilt (what we acknowledge)
        self.ack_due = False
        self.keep = keep
        #: Bytes of the widest record this sender can send (see ``add``).
        self.window = 8

    def add(self, handle: int, entity: Entity) -> None:
        """``handle`` means ``entity`` in this sender's deltas."""
        self.entities[handle] = entity
        self.window = max(self.window, entity.__schema__.record_bytes)

    def samples(self, handle: int, n: int) -> list[tuple[float, int, tuple[Any, ...]]]:
        """The last ``n`` states of ``handle`` we rebuilt, oldest first: (stamp, tick, q).
        Every snapshot we hold is a true state of the sender at its tick, a late one too."""
        snaps, stamps = self.snaps, self.stamps
        out = [(stamps[t], t, snaps[t][handle]) for t in sorted(stamps)
               if handle in snaps.get(t, ())]
        return out[-n:]

    def decode(self, data: bytes) -> tuple[int, float, list[Record], list[Record]] | None:
        """``data`` (a DELTA) rebuilt and stored; returns (tick, stamp, records to apply,
        other entities that differ from the last applied tick), or None when it is old (kept
        as a base, nothing to apply). Raises ``ValueError`` for a malformed packet or one
        whose base we no longer hold."""
        _, tick, base_tick, stamp, count = DELTA_HEAD.unpack_from(data)
        snaps = self.snaps
        if tick == 0:
            raise ValueError("tick 0")
        if tick in snaps:  # a duplicate (the network may repeat a datagram): ack it again
            self.ack_due = True
            return None
        base = snaps.get(base_tick)
        if base is None:
            raise KeyError("no base")
        # Each record is read from a window of the packet as wide as the widest record
        # (``window``): shifting a small int, not the whole packet's, per field.
        body = data[DELTA_HEAD.size:]
        total = 8 * len(body)
        span = self.window
        top = 8 * span
        pos = 0
        new = dict(base)
        entities = self.entities
        records: list[Record] = []
        prev = 0
        for _ in range(count):
            at = pos >> 3
            chunk = body[at:at + span]
            win = int.from_bytes(chunk, "big") << 8 * (span - len(chunk))
            left = top - (pos & 7) - 1
            if (win >> left) & 1:
                handle = prev + 1
            else:
                left -= 32
                handle = prev + ((win >> left) & 0xFFFFFFFF)
            prev = handle
            e = entities.get(handle)
            if e is None:
                raise UnknownHandle(handle)
            schema = e.__schema__
            left -= schema.nf
            mask = (win >> left) & schema.full
            b = base.get(handle)
            if b is None and mask != schema.full:
                raise ValueError("partial record without a base")
            gen = schema.gen
            read = (gen.masks.get(mask) or gen.mask(mask))[0]
            left, q = read(win, left, b)
            pos += top - (pos & 7) - left
            new[handle] = q
            records.append((e, handle, mask, q))
        if pos > total:
            raise ValueError("truncated")
        if total - pos >= 8:
            raise ValueError("trailing bytes")
        snaps[tick] = new
        stamps = self.stamps
        stamps[tick] = stamp
        if tick > self.keep:
            snaps.pop(tick - self.keep, None)
            stamps.pop(tick - self.keep, None)
        if len(snaps) > 2 * self.keep:  # far reordering left old ticks: drop the oldest
            for old in sorted(snaps)[: len(snaps) - self.keep]:
                if old:
                    del snaps[old]
                    stamps.pop(old, None)
        if tick > self.newest:
            self.newest = tick
        self.ack_due = True
        if tick <= self.last:
            return None
        others: list[Record] = []
        last = snaps.get(self.last)
        if base_tick != self.last and last is not None:
            listed = {r[1] for r in records}
            for handle, q in new.items():
                if handle not in listed and last.get(handle) is not q:
                    e = entities.get(handle)
                    if e is not None:
                        others.append((e, handle, e.__schema__.full, q))
        self.last = tick
        return tick, stamp, records, others
