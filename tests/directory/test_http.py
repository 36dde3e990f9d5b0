"""The directory over real sockets: konnekt-signal's HTTP side, the owner websocket, the
client (``LobbyDirectory``) and ``publish()`` with real WebRTC sessions in one process."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.error
import urllib.request

import pytest
from websockets.sync.client import connect

from konnekt_arcade import (
    DirectoryUnavailable,
    DomainCommand,
    LobbyDirectory,
    LobbyNotFound,
    P2PError,
    P2PLoopBuilder,
)
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.net.directory import DirectoryLimits, Rate
from konnekt_arcade.testing import wait_until

from ._helpers import Owner, every

pytestmark = [pytest.mark.network, pytest.mark.timeout(120)]


def http(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_list_and_resolve_over_http(server: SignallingServer) -> None:
    owner = Owner(server.url)
    try:
        reply = owner.register(name="Public", game="g1")
        owner.register(name="Private", game="g1", public=False)
        owner.register(name="Other", game="g2", players=4, max_players=4)
        directory = LobbyDirectory(server.url)
        assert [x.name for x in directory.list()] == ["Other", "Public"]
        assert [x.name for x in directory.list(game="g1")] == ["Public"]
        assert [x.name for x in directory.list(has_slots=True)] == ["Public"]
        listed = directory.list(limit=1)
        assert len(listed) == 1 and listed[0].session_id is None  # listing is not joining
        resolved = directory.resolve(reply["code"].lower())
        assert resolved.session_id == reply["lobby"]["session_id"]
        assert resolved.signalling_url == server.url  # the instance the host is on
        with pytest.raises(LobbyNotFound, match="Check:"):
            directory.resolve("ZZZZZ")
        with pytest.raises(LobbyNotFound):
            directory.resolve("O0O0O")
        status, headers, body = http(server.url.replace("ws://", "http://") + "/lobbies")
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert len(json.loads(body)["lobbies"]) == 2
    finally:
        owner.close()


def test_owner_socket_refuses_bad_messages_and_keeps_serving(server: SignallingServer) -> None:
    owner = Owner(server.url)
    try:
        assert owner.send("{not json")["status"] == 400
        assert owner.send("x" * 5000)["status"] == 413
        reply = owner.register()
        # "not yours" answers exactly like "not live": no oracle for which codes exist
        wrong = owner.send({"op": "remove", "code": reply["code"], "token": "wrong"})
        absent = owner.send({"op": "remove", "code": "ZZZZZ", "token": "wrong"})
        assert wrong == absent and wrong["status"] == 404
        assert LobbyDirectory(server.url).resolve(reply["code"]).name == "My Lobby"
    finally:
        owner.close()
    assert server.directory is not None and server.directory.stats["refused"] == 4


def test_http_rate_limit_429() -> None:
    limits = DirectoryLimits(read_rate=Rate(per_second=0.01, burst=3))
    from konnekt_arcade.net.directory import DirectoryService, MemoryStore

    service = DirectoryService(MemoryStore(time.time), limits=limits)
    with SignallingServer(directory=service) as srv:
        base = srv.url.replace("ws://", "http://")
        statuses = [http(base + "/lobbies")[0] for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        status, headers, body = http(base + "/")
        assert status == 429 and headers["Retry-After"] == "1"
        with pytest.raises(DirectoryUnavailable, match=r"too many requests.*Check:"):
            LobbyDirectory(srv.url).list()


def test_oversize_url_and_other_methods_refused(server: SignallingServer) -> None:
    base = server.url.replace("ws://", "http://")
    assert http(base + "/lobbies?game=" + "a" * 600)[0] == 414
    for method in ("POST", "DELETE", "PUT"):
        request = urllib.request.Request(base + "/lobbies/AAAAA", method=method)
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 405


def test_unreachable_directory_says_what_to_check() -> None:
    with SignallingServer() as srv:
        url = srv.url
    with pytest.raises(DirectoryUnavailable, match="Check:") as info:
        LobbyDirectory(url, timeout=2).list()
    assert isinstance(info.value, P2PError)


def test_signalling_still_works_for_rooms_named_like_routes(server: SignallingServer) -> None:
    with connect(server.url + "/lobbies", open_timeout=10) as ws:
        assert "IdAssigned" in json.loads(ws.recv(timeout=10))


def test_directory_only_refuses_rooms() -> None:
    with SignallingServer(signalling=False) as srv:
        with pytest.raises(Exception, match="404"):
            connect(srv.url + "/room", open_timeout=10)
        owner = Owner(srv.url)
        try:
            reply = owner.register(signalling_url="wss://matchbox.test")
            assert LobbyDirectory(srv.url).resolve(reply["code"]).signalling_url == \
                "wss://matchbox.test"
        finally:
            owner.close()


def test_published_lobby_follows_players_and_leaves_on_close(server: SignallingServer) -> None:
    builder = P2PLoopBuilder().publish(game="test-game", version="2")
    host, sid = builder.build_session_host(server.url, [], "Room One", "Alice")
    directory = LobbyDirectory(server.url)
    guest = None
    try:
        wait_until(lambda: host.join_code() is not None, 20, host, what="join code")
        code = host.join_code()
        assert code is not None
        [entry] = directory.list(game="test-game")
        assert (entry.code, entry.name, entry.host_name, entry.players, entry.version) == (
            code, "Room One", "Alice", 1, "2")
        guest = P2PLoopBuilder().start_session_guest(server.url, code.lower(), [])
        wait_until(lambda: guest.is_ready, 30, host, guest, what="guest synced by code")
        lobby_id = guest.lobby_id()
        assert lobby_id == sid.uuid
        guest.submit_command(DomainCommand.JoinLobby(lobby_id=lobby_id, guest_name="Bob"))
        wait_until(every(0.5, lambda: directory.list(game="test-game")[0].players == 2), 30,
                   host, guest, what="player count 2 in the directory")
    finally:
        if guest is not None:
            guest.close()
        host.close()
    wait_until(every(0.5, lambda: not directory.list(game="test-game")), 20, what="entry removed")
    assert host.join_code() is None
    with pytest.raises(LobbyNotFound):
        directory.resolve(code)


def test_private_publish_gives_a_code_without_listing(server: SignallingServer) -> None:
    host, sid = P2PLoopBuilder().publish("g", public=False).build_session_host(
        server.url, [], "Hidden", "Alice")
    try:
        wait_until(lambda: host.join_code() is not None, 20, host, what="join code")
        directory = LobbyDirectory(server.url)
        assert directory.list() == []
        assert directory.resolve(host.join_code() or "").session_id == str(sid)
    finally:
        host.close()


def test_guest_with_unknown_code_gets_lobby_not_found(server: SignallingServer) -> None:
    with pytest.raises(LobbyNotFound, match=r"K7QXB.*Check:"):
        P2PLoopBuilder().build_session_guest(server.url, "K7QXB", [])


def test_host_re_registers_its_code_after_the_server_restarts() -> None:
    """The directory lost everything (an in-memory server restarted): the host's publisher
    reconnects and registers again under the same code, so a code already shared still works."""
    first = SignallingServer().start()
    port = first.port
    host, _ = P2PLoopBuilder().publish("restart").build_session_host(first.url, [], "R", "A")
    second = None
    try:
        wait_until(lambda: host.join_code() is not None, 20, host, what="join code")
        code = host.join_code()
        first.stop()
        second = SignallingServer(port=port).start()
        directory = LobbyDirectory(second.url)
        wait_until(every(0.5, lambda: [x.code for x in directory.list()] == [code]), 30, host,
                   what="the same code listed again after the restart")
        assert directory.resolve(code or "").name == "R"
    finally:
        host.close()
        if second is not None:
            second.stop()
        first.stop()


def test_no_directory_on_the_server_never_breaks_the_session(
        caplog: pytest.LogCaptureFixture) -> None:
    """A host publishing to a server without a directory (here konnekt-signal with none, where
    /_directory is just a room) keeps its lobby working; the code stays None."""
    with SignallingServer(with_directory=False) as srv:
        host, sid = P2PLoopBuilder().publish("g").build_session_host(srv.url, [], "L", "A")
        guest = P2PLoopBuilder().start_session_guest(srv.url, sid, [])
        try:
            wait_until(lambda: guest.is_ready, 30, host, guest, what="guest joins by id")
            caplog.set_level(logging.WARNING, logger="konnekt_arcade")

            def told() -> bool:
                return any("no lobby directory" in r.getMessage() for r in caplog.records)
            wait_until(told, 20, host, guest,
                       what="the publisher says (in the log) there is no directory")
            assert host.join_code() is None and host.stats["announce_errors"] == 0
        finally:
            guest.close()
            host.close()


def test_entry_lost_on_the_server_is_registered_again_at_the_next_change(
        server: SignallingServer) -> None:
    """The entry vanished while the host's socket stayed up (expired in a shared store): the
    next update gets 404 and the host registers again at once, under the same code."""
    host, sid = P2PLoopBuilder().publish("lost").build_session_host(server.url, [], "L", "A")
    guest = None
    try:
        wait_until(lambda: host.join_code() is not None, 20, host, what="join code")
        code = host.join_code()
        assert server.directory is not None
        store = server.directory.store
        # The entry expires in the store (its tombstone keeps the code for its owner). Kept:
        # the server's private loop, the one way to run a store call on its thread.
        asyncio.run_coroutine_threadsafe(store.delete(code or "", grace=60),
                                         server._loop).result(5)  # type: ignore[arg-type]
        directory = LobbyDirectory(server.url)
        wait_until(every(0.5, lambda: directory.list() == []), 10, host, what="entry gone")
        guest = P2PLoopBuilder().start_session_guest(server.url, sid, [])
        wait_until(lambda: guest.is_ready, 30, host, guest, what="guest synced")
        guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(), guest_name="B"))
        wait_until(every(0.5, lambda: [(x.code, x.players) for x in directory.list()]
                         == [(code, 2)]), 8, host, guest, what="listed again, same code")
    finally:
        if guest is not None:
            guest.close()
        host.close()
