"""Per-type functions generated from an entity type's fields, for the tick's hot loops.

A network tick quantises, compares and packs every changed entity, and a receiver unpacks
and sets them: a loop over field objects per entity costs a call per field (several µs for a
five-field entity). Like ``dataclasses`` and ``attrs``, we generate one straight-line function
per type (and per change mask on the receiving side), so a record costs one call:

- ``quantise(d)``: the wire integers of an entity's ``__dict__``;
- ``full(q)`` / ``diff(q, base)``: (mask, bits, width) of a record, all fields or those that
  differ from ``base``;
- ``reader(mask)``: ``read(big, left, vals) -> left``, the mask's fields from a packet;
- ``converter(mask)``: ``conv(q) -> values`` of the mask's fields (raises ``ValueError`` for
  a value no owner could have sent: NaN, ±inf, bad UTF-8).

The generated source only ever contains numbers and field indices from the declaration
(field names go in as ``repr`` strings), never peer input.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any

_F32 = struct.Struct("<f").pack
_U32 = struct.Struct("<I").unpack
#: Masks whose reader/converter are kept per type (a type with many fields changes in few
#: patterns; beyond this, functions are made and not kept).
_MAX_CACHED = 256


def _compile(name: str, lines: list[str], env: dict[str, Any]) -> Callable[..., Any]:
    scope: dict[str, Any] = dict(env)
    exec("\n".join(lines), scope)
    fn: Callable[..., Any] = scope[name]
    return fn


class Compiled:
    """The generated functions of one entity type (``Schema.gen``)."""

    def __init__(self, codecs: Sequence[Any]) -> None:
        self.codecs = codecs
        self.names = tuple(c.name for c in codecs)
        self.full_mask = (1 << len(codecs)) - 1
        self._env: dict[str, Any] = {"_f32": _F32, "_u32": _U32, "_from": int.from_bytes}
        for i, c in enumerate(codecs):
            self._env[f"V{i}"] = c.value
        self._requant: dict[int, Callable[..., tuple[Any, ...]]] = {}
        self.quantise = _compile("quantise", self._quantise_src(), self._env)
        self.full = _compile("full", self._record_src("full", changed_only=False), self._env)
        self.diff = _compile("diff", self._record_src("diff", changed_only=True), self._env)
        self._readers: dict[int, Callable[..., int]] = {}
        self._converters: dict[int, Callable[..., tuple[Any, ...]]] = {}
        self._names: dict[int, tuple[str, ...]] = {}

    def requantiser(self, mask: int) -> Callable[..., tuple[Any, ...]]:
        """``rq(d, old) -> q``: ``old`` with the fields ``mask`` names quantised again from
        ``d`` (an owner's tick re-quantises only the fields it assigned)."""
        got = self._requant.get(mask)
        if got is None:
            parts = [p if mask >> i & 1 else f"o[{i}]"
                     for i, p in enumerate(self._quantise_parts())]
            got = _compile("rq", ["def rq(d, o):", f"    return ({', '.join(parts)},)"],
                           self._env)
            if len(self._requant) < _MAX_CACHED:
                self._requant[mask] = got
        return got

    def _quantise_src(self) -> list[str]:
        return ["def quantise(d):", f"    return ({', '.join(self._quantise_parts())},)"]

    def _quantise_parts(self) -> list[str]:
        parts = []
        for c in self.codecs:
            v = f"d[{c.name!r}]"
            if c.kind == "float" and c.step is not None:
                # no clamp: assignments are checked against the range, so this is 0..steps
                parts.append(f"round(({v} - {c.lo!r}) * {c.inv!r})")
            elif c.kind == "float":
                parts.append(f"_u32(_f32({v}))[0]")
            elif c.kind == "int":
                parts.append(f"{v} - {c.lo!r}")
            elif c.kind == "bool":
                parts.append(f"(1 if {v} else 0)")
            else:
                parts.append(f"{v}.encode()")
        return parts

    def _record_src(self, name: str, changed_only: bool) -> list[str]:
        args = "q, b" if changed_only else "q"
        lines = [f"def {name}({args}):", "    m = 0", "    v = 0", "    w = 0"]
        for i, c in enumerate(self.codecs):
            ind = "    "
            lines.append(f"    x = q[{i}]")
            if changed_only:
                lines.append(f"    if x != b[{i}]:")
                ind = "        "
            lines.append(f"{ind}m |= {1 << i}")
            if c.bits is None:
                lines.append(f"{ind}n = len(x)")
                lines.append(f"{ind}v = (((v << 8) | n) << (n << 3)) | _from(x, 'big')")
                lines.append(f"{ind}w += 8 + (n << 3)")
            else:
                lines.append(f"{ind}v = (v << {c.bits}) | x")
                lines.append(f"{ind}w += {c.bits}")
        lines.append("    return m, v, w")
        return lines

    def reader(self, mask: int) -> Callable[..., int]:
        """``read(big, left, vals) -> left``: the fields ``mask`` names, top bits first."""
        got = self._readers.get(mask)
        if got is not None:
            return got
        fields = [(i, c) for i, c in enumerate(self.codecs) if mask >> i & 1]
        lines = ["def read(big, left, vals):"]
        if all(c.bits is not None for _, c in fields):
            width = sum(c.bits for _, c in fields)
            lines.append(f"    left -= {width}")
            lines.append(f"    v = (big >> left) & {(1 << width) - 1}")  # <0: ValueError
            shift = width
            for i, c in fields:
                shift -= c.bits
                lines.append(f"    vals[{i}] = (v >> {shift}) & {(1 << c.bits) - 1}")
        else:
            for i, c in fields:
                if c.bits is None:
                    lines += ["    left -= 8", "    n = (big >> left) & 255",
                              "    left -= n << 3",
                              f"    vals[{i}] = ((big >> left) & ((1 << (n << 3)) - 1))"
                              ".to_bytes(n, 'big')"]
                else:
                    lines += [f"    left -= {c.bits}",
                              f"    vals[{i}] = (big >> left) & {(1 << c.bits) - 1}"]
        lines.append("    return left")
        fn = _compile("read", lines, self._env)
        if len(self._readers) < _MAX_CACHED:
            self._readers[mask] = fn
        return fn

    def converter(self, mask: int) -> Callable[..., tuple[Any, ...]]:
        """``conv(q) -> values``: the Python values of the fields ``mask`` names."""
        got = self._converters.get(mask)
        if got is not None:
            return got
        parts = []
        for i, c in enumerate(self.codecs):
            if not mask >> i & 1:
                continue
            q = f"q[{i}]"
            if c.kind == "float" and c.step is not None:
                parts.append(f"round({c.lo!r} + min({q}, {c.steps}) * {c.step!r}, {c.digits})")
            elif c.kind == "int":
                parts.append(f"min({q}, {c.hi - c.lo}) + {c.lo!r}")
            elif c.kind == "bool":
                parts.append(f"{q} == 1")
            else:  # float32 and str check what a peer sent
                parts.append(f"V{i}({q})")
        fn = _compile("conv", ["def conv(q):", f"    return ({', '.join(parts)},)"],
                      self._env)
        if len(self._converters) < _MAX_CACHED:
            self._converters[mask] = fn
        return fn

    def names_of(self, mask: int) -> tuple[str, ...]:
        got = self._names.get(mask)
        if got is None:
            got = self._names[mask] = tuple(n for i, n in enumerate(self.names)
                                            if mask >> i & 1)
        return got
