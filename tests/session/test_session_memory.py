"""SessionLoop / P2PLoop over the in-memory transport: polling, queues, game data, close."""

from __future__ import annotations

import logging
import time

import pytest

from konnekt_arcade import (
    ConnectionStage,
    DomainCommand,
    DomainEvent,
    GameData,
    HostChanged,
    InvalidSessionId,
    LobbySynced,
    P2PError,
    P2PLoopBuilder,
    SendFailed,
    SessionId,
    SessionLoop,
    StageChanged,
    Welcomed,
)
from konnekt_arcade.net import CHANNEL_RELIABLE, CHANNEL_UNRELIABLE
from konnekt_arcade.sync import PROTOCOL_VERSION

from .conftest import wait_until

URL = "memory://"


def host_and_guest(builder: P2PLoopBuilder, name: str = "Bob") -> tuple[SessionLoop, SessionLoop]:
    host, sid = builder.build_session_host(URL, [], "My Lobby", "Alice")
    guest = builder.start_session_guest(URL, sid, [])
    wait_until(lambda: guest.stage is ConnectionStage.SYNCED, 30, host, guest, what="sync")
    guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(), guest_name=name))
    wait_until(lambda: guest.local_participant_id() is not None, 30, host, guest, what="welcome")
    return host, guest


def test_host_guest_join_and_events(memory_builder: P2PLoopBuilder) -> None:
    host, guest = host_and_guest(memory_builder)
    assert host.is_host() and not guest.is_host()
    assert host.lobby_id() == guest.lobby_id() == host.session_id.uuid
    assert host.state_hash() == guest.state_hash()
    names = []
    for event in host.domain().drain_events():
        match event:
            case DomainEvent.GuestJoined(participant=p):
                names.append(p.name)
    assert names == ["Bob"]
    notices = guest.drain_notices()
    stages = [n.stage for n in notices if isinstance(n, StageChanged)]
    assert stages == [ConnectionStage.PEER_ID, ConnectionStage.CONNECTED, ConnectionStage.SYNCED]
    assert any(isinstance(n, LobbySynced) for n in notices)
    assert any(isinstance(n, Welcomed) for n in notices)
    # Domain events hold only domain events (notices are separate).
    assert all(not isinstance(e, LobbySynced | Welcomed) for e in guest.domain().drain_events())


def test_rejection_comes_back_as_command_failed(memory_builder: P2PLoopBuilder) -> None:
    host, guest = host_and_guest(memory_builder)
    guest.domain().drain_events()
    lobby = guest.get_lobby()
    assert lobby is not None
    rid = guest.submit_command(DomainCommand.KickGuest(
        lobby_id=lobby.id, host_id=lobby.host_id, guest_id=guest.local_participant_id()))
    failed: list[object] = []

    def got_failure() -> bool:
        failed.extend(e for e in guest.domain().drain_events()
                      if isinstance(e, DomainEvent.CommandFailed))
        return bool(failed)

    wait_until(got_failure, 30, host, guest, what="CommandFailed")
    assert failed[0].request_id == rid and failed[0].command_type == "KickGuest"


def test_local_misuse_raises(memory_builder: P2PLoopBuilder) -> None:
    host, guest = host_and_guest(memory_builder)
    with pytest.raises(TypeError):
        host.submit_command(DomainCommand.MarkDisconnected(participant_id=guest.local_participant_id()))
    with pytest.raises(P2PError):
        host.p2p().request_full_sync()
    with pytest.raises(P2PError):
        guest.p2p().send_full_sync_to_peer(host.local_peer_id())
    with pytest.raises(TypeError):
        host.send_game_data("text")  # type: ignore[arg-type]
    host.send_game_data(b"x", to="nobody")  # a peer that left: dropped and counted, no raise
    assert host.stats["dropped:game_data_not_connected"] == 1
    with pytest.raises(ValueError):
        memory_builder.start_session_host(URL, [], "", "Alice")


def test_poll_handles_at_most_batch_size(memory_builder: P2PLoopBuilder) -> None:
    builder = memory_builder.batch_size(3)
    host, guest = host_and_guest(builder)
    for i in range(10):
        guest.send_game_data(bytes([i]), reliable=True)
    counts = [host.poll() for _ in range(5)]
    assert counts[:3] == [3, 3, 3] and sum(counts) == 10
    assert [g.data for g in host.drain_game_data()] == [bytes([i]) for i in range(10)]


def test_game_data_both_channels_and_targets(memory_builder: P2PLoopBuilder) -> None:
    host, guest = host_and_guest(memory_builder)
    host.send_game_data(b"\x00{looks like json}", reliable=False)
    host.send_game_data(b'{"v":1}', to=guest.local_peer_id(), reliable=True)
    data: list[GameData] = []
    wait_until(lambda: data.extend(guest.drain_game_data()) or len(data) >= 2, 30, guest,
               what="game data")
    assert [(d.peer_id, d.data, d.reliable) for d in data] == [
        (host.local_peer_id(), b"\x00{looks like json}", False),
        (host.local_peer_id(), b'{"v":1}', True),
    ]
    # Game data never reaches the sync decoder.
    assert guest.stats.get("sync:dropped:malformed", 0) == 0


def test_game_data_queue_drops_oldest_and_counts(memory_builder: P2PLoopBuilder,
                                                caplog: pytest.LogCaptureFixture) -> None:
    builder = memory_builder.queue_size(50)
    host, guest = host_and_guest(builder)
    with caplog.at_level(logging.WARNING, logger="konnekt_arcade"):
        for i in range(40):
            guest.send_game_data(i.to_bytes(2, "big"))
            host.poll()
        for i in range(40, 80):
            guest.send_game_data(i.to_bytes(2, "big"))
            host.poll()
    data = host.drain_game_data()
    assert len(data) == 50
    assert data[-1].data == (79).to_bytes(2, "big") and data[0].data == (30).to_bytes(2, "big")
    assert host.stats["dropped:game_data"] == 30
    assert "game data queue full" in caplog.text


def test_domain_event_queue_is_bounded_and_counted(memory_builder: P2PLoopBuilder) -> None:
    host, _ = host_and_guest(memory_builder.queue_size(4))
    lobby = host.get_lobby()
    assert lobby is not None
    for i in range(6):
        host.submit_command(DomainCommand.SendChat(
            lobby_id=lobby.id, participant_id=lobby.host_id, text=f"hi {i}"))
    events = host.domain().drain_events()
    assert len(events) == 4 and events[-1].text == "hi 5"
    assert host.domain().dropped_events > 0
    assert host.stats["dropped:domain_events"] == host.domain().dropped_events


def test_bad_network_input_never_raises(memory_builder: P2PLoopBuilder) -> None:
    host, guest = host_and_guest(memory_builder)
    transport = guest.p2p().transport
    assert transport is not None
    for junk in (b"", b"not json", b'{"v":%d,"msg":{"type":"Nope"}}' % PROTOCOL_VERSION,
                  b"\xff" * 10):
        transport.send(host.local_peer_id(), CHANNEL_RELIABLE, junk)
        transport.send(host.local_peer_id(), CHANNEL_UNRELIABLE, junk)
    host.poll()
    assert host.stats["dropped:bad_game_data"] >= 3
    assert host.stats.get("sync:dropped:malformed", 0) >= 3
    assert host.state_hash() == guest.state_hash()


def test_p2p_loop_api(memory_builder: P2PLoopBuilder) -> None:
    host, guest = host_and_guest(memory_builder)
    commands = host.p2p().drain_domain_commands()
    assert [type(c).__name__ for c in commands] == ["JoinLobby"]
    assert host.p2p().current_sequence() == guest.p2p().current_sequence() == 2
    synced_before = guest.stats["sync:snapshots_applied"]
    guest.p2p().request_full_sync()
    wait_until(lambda: guest.stats["sync:snapshots_applied"] > synced_before, 30, host, guest)
    snap = host.p2p().sync.snapshot()  # type: ignore[union-attr]
    host.p2p().send_full_sync_to_peer(guest.local_peer_id(), snap)
    n = guest.stats["sync:snapshots_applied"]
    wait_until(lambda: guest.stats["sync:snapshots_applied"] > n, 30, host, guest)
    assert guest.p2p().poll() == 0  # p2p().poll() is the same loop, nothing pending


def test_delegate_host_in_memory(memory_builder: P2PLoopBuilder) -> None:
    host, guest = host_and_guest(memory_builder)
    lobby = host.get_lobby()
    assert lobby is not None
    host.submit_command(DomainCommand.DelegateHost(
        lobby_id=lobby.id, current_host_id=host.local_participant_id(),
        new_host_id=guest.local_participant_id()))
    wait_until(lambda: guest.is_host(), 30, host, guest, what="delegation")
    assert not host.is_host()
    assert any(isinstance(n, HostChanged) and n.is_local for n in guest.drain_notices())


def test_close_is_idempotent_and_context_manager(memory_builder: P2PLoopBuilder) -> None:
    host, guest = host_and_guest(memory_builder)
    with guest:
        pass
    assert guest.stage is ConnectionStage.CLOSED
    guest.close()
    assert guest.poll() == 0
    guest.send_game_data(b"x")  # a game's per-frame send after close: dropped, counted
    assert guest.stats["dropped:game_data_not_connected"] == 1
    with pytest.raises(SendFailed):
        guest.submit_command(DomainCommand.SendChat(lobby_id=guest.lobby_id(),
                                                    participant_id=host.local_participant_id(),
                                                    text="x"))
    wait_until(lambda: not host.connected_peers(), 30, host)
    host.close()
    host.close()


def test_close_announces_the_closed_stage(memory_builder: P2PLoopBuilder) -> None:
    """Every stage change comes with a ``StageChanged`` notice, CLOSED too (a game that
    follows the notices learned FAILED but never CLOSED); a second close adds none."""
    host, guest = host_and_guest(memory_builder)
    for session in (host, guest):
        session.drain_notices()
        session.close()
        session.close()
        closed = [n for n in session.drain_notices() if isinstance(n, StageChanged)]
        assert closed == [StageChanged(ConnectionStage.CLOSED, None)]


def test_failed_session_keeps_its_stage_when_closed(memory_builder: P2PLoopBuilder) -> None:
    guest = memory_builder.connection_timeout(0.05).start_session_guest(URL, SessionId.new(), [])
    wait_until(lambda: guest.stage is ConnectionStage.FAILED, 30, guest, what="timeout")
    guest.drain_notices()
    guest.close()
    assert guest.stage is ConnectionStage.FAILED and guest.error is not None
    assert not [n for n in guest.drain_notices() if isinstance(n, StageChanged)]


@pytest.mark.parametrize("size", [0, -1, 65, True, 2.5])
def test_max_participants_must_be_a_real_lobby_size(memory_builder: P2PLoopBuilder,
                                                    size: object) -> None:
    """0 used to mean "the default" without a word."""
    with pytest.raises(ValueError, match=r"max_participants=.* Check: pass a number from 1 to"):
        memory_builder.start_session_host(URL, [], "Lobby", "Alice",
                                          max_participants=size)  # type: ignore[arg-type]


def test_max_participants_is_kept(memory_builder: P2PLoopBuilder) -> None:
    host, _ = memory_builder.build_session_host(URL, [], "Lobby", "Alice", max_participants=2)
    assert host.get_lobby().max_participants == 2  # type: ignore[union-attr]
    host.close()


def test_session_id_parse() -> None:
    sid = SessionId.new()
    assert SessionId.parse(f"  {sid} ") == sid
    assert SessionId.parse(sid.uuid) == sid and sid.room == str(sid)
    with pytest.raises(InvalidSessionId, match="not-a-uuid"):
        SessionId.parse("not-a-uuid")
    with pytest.raises(InvalidSessionId):
        P2PLoopBuilder().start_session_guest("ws://127.0.0.1:1", "1234", [])


def test_heartbeats_outlive_a_stalled_reliable_channel(memory_builder: P2PLoopBuilder,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Under packet loss the ordered reliable channel can go silent for seconds while SCTP
    retransmits; heartbeats on the unreliable channel keep a live host from being declared
    lost (the default heartbeat timeout is 2.5 s)."""
    host, guest = host_and_guest(memory_builder)
    network = memory_builder.network  # type: ignore[attr-defined]
    sent: list[int] = []

    def stalled(sender: str, receiver: str, channel: int, data: bytes) -> bool:
        sent.append(channel)
        return channel == CHANNEL_RELIABLE  # lost: only the unreliable channel gets through

    monkeypatch.setattr(network, "loss", stalled)
    timeout = host.p2p().sync.config.heartbeat_timeout  # type: ignore[union-attr]
    stall_ends = time.monotonic() + timeout * 1.6
    wait_until(lambda: time.monotonic() >= stall_ends, timeout * 2, host, guest, what="stall")
    assert CHANNEL_UNRELIABLE in sent
    assert host.is_host() and not guest.is_host()
    assert not any(isinstance(n, HostChanged) for n in guest.drain_notices())
    monkeypatch.undo()
    guest.submit_command(DomainCommand.SendChat(lobby_id=guest.lobby_id(),
                                                participant_id=guest.local_participant_id(),
                                                text="still here"))
    wait_until(lambda: host.get_lobby().chat, 30, host, guest, what="chat after the stall")
    assert host.state_hash() == guest.state_hash()


def test_host_hands_each_event_to_the_transport_once_for_all_guests(
        memory_builder: P2PLoopBuilder) -> None:
    """A lobby event goes to every guest as one send_many (not a send per guest), and every
    guest still applies every event in order."""
    host, sid = memory_builder.build_session_host(URL, [], "Busy", "Alice")
    guests = [memory_builder.start_session_guest(URL, sid, []) for _ in range(3)]
    everyone = [host, *guests]
    wait_until(lambda: all(g.stage is ConnectionStage.SYNCED for g in guests), 30, *everyone,
               what="sync")
    wait_until(lambda: all(len(s.connected_peers()) == 3 for s in everyone), 30, *everyone,
               what="mesh")
    transport = host.p2p().transport
    assert transport is not None
    calls: list[tuple[str, int]] = []
    inside: list[bool] = []  # the memory transport's send_many calls its own send
    send, send_many = transport.send, transport.send_many

    def spy_send(peer: str, channel: int, data: bytes) -> None:
        if not inside:
            calls.append(("send", 1))
        send(peer, channel, data)

    def spy_many(peers: list[str], channel: int, data: bytes) -> None:
        calls.append(("send_many", len(peers)))
        inside.append(True)
        try:
            send_many(peers, channel, data)
        finally:
            inside.pop()

    transport.send, transport.send_many = spy_send, spy_many  # type: ignore[method-assign]
    pid = host.local_participant_id()
    for i in range(5):
        host.submit_command(DomainCommand.SendChat(lobby_id=host.lobby_id(), participant_id=pid,
                                                   text=f"line {i}"))
    assert calls == [("send_many", 3)] * 5
    texts: dict[int, list[str]] = {i: [] for i in range(3)}

    def all_lines() -> bool:
        for i, g in enumerate(guests):
            texts[i] += [e.text for e in g.domain().drain_events()
                         if isinstance(e, DomainEvent.ChatPosted)]
        return all(len(t) == 5 for t in texts.values())

    wait_until(all_lines, 30, *everyone, what="every line at every guest")
    assert all(t == [f"line {i}" for i in range(5)] for t in texts.values())
    assert len({s.state_hash() for s in everyone}) == 1
