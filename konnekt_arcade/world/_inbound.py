"""What arrives: deltas, acks, intros, despawns, reports — checked, then applied.

The receiving half of ``World`` (a mixin: it uses the world's entity table and queues). Every
decision about a peer's input is here, and every refusal is counted in ``stats``:

- an intro (an entity as its sender holds it) is accepted only from the owner's peer, or the
  host's peer for ``HOST``; one we cannot judge yet (the roster has not told us whom the
  peer speaks for, or the sync layer has not told us it is the host) waits, bounded, until
  ``bind``/``set_host``;
- a delta record is applied only when its sender is the peer whose intro we accepted for
  that entity (``_src``); after a host change the old host's records are refused;
- malformed bytes are dropped whole before anything is applied.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ._bits import BitReader, take_fields
from ._config import WorldConfig
from ._events import Emitted
from ._migration import merge_into
from ._replica import Replica, UnknownHandle
from ._schema import HOST, Entity, Owner, make, type_named
from ._wire import (
    ACK,
    ACK_MSG,
    DELTA,
    DESPAWN,
    EVENT,
    INTRO,
    REPORT,
    Entry,
    despawn,
    read_despawn,
    read_event,
    read_intro,
    read_report,
)

if TYPE_CHECKING:
    from ._display import Display
    from ._events import WorldEvent
    from ._migration import Migration
    from ._sender import Sender

#: Intro entries kept per peer while we cannot judge them yet.
MAX_PARKED = 4096


class Inbound:
    """The receiving half of ``World``."""

    config: WorldConfig
    stats: Counter[str]
    _by_id: dict[str, Entity]
    _owned: Counter[Owner]
    _peers: dict[str, UUID | None]
    _local: UUID | None
    _host_peer: str | None
    _is_host: bool
    _sender: Sender
    _migration: Migration | None
    _gone: dict[str, bool]
    _orphans: dict[str, float]
    _events: list[WorldEvent]
    _changed: dict[str, Entity]
    _display: Display
    clock: Callable[[], float] | None
    _now: float
    _types: dict[str, type[Entity]]
    on_sample: Callable[[str, float, dict[str, Any]], None] | None

    def __init__(self) -> None:
        self._replicas: dict[str, Replica] = {}
        self._parked: dict[str, list[tuple[int, Entry]]] = {}

    if TYPE_CHECKING:  # World's and Lifecycle's (declared for the checker only: a runtime
        # stub here would shadow the real method of a base later in World's MRO)
        def _register(self, e: Entity) -> None: ...
        def _remove(self, e: Entity) -> None: ...
        def _adopt(self, entities: list[Entity]) -> None: ...
        def changed(self, entity: Entity) -> None: ...
        def _queue(self, peers: tuple[str, ...], reliable: bool, data: bytes) -> None: ...
        def _send_intros(self, entities: list[Entity], peers: tuple[str, ...]) -> None: ...
        # Drawing's (the ChangeSink an entity draws through)
        def shown(self, entity: Entity, now: float | None = None) -> dict[str, Any]: ...

    def _add_replica(self, peer: str) -> None:
        self._replicas[peer] = Replica(self.config.received)

    def _drop_replica(self, peer: str) -> None:
        replica = self._replicas.pop(peer, None)
        self._parked.pop(peer, None)
        if replica is not None:
            for e in replica.entities.values():
                if e.__dict__.get("_src") == peer:  # (not one a new host sends us already)
                    self._freeze(e, replica)

    def _freeze(self, e: Entity, replica: Replica | None = None) -> None:
        """``e`` stops taking state from its sender; remember how new what we hold is."""
        d = e.__dict__
        src = d.get("_src")
        if src is not None:
            replica = replica or self._replicas.get(src)
            if replica is not None and replica.entities.get(d.get("_rh", -1)) is e:
                d["_tick"] = replica.last
            d["_src"] = None
        elif "_handle" in d and e.owner == HOST and not self._is_host:
            self._sender.remove(e)  # we handed the host role over
            d["_mine"] = False
            d["_tick"] = self._sender.tick

    # --- dispatch -----------------------------------------------------------------------------

    def _dispatch(self, peer: str, data: bytes) -> None:
        try:
            kind = data[0]
            if kind == DELTA:
                self._on_delta(peer, data)
            elif kind == ACK:
                _, tick = ACK_MSG.unpack(data)
                if not self._sender.on_ack(peer, tick):
                    self.stats["world:bad_ack"] += 1
            elif kind == INTRO:
                tick, entries = read_intro(data)
                for entry in entries:
                    self._on_entry(peer, tick, entry)
            elif kind == DESPAWN:
                self._on_despawn(peer, read_despawn(data))
            elif kind == REPORT:
                self._on_report(peer, *read_report(data))
            elif kind == EVENT:
                name, body = read_event(data)
                self._events.append(Emitted(self._peers.get(peer), name, body,
                                            peer == self._host_peer))
            else:
                self.stats["world:malformed"] += 1
        except UnknownHandle:
            self.stats["world:delta_unknown_entity"] += 1
        except KeyError:
            self.stats["world:delta_no_base"] += 1
        except (ValueError, IndexError, struct.error, OverflowError):
            self.stats["world:malformed"] += 1

    def _on_delta(self, peer: str, data: bytes) -> None:
        replica = self._replicas[peer]
        got = replica.decode(data)
        if got is None:
            self.stats["world:delta_old"] += 1
            return
        _tick, stamp, records, others = got
        if others:
            records = records + others
        # every value first: one a peer could not have sent drops the whole packet
        ready = []
        for e, _h, mask, q in records:
            gen = e.__schema__.gen
            _read, names, conv = gen.masks.get(mask) or gen.mask(mask)
            ready.append((e, names, conv(q)))
        by_id, changed, on_sample, refused = self._by_id, self._changed, self.on_sample, 0
        shown = self._display.buffers
        arrival = (self._now if self.clock is None else self.clock()) if shown else 0.0
        for e, names, values in ready:
            d = e.__dict__
            eid = d["id"]
            if d.get("_src") != peer or eid not in by_id:
                refused += 1
                continue
            d.update(zip(names, values, strict=False))
            changed[eid] = e
            if on_sample is not None:
                on_sample(eid, stamp, e.values())
            if eid in shown:
                self._display.push(e, stamp, arrival)
        if refused:
            self.stats["world:refused_not_owner"] += refused

    def _on_despawn(self, peer: str, eids: list[str]) -> None:
        for eid in eids:
            e = self._by_id.get(eid)
            if e is None:
                self.stats["world:despawn_unknown"] += 1
            elif e.__dict__.get("_src") == peer or peer == self._host_peer:
                self._remove(e)
            else:
                self.stats["world:refused_not_owner"] += 1

    def _on_report(self, peer: str, entries: list[Entry], gone: list[str]) -> None:
        if not self._is_host:
            self.stats["world:report_not_host"] += 1
        elif self._migration is not None:
            self._migration.report(peer, entries, gone)
        else:  # late: take what we do not have; what we saw despawned goes there too
            dead = [en.eid for en in entries if en.eid in self._gone]
            if dead:
                self._queue((peer,), True, despawn(dead))
            best: dict[str, tuple[int, Entry]] = {}
            merge_into(best, [en for en in entries if en.eid not in self._by_id])
            self._adopt(self._merge(best, keep=set()))
            # and our baseline of what it holds: it may have refused our intros while it
            # thought itself host (an election both sides claimed), and takes no delta
            # from us without one
            held = [e for en in entries if (e := self._by_id.get(en.eid)) is not None
                    and e.owner == HOST and e._mine]
            if held:
                self._send_intros(held, (peer,))

    # --- intros -------------------------------------------------------------------------------

    def _replay_parked(self) -> None:
        parked, self._parked = self._parked, {}
        for peer, entries in parked.items():
            for tick, entry in entries:
                self._on_entry(peer, tick, entry)

    def _on_entry(self, peer: str, tick: int, entry: Entry) -> None:
        if entry.eid in self._gone:
            self.stats["world:intro_despawned"] += 1
            return
        owner = entry.owner
        speaks_for = self._peers.get(peer)
        e = self._by_id.get(entry.eid)
        orphan = e is not None and e.owner != HOST and e.owner not in self._peers.values()
        if (owner == HOST and peer != self._host_peer) or (owner != HOST
                                                            and speaks_for is None):
            parked = self._parked.setdefault(peer, [])
            if len(parked) < MAX_PARKED:
                parked.append((tick, entry))
            else:
                self.stats["world:dropped_parked"] += 1
            return
        if owner != HOST and speaks_for != owner:
            self.stats["world:refused_not_owner"] += 1
            return
        got = self._decode(entry)
        if got is None:
            return
        cls, values, _q = got
        replica = self._replicas[peer]
        if e is None:
            if not self._room_for(owner):
                return
            e = make(cls, entry.eid, owner, self, False, values)
            e.__dict__.update(_src=peer, _rh=entry.handle, _tick=tick)
            replica.add(entry.handle, e)
            self._register(e)
            return
        d = e.__dict__
        if type(e) is not cls or d["_mine"] or (e.owner != owner and not (owner == HOST
                                                                           and orphan)):
            self.stats["world:refused_not_owner"] += 1
            return
        if e.owner != owner:
            self._owned[e.owner] -= 1
            self._owned[owner] += 1
        d.update(owner=owner, _src=peer, _rh=entry.handle)
        replica.add(entry.handle, e)
        self._orphans.pop(e.id, None)
        if tick >= replica.last:  # else a newer delta from this sender is already applied
            d.update(values, _tick=tick)
            self._changed[e.id] = e

    def _decode(self, entry: Entry) -> tuple[type[Entity], dict[str, Any], tuple[Any, ...]] | None:
        cls = self._types.get(entry.type_name) or type_named(entry.type_name)
        if cls is None:
            self.stats["world:unknown_type"] += 1
            return None
        schema = cls.__schema__
        vals: list[Any] = [None] * len(schema.codecs)
        take_fields(BitReader(entry.values), schema, schema.full, vals)
        values = {c.name: c.value(v) for c, v in zip(schema.codecs, vals, strict=True)}
        return cls, values, tuple(vals)

    def _room_for(self, owner: Owner) -> bool:
        c = self.config
        if len(self._by_id) >= c.max_entities or self._owned[owner] >= c.max_per_owner:
            self.stats["world:refused_limit"] += 1
            return False
        return True

    def _merge(self, best: dict[str, tuple[int, Entry]], keep: set[str]) -> list[Entity]:
        """Survivors' newest host-owned states into ours (not over entities in ``keep``, which
        our game moved since the hand-over); returns the entities created."""
        created = []
        for eid, (tick, entry) in best.items():
            if eid in self._gone or entry.owner != HOST:
                continue
            try:
                got = self._decode(entry)
            except ValueError:
                self.stats["world:malformed"] += 1
                continue
            if got is None:
                continue
            cls, values, _q = got
            e = self._by_id.get(eid)
            if e is None:
                if self._room_for(HOST):
                    e = make(cls, eid, HOST, self, self._is_host, values)
                    e.__dict__["_tick"] = tick
                    self._register(e)
                    created.append(e)
            elif (type(e) is cls and e.owner == HOST and eid not in keep
                  and tick > e.__dict__.get("_tick", 0)):
                e.__dict__.update(values, _tick=tick)
                self._changed[eid] = e
        return created
