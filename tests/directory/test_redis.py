"""Two konnekt-signal instances sharing one real redis-server: one list, codes resolve on
either, and a guest joins through the listed signalling URL of the host's instance."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest

from childproc import ChildProcess
from konnekt_arcade import LobbyDirectory, LobbyNotFound
from konnekt_arcade.net.directory import DirectoryService, LobbyRecord
from konnekt_arcade.net.directory._redis_store import RedisStore
from konnekt_arcade.net.directory._store import CreateResult
from konnekt_arcade.testing import wait_until

from ._helpers import Owner, every
from ._tools import konnekt_signal, redis_server

pytestmark = [pytest.mark.network, pytest.mark.timeout(180)]


def test_two_instances_share_lobbies_through_redis(tmp_path: Path) -> None:
    with redis_server(tmp_path) as redis_url, \
            konnekt_signal("--redis", redis_url) as url_a, \
            konnekt_signal("--redis", redis_url) as url_b:
        host, guest = ChildProcess("session"), ChildProcess("session")
        try:
            host.command(cmd="host", url=url_a, lobby="Shared", name="Alice", game="scale")
            session = host.wait_for(lambda e: e["event"] == "ready", 30)["session"]
            code = str(host.wait_for(lambda e: e["event"] == "code" and e["code"], 30)["code"])

            on_b = LobbyDirectory(url_b)
            assert [x.code for x in on_b.list(game="scale")] == [code]
            resolved = on_b.resolve(code)
            assert (resolved.session_id, resolved.signalling_url) == (session, url_a)

            guest.command(cmd="guest", url=url_b, code=code)  # asks B, connects through A
            assert guest.wait_for(lambda e: e["event"] == "ready", 60)["lobby"] == session
            guest.command(cmd="join", name="Bob")
            wait_until(every(0.5, lambda: on_b.list(game="scale")[0].players == 2), 30,
                       what="B lists the player count A's host sent")
            host.stop()
            wait_until(every(0.5, lambda: not on_b.list(game="scale")), 10,
                       what="removal through A seen on B")
            with pytest.raises(LobbyNotFound):
                on_b.resolve(code)
        finally:
            guest.stop()
            host.stop()


def test_redis_entries_expire_by_ttl_and_limits_hold(tmp_path: Path) -> None:
    """Redis' own TTL forgets a lobby whose host stopped sending heartbeats."""
    with redis_server(tmp_path) as redis_url, \
            konnekt_signal("--redis", redis_url, "--lobby-ttl", "1",
                           "--max-lobbies-per-client", "2") as url:
        owner = Owner(url)
        try:
            code = owner.register()["code"]
            owner.register()
            refused = owner.send({"op": "register", "lobby": {
                "session_id": str(uuid.uuid4()), "signalling_url": url, "name": "x",
                "host_name": "y", "players": 1, "max_players": 2, "game": "g"}})
            assert refused["status"] == 429
            directory = LobbyDirectory(url)
            assert directory.resolve(code).code == code
            wait_until(every(0.5, lambda: not directory.list()), 20, what="TTL expiry")
            with pytest.raises(LobbyNotFound):
                directory.resolve(code)
            owner.register()  # expired entries no longer count against the client
        finally:
            owner.close()


def test_redis_store_codes_are_unique(tmp_path: Path) -> None:
    async def scenario(url: str) -> None:
        store = RedisStore(url, prefix=f"t{uuid.uuid4().hex[:6]}:")
        service = DirectoryService(store)
        try:
            record = LobbyRecord(code="AAAAA", session_id=str(uuid.uuid4()),
                                 signalling_url="ws://x", name="n", host_name="h", players=1,
                                 max_players=2, has_password=False, game="g", created_at=1.0,
                                 updated_at=1.0, owner_hash="hash", client="c1")
            assert await store.create(record, 5, 10, 10) is CreateResult.OK
            assert await store.create(record, 5, 10, 10) is CreateResult.TAKEN
            assert [r.code for r in await store.page(None, 0, 10)] == ["AAAAA"]
            assert service.store is store
        finally:
            await store.close()

    with redis_server(tmp_path) as redis_url:
        asyncio.run(scenario(redis_url))


def test_one_game_is_found_among_2000_redis_entries_of_another(tmp_path: Path) -> None:
    """The Redis twin of test_server_input's memory-store test (issue 26 item 4): the listing
    reads the asked game's sorted set, so 2,000 newer entries of another game (250 addresses
    x 8) neither hide a my-game lobby nor fill an all-games page."""
    async def scenario(url: str) -> None:
        store = RedisStore(url, prefix=f"t{uuid.uuid4().hex[:6]}:")
        service = DirectoryService(store)
        try:
            def entry(code: str, game: str, client: str, at: float) -> LobbyRecord:
                return LobbyRecord(code=code, session_id=str(uuid.uuid4()),
                                   signalling_url="ws://x", name="n", host_name="h",
                                   players=1, max_players=4, has_password=False, game=game,
                                   created_at=at, updated_at=at, owner_hash="0" * 64,
                                   client=client)

            assert await store.create(entry("MYGAM", "my-game", "10.9.9.9", 1.0), 300,
                                      100_000, 8) is CreateResult.OK
            digits = str.maketrans("01", "AB")
            for i in range(2000):
                code = "SP" + f"{i:05d}".translate(digits)
                assert await store.create(entry(code, "spam", f"10.0.{i // 8}.1", 2.0 + i),
                                          300, 100_000, 8) is CreateResult.OK
            start = time.perf_counter()
            found = await service.list_public({"game": ["my-game"]})
            took = time.perf_counter() - start
            assert [r.code for r in found] == ["MYGAM"]
            page = await service.list_page({"limit": ["100"]})
            clients = [r.client for r in page.lobbies]
            assert len(clients) == 100 and page.next is not None
            assert max(clients.count(c) for c in clients) <= 4
            print(f"\n?game=my-game behind 2,000 Redis entries of another game: "
                  f"{took * 1000:.1f} ms")
        finally:
            await store.close()

    with redis_server(tmp_path) as redis_url:
        asyncio.run(scenario(redis_url))
