"""Where directory entries live: the ``DirectoryStore`` interface and the in-memory store.

The service speaks only this interface, so one ``konnekt-signal`` keeps entries in memory and
several share them through Redis (``_redis_store.py``) with the same behaviour:

- Listing reads a per-game index newest first (``page``), so one game's lobbies are found
  among thousands of another's, and a page costs what it returns, not a scan of everything.
- Expiry is a heap of deadlines (memory) or Redis' own TTLs: a heartbeat never scans entries.
- A code's owner (the sha256 of its token) outlives the entry by ``grace`` seconds (a
  tombstone): the owner may take the code back after a reconnect, nobody else can.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from itertools import islice
from typing import Protocol

from ._model import LobbyRecord, split_claim


class CreateResult(Enum):
    OK = "ok"
    TAKEN = "taken"  # the code is in use or held for another owner: draw another
    FULL = "full"  # the directory holds max_entries
    CLIENT_FULL = "client_full"  # this client holds max_entries_per_client


class DirectoryStore(Protocol):
    async def create(self, record: LobbyRecord, ttl: float, max_total: int,
                     max_per_client: int, *, grace: float = 0.0) -> CreateResult:
        """Store a new entry under ``record.code`` unless the code is live, held by another
        owner's tombstone, or a limit forbids it. The owner is held ``ttl + grace``."""
        ...

    async def get(self, code: str) -> LobbyRecord | None: ...

    async def owner(self, code: str) -> str | None:
        """The claim (``LobbyRecord.claim``: owner hash, member hash) of a live entry or of
        its tombstone, else None."""
        ...

    async def take_over(self, claim: str, record: LobbyRecord, ttl: float, *,
                        grace: float = 0.0) -> bool:
        """Store ``record`` live under its code (replacing a live entry, or reviving one from
        its tombstone) with its claim, if the code's claim is still ``claim``; one step, so of
        two members taking over at once exactly one wins. False: the claim changed."""
        ...

    async def replace(self, old: LobbyRecord, record: LobbyRecord, ttl: float, *,
                      grace: float = 0.0) -> bool:
        """Overwrite a live entry and restart its TTL; False when it expired meanwhile."""
        ...

    async def delete(self, code: str, *, grace: float = 0.0) -> None:
        """Drop the entry; its owner stays held for ``grace`` seconds."""
        ...

    async def page(self, game: str | None, offset: int, count: int) -> list[LobbyRecord]:
        """Live public entries of ``game`` (all games: None), newest first, from ``offset``."""
        ...

    async def count(self) -> int:
        """Live entries (for ``/metrics``)."""
        ...

    async def close(self) -> None: ...


@dataclass
class _Entry:
    record: LobbyRecord
    expires: float


class MemoryStore:
    """Entries in dicts with per-game and per-client indexes, expired lazily from a heap of
    deadlines against an injected clock (tests drive time)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._owners: dict[str, tuple[str, float]] = {}  # code -> (owner hash, held until)
        self._deadlines: list[tuple[float, str]] = []  # (expires or held-until, code)
        self._public: dict[str, None] = {}  # creation order; dicts keep insertion order
        self._by_game: dict[str, dict[str, None]] = {}
        self._by_client: dict[str, set[str]] = {}

    def _prune(self) -> None:
        now = self._clock()
        while self._deadlines and self._deadlines[0][0] <= now:
            _, code = heapq.heappop(self._deadlines)
            entry = self._entries.get(code)
            if entry is not None and entry.expires <= now:
                self._unindex(entry.record)
                del self._entries[code]
                entry = None
            held = self._owners.get(code)
            if held is not None and entry is None:
                if held[1] <= now:
                    del self._owners[code]
                else:  # a tombstone from now on: wake up again when it ends
                    heapq.heappush(self._deadlines, (held[1], code))

    def _index(self, record: LobbyRecord) -> None:
        self._by_client.setdefault(record.client, set()).add(record.code)
        if record.public:
            self._public[record.code] = None
            self._by_game.setdefault(record.game, {})[record.code] = None

    def _unindex(self, record: LobbyRecord) -> None:
        mine = self._by_client.get(record.client)
        if mine is not None:
            mine.discard(record.code)
            if not mine:
                del self._by_client[record.client]
        self._public.pop(record.code, None)
        game = self._by_game.get(record.game)
        if game is not None:
            game.pop(record.code, None)
            if not game:
                del self._by_game[record.game]

    def _hold(self, code: str, owner: str, until: float) -> None:
        """Hold ``code`` for ``owner`` until ``until`` (the heap wakes up when the entry
        expires, then again when the hold ends: one push per heartbeat, not two)."""
        self._owners[code] = (owner, until)

    async def create(self, record: LobbyRecord, ttl: float, max_total: int,
                     max_per_client: int, *, grace: float = 0.0) -> CreateResult:
        self._prune()
        held = self._owners.get(record.code)
        if record.code in self._entries or (
                held and split_claim(held[0])[0] != record.owner_hash):
            return CreateResult.TAKEN
        if len(self._entries) >= max_total:
            return CreateResult.FULL
        if len(self._by_client.get(record.client, ())) >= max_per_client:
            return CreateResult.CLIENT_FULL
        expires = self._clock() + ttl
        self._entries[record.code] = _Entry(record, expires)
        heapq.heappush(self._deadlines, (expires, record.code))
        self._hold(record.code, record.claim, expires + grace)
        self._index(record)
        return CreateResult.OK

    async def get(self, code: str) -> LobbyRecord | None:
        self._prune()
        entry = self._entries.get(code)
        return entry.record if entry else None

    async def owner(self, code: str) -> str | None:
        self._prune()
        held = self._owners.get(code)
        return held[0] if held else None

    async def replace(self, old: LobbyRecord, record: LobbyRecord, ttl: float, *,
                      grace: float = 0.0) -> bool:
        self._prune()
        entry = self._entries.get(record.code)
        if entry is None:
            return False
        if (old.public, old.game) != (record.public, record.game):
            self._unindex(entry.record)
            self._index(record)
        entry.record, entry.expires = record, self._clock() + ttl
        heapq.heappush(self._deadlines, (entry.expires, record.code))
        self._hold(record.code, record.claim, entry.expires + grace)
        return True

    async def take_over(self, claim: str, record: LobbyRecord, ttl: float, *,
                        grace: float = 0.0) -> bool:
        self._prune()
        held = self._owners.get(record.code)
        if held is None or held[0] != claim:
            return False
        old = self._entries.pop(record.code, None)
        if old is not None:
            self._unindex(old.record)
        expires = self._clock() + ttl
        self._entries[record.code] = _Entry(record, expires)
        heapq.heappush(self._deadlines, (expires, record.code))
        self._hold(record.code, record.claim, expires + grace)
        self._index(record)
        return True

    async def delete(self, code: str, *, grace: float = 0.0) -> None:
        entry = self._entries.pop(code, None)
        if entry is not None:
            self._unindex(entry.record)
            self._hold(code, entry.record.claim, self._clock() + grace)
            heapq.heappush(self._deadlines, (self._clock() + grace, code))

    async def page(self, game: str | None, offset: int, count: int) -> list[LobbyRecord]:
        self._prune()
        index = self._public if game is None else self._by_game.get(game, {})
        codes = islice(reversed(index), offset, offset + count)
        return [entry.record for c in codes if (entry := self._entries.get(c)) is not None]

    async def count(self) -> int:
        self._prune()
        return len(self._entries)

    async def close(self) -> None:
        self._entries.clear()
