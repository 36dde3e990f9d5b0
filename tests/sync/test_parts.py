"""The small parts of the sync engine on their own: commands in flight, sequenced commands,
the password gate."""

from __future__ import annotations

from uuid import UUID

from konnekt_arcade.domain import DomainCommand
from konnekt_arcade.sync import AccessDenied, Authenticate, AuthRequired, LobbySync, decode
from konnekt_arcade.sync._exactly_once import (
    InFlight,
    PendingCommands,
    SequencedCommands,
    first_request_id,
)
from konnekt_arcade.sync._wire import Command, CommandOrigin, encode

P = UUID(int=7)


def cmd(rid: int) -> Command:
    return Command(request_id=rid, command=DomainCommand.SendChat(
        lobby_id=P, participant_id=P, text=str(rid)))


def test_pending_commands_go_once_to_each_new_host_oldest_first():
    pending = PendingCommands(limit=3, timeout=10.0)
    for rid in (5, 3, 4):
        pending.add(InFlight(rid, "SendChat", cmd(rid), deadline=10.0))
    assert pending.full()
    assert [i.request_id for i in pending.to_send("h1", 1.0)] == [3, 4, 5]
    assert pending.to_send("h1", 2.0) == []  # already there
    sent = pending.to_send("h2", 3.0)  # a new host: everything again, new deadlines
    assert [(i.request_id, i.deadline) for i in sent] == [(3, 13.0), (4, 13.0), (5, 13.0)]
    assert pending.pop(4) is not None and pending.pop(4) is None
    assert [i.request_id for i in pending.expired(13.0)] == [3, 5] and len(pending) == 0


def test_rejoins_are_never_resent_and_are_forgotten_on_a_host_change():
    pending = PendingCommands(limit=8, timeout=10.0)
    pending.add(InFlight(1, "Rejoin", None, deadline=float("inf"), sent_to="h1"))
    pending.add(InFlight(2, "SendChat", cmd(2), deadline=10.0))
    assert [i.request_id for i in pending.to_send("h2", 0.0)] == [2]
    pending.forget_rejoins()
    assert 1 not in pending and 2 in pending


def test_sequenced_commands_are_bounded_and_travel_in_snapshots():
    seen = SequencedCommands(limit=3)
    for rid in range(5):
        seen.record(CommandOrigin(participant_id=P, request_id=rid))
    assert len(seen) == 3 and (P, 0) not in seen and (P, 4) in seen
    copy = SequencedCommands(limit=3)
    copy.reset(seen.origins())
    assert [(o.participant_id, o.request_id) for o in copy.origins()] == [(P, 2), (P, 3), (P, 4)]


def test_request_ids_of_two_incarnations_do_not_meet():
    a, b = first_request_id("peer-a"), first_request_id("peer-b")
    assert a != b and abs(a - b) >= 1 << 20
    assert first_request_id("peer-a") == a  # deterministic


def test_password_gate_proves_once_and_reports_a_refusal():
    guest = LobbySync.create_guest("g", password="pw")
    lobby = UUID(int=9)
    guest.receive("h", encode(AuthRequired(lobby_id=lobby)), 0.0)
    (out,) = guest.data_to_send()
    assert out.peer == "h" and isinstance(decode(out.data), Authenticate)
    guest.receive("h", encode(AuthRequired(lobby_id=lobby)), 0.1)
    assert guest.data_to_send() == []  # the same proof would not be different
    no_password = LobbySync.create_guest("g2")
    no_password.receive("h", encode(AuthRequired(lobby_id=lobby)), 0.0)
    assert any(isinstance(e, AccessDenied) for e in no_password.drain_events())


def test_password_gate_lets_only_provers_see_the_lobby():
    host = LobbySync.create_host("h", "L", "Hana", 0.0, password="pw")
    host.peer_connected("g", 0.0)
    assert [type(decode(o.data)).__name__ for o in host.data_to_send()] == ["AuthRequired"]
    assert "g" not in host.password_verified_peers
    guest = LobbySync.create_guest("g", password="pw")
    guest.receive("h", encode(AuthRequired(lobby_id=host.lobby.id)), 0.0)
    for out in guest.data_to_send():
        host.receive("g", out.data, 0.1)
    assert "g" in host.password_verified_peers
    assert "FullSyncResponse" in [type(decode(o.data)).__name__ for o in host.data_to_send()]
