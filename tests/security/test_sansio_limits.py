"""Limits and the lobby password, sans-I/O: floods, sizes, log volume, passwords."""

from __future__ import annotations

import logging
import tracemalloc

from konnekt_arcade.domain import DomainCommand, DomainEvent, state_hash
from konnekt_arcade.sync import PROTOCOL_VERSION, AccessDenied, LobbySync, SyncConfig
from konnekt_arcade.sync._wire import (
    Authenticate,
    Command,
    RequestFullSync,
    RequestMissingEvents,
    encode,
    password_proof,
)
from tests.sync.simnet import SimNet

from .test_sansio_authority import inject, lobby


def test_flood_of_10000_messages_is_rate_limited_before_parsing():
    net, host, (g1, g2), mal = lobby()
    before = state_hash(host.lobby)
    chat = encode(Command(request_id=1, command=DomainCommand.SendChat(
        lobby_id=host.lobby.id, participant_id=g1.local_participant_id, text="spam")))
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(10_000):
        host.receive("mal", chat if i % 2 else b'{"v":%d,"msg":{"type":"Nope"}}' % PROTOCOL_VERSION,
                     net.now)
        if i % 1000 == 0:
            host.data_to_send()  # the transport would take these
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    host.data_to_send()
    cfg = host.config
    assert host.stats["dropped:rate_limited"] >= 10_000 - cfg.message_burst
    assert host.stats["received"] >= 10_000
    assert state_hash(host.lobby) == before
    assert grown < 2_000_000, grown
    net.advance(2.0)  # the honest peers carry on
    assert net.converged()


def test_guest_command_and_chat_budgets():
    cfg = SyncConfig(chat_rate=1.0, chat_burst=3, command_rate=10.0, command_burst=20)
    net, host, (g1,), mal = lobby(1, config=cfg)
    for i in range(10):
        inject(net, [host], Command(request_id=i, command=DomainCommand.SendChat(
            lobby_id=host.lobby.id, participant_id=mal.local_participant_id, text=f"m{i}")))
    assert [m.text for m in host.lobby.chat] == ["m0", "m1", "m2"]
    assert host.stats["rejected:rate_limited"] == 7
    net.advance(2.0)  # the bucket refills
    inject(net, [host], Command(request_id=99, command=DomainCommand.SendChat(
        lobby_id=host.lobby.id, participant_id=mal.local_participant_id, text="later")))
    assert host.lobby.chat[-1].text == "later"


def test_oversized_malformed_and_wrong_version_are_counted_and_logged_quietly(caplog):
    net, host, (g1,), mal = lobby(1)
    junk = [b"x" * (host.config.max_message_size + 1), b"{not json", b"[]", b"\xff\xfe",
            b'{"v":99,"msg":{"type":"RequestFullSync","lobby_id":null,"last_known_sequence":0}}',
            b'{"v":%d,"msg":{"type":"Heartbeat","epoch":-1}}' % PROTOCOL_VERSION,
            b'{"v":1' + b"[" * 5000]
    with caplog.at_level(logging.WARNING, logger="konnekt_arcade.sync"):
        for _ in range(50):
            for data in junk:
                host.receive("g1", data, net.now)
    assert host.stats["dropped:too_large"] == 50
    assert host.stats["dropped:bad_version"] == 50
    assert host.stats["dropped:malformed"] == 250
    lines = [r for r in caplog.records if r.name == "konnekt_arcade.sync"]
    assert 1 <= len(lines) <= 3, [r.getMessage() for r in lines]


def test_buffers_and_pending_stay_bounded_under_out_of_order_junk():
    cfg = SyncConfig(max_buffered_events=32, max_pending_commands=8, message_rate=0)
    net, host, (g1,), mal = lobby(1, config=cfg)
    for i in range(500):
        le = host.event_at(host.sequence).model_copy(update={"sequence": host.sequence + 5 + i})
        from konnekt_arcade.sync._wire import EventBroadcast
        g1.receive("host", encode(EventBroadcast(event=le)), net.now)
        assert g1.buffered_events <= 32
    for _ in range(50):
        g1.submit(DomainCommand.SetReady(lobby_id=g1.lobby.id,
                                         participant_id=g1.local_participant_id, ready=True),
                  net.now)
    assert g1.commands_in_flight <= 8
    failed = [e for e in g1.drain_events() if isinstance(e, DomainEvent.CommandFailed)]
    assert any("too many" in e.reason for e in failed)


def test_names_and_chat_are_validated():
    net, host, (g1,), mal = lobby(1)
    texts = ("x" * 281, "\x1b[2Jbell\x07", "  ", "\u202eevil")
    bad = [DomainCommand.SendChat(lobby_id=host.lobby.id, participant_id=mal.local_participant_id,
                                  text=t) for t in texts]
    for i, cmd in enumerate(bad):
        inject(net, [host], Command(request_id=i, command=cmd))
    newbie = net.add_guest("newbie")
    net.run_until(lambda: newbie.lobby is not None, 3)
    for name in ("", "n" * 33, "tab\tname", "Host"):
        newbie.submit(DomainCommand.JoinLobby(lobby_id=host.lobby.id, guest_name=name), net.now)
        net.flush()
    net.advance(0.5)
    assert host.lobby.chat == ()
    assert len(host.lobby.participants) == 3
    assert host.stats["rejected:SendChat"] == 4
    assert host.stats["rejected:JoinLobby"] == 4


# --- password -----------------------------------------------------------------------------


def password_net(guest_password: str | None, seed: int = 3):
    net = SimNet(seed)
    host = LobbySync.create_host("host", "Secret", "Host", net.now, new_id=net.new_uuid,
                                 password="hunter2")
    net.attach("host", host)
    guest = LobbySync.create_guest("guest", password=guest_password)
    net.attach("guest", guest)
    net.advance(1.0)
    return net, host, guest


def test_right_password_lets_the_guest_in():
    net, host, guest = password_net("hunter2")
    assert guest.lobby is not None
    guest.submit(DomainCommand.JoinLobby(lobby_id=guest.lobby.id, guest_name="Bob"), net.now)
    net.flush()
    assert net.run_until(lambda: guest.local_participant_id is not None, 3)
    assert net.run_until(net.converged, 3)


def test_wrong_or_missing_password_shows_nothing_and_says_why():
    for pw in ("wrong", None):
        net, host, guest = password_net(pw)
        assert guest.lobby is None  # no snapshot, no events
        denied = [e for e in guest.drain_events() if isinstance(e, AccessDenied)]
        assert denied and denied[0].host_peer == "host"
        # nor do commands, rejoins or requests get anywhere
        inject(net, [host], Command(request_id=1, command=DomainCommand.JoinLobby(
            lobby_id=host.lobby.id, guest_name="Eve")), sender="guest")
        inject(net, [host], RequestMissingEvents(lobby_id=host.lobby.id, from_sequence=1,
                                                 to_sequence=10), sender="guest")
        inject(net, [host], RequestFullSync(lobby_id=host.lobby.id, last_known_sequence=0),
               sender="guest")
        net.advance(1.0)
        assert guest.lobby is None and len(host.lobby.participants) == 1
        assert host.stats["rejected:JoinLobby"] == 1
    assert host.stats["dropped:not_authorized"] == 1


def test_password_guessing_is_capped_and_proofs_do_not_replay():
    net, host, guest = password_net("hunter2")
    lid = host.lobby.id
    # a proof made for "guest" is worthless from another peer id
    stolen = password_proof("hunter2", lid, "host", "guest")
    net.attach("eve", LobbySync.create_guest("eve"))
    host.receive("eve", encode(Authenticate(lobby_id=lid, proof=stolen)), net.now)
    for guess in ("a", "b", "c", "d", "e"):
        host.receive("eve", encode(Authenticate(
            lobby_id=lid, proof=password_proof(guess, lid, "host", "eve"))), net.now)
    right = password_proof("hunter2", lid, "host", "eve")
    host.receive("eve", encode(Authenticate(lobby_id=lid, proof=right)), net.now)
    assert "eve" not in host.password_verified_peers
    assert host.stats["rejected:password"] == host.config.max_auth_attempts
    assert host.stats["dropped:auth_attempts"] == 7 - host.config.max_auth_attempts
