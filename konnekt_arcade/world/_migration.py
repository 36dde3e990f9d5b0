"""Host migration of host-owned entities: the new host gathers what the survivors hold.

When the host changes, every survivor sends the new host a ``REPORT``: each host-owned entity
it holds with the old host's tick of those values, and the host-owned ids it saw despawned.
The new host waits for every peer connected when it took over (or ``migration_wait``), then
keeps, per entity, the newest state anyone held (highest old-host tick), drops the ones anyone
saw despawned, and adopts the rest: none lost (an entity only one survivor had comes back),
none duplicated (entities are keyed by their id), no jump back (the newest state wins; one the
new host's game already moved is kept as moved).

Pure: the world feeds reports in and asks ``done(now)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._wire import Entry


@dataclass
class Migration:
    """One hand-over in progress, on the new host."""

    expected: set[str]
    deadline: float
    best: dict[str, tuple[int, Entry]] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)

    def report(self, peer: str, entries: list[Entry], gone: list[str]) -> None:
        """``peer``'s report (an ``Entry``'s ``handle`` holds the old host's tick)."""
        self.expected.discard(peer)
        merge_into(self.best, entries)
        self.gone.update(gone)

    def peer_left(self, peer: str) -> None:
        self.expected.discard(peer)

    def done(self, now: float) -> bool:
        return not self.expected or now >= self.deadline


def merge_into(best: dict[str, tuple[int, Entry]], entries: list[Entry]) -> None:
    """Keep, per entity id, the entry with the highest tick (the first on a tie)."""
    for entry in entries:
        held = best.get(entry.eid)
        if held is None or entry.handle > held[0]:
            best[entry.eid] = (entry.handle, entry)
