"""What the world tells the game (``World.drain_events``) and its errors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from ._schema import Entity


@dataclass(frozen=True, slots=True)
class Spawned:
    """``entity`` appeared (spawned here or by a peer, or arrived in a baseline)."""

    entity: Entity


@dataclass(frozen=True, slots=True)
class Changed:
    """A peer changed ``entity`` since the last drain (one event per entity however many
    ticks changed it: a game redraws once). The owner's own assignments make none.
    ``fields``: the names of the fields whose values differ from what the last drain told
    (or the spawn), in declaration order; a state that changed nothing makes no event."""

    entity: Entity
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Despawned:
    """``entity`` left the world (despawned by its owner or the host, or its owner left);
    the object keeps its last values and ``id``, for the game to find what it drew."""

    entity: Entity


@dataclass(frozen=True, slots=True)
class Emitted:
    """A one-shot event (``World.emit``): ``name`` and ``data`` from the participant
    ``sender`` (None: not known yet), ``from_host`` when the peer that hosts sent it (what a
    game trusts for a referee's word, e.g. "coin 7 taken by Ada")."""

    sender: UUID | None
    name: str
    data: bytes
    from_host: bool


WorldEvent = Spawned | Changed | Despawned | Emitted


@dataclass(frozen=True, slots=True)
class Sample:
    """One received state of a remote entity: the sender's ``t`` (its stamp for that tick,
    see ``World.stamp``), its ``tick`` and the field ``values``: what interpolation reads."""

    t: float
    tick: int
    values: dict[str, Any]


class WorldError(RuntimeError):
    """A world call the game made cannot be done (not joined yet, full)."""


class WorldFull(WorldError):
    """Spawning would pass ``max_entities`` or ``max_per_owner``."""


class EventQueue(list["WorldEvent"]):
    """The world's undrained events, at most ``limit``: when full the oldest goes and
    ``stats["world:dropped_events"]`` counts it (a game that never drains must not make the
    world grow without bound; its entities stay right, only old news is lost)."""

    def __init__(self, limit: int, stats: Counter[str]) -> None:
        super().__init__()
        self.limit = limit
        self.stats = stats

    def append(self, event: WorldEvent) -> None:
        if len(self) >= self.limit:
            del self[0]
            self.stats["world:dropped_events"] += 1
        super().append(event)

