"""Directory entries in Redis, so several ``konnekt-signal`` instances share one list.

Keys (``prefix`` defaults to ``konnekt:dir:``):

- ``<prefix>lobby:<CODE>``: the entry as JSON, with a TTL (``PX``) restarted by each
  heartbeat, so Redis itself forgets dead lobbies.
- ``<prefix>owner:<CODE>``: the claim (the owner's token hash, and the member key's hash
  after a space), TTL ``ttl + grace``: it claims the code (``SET NX``) and outlives the entry
  as its tombstone. A takeover swaps it in one Lua script (compare and set).
- ``<prefix>expiry``: sorted set code -> expiry time (for the total count).
- ``<prefix>client:<address>``: sorted set code -> expiry time (per-client count).
- ``<prefix>public``: sorted set code -> created_at (newest-first listing of all games).
- ``<prefix>game:<game>``: the same for one game (listing one game never reads another's).

The sorted sets are pruned lazily (by score, or when the entry key is gone). The limit
checks and the ``SET NX`` are not one transaction: concurrent registrations on several
instances may overshoot a limit by a few entries, never the uniqueness of a code.
Needs the optional extra ``konnekt-arcade[redis]`` (redis-py's asyncio client).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ._model import LobbyRecord, split_claim
from ._store import CreateResult

logger = logging.getLogger(__name__)

#: Compare-and-set of a code's claim plus the entry: KEYS owner, lobby; ARGV old claim, new
#: claim, hold ms, entry JSON, ttl ms. Two members taking over at once: one wins.
_TAKE_OVER = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5])
return 1
"""


class RedisStore:
    def __init__(self, url: str, prefix: str = "konnekt:dir:") -> None:
        try:
            from redis import asyncio as aioredis
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError("redis-py is not installed") from exc
        self._redis: Any = aioredis.from_url(url, decode_responses=True)
        self._p = prefix
        self.url = url

    def _key(self, code: str) -> str:
        return f"{self._p}lobby:{code}"

    async def ping(self) -> None:
        """Fail at start-up, not at the first player, when Redis is unreachable."""
        await self._redis.ping()

    async def create(self, record: LobbyRecord, ttl: float, max_total: int,
                     max_per_client: int, *, grace: float = 0.0) -> CreateResult:
        now = time.time()
        client_key = f"{self._p}client:{record.client}"
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(f"{self._p}expiry", "-inf", now)
            pipe.zremrangebyscore(client_key, "-inf", now)
            pipe.zcard(f"{self._p}expiry")
            pipe.zcard(client_key)
            _, _, total, mine = await pipe.execute()
        if total >= max_total:
            return CreateResult.FULL
        if mine >= max_per_client:
            return CreateResult.CLIENT_FULL
        owner_key, hold = f"{self._p}owner:{record.code}", int((ttl + grace) * 1000)
        claimed = await self._redis.set(owner_key, record.claim, px=hold, nx=True)
        if not claimed:
            held = await self._redis.get(owner_key)
            if held is None or split_claim(held)[0] != record.owner_hash:
                return CreateResult.TAKEN  # live, or a tombstone of another owner
            await self._redis.set(owner_key, record.claim, px=hold, xx=True)  # new member key
        if not await self._redis.set(self._key(record.code), record.to_json(),
                                     px=int(ttl * 1000), nx=True):
            return CreateResult.TAKEN
        await self._index(None, record, ttl, now, grace)
        return CreateResult.OK

    async def _index(self, old: LobbyRecord | None, record: LobbyRecord, ttl: float,
                     now: float, grace: float) -> None:
        code = record.code
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(f"{self._p}expiry", {code: now + ttl})
            client_key = f"{self._p}client:{record.client}"
            pipe.zadd(client_key, {code: now + ttl})
            pipe.pexpire(client_key, int(ttl * 1000) + 1000)
            pipe.pexpire(f"{self._p}owner:{code}", int((ttl + grace) * 1000))
            if old is not None and old.game != record.game:
                pipe.zrem(f"{self._p}game:{old.game}", code)
            if record.public:
                pipe.zadd(f"{self._p}public", {code: record.created_at})
                pipe.zadd(f"{self._p}game:{record.game}", {code: record.created_at})
            else:
                pipe.zrem(f"{self._p}public", code)
                pipe.zrem(f"{self._p}game:{record.game}", code)
            await pipe.execute()

    async def get(self, code: str) -> LobbyRecord | None:
        text = await self._redis.get(self._key(code))
        return LobbyRecord.from_json(text) if text else None

    async def owner(self, code: str) -> str | None:
        value = await self._redis.get(f"{self._p}owner:{code}")
        return str(value) if value else None

    async def replace(self, old: LobbyRecord, record: LobbyRecord, ttl: float, *,
                      grace: float = 0.0) -> bool:
        if not await self._redis.set(self._key(record.code), record.to_json(),
                                     px=int(ttl * 1000), xx=True):
            return False
        await self._index(old, record, ttl, time.time(), grace)
        return True

    async def take_over(self, claim: str, record: LobbyRecord, ttl: float, *,
                        grace: float = 0.0) -> bool:
        old = await self.get(record.code)
        done = await self._redis.eval(
            _TAKE_OVER, 2, f"{self._p}owner:{record.code}", self._key(record.code), claim,
            record.claim, int((ttl + grace) * 1000), record.to_json(), int(ttl * 1000))
        if not done:
            return False
        if old is not None and old.client != record.client:
            await self._redis.zrem(f"{self._p}client:{old.client}", record.code)
        await self._index(old, record, ttl, time.time(), grace)
        return True

    async def delete(self, code: str, *, grace: float = 0.0) -> None:
        record = await self.get(code)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.delete(self._key(code))
            pipe.zrem(f"{self._p}expiry", code)
            pipe.zrem(f"{self._p}public", code)
            if record is not None:
                pipe.zrem(f"{self._p}client:{record.client}", code)
                pipe.zrem(f"{self._p}game:{record.game}", code)
            if grace > 0:
                pipe.pexpire(f"{self._p}owner:{code}", int(grace * 1000))
            else:
                pipe.delete(f"{self._p}owner:{code}")
            await pipe.execute()

    async def page(self, game: str | None, offset: int, count: int) -> list[LobbyRecord]:
        index = f"{self._p}public" if game is None else f"{self._p}game:{game}"
        codes: list[str] = await self._redis.zrevrange(index, offset, offset + count - 1)
        if not codes:
            return []
        texts = await self._redis.mget([self._key(c) for c in codes])
        gone = [c for c, t in zip(codes, texts, strict=True) if t is None]
        if gone:
            await self._redis.zrem(index, *gone)
        return [LobbyRecord.from_json(t) for t in texts if t is not None]

    async def count(self) -> int:
        return int(await self._redis.zcount(f"{self._p}expiry", time.time(), "+inf"))

    async def close(self) -> None:
        await self._redis.aclose()
