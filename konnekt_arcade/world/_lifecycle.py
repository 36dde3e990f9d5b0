"""How entities come and go besides a spawn or despawn call: host migration ends, owners'
grace runs out, an activity run ends. A mixin of ``World`` (it works on the world's table).

Run scope (``set_run``): an entity spawned while an activity run is on belongs to that run;
when the run ends (the driver reports another run, or none), each peer despawns the run's
entities it owns, and the host the run's host-owned ones (a new host those that reached it
during the run): every peer is told, reliably, so a new run never sees the last run's coins.
Peers never drop others' entities on their own (a late joiner would see a lobby's entities
arrive during a run); an owner gone meanwhile is its type's ``owner_leaves`` policy.
Entities spawned outside any run (a lobby's avatars) are kept until despawned.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ._schema import HOST, Entity, Owner
from ._wire import despawn

if TYPE_CHECKING:
    from ._migration import Migration
    from ._sender import Sender
    from ._wire import Entry

logger = logging.getLogger("konnekt_arcade.world")


class Lifecycle:
    """Migration's end, orphans' expiry and run scope: the part of ``World`` they need."""

    _by_id: dict[str, Entity]
    _owned: Counter[Owner]
    _peers: dict[str, UUID | None]
    _is_host: bool
    _sender: Sender
    _migration: Migration | None
    _gone: dict[str, bool]
    _orphans: dict[str, float]
    _touched: set[str]
    _run: Any
    #: The last participant id we had (kept while we have none, e.g. reconnecting).
    _former: UUID | None = None
    if TYPE_CHECKING:  # World's and Inbound's (for the checker only: a runtime stub here
        # would come first in World's MRO and shadow Inbound's real method)
        def _merge(self, best: dict[str, tuple[int, Entry]], keep: set[str]) -> list[Entity]:
            ...
        def _remove(self, e: Entity) -> None: ...
        def _queue(self, peers: tuple[str, ...], reliable: bool, data: bytes) -> None: ...
        def _send_intros(self, entities: list[Entity], peers: tuple[str, ...]) -> None: ...

    @property
    def run(self) -> Any:
        """The activity run new entities belong to (None: none; see ``set_run``)."""
        return self._run

    def set_run(self, run: Any) -> None:
        """The activity run now on (an id; None for none). When it changes, the entities of
        the run that ended are despawned (see the module docstring)."""
        old, self._run = self._run, run
        if old is None or old == run:
            return
        ended = [e for e in self._by_id.values() if e.__dict__.get("_run") == old
                 and (e._mine or (self._is_host and e.owner == HOST))]
        for e in ended:
            self._remove(e)
        if ended:
            self._queue(tuple(self._peers), True, despawn([e.id for e in ended]))
            logger.info("world: %d entities of the ended run despawned", len(ended))

    def _adopt(self, entities: list[Entity]) -> None:
        """Start sending ``entities`` as the host (after a migration, or orphans)."""
        for e in entities:
            d = e.__dict__
            if e.owner != HOST:
                self._owned[e.owner] -= 1
                self._owned[HOST] += 1
                d["owner"] = HOST
            d.update(_mine=True, _src=None)
            if "_handle" not in d:
                self._sender.add(e)
        self._send_intros(entities, tuple(self._peers))

    def _drop_former_self(self, participant: UUID | None) -> None:
        """We came back as another participant (our old one's grace ran out, so the lobby
        removed it): every peer already dropped our old entities of ``owner_leaves=
        "despawn"`` types, so we drop them too (the game sees them despawn and can spawn
        anew). Those of ``"host"`` types are the host's now; its intros update them."""
        former = self._former
        if participant is None or participant == former:
            return
        self._former = participant
        if former is None:
            return
        stale = [e for e in self._by_id.values()
                 if e.owner == former and e.__schema__.owner_leaves == "despawn"]
        for e in stale:
            self._remove(e)
        if stale:
            logger.info("world: %d entities of our former participant dropped", len(stale))

    def _finish_migration(self) -> None:
        m, self._migration = self._migration, None
        if m is None:
            return
        # despawned, by what any survivor saw or by what we saw (a survivor may hold one
        # whose despawn reached others only): gone here, and anyone who named it drops it
        dead = m.gone | {eid for eid in m.best if eid in self._gone}
        held = [eid for eid in dead if eid in self._by_id]
        for eid in held:
            self._remove(self._by_id[eid])
        notify = sorted(eid for eid in dead if eid in m.best or eid in held)
        if notify:
            self._queue(tuple(self._peers), True, despawn(notify))
        self._merge(m.best, keep=self._touched)
        self._adopt([e for e in self._by_id.values() if e.owner == HOST])
        logger.info("world: host-owned entities adopted (%d reports missing)", len(m.expected))

    def _expire_orphans(self, now: float) -> None:
        bound = set(self._peers.values())
        for eid, deadline in list(self._orphans.items()):
            e = self._by_id.get(eid)
            if e is None or e.owner in bound:
                del self._orphans[eid]
            elif now >= deadline:
                del self._orphans[eid]
                if e.__schema__.owner_leaves == "despawn":
                    self._remove(e)  # every peer does the same on its own: no message
                elif self._is_host:
                    self._adopt([e])
