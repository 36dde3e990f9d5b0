"""The directory service's rules, driven directly with an injected clock (no sockets)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from konnekt_arcade.net.directory import (
    ALPHABET,
    DirectoryLimits,
    DirectoryService,
    MemoryStore,
    Rate,
    normalize_code,
)
from konnekt_arcade.net.directory._codes import code_attempts, new_code
from konnekt_arcade.net.directory._limits import MAX_BODY_BYTES, MAX_PATH_BYTES

from ._helpers import Clock, lobby

FAST = Rate(per_second=1000.0, burst=1000.0)


def make(clock: Clock, **limits: Any) -> DirectoryService:
    settings = {"read_rate": FAST, "lookup_rate": FAST, "write_rate": FAST, **limits}
    return DirectoryService(MemoryStore(clock), clock=clock,
                            limits=DirectoryLimits(**settings))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def owner(service: DirectoryService, msg: Any, client: str = "10.0.0.1",
          host: str | None = "dir.test:3536") -> dict[str, Any]:
    frame = msg if isinstance(msg, str | bytes) else json.dumps(msg)
    return run(service.owner_message(frame, client, host))


def get(service: DirectoryService, path: str, client: str = "10.0.0.9") -> tuple[int, Any]:
    reply = run(service.http("GET", path, client))
    if reply.content_type.startswith("application/json"):
        return reply.status, json.loads(reply.body)
    return reply.status, reply.body.decode()


def register(service: DirectoryService, client: str = "10.0.0.1", **fields: Any) -> dict:
    reply = owner(service, {"op": "register", "lobby": lobby(**fields)}, client)
    assert reply["ok"], reply
    return reply


def test_codes_use_the_alphabet_and_normalize() -> None:
    assert len(ALPHABET) == 29 and not set("01ILOQU") & set(ALPHABET)
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == 5 and set(c) <= set(ALPHABET) for c in codes)
    assert len(codes) > 190  # random, not a counter
    assert normalize_code(" k7rxb ") == "K7RXB"
    assert normalize_code("K7QXB") is None  # Q is not in the alphabet (looks like O)
    assert normalize_code("K7RXO") is None and normalize_code("K7") is None
    assert code_attempts()[:3] == [5, 5, 5] and code_attempts()[-1] == 8


def test_collision_redraws_then_lengthens(monkeypatch: pytest.MonkeyPatch) -> None:
    service = make(Clock())
    drawn = iter(["AAAAA", "AAAAA", "AAAAA", "AAAAA", "BBBBBB"])
    monkeypatch.setattr("konnekt_arcade.net.directory._service.new_code",
                        lambda n: next(drawn))
    assert register(service)["code"] == "AAAAA"
    assert register(service)["code"] == "BBBBBB"  # three collisions at 5, then length 6


def test_listing_filters_limits_and_newest_first() -> None:
    clock = Clock()
    service = make(clock)
    for i in range(6):
        register(service, name=f"L{i}", game="a" if i % 2 else "b", version=f"{i % 3}",
                 players=4 if i == 5 else 1, client=f"10.0.0.{i}")
        clock.advance(1)
    register(service, name="hidden", public=False)
    status, body = get(service, "/lobbies")
    assert status == 200
    names = [x["name"] for x in body["lobbies"]]
    assert names == ["L5", "L4", "L3", "L2", "L1", "L0"]
    entry = body["lobbies"][0]
    assert set(entry) == {"code", "name", "host_name", "players", "max_players",
                          "has_password", "game", "version", "protocol", "created_at",
                          "updated_at"}
    assert [x["name"] for x in get(service, "/lobbies?game=a")[1]["lobbies"]] == [
        "L5", "L3", "L1"]
    assert [x["name"] for x in get(service, "/lobbies?game=a&has_slots=1")[1]["lobbies"]] \
        == ["L3", "L1"]
    assert [x["name"] for x in get(service, "/lobbies?version=2")[1]["lobbies"]] == [
        "L5", "L2"]
    assert len(get(service, "/lobbies?limit=2")[1]["lobbies"]) == 2
    assert get(service, "/lobbies?limit=101")[0] == 400
    assert get(service, "/lobbies?limit=x")[0] == 400


def test_default_and_max_limit() -> None:
    clock = Clock()
    service = make(clock)
    for i in range(120):
        register(service, client=f"10.1.{i}.1")
    assert len(get(service, "/lobbies")[1]["lobbies"]) == 50
    assert len(get(service, "/lobbies?limit=100")[1]["lobbies"]) == 100


def test_private_lobby_resolves_but_is_not_listed() -> None:
    service = make(Clock())
    reply = register(service, public=False, name="Secret")
    assert get(service, "/lobbies")[1]["lobbies"] == []
    status, body = get(service, f"/lobbies/{reply['code'].lower()}")
    assert status == 200 and body["name"] == "Secret" and body["public"] is False
    assert body["session_id"] == reply["lobby"]["session_id"]
    assert body["signalling_url"] == "ws://dir.test:3536"  # stamped from the Host header
    assert get(service, "/lobbies/ZZZZZ")[0] == 404
    assert get(service, "/lobbies/not-a-code")[0] == 404


def test_expiry_and_heartbeat_with_injected_clock() -> None:
    clock = Clock()
    service = make(clock, ttl=30.0)
    reply = register(service)
    code, token = reply["code"], reply["token"]
    clock.advance(25)
    assert owner(service, {"op": "update", "code": code, "token": token,
                           "lobby": {**reply["lobby"], "players": 3}})["ok"]
    clock.advance(25)  # 50 s after registering, 25 s after the heartbeat: still there
    status, body = get(service, f"/lobbies/{code}")
    assert status == 200 and body["players"] == 3
    clock.advance(5.1)
    assert get(service, f"/lobbies/{code}")[0] == 404
    assert get(service, "/lobbies")[1]["lobbies"] == []
    # The owner may take its code back after expiry (a host whose socket was down).
    again = owner(service, {"op": "register", "code": code, "token": token,
                            "lobby": reply["lobby"]})
    assert again["ok"] and again["code"] == code


def test_only_the_owner_updates_or_removes() -> None:
    service = make(Clock())
    reply = register(service)
    code = reply["code"]
    other = register(service, client="10.9.9.9")
    for op in ("update", "remove"):
        refused = owner(service, {"op": op, "code": code, "token": other["token"],
                                  "lobby": lobby(name="Hijacked")}, "10.9.9.9")
        assert (refused["ok"], refused["status"]) == (False, 404)  # same as "not live"
    stolen = owner(service, {"op": "register", "code": code, "token": other["token"],
                             "lobby": lobby(name="Hijacked")}, "10.9.9.9")
    assert stolen["ok"] and stolen["code"] != code  # a new code, never the taken one
    assert get(service, f"/lobbies/{code}")[1]["name"] == "My Lobby"
    changed = owner(service, {"op": "update", "code": code, "token": reply["token"],
                              "lobby": {**reply["lobby"], "session_id": lobby()["session_id"]}})
    assert changed["status"] == 400  # an entry cannot be re-pointed at another session
    assert owner(service, {"op": "remove", "code": code, "token": reply["token"]})["ok"]
    assert get(service, f"/lobbies/{code}")[0] == 404


@pytest.mark.parametrize("frame,status", [
    ("not json", 400),
    ("[1, 2]", 400),
    (json.dumps({"op": "explode"}), 400),
    (json.dumps({"op": "register"}), 400),
    (json.dumps({"op": "register", "lobby": lobby(name="")}), 400),
    (json.dumps({"op": "register", "lobby": lobby(name="x" * 33)}), 400),
    (json.dumps({"op": "register", "lobby": lobby(name="a\nb")}), 400),
    (json.dumps({"op": "register", "lobby": lobby(players=9)}), 400),
    (json.dumps({"op": "register", "lobby": lobby(max_players=True)}), 400),
    (json.dumps({"op": "register", "lobby": lobby(session_id="nope")}), 400),
    (json.dumps({"op": "register", "lobby": lobby(game="<b>")}), 400),
    (json.dumps({"op": "register", "lobby": lobby(signalling_url="javascript:alert(1)")}), 400),
    (json.dumps({"op": "update", "code": "AAAAA"}), 400),
    (json.dumps({"op": "update", "code": "AAAAA", "token": "t", "lobby": lobby()}), 404),
    ("x" * (MAX_BODY_BYTES + 1), 413),
])
def test_malformed_and_oversize_owner_messages_are_refused(frame: str, status: int) -> None:
    service = make(Clock())
    reply = owner(service, frame)
    assert (reply["ok"], reply["status"]) == (False, status), reply
    assert service.stats["refused"] == 1
    assert get(service, "/lobbies")[1]["lobbies"] == []


def test_oversize_and_wrong_method_http() -> None:
    service = make(Clock())
    assert get(service, "/lobbies?game=" + "a" * MAX_PATH_BYTES)[0] == 414
    assert run(service.http("POST", "/lobbies", "10.0.0.1")).status == 405


def test_rate_limits_answer_429_and_recover() -> None:
    clock = Clock()
    service = make(clock, read_rate=Rate(1.0, 3.0), lookup_rate=Rate(1.0, 2.0),
                   write_rate=Rate(1.0, 2.0))
    statuses = [get(service, "/lobbies", "10.0.0.5")[0] for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert get(service, "/lobbies", "10.0.0.6")[0] == 200  # per client
    reply = run(service.http("GET", "/lobbies", "10.0.0.5"))
    assert ("Retry-After", "1") in reply.headers
    assert [get(service, "/lobbies/AAAAA", "10.0.0.5")[0] for _ in range(3)] == [404, 404, 429]
    assert register(service)["ok"] and register(service)["ok"]
    assert owner(service, {"op": "register", "lobby": lobby()})["status"] == 429
    clock.advance(1.0)
    assert get(service, "/lobbies", "10.0.0.5")[0] == 200
    assert service.stats["rate_limited"] == 5


def test_entry_limits_overall_and_per_client() -> None:
    service = make(Clock(), max_entries=3, max_entries_per_client=2)
    register(service, client="a")
    register(service, client="a")
    refused = owner(service, {"op": "register", "lobby": lobby()}, "a")
    assert (refused["status"], refused["error"]) == (429, "too_many_lobbies")
    register(service, client="b")
    full = owner(service, {"op": "register", "lobby": lobby()}, "c")
    assert (full["status"], full["error"]) == (503, "full")


def test_html_page_escapes_everything() -> None:
    service = make(Clock())
    register(service, name="<script>alert(1)</script>", host_name='"&<b>')
    reply = run(service.http("GET", "/", "10.0.0.1"))
    page = reply.body.decode()
    assert reply.status == 200 and reply.content_type.startswith("text/html")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&amp;&lt;b&gt;" in page
    assert any(k == "Content-Security-Policy" and "default-src 'none'" in v
               for k, v in reply.headers)


def test_directory_only_keeps_the_hosts_signalling_url_unless_public_url() -> None:
    clock = Clock()
    beside_matchbox = DirectoryService(MemoryStore(clock), clock=clock,
                                       serves_signalling=False)
    reply = owner(beside_matchbox, {"op": "register",
                                    "lobby": lobby(signalling_url="wss://mb.test/")})
    assert reply["lobby"]["signalling_url"] == "wss://mb.test"
    proxied = DirectoryService(MemoryStore(clock), clock=clock,
                               public_url="wss://play.test/")
    reply = owner(proxied, {"op": "register", "lobby": lobby()})
    assert reply["lobby"]["signalling_url"] == "wss://play.test"
