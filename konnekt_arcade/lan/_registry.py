"""What a browser knows about the lobbies around it, and the host's per-source reply limit.

Sans-I/O like ``_protocol.py``: every call takes ``now``; tests drive it with a fake clock.
"""

from __future__ import annotations

import ipaddress
from collections import Counter, OrderedDict
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

    @property
    def full(self) -> bool:
        return self.players >= self.max_players


def invite_host(invite: str) -> str:
    return urlsplit(invite).hostname or ""


class Registry:
    """Lobbies heard recently, one per host id, at most ``MAX_ENTRIES``.

    Args:
        reachable: is this address on one of our own subnets? A host with two network cards
            announces two invites; the one we can reach wins.
    """

    def __init__(self, reachable: Callable[[str], bool] = lambda address: True) -> None:
        self._entries: dict[str, tuple[LanLobby, tuple[bool, bool]]] = {}
        self._reachable = reachable
        self.stats: Counter[str] = Counter()

    def offer(self, packet: Announce, source: str, now: float) -> bool:
        """Record an announce heard from ``source``; False when it was dropped."""
        address = invite_host(packet.invite)
        rank = (self._safe_reachable(address), address == source)
        known = self._entries.get(packet.host_id)
        if known is None and len(self._entries) >= MAX_ENTRIES:
            self.expire(now)
            if len(self._entries) >= MAX_ENTRIES:
                self.stats["dropped:full"] += 1
                return False
        invite = packet.invite
        if known is not None and known[1] > rank and now - known[0].last_seen < EXPIRY:
            invite, rank = known[0].invite, known[1]  # keep the better address, take the news
            self.stats["kept_reachable_invite"] += 1
        lobby = LanLobby(packet.name, packet.host_name, packet.players, packet.max_players,
                         packet.has_password, invite, invite.rstrip("/").rsplit("/", 1)[-1],
                         packet.game, now, packet.host_id)
        self._entries[packet.host_id] = (lobby, rank)
        self.stats["announces"] += 1
        return True

    def forget(self, packet: Bye) -> None:
        if self._entries.pop(packet.host_id, None) is not None:
            self.stats["byes"] += 1

    def expire(self, now: float) -> None:
        stale = [k for k, (lobby, _) in self._entries.items() if now - lobby.last_seen > EXPIRY]
        for key in stale:
            del self._entries[key]
        self.stats["expired"] += len(stale)

    def lobbies(self, now: float) -> list[LanLobby]:
        """Live entries, sorted by lobby name then host (a stable order for a UI list)."""
        self.expire(now)
        return sorted((lobby for lobby, _ in self._entries.values()),
                      key=lambda lobby: (lobby.name.lower(), lobby.host_name, lobby.host_id))

    def _safe_reachable(self, address: str) -> bool:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return True  # a DNS name (an external signalling server): assume reachable
        return self._reachable(address)


#: A host answers one source at most this often per window: a browser asks a few times at
#: start (broadcast and multicast copies of one query arrive together), then every few seconds.
REPLY_BURST = 3
REPLY_WINDOW = 1.0
#: Sources remembered by the limiter; beyond that the oldest is forgotten (bounded memory).
MAX_SOURCES = 256
#: Replies per second in total, whatever the sources: a spoofed flood gets little back.
MAX_REPLIES_PER_SECOND = 50


class ReplyLimiter:
    """Per-source and global reply budgets (a reply is never sent to a source over budget)."""

    def __init__(self) -> None:
        self._sources: OrderedDict[str, list[float]] = OrderedDict()
        self._recent: list[float] = []
        self.stats: Counter[str] = Counter()

    def allow(self, source: str, now: float) -> bool:
        self._recent = [t for t in self._recent if now - t < 1.0]
        times = [t for t in self._sources.pop(source, []) if now - t < REPLY_WINDOW]
        ok = len(times) < REPLY_BURST and len(self._recent) < MAX_REPLIES_PER_SECOND
        if ok:
            times.append(now)
            self._recent.append(now)
        else:
            self.stats["dropped:rate_limited"] += 1
        self._sources[source] = times
        while len(self._sources) > MAX_SOURCES:
            self._sources.popitem(last=False)
        return ok
