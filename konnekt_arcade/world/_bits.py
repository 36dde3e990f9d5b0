"""Bit packing of entity records: the compact part of the world's wire format.

A record is one entity's changed fields: the entity's handle as a gap from the previous
record's (one bit ``1`` for the next handle, else ``0`` and 32 bits), a change mask (one bit
per declared field) and each changed field's wire integer in its declared width (a str: a
length byte and its bytes). Records are not byte aligned: x and y at 21 bits each plus a
5-bit mask and the gap bit are 6 bytes, where byte alignment would cost 9.

The writer keeps a small accumulator and flushes whole bytes (Python ints stay small); the
reader turns the packet into one int and reads from its top. Truncated input raises
``ValueError``, which the world counts as a malformed packet.
"""

from __future__ import annotations

from typing import Any

from ._schema import Schema

#: Flush the writer's accumulator once it holds this many bits.
_FLUSH = 64


class BitWriter:
    """Big-endian bit stream; ``finish()`` pads the last byte with zero bits."""

    __slots__ = ("acc", "n", "out")

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value: int, width: int) -> None:
        self.acc = (self.acc << width) | value
        self.n += width
        if self.n >= _FLUSH:
            self._flush()

    def put_bytes(self, data: bytes) -> None:
        self.put(len(data), 8)
        if data:
            self.put(int.from_bytes(data, "big"), 8 * len(data))

    def _flush(self) -> None:
        keep = self.n & 7
        self.out += (self.acc >> keep).to_bytes((self.n - keep) >> 3, "big")
        self.acc &= (1 << keep) - 1
        self.n = keep

    def finish(self) -> bytes:
        if self.n & 7:
            pad = 8 - (self.n & 7)
            self.acc <<= pad
            self.n += pad
        if self.n:
            self._flush()
        return bytes(self.out)


class BitReader:
    """Reads what a ``BitWriter`` wrote."""

    __slots__ = ("big", "left")

    def __init__(self, data: bytes) -> None:
        self.big = int.from_bytes(data, "big")
        self.left = 8 * len(data)

    def take(self, width: int) -> int:
        left = self.left - width
        if left < 0:
            raise ValueError("truncated bit stream")
        self.left = left
        return (self.big >> left) & ((1 << width) - 1)

    def take_bytes(self) -> bytes:
        n = self.take(8)
        return self.take(8 * n).to_bytes(n, "big") if n else b""


def put_fields(w: BitWriter, schema: Schema, mask: int, q: tuple[Any, ...]) -> None:
    """The fields ``mask`` names of the wire values ``q``."""
    put = w.put
    for i, bits in schema.layout(mask):
        if bits is None:
            w.put_bytes(q[i])
        else:
            put(q[i], bits)


def take_fields(r: BitReader, schema: Schema, mask: int, into: list[Any]) -> None:
    """Read the fields ``mask`` names into ``into`` (indexed by field)."""
    take = r.take
    for i, bits in schema.layout(mask):
        into[i] = r.take_bytes() if bits is None else take(bits)
