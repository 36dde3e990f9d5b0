"""``World``: the shared world of one session, sans-I/O (``now`` passed in, bytes out).

The game spawns, changes and despawns entities (``spawn``, attribute assignment,
``despawn``) and reads ``drain_events()``. The driver (the session's world link, or the test
simulator) tells it who is who (``set_local``, ``peer_joined``/``bind``, ``peer_left``,
``set_host``), feeds it what arrives (``receive``), calls ``tick(now)`` often, and sends what
``data_to_send()`` returns: ``(peers, reliable, bytes)``.

Authority: an entity's state is taken only from the peer whose intro for it was accepted
(``_inbound``), and an intro only from the owner's peer, or the host's for ``HOST``.

What interpolation (``_interp``) can rely on: for each remote entity, ``samples(id)`` is its
last ``WorldConfig.samples`` received states, oldest first, as ``Sample(t, tick, values)``
where ``t`` is the sender's ``stamp(now)`` at the tick that produced it (a session's world
stamps with the shared ``session.time()``, so every sender's samples are on one time line
with the reader's ``session.time()``) and ``tick`` the
sender's tick number (increasing per sender; a new sender after host migration starts its
own). ``on_sample(id, t, values)``, when set, is called as each one is applied. Entities this
peer owns have no samples: the owner sees them with no delay.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, TypeVar, overload
from uuid import UUID

from ._bits import BitWriter, put_fields
from ._config import Budget, WorldConfig
from ._display import Display, Drawing
from ._events import (
    Changed,
    Despawned,
    Emitted,
    EventQueue,
    Spawned,
    WorldError,
    WorldEvent,
    WorldFull,
)
from ._inbound import Inbound
from ._lifecycle import Lifecycle
from ._migration import Migration
from ._schema import HOST, Entity, NotOwner, Owner, checked_values, make, normalise_owner
from ._sender import Sender
from ._wire import (
    ENTRIES_PER_MESSAGE,
    MAX_EVENT_DATA,
    MAX_EVENT_NAME,
    Entry,
    ack,
    despawn,
    event,
    intro,
    report,
)

logger = logging.getLogger("konnekt_arcade.world")
E = TypeVar("E", bound=Entity)


class Outgoing(NamedTuple):
    """Bytes for ``peers``, on the reliable channel or not."""

    peers: tuple[str, ...]
    reliable: bool
    data: bytes


class World(Drawing, Lifecycle, Inbound):
    """Entities every peer of a session sees; see the module docstring."""

    def __init__(self, config: WorldConfig | None = None, *,
                 types: Iterable[type[Entity]] = ()) -> None:
        self.config = c = config or WorldConfig()
        #: Counters (``world:...``): refused, malformed, dropped input; bytes sent.
        self.stats: Counter[str] = Counter()
        #: The time stamped on each tick's delta (see the module docstring); default: ``now``.
        self.stamp: Callable[[float], float] = lambda now: now
        #: Called with (entity id, t, values) for each received state of a remote entity.
        self.on_sample: Callable[[str, float, dict[str, Any]], None] | None = None
        #: The clock ``stamp`` puts on the time line (a session sets its shared ``time()``):
        #: what ``shown()`` reads when given no ``now``, and the arrival time of each state
        #: fed to interpolation. None: the last ``now`` the driver passed.
        self.clock: Callable[[], float] | None = None
        self._now = 0.0
        self._types = {t.__schema__.name: t for t in types}
        self._by_id: dict[str, Entity] = {}
        self._owned: Counter[Owner] = Counter()
        self._sender = Sender(c.history)
        self._peers: dict[str, UUID | None] = {}
        self._local: UUID | None = None
        self._host_peer: str | None = None
        self._is_host = False
        self._counter = 0
        self._dirty: list[Entity] = []
        self._events = EventQueue(c.max_events, self.stats)
        self._changed: dict[str, Entity] = {}
        self._display = Display(lambda: self._interval, self.samples)
        self._out: list[Outgoing] = []
        self._gone: dict[str, bool] = {}  # despawned id -> was host-owned (insertion order)
        self._orphans: dict[str, float] = {}
        self._migration: Migration | None = None
        self._touched: set[str] = set()
        self._run: Any = None
        self._budget = Budget(c.rate, c.burst)
        self._interval = 1.0 / c.tick_rate
        self._next_tick = float("-inf")
        Inbound.__init__(self)

    # --- the game's API -----------------------------------------------------------------------

    def spawn(self, cls: type[E], owner: Owner | str | None = None, **fields: Any) -> E:
        """A new entity of ``cls`` with ``fields`` (the rest at their defaults), owned by us
        (``owner=None``) or by the host role (``owner=HOST``; only the host may).

        Raises:
            WorldError: we have no participant id yet (join the lobby first). NotOwner: a
            host-owned spawn by a guest, or an owner that is not us. WorldFull: a limit.
            TypeError / ValueError: an unknown field or a bad value.
        """
        if self._local is None:
            raise WorldError("spawning needs our participant id. Check: spawn after joining "
                             "the lobby (when session.local_participant_id() is set)")
        who = self._local if owner is None else normalise_owner(owner)
        if who == HOST and not self._is_host:
            raise NotOwner("only the host spawns host-owned entities. Check: is_host")
        if who != HOST and who != self._local:
            raise NotOwner("a peer spawns only entities it owns (or HOST ones as host)")
        values = checked_values(cls, fields)
        self._check_room(who)
        self._counter += 1
        e = make(cls, f"{self._local}/{self._counter}", who, self, True, values)
        self._register(e)
        self._sender.add(e)
        self._send_intros([e], tuple(self._peers))
        return e

    def despawn(self, entity: Entity | str) -> None:
        """Remove ``entity`` everywhere (its owner, or the host, may). An entity already gone
        is no error.

        Raises:
            NotOwner: neither its owner nor the host.
        """
        e = self._by_id.get(entity if isinstance(entity, str) else entity.id)
        if e is None:
            return
        if not (e._mine or self._is_host):
            raise NotOwner(f"{e.type_name} {e.id} belongs to {e.owner}; only its owner or "
                           "the host despawns it")
        self._remove(e)
        self._queue(tuple(self._peers), True, despawn([e.id]))

    def emit(self, name: str, data: bytes = b"") -> None:
        """A one-shot event for every peer, ourselves included (``drain_events`` yields an
        ``Emitted``; the hook calls ``on_world_event``): reliable, once, in order with this
        peer's spawns and despawns — "coin 7 taken by Ada" just before the coin's despawn.
        Alone or reconnecting, the peers' copies are dropped (never an exception).

        Raises:
            TypeError: ``data`` is not bytes. ValueError: an empty name, or a name or data
            over ``MAX_EVENT_NAME`` / ``MAX_EVENT_DATA`` bytes.
        """
        if not isinstance(data, bytes):
            raise TypeError(f"event data is bytes, not {type(data).__name__}")
        if not name or len(name.encode()) > MAX_EVENT_NAME or len(data) > MAX_EVENT_DATA:
            raise ValueError(f"an event has a name of 1..{MAX_EVENT_NAME} bytes and at most "
                             f"{MAX_EVENT_DATA} bytes of data")
        self._events.append(Emitted(self._local, name, data, self._is_host))
        self._queue(tuple(self._peers), True, event(name, data))

    def get(self, entity_id: str) -> Entity | None:
        return self._by_id.get(entity_id)

    @overload
    def entities(self) -> list[Entity]: ...
    @overload
    def entities(self, cls: type[E]) -> list[E]: ...

    def entities(self, cls: type[Entity] | None = None) -> list[Entity] | list[E]:
        """The entities alive here (of ``cls`` and its subclasses, when given)."""
        if cls is None:
            return list(self._by_id.values())
        return [e for e in self._by_id.values() if isinstance(e, cls)]

    def __len__(self) -> int:
        return len(self._by_id)

    def drain_events(self) -> list[WorldEvent]:
        """Spawned / Changed / Despawned since the last call, in order (Changed coalesced per
        entity, after the other events, with the names of the fields that changed; none for
        an entity despawned meanwhile, or whose values came back as they were).
        ``SessionHook`` drains them for its callbacks (``on_entity_spawned`` ...) while one
        is connected: a game uses one or the other."""
        events: list[WorldEvent] = list(self._events)
        self._events.clear()
        if self._changed:
            by_id = self._by_id
            for eid, e in self._changed.items():
                if eid in by_id:  # the fields that differ from what the last drain told
                    d, values = e.__dict__, e.values()
                    told, d["_told"] = d["_told"], values
                    fields = tuple(n for n, v in values.items() if told[n] != v)
                    if fields:
                        events.append(Changed(e, fields))
            self._changed = {}
        return events

    @property
    def tick_rate(self) -> float:
        """Network ticks a second (changes go out at most this often)."""
        return 1.0 / self._interval

    @tick_rate.setter
    def tick_rate(self, rate: float) -> None:
        if not 0 < rate <= 240:
            raise ValueError("tick_rate must be in (0, 240]")
        self._interval = 1.0 / rate

    @property
    def is_host(self) -> bool:
        return self._is_host

    @property
    def local_participant(self) -> UUID | None:
        return self._local

    @property
    def tick_number(self) -> int:
        """Our network tick count (the number on our deltas)."""
        return self._sender.tick

    # --- the driver's API ---------------------------------------------------------------------

    def peers(self) -> set[str]:
        """The peers the world knows as connected."""
        return set(self._peers)

    def set_local(self, participant: UUID | None) -> None:
        """Our participant id (None until the host welcomed us; another after we rejoined
        as a new participant: ``_drop_former_self``)."""
        self._drop_former_self(participant)
        self._local = participant
        for e in self._by_id.values():
            if e.owner != HOST:
                e.__dict__["_mine"] = e.owner == participant

    def peer_joined(self, peer: str, participant: UUID | None, now: float) -> None:
        """``peer`` is connected (speaking for ``participant`` if known): it gets a baseline
        of everything we send (intros; its deltas go in full until it acknowledges)."""
        if peer in self._peers:
            self.bind(peer, participant)
            return
        self._peers[peer] = participant
        self._add_replica(peer)
        self._sender.peer_joined(peer)
        self._send_intros(list(self._sender.entities.values()), (peer,))

    def bind(self, peer: str, participant: UUID | None) -> None:
        """The roster says ``peer`` speaks for ``participant`` (maybe learnt after it joined)."""
        if peer in self._peers and self._peers[peer] != participant:
            self._peers[peer] = participant
            self._replay_parked()

    def peer_left(self, peer: str, now: float) -> None:
        """``peer`` is gone: its participant's entities go by their type's policy after its
        grace (unless the participant comes back under a new peer)."""
        participant = self._peers.pop(peer, None)
        self._sender.peer_left(peer)
        self._budget.forget(peer)
        self._drop_replica(peer)
        if self._migration is not None:
            self._migration.peer_left(peer)
        if participant is None or participant in self._peers.values():
            return
        for e in self._by_id.values():
            if e.owner == participant:
                self._orphans[e.id] = now + e.__schema__.grace

    def set_host(self, host_peer: str | None, is_local: bool, now: float) -> None:
        """The lobby's host is now ``host_peer`` (us if ``is_local``): host-owned entities
        move (see ``_migration``)."""
        old, was = self._host_peer, self._is_host
        self._host_peer, self._is_host = host_peer, is_local
        if (old, was) == (host_peer, is_local):
            return
        hosted = [e for e in self._by_id.values() if e.owner == HOST]
        for e in hosted:
            self._freeze(e)
        if is_local and not was:
            for e in hosted:
                e.__dict__["_mine"] = True
            self._touched = set()
            self._migration = Migration(set(self._peers), now + self.config.migration_wait)
            logger.info("world: taking over %d host-owned entities", len(hosted))
            if not self._peers:
                self._finish_migration()
        elif (old is not None or hosted) and not is_local and host_peer in self._peers:
            entries = [self._entry(e, e.__dict__.get("_tick", 0)) for e in hosted]
            gone = [eid for eid, hosted_one in self._gone.items() if hosted_one][-256:]
            self._queue((host_peer,), True, report(entries, gone))
        self._replay_parked()

    def tick(self, now: float) -> None:
        """Timers, and a network tick when one is due (``tick_rate``)."""
        self._now = now
        if self._migration is not None and self._migration.done(now):
            self._finish_migration()
        if self._orphans:
            self._expire_orphans(now)
        if now < self._next_tick:
            return
        self._next_tick = max(self._next_tick + self._interval, now)
        dirty, self._dirty = self._dirty, []
        for peers, data in self._sender.step(dirty, self.stamp(now)):
            self._queue(tuple(peers), False, data)
            self.stats["world:delta_bytes_out"] += len(data) * len(peers)
        for peer, replica in self._replicas.items():
            if replica.ack_due:
                replica.ack_due = False
                self._queue((peer,), False, ack(replica.newest))

    def data_to_send(self) -> list[Outgoing]:
        out, self._out = self._out, []
        return out

    def receive(self, peer: str, data: bytes, now: float) -> None:
        """Bytes from ``peer``. Bad input is dropped and counted, never raised."""
        self._now = now
        if not self._budget.take(peer, now):
            self.stats["world:dropped_rate"] += 1
            return
        if peer not in self._peers:
            self.peer_joined(peer, None, now)
        self._dispatch(peer, data)

    # --- the ChangeSink the entities report to ------------------------------------------------

    def changed(self, entity: Entity) -> None:
        self._dirty.append(entity)
        if self._migration is not None and entity.owner == HOST:
            self._touched.add(entity.id)

    # --- internals ----------------------------------------------------------------------------

    def _check_room(self, owner: Owner) -> None:
        c = self.config
        if len(self._by_id) >= c.max_entities:
            raise WorldFull(f"the world holds its maximum of {c.max_entities} entities")
        if self._owned[owner] >= c.max_per_owner:
            raise WorldFull(f"{owner} owns its maximum of {c.max_per_owner} entities")

    def _register(self, e: Entity) -> None:
        if self._run is not None and (e._mine or e.owner == HOST):  # (see _lifecycle)
            e.__dict__["_run"] = self._run
        self._by_id[e.id] = e
        e.__dict__["_told"] = e.values()  # (what drain_events last told of it)
        self._owned[e.owner] += 1
        self._events.append(Spawned(e))

    def _remove(self, e: Entity) -> None:
        if self._by_id.pop(e.id, None) is None:
            return
        self._owned[e.owner] -= 1
        self._sender.remove(e)
        e.__dict__["_mine"] = False
        self._gone[e.id] = e.owner == HOST
        if len(self._gone) > self.config.tombstones:
            del self._gone[next(iter(self._gone))]
        self._orphans.pop(e.id, None)
        self._changed.pop(e.id, None)
        self._display.forget(e.id)
        self._events.append(Despawned(e))

    def _queue(self, peers: tuple[str, ...], reliable: bool, data: bytes) -> None:
        if peers:
            self._out.append(Outgoing(peers, reliable, data))

    def _entry(self, e: Entity, handle: int) -> Entry:
        w = BitWriter()
        schema = e.__schema__
        put_fields(w, schema, schema.full, schema.quantise(e.__dict__))
        return Entry(handle, e.id, e.owner, schema.name, w.finish())

    def _send_intros(self, entities: list[Entity], peers: tuple[str, ...]) -> None:
        if not peers or not entities:
            return
        entries = [self._entry(e, e.__dict__["_handle"]) for e in entities]
        for i in range(0, len(entries), ENTRIES_PER_MESSAGE):
            self._queue(peers, True, intro(self._sender.tick, entries[i:i + ENTRIES_PER_MESSAGE]))
