"""Where directory entries live: the ``DirectoryStore`` interface and the in-memory store.

The service speaks only this interface, so one ``konnekt-signal`` keeps entries in memory and
several share them through Redis (``_redis_store.py``) with the same behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Protocol

from ._model import LobbyRecord


class CreateResult(Enum):
    OK = "ok"
    TAKEN = "taken"  # the code is in use: draw another
    FULL = "full"  # the directory holds max_entries
    CLIENT_FULL = "client_full"  # this client holds max_entries_per_client


class DirectoryStore(Protocol):
    async def create(self, record: LobbyRecord, ttl: float, max_total: int,
                     max_per_client: int) -> CreateResult:
        """Store a new entry under ``record.code`` unless the code or a limit forbids it."""
        ...

    async def get(self, code: str) -> LobbyRecord | None: ...

    async def replace(self, record: LobbyRecord, ttl: float) -> bool:
        """Overwrite a live entry and restart its TTL; False when it expired meanwhile."""
        ...

    async def delete(self, code: str) -> None: ...

    async def newest_public(self, count: int) -> list[LobbyRecord]:
        """Up to ``count`` live public entries, newest first."""
        ...

    async def close(self) -> None: ...


class MemoryStore:
    """Entries in a dict, expired lazily against an injected clock (tests drive time)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[LobbyRecord, float]] = {}

    def _prune(self) -> None:
        now = self._clock()
        for code in [c for c, (_, exp) in self._entries.items() if exp <= now]:
            del self._entries[code]

    async def create(self, record: LobbyRecord, ttl: float, max_total: int,
                     max_per_client: int) -> CreateResult:
        self._prune()
        if record.code in self._entries:
            return CreateResult.TAKEN
        if len(self._entries) >= max_total:
            return CreateResult.FULL
        mine = sum(1 for r, _ in self._entries.values() if r.client == record.client)
        if mine >= max_per_client:
            return CreateResult.CLIENT_FULL
        self._entries[record.code] = (record, self._clock() + ttl)
        return CreateResult.OK

    async def get(self, code: str) -> LobbyRecord | None:
        self._prune()
        entry = self._entries.get(code)
        return entry[0] if entry else None

    async def replace(self, record: LobbyRecord, ttl: float) -> bool:
        self._prune()
        if record.code not in self._entries:
            return False
        self._entries[record.code] = (record, self._clock() + ttl)
        return True

    async def delete(self, code: str) -> None:
        self._entries.pop(code, None)

    async def newest_public(self, count: int) -> list[LobbyRecord]:
        self._prune()
        public = [r for r, _ in self._entries.values() if r.public]
        public.sort(key=lambda r: (r.created_at, r.code), reverse=True)
        return public[:count]

    async def close(self) -> None:
        self._entries.clear()
