"""Lobby time: every peer's ``now`` (``time.monotonic()``) starts anywhere, so a successor on
another machine goes on in the lobby's time (its creator's clock, learnt from the old host's
live events). A run's deadline then passes when it should under the new host — not at once,
not never (issue 23: a round stayed InProgress long after it should have ended) — and a
newcomer's ``joined_at`` ranks after everyone who joined before it."""

from __future__ import annotations

from konnekt_arcade.domain import DomainCommand, DomainEvent
from konnekt_arcade.sync import LobbySync

#: The host's clock reads this much more than the guest's at the same instant.
SKEW = 1000.0


def deliver(src: LobbySync, src_peer: str, dst: LobbySync, dst_now: float) -> None:
    for peer, _channel, data in src.data_to_send():
        if peer == dst.local_peer:
            dst.receive(src_peer, data, dst_now)


def pump(host: LobbySync, guest: LobbySync, t: float) -> None:
    """Exchange everything at guest time ``t`` (host time ``t + SKEW``)."""
    for _ in range(5):
        deliver(host, "h", guest, t)
        deliver(guest, "g", host, t + SKEW)


def test_a_run_deadline_passes_on_time_under_a_successor_with_another_clock() -> None:
    host = LobbySync.create_host("h", "Lobby", "Hana", SKEW)
    guest = LobbySync.create_guest("g")
    host.peer_connected("g", SKEW)
    guest.peer_connected("h", 0.0)
    pump(host, guest, 0.0)
    assert guest.lobby is not None
    guest.submit(DomainCommand.JoinLobby(lobby_id=guest.lobby.id, guest_name="Gus"), 0.0)
    pump(host, guest, 0.0)
    lobby = host.lobby
    assert lobby is not None and len(lobby.participants) == 2
    hid = host.local_participant_id
    host.submit(DomainCommand.QueueActivity(lobby_id=lobby.id, host_id=hid,
                                            activity_type="quiz", name="Round"), SKEW)
    host.submit(DomainCommand.StartNextRun(lobby_id=lobby.id, host_id=hid, duration_ms=5000),
                SKEW)  # ends at host time SKEW + 5
    pump(host, guest, 0.0)
    assert guest.lobby.current_run is not None
    guest.drain_events()
    guest.peer_disconnected("h", 1.0)  # the host is gone; the guest takes over
    guest.tick(1.0)
    assert guest.is_host
    ended_at = None
    t = 1.0
    while t < 8.0 and ended_at is None:
        t += 0.1
        guest.tick(t)
        if any(isinstance(e, DomainEvent.RunEnded) for e in guest.drain_events()):
            ended_at = t
    assert ended_at is not None, "the run never expired under the new host"
    assert 4.9 <= ended_at <= 5.2, ended_at  # when the old host would have ended it


def test_a_newcomer_under_a_successor_ranks_after_the_earlier_players() -> None:
    host = LobbySync.create_host("h", "Lobby", "Hana", SKEW)
    guest = LobbySync.create_guest("g")
    host.peer_connected("g", SKEW)
    guest.peer_connected("h", 0.0)
    pump(host, guest, 0.0)
    guest.submit(DomainCommand.JoinLobby(lobby_id=guest.lobby.id, guest_name="Gus"), 0.5)
    pump(host, guest, 0.5)
    guest.peer_disconnected("h", 1.0)
    guest.tick(1.0)
    assert guest.is_host
    newcomer = LobbySync.create_guest("n")
    guest.peer_connected("n", 2.0)
    newcomer.peer_connected("g", 2.0)
    for _ in range(5):
        deliver(guest, "g", newcomer, 2.0)
        deliver(newcomer, "n", guest, 2.0)
    newcomer.submit(DomainCommand.JoinLobby(lobby_id=newcomer.lobby.id, guest_name="Nia"), 2.0)
    for _ in range(5):
        deliver(guest, "g", newcomer, 2.0)
        deliver(newcomer, "n", guest, 2.0)
    joined = {p.name: p.joined_at for p in guest.lobby.participants}
    assert joined["Hana"] < joined["Gus"] < joined["Nia"], joined
