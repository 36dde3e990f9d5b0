"""What a browser knows about the lobbies around it: one entry per host, bound to its source.

Sans-I/O like ``_protocol.py``: every call takes ``now``; tests drive it with a fake clock.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ._protocol import Announce, Bye

#: Hosts announce this often (Minecraft's "Open to LAN" uses the same period): often enough
#: that a new lobby shows up at once, rare enough to be nothing on any network.
ANNOUNCE_PERIOD = 1.5
#: An entry whose host missed this many announces in a row is gone (crashed, left the network).
MISSED_ANNOUNCES = 3
EXPIRY = ANNOUNCE_PERIOD * MISSED_ANNOUNCES
#: A lobby list longer than one screen is no use, and a flood of fake hosts must not grow memory.
MAX_ENTRIES = 64
#: Lobbies one source address may hold in a list: a machine hosting several games at once is
#: plausible, a machine hosting dozens is a flood (issue 26: 64 fake hosts from one address
#: hid the real lobby). Past it the source's announces are dropped and counted.
MAX_ENTRIES_PER_SOURCE = 8


@dataclass(frozen=True, slots=True)
class LanLobby:
    """A lobby found on the local network; join it with ``build_session_guest(lobby.invite)``.

    ``last_seen`` is the ``time.monotonic()`` of its latest announce or reply.
    """

    name: str
    host_name: str
    players: int
    max_players: int
    has_password: bool
    invite: str
    session_id: str
    game: str
    last_seen: float
    #: Random per advertising host; the same host heard on several interfaces is one entry.
    host_id: str = ""
    #: The lobby protocol its host speaks: joinable when it equals ours (``sync.
    #: PROTOCOL_VERSION``); a list shows another as "needs a newer/older version".
    protocol: int = 1

    @property
    def full(self) -> bool:
        return self.players >= self.max_players


def invite_host(invite: str) -> str:
    return urlsplit(invite).hostname or ""


@dataclass(frozen=True, slots=True)
class _Entry:
    lobby: LanLobby
    #: The address whose announce created (or last took over) this entry: only it may
    #: update the entry or say goodbye for it.
    source: str
    #: (invite reachable from here, invite names the source): a higher rank may take over.
    rank: tuple[bool, bool]
    first_seen: float


class Registry:
    """Lobbies heard recently, one per host id, at most ``MAX_ENTRIES``.

    Anyone on the LAN can send any datagram, so an entry is **bound to the source address**
    that announced it: announces and byes naming its host id from any other address are
    ignored and counted (``ignored:other_source``, ``ignored:other_source_bye``) until the
    entry expires. One exception keeps a host with two network cards listed by the card we
    can reach: a source whose announce ranks strictly higher (its invite is on one of our
    subnets and names the source itself) takes the entry over (``rebound:reachable``); the
    other card's announces are then ignored like a stranger's. A spoofer on our subnet ranks
    at most equal to the real host heard there, so it cannot take a reachable entry.

    A source holds at most ``MAX_ENTRIES_PER_SOURCE`` entries (``dropped:source_full``); when
    the list is full a new source still gets in by taking the youngest entry of the source
    that holds the most (``evicted:fair_share``), so fake hosts cannot crowd out a real one.

    Args:
        reachable: is this address on one of our own subnets? A host with two network cards
            announces two invites; the one we can reach wins.
    """

    def __init__(self, reachable: Callable[[str], bool] = lambda address: True) -> None:
        self._entries: dict[str, _Entry] = {}
        self._per_source: Counter[str] = Counter()
        self._reachable = reachable
        self.stats: Counter[str] = Counter()

    def offer(self, packet: Announce, source: str, now: float) -> bool:
        """Record an announce heard from ``source``; False when it was dropped or ignored."""
        address = invite_host(packet.invite)
        rank = (self._safe_reachable(address), address == source)
        known = self._entries.get(packet.host_id)
        if known is not None and now - known.lobby.last_seen > EXPIRY:
            self._remove(packet.host_id)  # expired: the id is free to bind again
            self.stats["expired"] += 1
            known = None
        if known is not None and known.source != source:
            if rank <= known.rank:
                self.stats["ignored:other_source"] += 1
                return False
            self._remove(packet.host_id)  # the host's reachable card: it takes over
            self.stats["rebound:reachable"] += 1
            known = None
        if known is None and not self._make_room(source, now):
            return False
        lobby = LanLobby(packet.name, packet.host_name, packet.players, packet.max_players,
                         packet.has_password, packet.invite,
                         packet.invite.rstrip("/").rsplit("/", 1)[-1], packet.game, now,
                         packet.host_id, packet.protocol)
        first_seen = now if known is None else known.first_seen
        if known is None:
            self._per_source[source] += 1
        self._entries[packet.host_id] = _Entry(lobby, source, rank, first_seen)
        self.stats["announces"] += 1
        return True

    def forget(self, packet: Bye, source: str) -> bool:
        """A host's goodbye heard from ``source``; only the entry's own source may say it."""
        known = self._entries.get(packet.host_id)
        if known is None:
            return False
        if known.source != source:
            self.stats["ignored:other_source_bye"] += 1
            return False
        self._remove(packet.host_id)
        self.stats["byes"] += 1
        return True

    def expire(self, now: float) -> None:
        stale = [k for k, e in self._entries.items() if now - e.lobby.last_seen > EXPIRY]
        for key in stale:
            self._remove(key)
        self.stats["expired"] += len(stale)

    def lobbies(self, now: float) -> list[LanLobby]:
        """Live entries, sorted by lobby name then host (a stable order for a UI list)."""
        self.expire(now)
        return sorted((e.lobby for e in self._entries.values()),
                      key=lambda lobby: (lobby.name.lower(), lobby.host_name, lobby.host_id))

    def sources(self) -> dict[str, int]:
        """Entries held per source address (what the per-source cap counts)."""
        return dict(self._per_source)

    def _make_room(self, source: str, now: float) -> bool:
        """Room for one more entry of ``source``, or False (counted)."""
        if self._per_source[source] >= MAX_ENTRIES_PER_SOURCE:
            self.stats["dropped:source_full"] += 1
            return False
        if len(self._entries) >= MAX_ENTRIES:
            self.expire(now)
        if len(self._entries) < MAX_ENTRIES:
            return True
        greedy, held = max(self._per_source.items(), key=lambda item: item[1])
        if held <= self._per_source[source] + 1:
            self.stats["dropped:full"] += 1  # every source has its fair share already
            return False
        youngest = max((k for k, e in self._entries.items() if e.source == greedy),
                       key=lambda k: self._entries[k].first_seen)
        self._remove(youngest)
        self.stats["evicted:fair_share"] += 1
        return True

    def _remove(self, host_id: str) -> None:
        entry = self._entries.pop(host_id)
        self._per_source[entry.source] -= 1
        if self._per_source[entry.source] <= 0:
            del self._per_source[entry.source]

    def _safe_reachable(self, address: str) -> bool:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return True  # a DNS name (an external signalling server): assume reachable
        return self._reachable(address)
