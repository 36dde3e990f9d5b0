"""Per-type functions generated from an entity type's fields, for the tick's hot loops.

A network tick quantises, compares and packs every changed entity, and a receiver unpacks
and sets them: a loop over field objects per entity costs a call per field (several µs for a
five-field entity). Like ``dataclasses`` and ``attrs``, we generate one straight-line function
per type (and per change mask on the receiving side), so a record costs one call:

- ``quantise(d)``: the wire integers of an entity's ``__dict__``;
- ``full(q)`` / ``diff(q, base)``: (mask, bits, width) of a record, all fields or those that
  differ from ``base``;
- ``mask(m)``: for a change mask, ``read(big, left, base) -> (left, q)`` (its fields from a
  packet, the rest from ``base``), the fields' names, and ``conv(q) -> values`` (raises
  ``ValueError`` for a value no owner could have sent: NaN, ±inf, bad UTF-8).

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
        #: Per change mask: (reader, names, converter); see ``mask``.
        self.masks: dict[int, tuple[Callable[..., Any], tuple[str, ...],
                                    Callable[..., tuple[Any, ...]]]] = {}

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

    def mask(self, mask: int) -> tuple[Callable[..., Any], tuple[str, ...],
                                       Callable[..., tuple[Any, ...]]]:
        """(reader, names, converter) of the fields ``mask`` names, kept in ``masks``: the
        receiver's loop looks them up once per record (``masks.get(m) or mask(m)``)."""
        fns = (self.reader(mask), self.names_of(mask), self.converter(mask))
        if len(self.masks) < _MAX_CACHED:
            self.masks[mask] = fns
        return fns

    def reader(self, mask: int) -> Callable[..., Any]:
        """``read(big, left, base) -> (left, q)``: the fields ``mask`` names read from the
        top bits below ``left`` of ``big``; the others as in ``base``."""
        fields = [(i, c) for i, c in enumerate(self.codecs) if mask >> i & 1]
        lines = ["def read(big, left, b):"]
        if all(c.bits is not None for _, c in fields):
            width = sum(c.bits for _, c in fields)
            lines.append(f"    left -= {width}")
            lines.append(f"    v = (big >> left) & {(1 << width) - 1}")  # <0: ValueError
            shift = width
            for i, c in fields:
                shift -= c.bits
                lines.append(f"    f{i} = (v >> {shift}) & {(1 << c.bits) - 1}")
        else:
            for i, c in fields:
                if c.bits is None:
                    lines += ["    left -= 8", "    n = (big >> left) & 255",
                              "    left -= n << 3",
                              f"    f{i} = ((big >> left) & ((1 << (n << 3)) - 1))"
                              ".to_bytes(n, 'big')"]
                else:
                    lines += [f"    left -= {c.bits}",
                              f"    f{i} = (big >> left) & {(1 << c.bits) - 1}"]
        q = ", ".join(f"f{i}" if mask >> i & 1 else f"b[{i}]" for i in range(len(self.codecs)))
        lines.append(f"    return left, ({q},)")
        return _compile("read", lines, self._env)

    def converter(self, mask: int) -> Callable[..., tuple[Any, ...]]:
        """``conv(q) -> values``: the Python values of the fields ``mask`` names."""
        parts = []
        for i, c in enumerate(self.codecs):
            if not mask >> i & 1:
                continue
            q = f"q[{i}]"
            if c.kind == "float" and c.step is not None:
                k = c.lo * c.inv
                if c.inv == round(c.inv) and k == round(k):  # 0.01, 0.5 ... from a whole lo
                    # an integer over 100.0 is the double nearest the decimal: 3.14 exactly
                    # as the literal, where lo + q * 0.01 gives 3.1399999999999
                    parts.append(f"(min({q}, {c.steps}) + {round(k)}) / {c.inv!r}")
                else:
                    parts.append(f"round({c.lo!r} + min({q}, {c.steps}) * {c.step!r}, "
                                 f"{c.digits})")
            elif c.kind == "int":
                parts.append(f"min({q}, {c.hi - c.lo}) + {c.lo!r}")
            elif c.kind == "bool":
                parts.append(f"{q} == 1")
            else:  # float32 and str check what a peer sent
                parts.append(f"V{i}({q})")
        return _compile("conv", ["def conv(q):", f"    return ({', '.join(parts)},)"],
                        self._env)

    def names_of(self, mask: int) -> tuple[str, ...]:
        return tuple(n for i, n in enumerate(self.names) if mask >> i & 1)
