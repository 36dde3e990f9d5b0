"""Entity declarations: typed fields, how each is checked and quantised for the wire.

A game declares ``class Avatar(Entity): x: float = field(precision=0.01, range=(-1e4, 1e4))``.
``Entity.__init_subclass__`` turns the annotations into a ``Schema``: one ``Codec`` per field,
in declaration order, which knows the field's wire width in bits. Values are checked when the
owner assigns them (type, NaN/±inf, range: a bad value raises at the line that made it, not
later in a network tick), so the tick only quantises.

Why quantise: a float with a declared precision and range needs far fewer bits than a float32
(x in ±1e4 at 0.01 is 21 bits, not 32); every peer stores the *quantised* integers as its
snapshots, so sender and receiver agree bit for bit on what a delta is relative to.
"""

from __future__ import annotations

import math
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal, Protocol, TypeVar
from uuid import UUID

from ._codegen import Compiled

#: The owner of entities the current host simulates (a ball, coins); they pass to the next
#: host when the host leaves. The plain string ``"host"`` means the same.
HOST: Final = "host"
#: An entity's owner: a participant id, or ``HOST``.
Owner = UUID | Literal["host"]
#: What happens to a player's entities when the player leaves (after ``grace`` seconds, in
#: which a reconnecting player keeps them): ``"despawn"`` or ``"host"`` (the host adopts them).
OwnerLeaves = Literal["despawn", "host"]

#: Float without a declared precision: float32 on the wire (as Colyseus's ``float32``).
_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_FLT_MAX = 3.4028234663852886e38
#: Ints without a declared range are int32 on the wire.
_INT32 = (-(2**31), 2**31 - 1)
#: A float with a precision but no range: ±1e6 (28 bits at 0.01).
_DEFAULT_FLOAT_RANGE = (-1e6, 1e6)
#: Longest str field in UTF-8 bytes (one length byte on the wire).
MAX_STR_BYTES = 255
#: A str field's ``max_len`` unless declared: a player's name or a UUID's 36 characters fit.
#: It bounds what a peer may send; a value costs only its own bytes on the wire.
DEFAULT_STR_BYTES = 64


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What ``field()`` returns; read by ``Entity.__init_subclass__``."""

    default: Any = None
    precision: float | None = None
    range: tuple[float, float] | None = None
    max_len: int = DEFAULT_STR_BYTES


def field(*, default: Any = None, precision: float | None = None,
          range: tuple[float, float] | None = None, max_len: int = DEFAULT_STR_BYTES) -> Any:
    """Declare a field's wire shape: ``precision`` (floats: the step they are rounded to on
    the wire), ``range`` (inclusive; assignments outside it raise; with ``precision`` it sets
    the bit width), ``max_len`` (str: UTF-8 bytes, at most 255; default 64, so a player's
    name or a participant id's string fits; only the bytes a value has are sent), ``default``
    (else 0 / 0.0 / False / "")."""
    if precision is not None and not (precision > 0 and math.isfinite(precision)):
        raise ValueError(f"precision must be a positive number, not {precision!r}")
    if range is not None and not (len(range) == 2 and range[0] < range[1]
                                  and all(math.isfinite(v) for v in range)):
        raise ValueError(f"range must be (low, high) with low < high, not {range!r}")
    if not 0 < max_len <= MAX_STR_BYTES:
        raise ValueError(f"max_len must be 1..{MAX_STR_BYTES}, not {max_len}")
    return FieldSpec(default, precision, range, max_len)


class Codec:
    """One field: checks a value (``check``), turns it into a wire integer (``quantise``) and
    back (``value``); ``bits`` is its width (None for str: a length byte, then the bytes)."""

    __slots__ = (
        "bits",
        "default",
        "digits",
        "hi",
        "inv",
        "kind",
        "lo",
        "max_len",
        "name",
        "quantise",
        "step",
        "steps",
        "value",
    )

    def __init__(self, name: str, kind: str, spec: FieldSpec) -> None:
        self.name, self.kind, self.max_len = name, kind, spec.max_len
        self.step = spec.precision
        self.bits: int | None
        lo: float | None = spec.range[0] if spec.range is not None else None
        hi: float | None = spec.range[1] if spec.range is not None else None
        self.quantise: Callable[[Any], Any]
        self.value: Callable[[Any], Any]
        if kind == "float" and spec.precision is not None:
            lo, hi = spec.range or _DEFAULT_FLOAT_RANGE
            self.inv = 1.0 / spec.precision
            steps = math.ceil((hi - lo) * self.inv - 1e-9)
            self.steps = steps
            self.bits = max(1, steps.bit_length())
            base, inv, step = lo, self.inv, spec.precision
            digits = max(0, math.ceil(-math.log10(step))) + 3  # 3.14, not 3.139999999999418
            self.digits = digits
            self.quantise = lambda v: min(steps, max(0, round((v - base) * inv)))
            self.value = lambda q: round(base + min(q, steps) * step, digits)  # wide q: hi
        elif kind == "float":
            self.bits = 32
            self.quantise = lambda v: _U32.unpack(_F32.pack(v))[0]
            self.value = self._f32
        elif kind == "int":
            ilo, ihi = (int(lo), int(hi)) if lo is not None and hi is not None else _INT32
            self.bits = max(1, (ihi - ilo).bit_length())
            self.quantise = lambda v: v - ilo
            span = ihi - ilo
            self.value = lambda q: min(q, span) + ilo  # a wider q clamps to hi
            lo, hi = ilo, ihi
        elif kind == "bool":
            self.bits = 1
            self.quantise = lambda v: 1 if v else 0
            self.value = lambda q: q == 1
        elif kind == "str":
            self.bits = None
            self.quantise = lambda v: v.encode()
            self.value = self._str
        else:  # pragma: no cover - guarded by Schema
            raise TypeError(kind)
        self.lo: float | None = lo
        self.hi: float | None = hi
        zero = {"float": 0.0, "int": 0, "bool": False, "str": ""}[kind]
        self.default = spec.default if spec.default is not None else zero
        self.check(self.default)

    def _f32(self, q: int) -> float:
        """A float32 from a peer: NaN, ±inf or outside the range raise ``ValueError``."""
        v: float = _F32.unpack(_U32.pack(q))[0]
        lo, hi = self.lo, self.hi
        if not math.isfinite(v) or (lo is not None and hi is not None and not lo <= v <= hi):
            raise ValueError(f"{self.name}: {v!r} from a peer")
        return v

    def _str(self, q: bytes) -> str:
        if len(q) > self.max_len:
            raise ValueError(f"{self.name}: longer than {self.max_len} bytes from a peer")
        return q.decode()  # UnicodeDecodeError is a ValueError

    def check(self, v: Any) -> Any:
        """``v`` as stored, or raise ``TypeError`` / ``ValueError`` saying what is wrong."""
        kind = self.kind
        if kind == "float":
            if type(v) is not float:
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise TypeError(f"{self.name} is a float, not {type(v).__name__}")
                v = float(v)
            if not math.isfinite(v) or abs(v) > _FLT_MAX:
                raise ValueError(f"{self.name} must be a finite number, not {v!r}")
        elif kind == "int":
            if type(v) is not int:
                raise TypeError(f"{self.name} is an int, not {type(v).__name__}")
        elif kind == "bool":
            if type(v) is not bool:
                raise TypeError(f"{self.name} is a bool, not {type(v).__name__}")
            return v
        else:
            if type(v) is not str:
                raise TypeError(f"{self.name} is a str, not {type(v).__name__}")
            if len(v.encode()) > self.max_len:
                raise ValueError(f"{self.name} is longer than {self.max_len} UTF-8 bytes")
            return v
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None and not lo <= v <= hi:
            raise ValueError(f"{self.name}={v!r} is outside its range [{self.lo}, {self.hi}]")
        return v


class Schema:
    """The fields of one entity type, in declaration order, and its ownership policy."""

    def __init__(self, name: str, codecs: list[Codec], owner_leaves: OwnerLeaves,
                 grace: float) -> None:
        self.name = name
        self.codecs = codecs
        self.names = tuple(c.name for c in codecs)
        self.index = {c.name: i for i, c in enumerate(codecs)}
        self.full = (1 << len(codecs)) - 1
        self.nf = len(codecs)
        self.owner_leaves = owner_leaves
        self.grace = grace
        self.fixed = all(c.bits is not None for c in codecs)
        self.gen = Compiled(codecs)
        #: Bytes that hold any record of this type at any bit offset: the gap (33 bits), the
        #: mask, every field at its widest, 7 bits of offset (``_replica`` reads by window).
        widest = sum(8 + 8 * c.max_len if c.bits is None else c.bits for c in codecs)
        self.record_bytes = (33 + len(codecs) + widest + 7 + 7) // 8
        self._layouts: dict[int, tuple[tuple[int, int | None], ...]] = {}

    def layout(self, mask: int) -> tuple[tuple[int, int | None], ...]:
        """(field index, bits) of the fields ``mask`` names, in order (cached per mask)."""
        got = self._layouts.get(mask)
        if got is None:
            got = tuple((i, c.bits) for i, c in enumerate(self.codecs) if mask >> i & 1)
            if len(self._layouts) < 256:
                self._layouts[mask] = got
        return got

    def quantise(self, values: dict[str, Any]) -> tuple[Any, ...]:
        """The wire integers of ``values`` (already checked)."""
        q: tuple[Any, ...] = self.gen.quantise(values)
        return q


class ChangeSink(Protocol):
    """Where an entity reports an owner's assignment (the world that holds it)."""

    def changed(self, entity: Entity) -> None: ...

    def shown(self, entity: Entity, now: float | None = None) -> dict[str, Any]: ...


class NotOwner(PermissionError):
    """A change to an entity this participant does not own."""


#: Names an entity type may not use for a field (the entity's own attributes).
RESERVED = frozenset({"id", "owner", "is_mine", "type_name", "values", "shown"})
_TYPES: dict[str, type[Entity]] = {}


class Entity:
    """Base of a game's synced entity types. Subclass with annotated fields::

        class Avatar(Entity, owner_leaves="despawn", grace=3.0):
            x: float = field(precision=0.01, range=(-1e4, 1e4))
            frame: int = 0

    Create them with ``world.spawn(Avatar, x=1.0)``; change them by assignment (only the owner
    may: anyone else gets ``NotOwner``). ``id`` is a string unique in the session; ``owner`` a
    participant id or ``HOST``. Class keywords: ``name`` (the type's wire name, default the
    class name: peers find the type by it), ``owner_leaves`` and ``grace`` (seconds).
    """

    __schema__: ClassVar[Schema]
    id: str
    owner: Owner

    def __init_subclass__(cls, *, name: str | None = None, owner_leaves: OwnerLeaves = "despawn",
                          grace: float = 2.0, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if owner_leaves not in ("despawn", "host"):
            raise ValueError(f"owner_leaves must be 'despawn' or 'host', not {owner_leaves!r}")
        codecs: list[Codec] = []
        for klass in reversed(cls.__mro__):
            for fname, ann in vars(klass).get("__annotations__", {}).items():
                if fname.startswith("_") or fname in RESERVED or "ClassVar" in str(ann):
                    continue
                kind = ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann))
                if kind not in ("float", "int", "bool", "str"):
                    raise TypeError(f"{cls.__name__}.{fname}: a field is float, int, bool "
                                    f"or str, not {kind}")
                raw = vars(klass).get(fname)
                spec = raw if isinstance(raw, FieldSpec) else FieldSpec(default=raw)
                codecs = [c for c in codecs if c.name != fname]
                codecs.append(Codec(fname, kind, spec))
        if not codecs:
            raise TypeError(f"{cls.__name__} declares no fields")
        if len(codecs) > 32:
            raise TypeError(f"{cls.__name__} has {len(codecs)} fields; at most 32")
        type_name = name or cls.__name__
        if len(type_name.encode()) > 64:
            raise ValueError(f"entity type name {type_name!r} is over 64 bytes")
        cls.__schema__ = Schema(type_name, codecs, owner_leaves, float(grace))
        for codec in codecs:  # the class attribute would shadow nothing, but reads clearer
            setattr(cls, codec.name, codec.default)
        earlier = _TYPES.get(type_name)
        if earlier is not None and _shape(earlier.__schema__) != _shape(cls.__schema__):
            # Peers find a type by its name: two shapes under one name would decode each
            # other's records wrongly (the later class wins in this process).
            warnings.warn(f"entity type {type_name!r} ({cls.__module__}.{cls.__qualname__}) "
                          f"replaces {earlier.__module__}.{earlier.__qualname__}, which has "
                          f"other fields; give one of them another wire name "
                          f"(class {cls.__name__}(Entity, name=...))", RuntimeWarning,
                          stacklevel=3)
        _TYPES[type_name] = cls

    # --- what every entity has --------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        index = self.__schema__.index.get(name)
        if index is None:
            if name.startswith("_"):
                object.__setattr__(self, name, value)
                return
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        if not self._mine:
            raise NotOwner(f"{type(self).__name__} {self.id} belongs to {self.owner}; only its "
                           "owner changes it. Check: send the owner a request instead.")
        d = self.__dict__
        d[name] = self.__schema__.codecs[index].check(value)
        assigned = d["_dirty"]  # the fields assigned since the last tick, as a mask
        if not assigned:
            d["_sink"].changed(self)
        d["_dirty"] = assigned | 1 << index

    @property
    def is_mine(self) -> bool:
        """Whether this peer may change it now (its owner, or the host for ``HOST``)."""
        return self._mine

    @property
    def type_name(self) -> str:
        return self.__schema__.name

    def values(self) -> dict[str, Any]:
        """The fields as a dict (a copy)."""
        d = self.__dict__
        return {n: d[n] for n in self.__schema__.names}

    def shown(self, now: float | None = None) -> dict[str, Any]:
        """The fields as to draw them now: as they are if ours, interpolated a little in the
        past if a peer's (``World.shown``; ``now`` defaults to the session's ``time()``)."""
        return self._sink.shown(self, now)

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self.values().items())
        return f"<{type(self).__name__} {self.id} owner={self.owner} {body}>"

    # set by the world (``make``); declared for type checkers
    _mine: bool
    _dirty: int
    _sink: ChangeSink


E = TypeVar("E", bound="Entity")


def make(cls: type[E], eid: str, owner: Owner, sink: ChangeSink, mine: bool,
         values: dict[str, Any]) -> E:
    """A new entity object (the world's only way to create one)."""
    e = cls.__new__(cls)
    d = e.__dict__
    d.update(id=eid, owner=owner, _sink=sink, _mine=mine, _dirty=0)
    d.update(values)
    return e


def checked_values(cls: type[Entity], given: dict[str, Any]) -> dict[str, Any]:
    """Defaults plus ``given``, each checked (raises on an unknown field or a bad value)."""
    schema = cls.__schema__
    unknown = set(given) - set(schema.names)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
    return {c.name: c.check(given[c.name]) if c.name in given else c.default
            for c in schema.codecs}


def _shape(schema: Schema) -> tuple[object, ...]:
    """What peers must agree on for a type's records to decode the same."""
    return (schema.owner_leaves, tuple((c.name, c.kind, c.bits, c.max_len, c.step)
                                       for c in schema.codecs))


def type_named(name: str) -> type[Entity] | None:
    """The entity type declared under ``name`` in this process, if any."""
    return _TYPES.get(name)


def normalise_owner(owner: Any) -> Owner:
    """``HOST`` for ``"host"``; a UUID for a UUID or its string; else ``ValueError``."""
    if owner == HOST:
        return HOST
    if isinstance(owner, UUID):
        return owner
    try:
        return UUID(str(owner))
    except ValueError:
        raise ValueError(f"owner must be a participant id or HOST, not {owner!r}") from None
